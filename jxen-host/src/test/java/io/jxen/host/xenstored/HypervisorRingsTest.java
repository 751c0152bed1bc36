package io.jxen.host.xenstored;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.evtchn.EvtchnStat;
import io.jxen.abi.evtchn.EvtchnStatusDescriptor;
import io.jxen.abi.gnttab.GrantEntryV1Flyweight;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.sim.Seeds;
import io.jxen.sim.VirtualClock;
import io.jxen.xenstore.server.Connection;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_RINGIDX;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.SERVER_FEATURES_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * xenstored's rings on a real in-process hypervisor: domains built as a toolstack builds them
 * (store page below start_info, unbound port for dom0, grant 1 seeded), XS_INTRODUCE from dom0,
 * and guests that use only their {@link io.jxen.hypercall.GuestPlatform}.
 */
class HypervisorRingsTest {

    private static final long DAEMON_SCRATCH = 0x3000;
    private static final long TOOLSTACK_SCRATCH = 0x2000;

    @TempDir
    Path dir;
    MachineMemory memory;
    Hypervisor hv;
    XenstoredCore core;
    HypervisorRings rings;
    Connection dom0;
    final ConcurrentLinkedQueue<XsMessage> dom0Inbox = new ConcurrentLinkedQueue<>();
    long freeAtStart;

    @BeforeEach
    void setUp() throws IOException {
        memory = MachineMemory.create(dir.resolve("host.mem"), 4096);
        hv = new Hypervisor(memory, new VirtualClock(0));
        hv.createDomain(DomainConfig.of(64, 1));
        hv.unpause(0);
        core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        rings = HypervisorRings.attach(hv, core, DAEMON_SCRATCH);
        dom0 = core.connect(Caller.DOM0, dom0Inbox::add);
        freeAtStart = hv.host().allocator().freeFrames();
    }

    @AfterEach
    void tearDown() {
        assertThat(hv.internalErrors()).as("hypervisor internal errors: %s", hv.lastInternalError()).isZero();
        memory.close();
    }

    private XsMessage asDom0(int type, String... args) {
        dom0Inbox.clear();
        core.handle(dom0, XsMessage.ofStrings(type, 7, 0, args));
        XsMessage last = null;
        for (XsMessage m : dom0Inbox) {
            if (m.type() != XsMessageTypes.WATCH_EVENT) {
                last = m;
            }
        }
        return last;
    }

    private static String text(XsMessage m) {
        return new String(m.payload(), StandardCharsets.ISO_8859_1);
    }

    /** What the domain builder does: ring page, unbound port for dom0, grant 1, start_info. */
    private Domain build(boolean seedGrant) {
        return build(seedGrant, -1);
    }

