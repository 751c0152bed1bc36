package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.sim.Seeds;
import io.jxen.xenstore.journal.Journal;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Node;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The core with a journal: what it committed comes back after a restart, and only that. */
class JournalReplayTest {

    @TempDir
    Path dir;

    private static final class Daemon implements AutoCloseable {
        final Journal journal;
        final XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        final List<XsMessage> inbox = new ArrayList<>();
        final Connection dom0;

        Daemon(Path dir, long compactBytes) throws IOException {
            journal = Journal.open(dir, compactBytes);
            core.attachJournal(journal);
            dom0 = core.connect(Caller.DOM0, m -> {
                inbox.add(m);
                return true;
            });
        }

        XsMessage send(int type, int tx, String... args) {
            inbox.clear();
            core.handle(dom0, XsMessage.ofStrings(type, 1, tx, args));
            assertThat(core.syncJournal()).isTrue();
            return inbox.stream().filter(m -> m.type() != XsMessageTypes.WATCH_EVENT).reduce((a, b) -> b).orElseThrow();
        }

        String read(String path) {
            XsMessage r = send(XsMessageTypes.READ, 0, path);
            return r.type() == XsMessageTypes.ERROR ? null : new String(r.payload(), StandardCharsets.ISO_8859_1);
        }

        /** The whole tree as text, for comparisons. */
        Map<String, String> tree() {
            Map<String, String> out = new TreeMap<>();
            List<String> todo = new ArrayList<>(List.of("/"));
            while (!todo.isEmpty()) {
                String p = todo.removeLast();
                String value = read(p);
                String perms = new String(send(XsMessageTypes.GET_PERMS, 0, p).payload(), StandardCharsets.ISO_8859_1);
                String children = new String(send(XsMessageTypes.DIRECTORY, 0, p).payload(), StandardCharsets.ISO_8859_1);
                out.put(p, value + "|" + perms + "|" + children);
                for (String c : children.split("\0")) {
                    if (!c.isEmpty()) {
                        todo.add(p.equals("/") ? "/" + c : p + "/" + c);
                    }
                }
            }
            return out;
        }

        @Override
        public void close() throws IOException {
            journal.close();
        }
    }

