package io.jxen.xenstore.server;

import io.jxen.sim.Seeds;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XenstoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a journaled xenstored (its own JVM) at a seeded moment of a write storm by several
 * clients, plain writes and transactions, in rounds that sometimes compact every few KiB (so a
 * kill can land inside a compaction): after a restart on the same journal every acknowledged
 * write is there, and every transaction is there wholly or not at all.
 */
class JournalCrashTest {

    private static final int WRITERS = 3;

    @TempDir
    Path dir;

    private Process start(Path sock, Path journal, long compactBytes) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                XenstoredMain.class.getName(), "--socket", sock.toString(), "--journal", journal.toString(),
                "--journal-compact", Long.toString(compactBytes)))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("xenstored: listening on")) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (out.readLine() != null) {
                            // drain
                        }
                    } catch (IOException e) {
                        // the child died
                    }
                });
                return p;
            }
        }
        throw new AssertionError("xenstored did not start: exit " + p.waitFor(10, TimeUnit.SECONDS));
    }

    /** An acknowledged or attempted transaction: three nodes with one value. */
    private record Group(String base, String value) {
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS) // guards the build only; nothing waits on time
    void killMinus9DuringAWriteStormLosesNoAcknowledgedWrite() {
        Seeds.run(seed -> {
            try {
                crashRounds(new SplittableRandom(seed));
            } catch (IOException | XenstoreException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private void crashRounds(SplittableRandom rnd) throws IOException, InterruptedException, XenstoreException {
        Path journal = dir.resolve("journal");
        Map<String, String> acked = new ConcurrentHashMap<>();
        Map<String, Group> ackedGroups = new ConcurrentHashMap<>();
        Map<String, Group> attemptedGroups = new ConcurrentHashMap<>();
        for (int round = 0; round < 3; round++) {
            Path sock = dir.resolve("sock" + round);
            // Some rounds compact often, so the kill may land inside a compaction.
            long compact = rnd.nextBoolean() ? 2048 + rnd.nextInt(8192) : 16L << 20;
            Process p = start(sock, journal, compact);
            try {
                int killAfter = 20 + rnd.nextInt(400);
                CountDownLatch enough = new CountDownLatch(killAfter);
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    String prefix = "/storm/r" + round + "/w" + w;
                    long writerSeed = rnd.nextLong();
                    writers.add(Thread.ofPlatform().daemon().start(() -> storm(sock, prefix, writerSeed, enough, acked,
                            ackedGroups, attemptedGroups)));
                }
                enough.await();
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
                for (Thread t : writers) {
                    t.join();
                }
            } finally {
                p.destroyForcibly();
            }
            verify(dir.resolve("check" + round), journal, acked, ackedGroups, attemptedGroups);
        }
        assertThat(acked).hasSizeGreaterThan(20);
    }

    private static void storm(Path sock, String prefix, long seed, CountDownLatch enough, Map<String, String> acked,
                              Map<String, Group> ackedGroups, Map<String, Group> attemptedGroups) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (XenstoreClient xs = XenstoreClient.connect(sock)) {
            for (int i = 0; ; i++) {
                if (rnd.nextInt(4) == 0) {
                    Group g = new Group(prefix + "/tx" + i, "g" + i + "-" + rnd.nextInt(1000));
                    attemptedGroups.put(g.base(), g);
                    xs.inTransaction(tx -> {
                        tx.write(g.base() + "/a", g.value());
                        tx.write(g.base() + "/b", g.value());
                        tx.write(g.base() + "/c", g.value());
                        return null;
                    });
                    ackedGroups.put(g.base(), g);
                } else {
                    String path = prefix + "/k" + i;
                    String value = "v" + i + "-" + rnd.nextInt(1_000_000);
                    xs.write(path, value);
                    acked.put(path, value);
                }
                enough.countDown();
            }
        } catch (IOException | XenstoreException | RuntimeException e) {
            // the daemon was killed
        }
    }

    private void verify(Path sock, Path journal, Map<String, String> acked, Map<String, Group> ackedGroups,
                        Map<String, Group> attemptedGroups) throws IOException, InterruptedException, XenstoreException {
        Process p = start(sock, journal, 4096);
        try (XenstoreClient xs = XenstoreClient.connect(sock)) {
            for (Map.Entry<String, String> e : acked.entrySet()) {
                assertThat(xs.read(e.getKey())).as("acknowledged %s", e.getKey()).isEqualTo(e.getValue());
            }
            for (Group g : attemptedGroups.values()) {
                List<String> values = new ArrayList<>();
                for (String leaf : List.of("a", "b", "c")) {
                    try {
                        values.add(xs.read(g.base() + "/" + leaf));
                    } catch (XenstoreException missing) {
                        values.add(null);
                    }
                }
                boolean none = values.stream().allMatch(v -> v == null);
                boolean all = values.stream().allMatch(g.value()::equals);
                assertThat(none || all).as("transaction %s half applied: %s", g.base(), values).isTrue();
                if (ackedGroups.containsKey(g.base())) {
                    assertThat(all).as("acknowledged transaction %s", g.base()).isTrue();
                }
            }
        } finally {
            p.destroy();
            p.waitFor();
        }
    }
}