    /** As {@link #build(boolean)}, with the domain id {@code domid} asked for (-1: the rover's). */
    private Domain build(boolean seedGrant, int requestedDomid) {
        Domain d = hv.createDomain(DomainConfig.of(64, 1), requestedDomid);
        int domid = d.domid();
        long storeGfn = d.startInfoGfn() - 1;
        hv.platform(domid).memory().zero(storeGfn << XenPage.SHIFT, XenPage.SIZE);
        GuestPhysicalMemory m0 = hv.platform(0).memory();
        m0.zero(TOOLSTACK_SCRATCH, EvtchnAllocUnboundDescriptor.SIZE);
        m0.putShort(TOOLSTACK_SCRATCH + EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) domid);
        m0.putShort(TOOLSTACK_SCRATCH + EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET, (short) 0);
        assertThat(hv.hypercalls(0, 0).hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.ALLOC_UNBOUND, TOOLSTACK_SCRATCH))
                .isZero();
        int port = m0.getInt(TOOLSTACK_SCRATCH + EvtchnAllocUnboundDescriptor.PORT_OFFSET);
        d.setStore(storeGfn, port);
        if (seedGrant) {
            MemorySegment frame = hv.host().memory().frame(d.grantTable().frameMfn(0));
            GrantEntryV1Flyweight e = new GrantEntryV1Flyweight().wrap(frame,
                    (long) GrantTableLimits.RESERVED_XENSTORE * 8);
            e.setDomid(0);
            e.setFrame((int) storeGfn);
            e.setFlagsRelease(Gtf.PERMIT_ACCESS);
        }
        hv.unpause(domid);
        return d;
    }

    private SimGuest introduce(Domain d) {
        int domid = d.domid();
        long gfn = d.startInfoGfn() - 1;
        int port = hv.platform(domid).memory().getInt(hv.platform(domid).startInfoGpa()
                + io.jxen.abi.xen.StartInfoDescriptor.STORE_EVTCHN_OFFSET);
        XsMessage r = asDom0(XsMessageTypes.INTRODUCE, Integer.toString(domid), Long.toString(gfn), Integer.toString(port));
        assertThat(r.type()).as("introduce: %s", r).isEqualTo(XsMessageTypes.INTRODUCE);
        String home = "/local/domain/" + domid;
        asDom0(XsMessageTypes.MKDIR, home);
        asDom0(XsMessageTypes.SET_PERMS, home, "n" + domid);
        return new SimGuest(hv.platform(domid));
    }

    /** Sends a request in chunks; the guest reads only when its port is pending. */
    private List<XsMessage> call(SimGuest g, XsMessage req, SplittableRandom rnd) {
        g.queue(req);
        List<XsMessage> got = new ArrayList<>();
        for (int step = 0; step < 100_000; step++) {
            g.push(1 + rnd.nextInt(400));
            rings.doWork();
            if (g.takeEvent()) {
                // As a guest's interrupt handler: read until the ring is empty.
                while (g.available() > 0) {
                    got.addAll(g.pull(1 + rnd.nextInt(400)));
                }
            }
            for (XsMessage m : got) {
                if (m.type() != XsMessageTypes.WATCH_EVENT && m.requestId() == req.requestId()) {
                    if (req.type() == XsMessageTypes.WATCH && m.type() == XsMessageTypes.WATCH
                            && got.indexOf(m) == got.size() - 1) {
                        continue; // the initial event follows
                    }
                    return got;
                }
            }
        }
        throw new AssertionError("no reply to " + req + ", got " + got);
    }

    private static XsMessage reply(List<XsMessage> got) {
        return got.stream().filter(m -> m.type() != XsMessageTypes.WATCH_EVENT).reduce((a, b) -> b).orElseThrow();
    }

    private void stepUntilIdle() {
        for (int i = 0; i < 1000 && !(rings.doWork() == 0 && rings.idle()); i++) {
            // step
        }
        assertThat(rings.idle()).isTrue();
    }

    @Test
    void aGuestReadsWritesAndWatchesOverItsRingWithEventChannelNotifications() {
        Seeds.run(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Domain d = build(true);
            SimGuest g = introduce(d);
            int domid = d.domid();
            assertThat(rings.domains()).containsExactly(domid);
            assertThat(OrderedAccess.getIntPlain(g.ring, SERVER_FEATURES_OFFSET)).isEqualTo(3);
            String home = "/local/domain/" + domid;
            for (int i = 0; i < 30; i++) {
                String value = "v".repeat(rnd.nextInt(1500)) + i;
                assertThat(reply(call(g, XsMessage.ofStrings(XsMessageTypes.WRITE, 10 + i, 0, home + "/k" + i, value),
                        rnd)).type()).isEqualTo(XsMessageTypes.WRITE);
                XsMessage read = reply(call(g, XsMessage.ofStrings(XsMessageTypes.READ, 100 + i, 0, "k" + i), rnd));
                assertThat(text(read)).isEqualTo(value + "\0");
            }
            List<XsMessage> w = call(g, XsMessage.ofStrings(XsMessageTypes.WATCH, 500, 0, home + "/k3", "tok"), rnd);
            assertThat(w).extracting(XsMessage::type).contains(XsMessageTypes.WATCH, XsMessageTypes.WATCH_EVENT);
            // dom0 (the toolstack) writes; the guest's port becomes pending and it reads the event.
            asDom0(XsMessageTypes.WRITE, home + "/k3", "from dom0");
            List<XsMessage> events = new ArrayList<>();
            for (int i = 0; i < 100 && events.isEmpty(); i++) {
                rings.doWork();
                if (g.takeEvent()) {
                    events.addAll(g.pull(4096));
                }
            }
            assertThat(events).extracting(HypervisorRingsTest::text).containsExactly(home + "/k3\0tok\0");
            XsMessage dir = reply(call(g, XsMessage.ofStrings(XsMessageTypes.DIRECTORY, 501, 0, home), rnd));
            assertThat(text(dir)).startsWith("k0\0k1\0");
            assertThat(rings.ring(domid).error()).isZero();
        });
    }

    @Test
    void destroyingTheDomainReleasesEverything() {
        SplittableRandom rnd = new SplittableRandom(1);
        Domain d = build(true);
        SimGuest g = introduce(d);
        int domid = d.domid();
        int local = rings.localPort(domid);
        call(g, XsMessage.ofStrings(XsMessageTypes.WRITE, 1, 0, "data/x", "1"), rnd);
        asDom0(XsMessageTypes.WATCH, "@releaseDomain", "rel");
        dom0Inbox.clear();
        hv.destroyDomain(domid);
        stepUntilIdle();
        assertThat(dom0Inbox).extracting(HypervisorRingsTest::text).contains("@releaseDomain\0rel\0");
        assertThat(core.isIntroduced(domid)).isFalse();
        assertThat(text(asDom0(XsMessageTypes.READ, "/local/domain/" + domid))).isEqualTo("ENOENT\0");
        assertThat(rings.domains()).isEmpty();
        assertThat(portStatus(local)).isEqualTo(EvtchnStat.CLOSED);
        assertThat(hv.host().allocator().freeFrames()).as("no leaked frames").isEqualTo(freeAtStart);
        assertThat(core.connectionCount()).isEqualTo(1);
    }

    @Test
    void releaseUnmapsAndUnbinds() {
        Domain d = build(true);
        introduce(d);
        int local = rings.localPort(d.domid());
        assertThat(asDom0(XsMessageTypes.RELEASE, Integer.toString(d.domid())).type()).isEqualTo(XsMessageTypes.RELEASE);
        stepUntilIdle();
        assertThat(portStatus(local)).isEqualTo(EvtchnStat.CLOSED);
        assertThat(rings.domains()).isEmpty();
        hv.destroyDomain(d.domid());
        stepUntilIdle();
        assertThat(hv.host().allocator().freeFrames()).isEqualTo(freeAtStart);
    }

    @Test
    void shutdownFiresReleaseDomain() {
        Domain d = build(true);
        introduce(d);
        asDom0(XsMessageTypes.WATCH, "@releaseDomain", "rel");
        dom0Inbox.clear();
        hv.shutdown(d.domid(), ShutdownReason.POWEROFF);
        stepUntilIdle();
        assertThat(dom0Inbox).extracting(HypervisorRingsTest::text).containsExactly("@releaseDomain\0rel\0");
        assertThat(core.isIntroduced(d.domid())).isTrue();
    }

    @Test
    void introduceFailsWithEinvalWithoutAGrantOrADomain() {
        Domain d = build(false);
        XsMessage r = asDom0(XsMessageTypes.INTRODUCE, Integer.toString(d.domid()), "5", "1");
        assertThat(text(r)).isEqualTo("EINVAL\0");
        assertThat(core.isIntroduced(d.domid())).isFalse();
        assertThat(text(asDom0(XsMessageTypes.INTRODUCE, "77", "5", "1"))).isEqualTo("EINVAL\0");
        hv.destroyDomain(d.domid());
        stepUntilIdle();
        assertThat(hv.host().allocator().freeFrames()).isEqualTo(freeAtStart);
    }

    @Test
    void aDomainIntroducedBeforeTheRingsExistedGetsItsRingWhenReintroduced() {
        // A daemon restored from its journal knows the domain but has no ring for it.
        Domain d = build(true);
        XenstoredCore restored = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        Connection toolstack = restored.connect(Caller.DOM0, m -> true);
        int port = hv.platform(d.domid()).memory().getInt(hv.platform(d.domid()).startInfoGpa()
                + io.jxen.abi.xen.StartInfoDescriptor.STORE_EVTCHN_OFFSET);
        XsMessage intro = XsMessage.ofStrings(XsMessageTypes.INTRODUCE, 1, 0, Integer.toString(d.domid()),
                Long.toString(d.startInfoGfn() - 1), Integer.toString(port));
        restored.handle(toolstack, intro);
        HypervisorRings late = HypervisorRings.attach(hv, restored, 0x4000);
        assertThat(late.domains()).isEmpty();
        restored.handle(toolstack, intro);
        assertThat(late.domains()).containsExactly(d.domid());
        restored.handle(toolstack, XsMessage.ofStrings(XsMessageTypes.MKDIR, 2, 0, "/local/domain/" + d.domid()));
        restored.handle(toolstack, XsMessage.ofStrings(XsMessageTypes.SET_PERMS, 3, 0, "/local/domain/" + d.domid(),
                "n" + d.domid()));
        SimGuest g = new SimGuest(hv.platform(d.domid()));
        g.queue(XsMessage.ofStrings(XsMessageTypes.WRITE, 9, 0, "x", "y"));
        List<XsMessage> got = new ArrayList<>();
        for (int i = 0; i < 100 && got.isEmpty(); i++) {
            g.push(4096);
            late.doWork();
            if (g.takeEvent()) {
                got.addAll(g.pull(4096));
            }
        }
        assertThat(got).extracting(XsMessage::type).containsExactly(XsMessageTypes.WRITE);
    }

    @Test
    void aHostileGuestBreaksOnlyItsOwnRing() {
        SplittableRandom rnd = new SplittableRandom(2);
        SimGuest bad = introduce(build(true));
        SimGuest good = introduce(build(true));
        OrderedAccess.setIntRelease(bad.ring, REQ_PROD_OFFSET, 4000);
        bad.notifyStore();
        stepUntilIdle();
        assertThat(OrderedAccess.getIntPlain(bad.ring, ERROR_OFFSET)).isEqualTo(ERROR_RINGIDX);
        assertThat(reply(call(good, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/local/domain/"
                + good.platform.domid()), rnd)).type()).isEqualTo(XsMessageTypes.READ);
    }

    @Test
    void aReusedDomidInheritsNoPermissionsAndNoNodes() {
        SplittableRandom rnd = new SplittableRandom(3);
        Domain first = build(true);
        int domid = first.domid();
        SimGuest g = introduce(first);
        call(g, XsMessage.ofStrings(XsMessageTypes.WRITE, 1, 0, "mine", "1"), rnd);
        asDom0(XsMessageTypes.WRITE, "/shared", "secret");
        asDom0(XsMessageTypes.SET_PERMS, "/shared", "n0", "r" + domid);
        assertThat(text(reply(call(g, XsMessage.ofStrings(XsMessageTypes.READ, 2, 0, "/shared"), rnd))))
                .isEqualTo("secret\0");
        hv.destroyDomain(domid);
        stepUntilIdle();
        Domain second = build(true, domid); // the id asked for, as libxl may (the rover would not reuse it soon)
        assertThat(second.domid()).isEqualTo(domid);
        SimGuest g2 = introduce(second);
        assertThat(text(reply(call(g2, XsMessage.ofStrings(XsMessageTypes.READ, 3, 0, "/shared"), rnd))))
                .isEqualTo("EACCES\0");
        assertThat(text(reply(call(g2, XsMessage.ofStrings(XsMessageTypes.READ, 4, 0, "mine"), rnd))))
                .isEqualTo("ENOENT\0");
        assertThat(text(asDom0(XsMessageTypes.GET_PERMS, "/shared"))).isEqualTo("n0\0");
    }

    @Test
    void setTargetLetsAStubdomActForItsTarget() {
        SplittableRandom rnd = new SplittableRandom(4);
        SimGuest stub = introduce(build(true));
        SimGuest target = introduce(build(true));
        String secret = "/local/domain/" + target.platform.domid() + "/secret";
        asDom0(XsMessageTypes.WRITE, secret, "s");
        asDom0(XsMessageTypes.SET_PERMS, secret, "n" + target.platform.domid());
        assertThat(text(reply(call(stub, XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, secret), rnd))))
                .isEqualTo("EACCES\0");
        asDom0(XsMessageTypes.SET_TARGET, Integer.toString(stub.platform.domid()),
                Integer.toString(target.platform.domid()));
        assertThat(text(reply(call(stub, XsMessage.ofStrings(XsMessageTypes.READ, 2, 0, secret), rnd))))
                .isEqualTo("s\0");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // guards the build only; nothing waits on time
    void servesRingsFromAnAgentRunnerThread() {
        Domain d = build(true);
        SimGuest g = introduce(d);
        try (AgentRunner runner = AgentRunner.start(rings, BackoffIdleStrategy.defaults(), (a, e) -> { })) {
            String home = "/local/domain/" + d.domid();
            for (int i = 0; i < 50; i++) {
                g.queue(XsMessage.ofStrings(XsMessageTypes.WRITE, i, 0, home + "/t" + i, "x" + i));
                while (g.push(4096) > 0 || false) {
                    // all of it fits
                }
                XsMessage got = null;
                while (got == null) {
                    if (g.takeEvent()) {
                        List<XsMessage> m = g.pull(4096);
                        got = m.isEmpty() ? null : m.getLast();
                    } else {
                        Thread.onSpinWait();
                    }
                }
                assertThat(got.requestId()).isEqualTo(i);
                assertThat(got.type()).isEqualTo(XsMessageTypes.WRITE);
            }
            assertThat(runner.errorCount()).isZero();
        }
        assertThat(text(asDom0(XsMessageTypes.READ, "/local/domain/" + d.domid() + "/t49"))).isEqualTo("x49\0");
    }

    private int portStatus(int port) {
        GuestPhysicalMemory m0 = hv.platform(0).memory();
        m0.zero(TOOLSTACK_SCRATCH, EvtchnStatusDescriptor.SIZE);
        m0.putShort(TOOLSTACK_SCRATCH + EvtchnStatusDescriptor.DOM_OFFSET, (short) 0x7FF0);
        m0.putInt(TOOLSTACK_SCRATCH + EvtchnStatusDescriptor.PORT_OFFSET, port);
        long rc = hv.hypercalls(0, 0).hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.STATUS, TOOLSTACK_SCRATCH);
        assertThat(rc).isZero();
        return m0.getInt(TOOLSTACK_SCRATCH + EvtchnStatusDescriptor.STATUS_OFFSET);
    }
}
