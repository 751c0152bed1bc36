package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.jxen.guest.xenbus.CorePair.backNode;
import static io.jxen.guest.xenbus.CorePair.frontNode;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both buses, their stores' watch deliveries and the toolstack under one {@link Interleaver}:
 * every interleaving of store operations a seed draws is run to quiescence, and both ends must
 * end Connected to each other. A failure names its seed; {@code -Djxen.test.xenbus.seed=N}
 * replays that one, {@code -Djxen.test.xenbus.seeds=N} runs N seeds per scenario.
 */
class XenbusInterleavingTest {

    /** The bus logs every failure it publishes; thousands of runs would bury the build's log. */
    private static final java.util.logging.Logger BUS_LOG = java.util.logging.Logger.getLogger("xenbus");
    private static java.util.logging.Level busLogLevel;

    @org.junit.jupiter.api.BeforeAll
    static void quietBus() {
        busLogLevel = BUS_LOG.getLevel();
        BUS_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreBusLog() {
        BUS_LOG.setLevel(busLogLevel);
    }

    private static final String T = TestDriver.TYPE;
    private static final int SEEDS = Integer.getInteger("jxen.test.xenbus.seeds", 300);
    private static final long FIRST_SEED = Long.getLong("jxen.test.xenbus.seed", 1);
    private static final long MAX_TURNS = 100_000;


    /** What the toolstack does, given the running pair and a random source drawn from the seed. */
    @FunctionalInterface
    private interface Toolstack {
        void run(CorePair p, Interleaver il, SplittableRandom r) throws Exception;
    }

    /** What must hold once nothing is left to run. */
    @FunctionalInterface
    private interface End {
        void check(CorePair p, TestDriver fd, TestDriver bd, String where) throws Exception;
    }

    /** A device added and connected, with nothing else happening. */
    @Test
    void aNewDeviceConnectsUnderEveryInterleaving() throws Exception {
        forEachSeed((p, il, r) -> p.addDevice(T, 0));
    }

    /**
     * The driver domain dies at a point the seed picks and comes back after a pause the seed
     * picks too (either bus may or may not have seen its directory go).
     */
    @Test
    void aDriverDomainReCreatedLaterIsFollowedUnderEveryInterleaving() throws Exception {
        forEachSeed(driverDomainRestart(60, 60));
    }

    /**
     * The toolstack removes both halves at a point the seed picks: both ends leave their buses,
     * no error is published, and nothing is written under the removed nodes (a driver's write
     * after the removal would have re-created them).
     */
    @Test
    void aHotUnplugAtAnyPointDetachesBothEndsCleanly() throws Exception {
        forEachSeed((p, il, r) -> {
            p.addDevice(T, 0);
            pause(il, r.nextInt(60));
            p.removeDevice(T, 0);
        }, (p, fd, bd, where) -> {
            assertThat(p.front.device(frontNode(T, 0))).as(where).isEmpty();
            assertThat(p.back.device(backNode(T, 0))).as(where).isEmpty();
            assertThat(p.readOrNull(frontNode(T, 0))).as(where).isNull();
            assertThat(p.readOrNull(backNode(T, 0))).as(where).isNull();
            assertThat(p.error(CorePair.GUEST, frontNode(T, 0))).as(where).isNull();
            assertThat(p.error(0, backNode(T, 0))).as(where).isNull();
            assertThat(fd.overlaps.get() + bd.overlaps.get()).as(where).isZero();
        });
    }

    /**
     * The driver domain dies at a point the seed picks (its backend directory removed) and the
     * toolstack writes its next incarnation at once: the frontend follows it, whatever either
     * end had seen (XenbusFailureTest's at-once reincarnation, every interleaving rather than
     * whichever the host's scheduler gives).
     */
    @Test
    void aDriverDomainReCreatedAtOnceIsFollowedUnderEveryInterleaving() throws Exception {
        forEachSeed(driverDomainRestart(60, 3));
    }

    /**
     * As above, the driver domain dying early, while its backend device is still being found
     * and attached (a window the wider pauses above rarely hit).
     */
    @Test
    void aDriverDomainReCreatedAtOnceWhileItsDeviceAttachesIsFollowed() throws Exception {
        forEachSeed(driverDomainRestart(12, 0));
    }

    /**
     * The toolstack removes the backend half and writes it again in one transaction, at a point
     * the seed picks: no bus ever sees the directory go, only what is in it change.
     */
    @Test
    void aBackendDirectoryWrittenAgainInOneTransactionIsFollowed() throws Exception {
        forEachSeed((p, il, r) -> {
            p.addDevice(T, 0);
            pause(il, r.nextInt(60));
            p.recreateBackend(T, 0);
        });
    }

    /** The same interleaving twice from one seed: the harness replays it exactly. */
    @Test
    void aSeedReplaysItsInterleaving() throws Exception {
        Toolstack reincarnation = driverDomainRestart(60, 0);
        String first = runOne(42, reincarnation);
        String second = runOne(42, reincarnation);
        assertThat(second).isEqualTo(first);
        assertThat(runOne(43, reincarnation)).as("another seed, another interleaving").isNotEqualTo(first);
    }

    /**
     * A device added; its driver domain dies (its backend directory removed) after fewer than
     * {@code beforeDeath} turns and comes back (the backend half written again) after fewer
     * than {@code beforeReturn} more, or at once for 0. Turns drawn from the seed.
     */
    private static Toolstack driverDomainRestart(int beforeDeath, int beforeReturn) {
        return (p, il, r) -> {
            p.addDevice(T, 0);
            pause(il, r.nextInt(beforeDeath));
            p.dom0.rm(backNode(T, 0));
            pause(il, beforeReturn == 0 ? 0 : r.nextInt(beforeReturn));
            p.addBackend(T, 0);
        };
    }

    private static void pause(Interleaver il, int turns) {
        for (int i = 0; i < turns; i++) {
            il.yieldPoint();
        }
    }

    private static void forEachSeed(Toolstack toolstack) throws Exception {
        forEachSeed(toolstack, XenbusInterleavingTest::bothConnected);
    }

    private static void forEachSeed(Toolstack toolstack, End end) throws Exception {
        int seeds = System.getProperty("jxen.test.xenbus.seed") != null ? 1 : SEEDS;
        for (long seed = FIRST_SEED; seed < FIRST_SEED + seeds; seed++) {
            runOne(seed, toolstack, end);
        }
    }

    /** Both ends Connected to each other, each having read the other's key. */
    private static void bothConnected(CorePair p, TestDriver fd, TestDriver bd, String where) {
        XenbusDevice f = p.front.device(frontNode(T, 0)).orElse(null);
        XenbusDevice b = p.back.device(backNode(T, 0)).orElse(null);
        assertThat(f).as(where).isNotNull();
        assertThat(b).as(where).isNotNull();
        assertThat(f.state()).as(where).isEqualTo(XenbusState.CONNECTED);
        assertThat(b.state()).as(where).isEqualTo(XenbusState.CONNECTED);
        assertThat(fd.negotiated).as(where).containsEntry(f.nodename(), "b-0");
        assertThat(bd.negotiated).as(where).containsEntry(b.nodename(), "f-0");
        assertThat(fd.overlaps.get() + bd.overlaps.get()).as(where).isZero();
    }

    private static String runOne(long seed, Toolstack toolstack) throws Exception {
        return runOne(seed, toolstack, XenbusInterleavingTest::bothConnected);
    }

    /** One seed: runs {@code toolstack} with both buses to quiescence, checks {@code end}; the trace. */
    private static String runOne(long seed, Toolstack toolstack, End end) throws Exception {
        Interleaver il = new Interleaver(seed);
        try (CorePair p = new CorePair(2, il)) {
            try {
                return runToQuiescence(p, il, seed, toolstack, end);
            } finally {
                il.freeRun(); // before the pair closes: detaching runs as plain threads
            }
        }
    }

    private static String runToQuiescence(CorePair p, Interleaver il, long seed, Toolstack toolstack, End end)
            throws Exception {
        SplittableRandom choices = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
        {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            il.spawn("toolstack", () -> {
                try {
                    p.front.register(fd);
                    p.back.register(bd);
                    p.front.start();
                    p.back.start();
                    toolstack.run(p, il, choices);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            il.run(MAX_TURNS);
            String trace = il.describe();
            XenbusDevice f = p.front.device(frontNode(T, 0)).orElse(null);
            XenbusDevice b = p.back.device(backNode(T, 0)).orElse(null);
            String where = trace + "\n front " + (f == null ? "absent" : f.state() + " error " + f.lastError())
                    + "\n back " + (b == null ? "absent" : b.state() + " error " + b.lastError())
                    + "\n front calls " + fd.calls() + "\n back calls " + bd.calls();
            end.check(p, fd, bd, where);
            return trace;
        }
    }
}