    @Test
    void everyKindOfCommittedChangeSurvivesARestart() throws IOException {
        Map<String, String> before;
        try (Daemon d = new Daemon(dir, Journal.DEFAULT_COMPACT_BYTES)) {
            d.send(XsMessageTypes.WRITE, 0, "/a/b/c", "1");
            d.send(XsMessageTypes.MKDIR, 0, "/m/n");
            d.send(XsMessageTypes.INTRODUCE, 0, "5", "0", "1");
            d.send(XsMessageTypes.SET_PERMS, 0, "/a/b", "n5", "r0");
            d.send(XsMessageTypes.WRITE, 0, "/gone/x", "y");
            d.send(XsMessageTypes.RM, 0, "/gone");
            int tx = Integer.parseInt(new String(d.send(XsMessageTypes.TRANSACTION_START, 0, "").payload(),
                    StandardCharsets.US_ASCII).trim().replace("\0", ""));
            d.send(XsMessageTypes.WRITE, tx, "/t/1", "one");
            d.send(XsMessageTypes.WRITE, tx, "/t/2", "two");
            d.send(XsMessageTypes.TRANSACTION_END, tx, "T");
            int aborted = Integer.parseInt(new String(d.send(XsMessageTypes.TRANSACTION_START, 0, "").payload(),
                    StandardCharsets.US_ASCII).replace("\0", ""));
            d.send(XsMessageTypes.WRITE, aborted, "/never", "x");
            d.send(XsMessageTypes.TRANSACTION_END, aborted, "F");
            d.send(XsMessageTypes.INTRODUCE, 0, "6", "0", "1");
            d.send(XsMessageTypes.WRITE, 0, "/local/domain/6/x", "y");
            d.send(XsMessageTypes.SET_PERMS, 0, "/local/domain/6/x", "n6");
            d.send(XsMessageTypes.RELEASE, 0, "6");
            d.send(XsMessageTypes.SET_PERMS, 0, "@releaseDomain", "n0", "r5");
            before = d.tree();
            assertThat(before).containsKeys("/t/1", "/t/2", "/a/b/c").doesNotContainKeys("/gone", "/never",
                    "/local/domain/6/x");
        }
        try (Daemon d = new Daemon(dir, Journal.DEFAULT_COMPACT_BYTES)) {
            assertThat(d.tree()).isEqualTo(before);
            assertThat(d.core.isIntroduced(5)).isTrue();
            assertThat(d.core.isIntroduced(6)).isFalse();
            assertThat(d.journal.droppedTailBytes()).isZero();
            // The special path's permissions came back too: dom5 may now watch it (WATCH is
            // allowed anyway; GET_PERMS on @-paths is EINVAL as in C, so look at SET_PERMS by dom5).
            List<XsMessage> got = new ArrayList<>();
            Connection g5 = d.core.connect(Caller.guest(5), m -> {
                got.add(m);
                return true;
            });
            d.core.handle(g5, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "@releaseDomain", "r"));
            got.clear();
            d.send(XsMessageTypes.INTRODUCE, 0, "7", "0", "1");
            d.send(XsMessageTypes.RELEASE, 0, "7");
            assertThat(got).extracting(m -> new String(m.payload(), StandardCharsets.ISO_8859_1))
                    .contains("@releaseDomain\0r\0");
        }
    }

    @Test
    void aMergedCommitIsJournaledAsCommitted() throws IOException {
        Map<String, String> before;
        try (Daemon d = new Daemon(dir, Journal.DEFAULT_COMPACT_BYTES)) {
            d.send(XsMessageTypes.WRITE, 0, "/s/old", "o");
            int tx = Integer.parseInt(new String(d.send(XsMessageTypes.TRANSACTION_START, 0, "").payload(),
                    StandardCharsets.US_ASCII).replace("\0", ""));
            d.send(XsMessageTypes.MKDIR, tx, "/s/mine");
            d.send(XsMessageTypes.RM, tx, "/s/old");
            Connection other = d.core.connect(Caller.DOM0, m -> true);
            d.core.handle(other, XsMessage.ofStrings(XsMessageTypes.MKDIR, 1, 0, "/s/theirs"));
            assertThat(d.core.syncJournal()).isTrue();
            assertThat(d.send(XsMessageTypes.TRANSACTION_END, tx, "T").type()).isEqualTo(XsMessageTypes.TRANSACTION_END);
            before = d.tree();
            assertThat(before.get("/s")).endsWith("|theirs\0mine\0");
        }
        try (Daemon d = new Daemon(dir, Journal.DEFAULT_COMPACT_BYTES)) {
            assertThat(d.tree()).as("the merged child list came back").isEqualTo(before);
            assertThat(d.core.checkStore()).isEmpty();
        }
    }

    @Test
    void aTornOrCorruptTailIsDroppedNeverHalfApplied() throws IOException {
        Seeds.run(seed -> {
            try {
                tornTail(new SplittableRandom(seed), dir.resolve("s" + seed));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private void tornTail(SplittableRandom rnd, Path jdir) throws IOException {
        Map<String, String> before;
        Path file;
        long lengthBefore;
        try (Daemon d = new Daemon(jdir, Journal.DEFAULT_COMPACT_BYTES)) {
            for (int i = 0; i < 20; i++) {
                d.send(XsMessageTypes.WRITE, 0, "/k/" + i, "v" + i);
            }
            before = d.tree();
            lengthBefore = d.journal.size();
            // The last request, a transaction of several nodes, will be torn.
            int tx = Integer.parseInt(new String(d.send(XsMessageTypes.TRANSACTION_START, 0, "").payload(),
                    StandardCharsets.US_ASCII).replace("\0", ""));
            for (int i = 0; i < 5; i++) {
                d.send(XsMessageTypes.WRITE, tx, "/tx/" + i, "t");
            }
            d.send(XsMessageTypes.TRANSACTION_END, tx, "T");
            file = d.journal.file();
        }
        long full = Files.size(file);
        assertThat(full).isGreaterThan(lengthBefore);
        if (rnd.nextBoolean()) {
            // kill -9 in the middle of the write: a prefix of the last record.
            long cut = lengthBefore + 1 + rnd.nextLong(full - lengthBefore - 1);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
        } else {
            // A flipped byte inside the last record, or garbage after it.
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                long at = lengthBefore + 8 + rnd.nextLong(full - lengthBefore - 8);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                b.put(0, (byte) (rnd.nextInt(255) + 1));
                try (FileChannel r = FileChannel.open(file, StandardOpenOption.READ)) {
                    java.nio.ByteBuffer old = java.nio.ByteBuffer.allocate(1);
                    r.read(old, at);
                    b.put(0, (byte) (old.get(0) ^ b.get(0)));
                }
                ch.write(b, at);
            }
        }
        try (Daemon d = new Daemon(jdir, Journal.DEFAULT_COMPACT_BYTES)) {
            assertThat(d.journal.droppedTailBytes()).isPositive();
            assertThat(d.tree()).isEqualTo(before);
            assertThat(Files.size(file)).isEqualTo(lengthBefore);
            // Appending after the cut works, and survives another restart.
            d.send(XsMessageTypes.WRITE, 0, "/after", "ok");
        }
        try (Daemon d = new Daemon(jdir, Journal.DEFAULT_COMPACT_BYTES)) {
            assertThat(d.read("/after")).isEqualTo("ok\0");
            assertThat(d.journal.droppedTailBytes()).isZero();
        }
    }

    @Test
    void compactionKeepsTheStoreAndBoundsTheJournal() throws IOException {
        Map<String, String> before;
        try (Daemon d = new Daemon(dir, 16 * 1024)) {
            for (int i = 0; i < 2000; i++) {
                d.send(XsMessageTypes.WRITE, 0, "/c/" + (i % 37), "value-" + i);
                if (i % 100 == 0) {
                    d.send(XsMessageTypes.RM, 0, "/c/" + (i % 7));
                }
            }
            d.send(XsMessageTypes.INTRODUCE, 0, "9", "0", "1");
            d.send(XsMessageTypes.SET_PERMS, 0, "@introduceDomain", "n0", "r9");
            for (int i = 0; i < 300; i++) {
                d.send(XsMessageTypes.WRITE, 0, "/c/z", "more-" + i);
            }
            assertThat(d.journal.compactions()).isPositive();
            assertThat(d.journal.size()).isLessThanOrEqualTo(16 * 1024 + 4096);
            before = d.tree();
        }
        try (Stream s = new Stream(dir)) {
            assertThat(s.files).contains("snapshot").noneMatch(f -> f.equals("snapshot.tmp"));
            assertThat(s.files.stream().filter(f -> f.startsWith("journal-"))).hasSize(1);
        }
        try (Daemon d = new Daemon(dir, 16 * 1024)) {
            assertThat(d.tree()).isEqualTo(before);
            assertThat(d.core.isIntroduced(9)).isTrue();
            Map<String, Node> recovered = d.journal.recoveredNodes();
            assertThat(recovered).containsKey("/c").containsKey("@introduceDomain");
            List<XsMessage> got = new ArrayList<>();
            Connection g9 = d.core.connect(Caller.guest(9), m -> {
                got.add(m);
                return true;
            });
            d.core.handle(g9, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "@introduceDomain", "i"));
            got.clear();
            d.send(XsMessageTypes.INTRODUCE, 0, "10", "0", "1");
            assertThat(got).extracting(m -> new String(m.payload(), StandardCharsets.ISO_8859_1))
                    .containsExactly("@introduceDomain\0i\0");
        }
    }

    private static final class Stream implements AutoCloseable {
        final List<String> files = new ArrayList<>();

        Stream(Path dir) throws IOException {
            try (var s = Files.list(dir)) {
                s.forEach(p -> files.add(p.getFileName().toString()));
            }
        }

        @Override
        public void close() {
        }
    }
}
