package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.OrderedAccess;
import io.jxen.sim.Seeds;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.CONNECTED;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.CONNECTION_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_NONE;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_PROTO;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_RINGIDX;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RECONNECT;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.SERVER_FEATURES_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

/** The server side of xenstore_domain_interface over a plain page, with a test-side guest. */
class RingConnectionTest {

    private final Arena arena = Arena.ofConfined();
    private final List<Connection> overflowed = new ArrayList<>();
    private final XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, overflowed::add);
    private final List<XsMessage> dom0Inbox = new ArrayList<>();
    private final Connection dom0 = core.connect(Caller.DOM0, m -> {
        dom0Inbox.add(m);
        return true;
    });
    private int notifications;

    @AfterEach
    void close() {
        arena.close();
    }

    private XsMessage asDom0(int type, String... args) {
        dom0Inbox.clear();
        core.handle(dom0, XsMessage.ofStrings(type, 7, 0, args));
        return dom0Inbox.getLast();
    }

    private record Ring(RingConnection server, TestRingGuest guest) {
    }

    private Ring ring(int domid) {
        asDom0(XsMessageTypes.INTRODUCE, Integer.toString(domid), "0", "1");
        asDom0(XsMessageTypes.MKDIR, "/local/domain/" + domid);
        asDom0(XsMessageTypes.SET_PERMS, "/local/domain/" + domid, "n" + domid);
        MemorySegment page = arena.allocate(4096, 4096);
        return new Ring(new RingConnection(core, domid, page, () -> notifications++), new TestRingGuest(page));
    }

    /** Sends one request in chunks and steps both sides until its reply; returns events then the reply. */
    private static List<XsMessage> call(Ring r, XsMessage req, SplittableRandom rnd) {
        r.guest().queue(req.encode());
        List<XsMessage> got = new ArrayList<>();
        for (int step = 0; step < 100_000; step++) {
            r.guest().push(1 + rnd.nextInt(300));
            r.server().process();
            got.addAll(r.guest().pull(1 + rnd.nextInt(300)));
            int reply = -1;
            for (int i = 0; i < got.size(); i++) {
                if (got.get(i).type() != XsMessageTypes.WATCH_EVENT) {
                    reply = i;
                }
            }
            boolean watchOk = req.type() == XsMessageTypes.WATCH && reply >= 0
                    && got.get(reply).type() == XsMessageTypes.WATCH;
            if (reply >= 0 && (!watchOk || got.size() > reply + 1)) {
                if (watchOk) {
                    // The reply, then the initial event: move the reply last for callers.
                    List<XsMessage> ordered = new ArrayList<>(got);
                    ordered.add(ordered.remove(reply));
                    return ordered;
                }
                return got;
            }
        }
        throw new AssertionError("no reply to " + req + "; got " + got);
    }

    private static String text(XsMessage m) {
        return new String(m.payload(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void advertisesReconnectAndErrorFeatures() {
        Ring r = ring(3);
        int features = OrderedAccess.getIntPlain(r.guest().page, SERVER_FEATURES_OFFSET);
        assertThat(features).isEqualTo(RingConnection.FEATURES).isEqualTo(3);
    }

    @Test
    void writesAndReadsAcrossRingWrapsInRandomChunks() {
        Seeds.run(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Ring r = ring(5);
            // Free-running indices start anywhere, including just below 2^32.
            int start = rnd.nextBoolean() ? -1 - rnd.nextInt(3000) : rnd.nextInt();
            r.guest().setIndices(start, start, start + 17, start + 17);
            for (int i = 0; i < 60; i++) {
                byte[] value = new byte[rnd.nextInt(1500)];
                rnd.nextBytes(value);
                String path = "/local/domain/5/n" + i;
                byte[] p = (path + "\0").getBytes(StandardCharsets.ISO_8859_1);
                byte[] payload = new byte[p.length + value.length];
                System.arraycopy(p, 0, payload, 0, p.length);
                System.arraycopy(value, 0, payload, p.length, value.length);
                List<XsMessage> w = call(r, new XsMessage(XsMessageTypes.WRITE, i, 0, payload), rnd);
                assertThat(w.getLast().type()).as("write %d: %s", i, w).isEqualTo(XsMessageTypes.WRITE);
                assertThat(w.getLast().requestId()).isEqualTo(i);
                List<XsMessage> rd = call(r, XsMessage.ofStrings(XsMessageTypes.READ, 1000 + i, 0, path), rnd);
                assertThat(rd.getLast().payload()).isEqualTo(value);
                if (value.length < 1000) {
                    XsMessage rel = call(r, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "n" + i), rnd).getLast();
                    assertThat(rel.payload()).isEqualTo(value);
                }
            }
            assertThat(r.server().error()).isEqualTo(ERROR_NONE);
            assertThat(notifications).isPositive();
            XsMessage denied = call(r, XsMessage.ofStrings(XsMessageTypes.READ, 2, 0, "/tool/xenstored"), rnd).getLast();
            assertThat(denied.type()).isEqualTo(XsMessageTypes.ERROR);
            assertThat(text(denied)).isEqualTo("EACCES\0");
        });
    }

    @Test
    void watchEventsReachTheGuestBeforeTheReplyAndFromOtherConnections() {
        SplittableRandom rnd = new SplittableRandom(1);
        Ring r = ring(4);
        List<XsMessage> w = call(r, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/local/domain/4/x", "tok"), rnd);
        assertThat(w).extracting(XsMessage::type).containsExactly(XsMessageTypes.WATCH_EVENT, XsMessageTypes.WATCH);
        List<XsMessage> own = call(r, XsMessage.ofStrings(XsMessageTypes.WRITE, 2, 0, "/local/domain/4/x", "v"), rnd);
        assertThat(own).extracting(XsMessage::type).containsExactly(XsMessageTypes.WATCH_EVENT, XsMessageTypes.WRITE);
        assertThat(asDom0(XsMessageTypes.WRITE, "/local/domain/4/x/y", "z").type()).isEqualTo(XsMessageTypes.WRITE);
        r.server().process();
        List<XsMessage> ev = r.guest().pull(4096);
        assertThat(ev).hasSize(1);
        assertThat(text(ev.getFirst())).isEqualTo("/local/domain/4/x/y\0tok\0");
    }

    @Test
    void hostileRequestIndicesBreakOnlyThatRing() {
        Ring bad = ring(6);
        Ring good = ring(7);
        call(bad, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/local/domain/6", "t"), new SplittableRandom(2));
        // prod - cons > XENSTORE_RING_SIZE: XSA-38.
        OrderedAccess.setIntPlain(bad.guest().page, REQ_CONS_OFFSET, 100);
        OrderedAccess.setIntRelease(bad.guest().page, REQ_PROD_OFFSET, 100 + 1025);
        bad.server().notified();
        bad.server().process();
        assertThat(bad.server().error()).isEqualTo(ERROR_RINGIDX);
        assertThat(OrderedAccess.getIntPlain(bad.guest().page, ERROR_OFFSET)).isEqualTo(ERROR_RINGIDX);
        // Ignored, not killed: the domain stays introduced, its watches are gone.
        assertThat(core.isIntroduced(6)).isTrue();
        assertThat(asDom0(XsMessageTypes.WRITE, "/local/domain/6/q", "1").type()).isEqualTo(XsMessageTypes.WRITE);
        bad.server().process();
        assertThat(bad.guest().pull(4096)).isEmpty();
        // The other ring still works; a ring exactly full is fine.
        assertThat(call(good, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/local/domain/7"),
                new SplittableRandom(3)).getLast().type()).isEqualTo(XsMessageTypes.READ);
    }

    @Test
    void prodBehindConsIsHostileToo() {
        Ring r = ring(8);
        r.guest().setIndices(50, 10, 0, 0);
        r.server().process();
        assertThat(r.server().error()).isEqualTo(ERROR_RINGIDX);
    }

    @Test
    void hostileResponseIndicesBreakTheRing() {
        Ring r = ring(9);
        r.guest().queue(XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/local/domain/9").encode());
        r.guest().push(4096);
        OrderedAccess.setIntRelease(r.guest().page, RSP_PROD_OFFSET, 5000);
        r.server().process();
        assertThat(r.server().error()).isEqualTo(ERROR_RINGIDX);
    }

    @Test
    void aFullRingIsNotAnError() {
        Ring r = ring(10);
        byte[] big = new byte[1024];
        ByteBuffer h = ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, XsMessageTypes.WRITE).putInt(12, 3000);
        r.guest().queue(big);
        assertThat(r.guest().push(4096)).isEqualTo(1024);
        r.server().process();
        assertThat(r.server().error()).isEqualTo(ERROR_NONE);
    }

    @Test
    void payloadOverTheMaximumIsAProtocolError() {
        Ring r = ring(11);
        byte[] header = new byte[16];
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(0, XsMessageTypes.WRITE).putInt(12, 4097);
        r.guest().queue(header);
        r.guest().push(4096);
        r.server().process();
        assertThat(r.server().error()).isEqualTo(ERROR_PROTO);
        assertThat(OrderedAccess.getIntPlain(r.guest().page, ERROR_OFFSET)).isEqualTo(ERROR_PROTO);
    }

    @Test
    void aPayloadOfExactly4096IsServed() {
        Ring r = ring(12);
        String path = "/local/domain/12/big";
        byte[] p = (path + "\0").getBytes(StandardCharsets.ISO_8859_1);
        byte[] payload = new byte[4096];
        System.arraycopy(p, 0, payload, 0, p.length);
        XsMessage reply = call(r, new XsMessage(XsMessageTypes.WRITE, 1, 0, payload), new SplittableRandom(4)).getLast();
        // Over the node-size quota, but the framing is fine.
        assertThat(text(reply)).isEqualTo("ENOSPC\0");
        assertThat(r.server().error()).isEqualTo(ERROR_NONE);
    }

    @Test
    void reconnectDropsWatchesTransactionsAndPartialMessagesThenServesAgain() {
        SplittableRandom rnd = new SplittableRandom(5);
        Ring r = ring(13);
        call(r, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/local/domain/13", "t"), rnd);
        XsMessage tx = call(r, XsMessage.ofStrings(XsMessageTypes.TRANSACTION_START, 2, 0, ""), rnd).getLast();
        int txid = Integer.parseInt(text(tx).replace("\0", ""));
        // Half a message, then the guest asks to reconnect.
        byte[] half = XsMessage.ofStrings(XsMessageTypes.READ, 3, 0, "/local/domain/13").encode();
        r.guest().queue(java.util.Arrays.copyOf(half, 10));
        r.guest().push(4096);
        OrderedAccess.setIntRelease(r.guest().page, CONNECTION_OFFSET, RECONNECT);
        int before = notifications;
        r.server().notified();
        r.server().process();
        assertThat(OrderedAccess.getIntAcquire(r.guest().page, CONNECTION_OFFSET)).isEqualTo(CONNECTED);
        assertThat(notifications).isGreaterThan(before);
        assertThat(OrderedAccess.getIntPlain(r.guest().page, REQ_PROD_OFFSET)).isZero();
        assertThat(r.server().connection().watches).isEmpty();
        assertThat(r.server().connection().transactions).isEmpty();
        TestRingGuest fresh = new TestRingGuest(r.guest().page);
        Ring again = new Ring(r.server(), fresh);
        XsMessage end = call(again, XsMessage.ofStrings(XsMessageTypes.TRANSACTION_END, 4, txid, "T"), rnd).getLast();
        assertThat(text(end)).isEqualTo("ENOENT\0");
        assertThat(call(again, XsMessage.ofStrings(XsMessageTypes.READ, 5, 0, "/local/domain/13"), rnd).getLast().type())
                .isEqualTo(XsMessageTypes.READ);
    }

    @Test
    void reconnectRecoversABrokenRing() {
        Ring r = ring(14);
        r.guest().setIndices(0, 5000, 0, 0);
        r.server().process();
        assertThat(r.server().error()).isEqualTo(ERROR_RINGIDX);
        OrderedAccess.setIntRelease(r.guest().page, CONNECTION_OFFSET, RECONNECT);
        r.server().process();
        assertThat(r.server().error()).isEqualTo(ERROR_NONE);
        assertThat(OrderedAccess.getIntPlain(r.guest().page, ERROR_OFFSET)).isEqualTo(ERROR_NONE);
        Ring again = new Ring(r.server(), new TestRingGuest(r.guest().page));
        assertThat(call(again, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/local/domain/14"), new SplittableRandom(6))
                .getLast().type()).isEqualTo(XsMessageTypes.READ);
    }

    @Test
    void aGuestThatNeverReadsHoldsBoundedOutput() {
        SplittableRandom rnd = new SplittableRandom(7);
        Ring r = ring(15);
        call(r, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/local/domain/15", "tok"), rnd);
        // dom0 writes a lot; the guest never reads.
        for (int i = 0; i < 40_000; i++) {
            asDom0(XsMessageTypes.WRITE, "/local/domain/15/k" + (i % 50), "v");
            if (i % 100 == 0) {
                r.server().process();
            }
        }
        assertThat(r.server().droppedEvents()).isPositive();
        // Requests wait while output is over the soft limit.
        r.guest().queue(XsMessage.ofStrings(XsMessageTypes.READ, 9, 0, "/local/domain/15").encode());
        r.guest().push(4096);
        r.server().process();
        assertThat(OrderedAccess.getIntPlain(r.guest().page, REQ_CONS_OFFSET))
                .isNotEqualTo(OrderedAccess.getIntPlain(r.guest().page, REQ_PROD_OFFSET));
        assertThat(r.server().error()).isEqualTo(ERROR_NONE);
        assertThat(overflowed).isEmpty();
    }

    @Test
    void introduceGoesThroughTheDomainRingsHookAndAFailureLeavesTheDomainOut() {
        List<String> calls = new ArrayList<>();
        core.setDomainRings(new DomainRings() {
            @Override
            public void introduce(int domid, long gfn, int port) throws XenstoreException {
                calls.add("introduce " + domid + " " + gfn + " " + port);
                if (domid == 21) {
                    throw new XenstoreException(XsError.EINVAL, "cannot map");
                }
            }

            @Override
            public void reintroduce(int domid, long gfn, int port) {
                calls.add("reintroduce " + domid + " " + gfn + " " + port);
            }

            @Override
            public void release(int domid) {
                calls.add("release " + domid);
            }
        });
        assertThat(asDom0(XsMessageTypes.INTRODUCE, "20", "-5", "3").type()).isEqualTo(XsMessageTypes.INTRODUCE);
        assertThat(text(asDom0(XsMessageTypes.INTRODUCE, "21", "9", "3"))).isEqualTo("EINVAL\0");
        assertThat(core.isIntroduced(21)).isFalse();
        asDom0(XsMessageTypes.INTRODUCE, "20", "-5", "4");
        asDom0(XsMessageTypes.RELEASE, "20");
        assertThat(calls).containsExactly("introduce 20 -5 3", "introduce 21 9 3", "reintroduce 20 -5 4", "release 20");
    }

    @Test
    void setTargetTakesEffectOnTheRingConnection() {
        SplittableRandom rnd = new SplittableRandom(8);
        Ring stubdom = ring(30);
        ring(31);
        asDom0(XsMessageTypes.WRITE, "/local/domain/31/secret", "s");
        asDom0(XsMessageTypes.SET_PERMS, "/local/domain/31/secret", "n31");
        XsMessage before = call(stubdom, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/local/domain/31/secret"), rnd)
                .getLast();
        assertThat(text(before)).isEqualTo("EACCES\0");
        assertThat(asDom0(XsMessageTypes.SET_TARGET, "30", "31").type()).isEqualTo(XsMessageTypes.SET_TARGET);
        XsMessage after = call(stubdom, XsMessage.ofStrings(XsMessageTypes.READ, 2, 0, "/local/domain/31/secret"), rnd)
                .getLast();
        assertThat(text(after)).isEqualTo("s\0");
        // The target's death ends it.
        core.domainDied(31);
        assertThat(stubdom.server().connection().caller().target()).isEqualTo(-1);
    }

    @Test
    void deathRemovesNodesFiresReleaseAndAReusedDomidInheritsNothing() {
        SplittableRandom rnd = new SplittableRandom(9);
        Ring r = ring(40);
        call(r, XsMessage.ofStrings(XsMessageTypes.WRITE, 1, 0, "/local/domain/40/a", "1"), rnd);
        asDom0(XsMessageTypes.WRITE, "/shared", "x");
        asDom0(XsMessageTypes.SET_PERMS, "/shared", "n0", "b40");
        List<XsMessage> watcher = new ArrayList<>();
        Connection w = core.connect(Caller.DOM0, m -> {
            watcher.add(m);
            return true;
        });
        core.handle(w, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "@releaseDomain", "rel"));
        watcher.clear();
        core.domainDied(40);
        assertThat(watcher).extracting(RingConnectionTest::text).contains("@releaseDomain\0rel\0");
        assertThat(core.isIntroduced(40)).isFalse();
        assertThat(text(asDom0(XsMessageTypes.READ, "/local/domain/40"))).isEqualTo("ENOENT\0");
        assertThat(text(asDom0(XsMessageTypes.GET_PERMS, "/shared"))).isEqualTo("n0\0");
        // The ring is ignored from now on.
        r.server().close();
        assertThat(r.server().process()).isZero();
        // A new domain 40 cannot read /shared.
        Ring reborn = ring(40);
        XsMessage read = call(reborn, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/shared"), rnd).getLast();
        assertThat(text(read)).isEqualTo("EACCES\0");
        assertThat(XsPayload.strings(asDom0(XsMessageTypes.DIRECTORY, "/local/domain/40").payload())).isEmpty();
    }

    /**
     * The hypervisor's death notice is queued (its listeners run under its lock) and may still
     * be waiting when the toolstack has already sent XS_RELEASE and introduced a new domain
     * under the same id (a driver domain restarted by {@code on_crash = "restart"}): applied
     * then, it dropped the new domain's ring, nodes and permissions. It is applied before the
     * next request instead, so it only ever hits the domain it was about.
     */
    @Test
    void aDeathReportedBeforeTheIdIsIntroducedAgainNeverHitsTheNewDomain() {
        SplittableRandom rnd = new SplittableRandom(10);
        Ring old = ring(60);
        call(old, XsMessage.ofStrings(XsMessageTypes.WRITE, 1, 0, "/local/domain/60/a", "old"), rnd);
        asDom0(XsMessageTypes.WRITE, "/shared", "x");
        asDom0(XsMessageTypes.SET_PERMS, "/shared", "n0", "r60");
        core.reportDeath(60); // queued: nothing applied yet
        assertThat(core.domainEventsPending()).isTrue();
        assertThat(core.isIntroduced(60)).isTrue();

        // The toolstack's XS_RELEASE: the death is applied first (nodes gone, stale permission
        // dropped), the release itself finds nothing left.
        asDom0(XsMessageTypes.RELEASE, "60");
        assertThat(core.domainEventsPending()).isFalse();
        assertThat(core.isIntroduced(60)).isFalse();
        assertThat(text(asDom0(XsMessageTypes.GET_PERMS, "/shared"))).isEqualTo("n0\0");

        // The new domain 60 and what the toolstack gives it.
        Ring reborn = ring(60);
        asDom0(XsMessageTypes.SET_PERMS, "/shared", "n0", "r60");
        assertThat(core.settleDomainEvents()).isZero();
        assertThat(core.isIntroduced(60)).isTrue();
        assertThat(text(call(reborn, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/shared"), rnd).getLast()))
                .isEqualTo("x\0");
        assertThat(text(call(reborn, XsMessage.ofStrings(XsMessageTypes.WRITE, 2, 0, "/local/domain/60/b", "new"),
                rnd).getLast())).isEqualTo("OK\0");
        assertThat(text(asDom0(XsMessageTypes.READ, "/local/domain/60/a"))).isEqualTo("ENOENT\0");
    }

    /** A reported shutdown fires {@code @releaseDomain} when applied, in order with deaths. */
    @Test
    void reportedShutdownsAndDeathsApplyInOrderAtTheNextStep() {
        ring(70);
        ring(71);
        List<XsMessage> watcher = new ArrayList<>();
        Connection w = core.connect(Caller.DOM0, m -> {
            watcher.add(m);
            return true;
        });
        core.handle(w, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "@releaseDomain", "rel"));
        watcher.clear();
        core.reportShutdown(70);
        core.reportDeath(71);
        assertThat(watcher).isEmpty();
        assertThat(core.settleDomainEvents()).isEqualTo(2);
        assertThat(watcher).hasSize(2);
        assertThat(core.isIntroduced(70)).isTrue();
        assertThat(core.isIntroduced(71)).isFalse();
        assertThat(core.settleDomainEvents()).isZero();
    }

    @Test
    void shutdownFiresReleaseDomainOnceUntilResume() {
        ring(50);
        List<XsMessage> watcher = new ArrayList<>();
        Connection w = core.connect(Caller.DOM0, m -> {
            watcher.add(m);
            return true;
        });
        core.handle(w, XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "@releaseDomain", "rel"));
        watcher.clear();
        core.domainShutdown(50);
        core.domainShutdown(50);
        assertThat(watcher).hasSize(1);
        asDom0(XsMessageTypes.RESUME, "50");
        core.domainShutdown(50);
        assertThat(watcher).hasSize(2);
    }
}
