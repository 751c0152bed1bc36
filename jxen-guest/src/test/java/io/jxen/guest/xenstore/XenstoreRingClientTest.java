package io.jxen.guest.xenstore;

import io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.OrderedAccess;
import io.jxen.sim.Seeds;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XenstoreRingClientTest {

    private static final long STORE_GFN = XenstoreRig.STORE_GFN;

    private static byte[] writePayload(String path, String value) {
        byte[] p = (path + "\0").getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[p.length + v.length];
        System.arraycopy(p, 0, out, 0, p.length);
        System.arraycopy(v, 0, out, p.length, v.length);
        return out;
    }

    @Test
    void manyRequestsInFlightAreMatchedByReqIdAcrossRingWraps() {
        Seeds.run(seed -> {
            try (XenstoreRig rig = new XenstoreRig(seed)) {
                SplittableRandom random = new SplittableRandom(seed);
                int keys = 120;
                String[] values = new String[keys];
                List<CompletableFuture<byte[]>> writes = new ArrayList<>();
                for (int i = 0; i < keys; i++) {
                    values[i] = "v" + i + "-" + "x".repeat(random.nextInt(400));
                    writes.add(rig.xs.submit(XsMessageTypes.WRITE, 0, writePayload(rig.home + "/k" + i, values[i])));
                    if (random.nextInt(4) == 0) {
                        for (int s = random.nextInt(5); s > 0; s--) {
                            rig.step();
                        }
                    }
                }
                rig.runUntil(() -> writes.stream().allMatch(CompletableFuture::isDone));
                for (CompletableFuture<byte[]> w : writes) {
                    assertThat(new String(w.join(), StandardCharsets.US_ASCII)).isEqualTo("OK\0");
                }
                int[] asked = new int[300];
                List<CompletableFuture<byte[]>> reads = new ArrayList<>();
                for (int i = 0; i < asked.length; i++) {
                    asked[i] = random.nextInt(keys + 5); // a few missing keys: ENOENT replies in between
                    reads.add(rig.xs.submit(XsMessageTypes.READ, 0, rig.home + "/k" + asked[i]));
                    if (random.nextInt(3) == 0) {
                        rig.step();
                    }
                }
                assertThat(rig.xs.inFlight()).isPositive();
                rig.runUntil(() -> reads.stream().allMatch(CompletableFuture::isDone));
                for (int i = 0; i < asked.length; i++) {
                    CompletableFuture<byte[]> r = reads.get(i);
                    if (asked[i] >= keys) {
                        assertThat(r).isCompletedExceptionally();
                        assertThatThrownBy(r::join).hasCauseInstanceOf(XenstoreException.class);
                    } else {
                        assertThat(new String(r.join(), StandardCharsets.ISO_8859_1)).isEqualTo(values[asked[i]]);
                    }
                }
                assertThat(rig.xs.inFlight()).isZero();
                assertThat(rig.guest.intr().count(XenstoreRingClient.IRQ_NAME)).isPositive();
            }
        });
    }

    @Test
    void watchesFireOnTheWatchThread() throws Exception {
        try (XenstoreRig rig = new XenstoreRig(7)) {
            List<String> events = new ArrayList<>();
            CompletableFuture<byte[]> w = rig.xs.submit(XsMessageTypes.WATCH, 0, rig.home + "/device", "tok");
            // Register the listener the way watch() does, but without blocking: use the API on a helper thread.
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    rig.xs.watch(rig.home + "/control", "ctl", (path, token) -> events.add(path + "|" + token));
                } catch (XenstoreException | IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            rig.runUntil(() -> !t.isAlive());
            t.join();
            rig.await(w);
            rig.watchThread.drain();
            assertThat(events).containsExactly(rig.home + "/control|ctl"); // the initial firing
            rig.xenstored.dom0Write(rig.home + "/control/shutdown", "poweroff");
            rig.runUntil(() -> rig.watchThread.queued() > 0);
            assertThat(events).hasSize(1); // not on the reader: only when the watch thread runs
            rig.watchThread.drain();
            assertThat(events).containsExactly(rig.home + "/control|ctl", rig.home + "/control/shutdown|ctl");
        }
    }

    @Test
    void theBlockingApiWithConcurrentCallersAndTransactionsRetryingOnEagain() throws Exception {
        try (XenstoreRig rig = new XenstoreRig(11)) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread loop = Thread.ofPlatform().name("vcpu0+xenstored").start(() -> {
                while (!stop.get()) {
                    if (rig.step() == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
            try {
                rig.xs.write(rig.home + "/name", "guest1");
                assertThat(rig.xs.read(rig.home + "/name")).isEqualTo("guest1");
                assertThat(rig.xs.directory(rig.home)).contains("name");
                assertThatThrownBy(() -> rig.xs.read(rig.home + "/missing")).isInstanceOf(XenstoreException.class)
                        .satisfies(e -> assertThat(((XenstoreException) e).error()).isEqualTo(XsError.ENOENT));
                assertThatThrownBy(() -> rig.xs.write("/local/domain/0/x", "1")).isInstanceOf(XenstoreException.class);

                // Eight callers, each with its own keys: every reply must be its own.
                List<Thread> callers = new ArrayList<>();
                AtomicInteger mismatches = new AtomicInteger();
                List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
                for (int c = 0; c < 8; c++) {
                    int caller = c;
                    callers.add(Thread.ofPlatform().start(() -> {
                        try {
                            for (int i = 0; i < 40; i++) {
                                String path = rig.home + "/c" + caller + "/k" + i;
                                String value = "c" + caller + "i" + i;
                                rig.xs.write(path, value);
                                if (!rig.xs.read(path).equals(value)) {
                                    mismatches.incrementAndGet();
                                }
                            }
                        } catch (XenstoreException | IOException | RuntimeException e) {
                            errors.add(e);
                        }
                    }));
                }
                for (Thread t : callers) {
                    t.join();
                }
                assertThat(errors).isEmpty();
                assertThat(mismatches).hasValue(0);

                // A conflicting write by dom0 inside the transaction: commit fails with EAGAIN, the body reruns.
                rig.xs.write(rig.home + "/counter", "1");
                AtomicInteger attempts = new AtomicInteger();
                String result = rig.xs.inTransaction(tx -> {
                    String v = tx.read(rig.home + "/counter");
                    if (attempts.incrementAndGet() == 1) {
                        rig.xenstored.dom0Write(rig.home + "/counter", "10");
                    }
                    tx.write(rig.home + "/counter", Integer.toString(Integer.parseInt(v) + 1));
                    return v;
                });
                assertThat(attempts).hasValue(2);
                assertThat(result).isEqualTo("10");
                assertThat(rig.xs.read(rig.home + "/counter")).isEqualTo("11");
            } finally {
                stop.set(true);
                loop.join();
            }
        }
    }

    @Test
    void hostileIndexesFailTheConnectionNotTheGuest() throws Exception {
        try (XenstoreRig rig = new XenstoreRig(3)) {
            CompletableFuture<byte[]> r = rig.xs.submit(XsMessageTypes.READ, 0, rig.home + "/x");
            MemorySegment ring = rig.guest.memory().page(STORE_GFN);
            int cons = OrderedAccess.getIntPlain(ring, XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET);
            OrderedAccess.setIntRelease(ring, XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET, cons + 5000);
            rig.xs.pump();
            assertThat(r).isCompletedExceptionally();
            assertThatThrownBy(r::join).hasCauseInstanceOf(IOException.class).hasMessageContaining("hostile");
            assertThat(rig.xs.failure()).isNotNull();
            assertThat(rig.xs.submit(XsMessageTypes.READ, 0, rig.home + "/x")).isCompletedExceptionally();
        }
    }

    /**
     * A request after the domain was destroyed fails with an IOException (the connection is
     * broken), not with the notification hypercall's runtime exception: watch callbacks such as
     * XenControl's answer a dying domain's last events and treat I/O failures as the end.
     */
    @Test
    void aDestroyedDomainsRequestsFailAsBrokenConnections() throws Exception {
        try (XenstoreRig rig = new XenstoreRig(5)) {
            assertThat(rig.host.hv.destroyDomain(rig.du.domid())).isTrue();
            CompletableFuture<byte[]> r = rig.xs.submit(XsMessageTypes.READ, 0, rig.home + "/x");
            assertThat(r).isCompletedExceptionally();
            assertThatThrownBy(r::join).hasCauseInstanceOf(IOException.class).hasMessageContaining("ESRCH");
            assertThat(rig.xs.failure()).isNotNull();
        }
    }

    /**
     * dom0 floods a watched subtree of the guest (distinct nodes, and one node many times)
     * while the guest's watch thread does not run: what waits stays within the per-watch bound
     * and the watch executor holds one task; when it runs, the listener sees the kept events
     * and then one rescan of the watched path.
     */
    @Test
    void aWatchFloodFromTheServerWaitsInBoundedMemory() throws Exception {
        try (XenstoreRig rig = new XenstoreRig(29)) {
            List<String> events = new ArrayList<>();
            String root = rig.home + "/device";
            CompletableFuture<byte[]> w = rig.xs.submit(XsMessageTypes.WATCH, 0, root, "w");
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    rig.xs.watch(root, "dev", (path, token) -> events.add(path));
                } catch (XenstoreException | IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            rig.runUntil(() -> !t.isAlive());
            t.join();
            rig.await(w);
            int limit = io.jxen.xenstore.client.WatchEventQueue.DEFAULT_PER_WATCH_LIMIT;
            for (int i = 0; i < 500; i++) {
                rig.xenstored.dom0Write(root + "/same", "v" + i);
            }
            for (int i = 0; i < 4 * limit; i++) {
                rig.xenstored.dom0Write(root + "/n" + i, "x");
                rig.step();
            }
            CompletableFuture<byte[]> sync = rig.xs.submit(XsMessageTypes.READ, 0, root + "/same");
            rig.await(sync); // replies follow the events queued before them
            var q = rig.xs.watchEvents();
            assertThat(q.waiting()).isLessThanOrEqualTo(limit + 1);
            assertThat(q.coalesced()).isPositive();
            assertThat(q.collapsed()).isPositive();
            assertThat(rig.watchThread.queued()).isEqualTo(1);
            rig.watchThread.drain();
            assertThat(events.getFirst()).isEqualTo(root); // the initial firing
            assertThat(events).contains(root + "/same");
            assertThat(events.getLast()).isEqualTo(root);
            assertThat(events.size()).isLessThanOrEqualTo(limit + 2);
        }
    }
}
