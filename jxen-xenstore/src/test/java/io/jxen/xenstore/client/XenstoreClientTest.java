package io.jxen.xenstore.client;

import io.jxen.xenstore.server.XenstoredServer;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XenstoreClientTest {

    @TempDir
    Path dir;
    XenstoredServer server;
    XenstoreClient xs;

    @BeforeEach
    void start() throws Exception {
        server = XenstoredServer.start(dir.resolve("socket"));
        xs = XenstoreClient.connect(server.socket());
    }

    @AfterEach
    void stop() throws Exception {
        xs.close();
        server.close();
    }

    @Test
    void nodeOperations() throws Exception {
        xs.write("/vm/name", "guest");
        assertThat(xs.read("/vm/name")).isEqualTo("guest");
        xs.mkdir("/vm/dir");
        assertThat(xs.directory("/vm")).containsExactly("name", "dir");
        xs.setPerms("/vm/name", List.of("n0", "r5"));
        assertThat(xs.getPerms("/vm/name")).containsExactly("n0", "r5");
        xs.rm("/vm");
        assertThatThrownBy(() -> xs.read("/vm/name"))
                .isInstanceOfSatisfying(XenstoreException.class, e -> assertThat(e.error()).isEqualTo(XsError.ENOENT));
        assertThat(xs.ops().getDomainPath(7)).isEqualTo("/local/domain/7");
        byte[] binary = {0, 1, (byte) 0xff};
        xs.ops().writeBytes("/bin", binary);
        assertThat(xs.ops().readBytes("/bin")).isEqualTo(binary);
    }

    /**
     * A caller whose thread is interrupted (a bus giving up on a hung hook, an executor shut
     * down) gets its own request failed, and the connection it shares with every other user
     * stays open: a socket channel closes itself when an interrupted thread does I/O on it.
     */
    @Test
    void anInterruptedCallerDoesNotCloseTheSharedConnection() throws Exception {
        xs.write("/shared", "before");
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> xs.read("/shared")).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("interrupted");
        } finally {
            Thread.interrupted();
        }
        assertThat(xs.read("/shared")).isEqualTo("before");
        xs.write("/shared", "after");
        assertThat(xs.read("/shared")).isEqualTo("after");
    }

    @Test
    void bigDirectoriesThroughDirectoryPart() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            names.add("child-number-" + i);
            xs.mkdir("/big/child-number-" + i);
        }
        assertThatThrownBy(() -> xs.directory("/big"))
                .isInstanceOfSatisfying(XenstoreException.class, e -> assertThat(e.error()).isEqualTo(XsError.E2BIG));
        assertThat(xs.ops().directoryPart("/big")).containsExactlyElementsOf(names);
    }

    @Test
    void manyThreadsShareOneConnection() throws Exception {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < 100; i++) {
                        xs.write("/mt/" + id + "/" + i, id + ":" + i);
                        assertThat(xs.read("/mt/" + id + "/" + i)).isEqualTo(id + ":" + i);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertThat(failures).isEmpty();
        assertThat(xs.directory("/mt")).hasSize(16);
    }

    @Test
    void watchesDeliverOnTheEventThread() throws Exception {
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        xs.watch("/w", "tok", (path, token) -> events.add(path + " " + token + " " + Thread.currentThread().getName()));
        assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("/w tok xenstore-client-events");
        try (XenstoreClient other = XenstoreClient.connect(server.socket())) {
            other.write("/w/a", "1");
        }
        assertThat(events.poll(10, TimeUnit.SECONDS)).startsWith("/w/a tok");
        xs.unwatch("/w", "tok");
        assertThatThrownBy(() -> xs.unwatch("/w", "tok")).isInstanceOf(XenstoreException.class);
    }

    @Test
    void inTransactionRetriesOnEagain() throws Exception {
        xs.write("/counter", "0");
        AtomicInteger attempts = new AtomicInteger();
        try (XenstoreClient other = XenstoreClient.connect(server.socket())) {
            int result = xs.inTransaction(tx -> {
                int v = Integer.parseInt(tx.read("/counter"));
                if (attempts.incrementAndGet() == 1) {
                    other.write("/counter", "10");
                }
                tx.write("/counter", Integer.toString(v + 1));
                return v + 1;
            });
            assertThat(attempts).hasValue(2);
            assertThat(result).isEqualTo(11);
        }
        assertThat(xs.read("/counter")).isEqualTo("11");
        XenstoreTransaction tx = xs.startTransaction();
        tx.ops().write("/aborted", "x");
        tx.abort();
        assertThatThrownBy(() -> xs.read("/aborted")).isInstanceOf(XenstoreException.class);
    }

    /**
     * A peer floods a watched subtree while our listener is stuck: the events waiting stay
     * within the per-watch bound, and once the listener runs it gets a rescan of the watched
     * path after the events that were kept (XSA-349).
     */
    @Test
    void aWatchFloodWaitsInBoundedMemoryAndEndsInARescan() throws Exception {
        java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch rescanned = new java.util.concurrent.CountDownLatch(1);
        xs.mkdir("/flood");
        xs.watch("/flood", "tok", (path, token) -> {
            try {
                stuck.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen.add(path);
            if (seen.size() > 1 && path.equals("/flood")) {
                rescanned.countDown();
            }
        });
        int writes = 3 * WatchEventQueue.DEFAULT_PER_WATCH_LIMIT;
        try (XenstoreClient peer = XenstoreClient.connect(server.socket())) {
            for (int i = 0; i < writes; i++) {
                peer.write("/flood/n" + i, "x");
            }
        }
        // The daemon queued our events before answering the peer; our reply to this read
        // comes after them, so by now the reader has offered every one.
        xs.read("/flood/n0");
        WatchEventQueue q = xs.watchEvents();
        assertThat(q.waiting()).isLessThanOrEqualTo(WatchEventQueue.DEFAULT_PER_WATCH_LIMIT + 1);
        assertThat(q.collapsed()).isPositive();
        stuck.countDown();
        rescanned.await();
        assertThat(seen.getFirst()).isEqualTo("/flood"); // the initial firing
        assertThat(seen.getLast()).isEqualTo("/flood");
        assertThat(seen.size()).isLessThanOrEqualTo(WatchEventQueue.DEFAULT_PER_WATCH_LIMIT + 2);
    }
}
