package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.evtchn.EvtchnStat;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.Virq;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EBUSY;
import static io.jxen.abi.XenErrno.EEXIST;
import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOENT;
import static io.jxen.abi.XenErrno.ENOSPC;
import static io.jxen.abi.XenErrno.ENOSYS;
import static io.jxen.abi.XenErrno.EOPNOTSUPP;
import static io.jxen.abi.XenErrno.EPERM;
import static io.jxen.abi.XenErrno.ESRCH;
import static org.assertj.core.api.Assertions.assertThat;

/** Every EVTCHNOP with the error cases of xen/common/event_channel.c, issued as a guest does. */
class EventChannelTest {

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain a;
    Domain b;
    GuestEvtchn e0;
    GuestEvtchn ea;
    GuestEvtchn eb;

    /** Whether the guests of this run talk to the hypervisor over the Unix-socket transport. */
    boolean overSocket() {
        return false;
    }

    @BeforeEach
    void setUp() {
        host = new TestHost(dir, overSocket());
        dom0 = host.domain(16, 1);
        a = host.domain(16, 2);
        b = host.domain(16, 2);
        e0 = new GuestEvtchn(host.guest(dom0));
        ea = new GuestEvtchn(host.guest(a));
        eb = new GuestEvtchn(host.guest(b));
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    /** a allocates for b, b binds: returns {aPort, bPort}, pending bits cleared. */
    long[] connect() {
        long ap = ea.allocUnbound(DomId.SELF, b.domid());
        long bp = eb.bindInterdomain(a.domid(), ap);
        assertThat(ap).isPositive();
        assertThat(bp).isPositive();
        eb.clearPending(bp);
        eb.clearPendingSel(0);
        eb.clearUpcallPending(0);
        return new long[] {ap, bp};
    }

    @Test
    void aPollerAttachedToOneEndOfAnInterdomainChannelIsFoundFromTheOtherUntilThePortCloses() {
        io.jxen.hypercall.ChannelPoller poller = new io.jxen.hypercall.ChannelPoller() {
            @Override
            public boolean enter() {
                return true;
            }

            @Override
            public int poll() {
                return 0;
            }

            @Override
            public void leave() {
            }
        };
        io.jxen.hypercall.GuestPlatform pa = host.platform(a);
        io.jxen.hypercall.GuestPlatform pb = host.platform(b);
        long ap = ea.allocUnbound(DomId.SELF, b.domid());
        assertThat(pa.attachPoller((int) ap, poller)).as("an unbound port takes no poller").isFalse();
        long bp = eb.bindInterdomain(a.domid(), ap);
        if (overSocket()) {
            // The hypervisor in another process: no lenders, events as on Xen.
            assertThat(pb.attachPoller((int) bp, poller)).isFalse();
            assertThat(pa.peerPoller((int) ap)).isNull();
            return;
        }
        assertThat(pa.peerPoller((int) ap)).as("nothing attached yet").isNull();
        assertThat(pb.attachPoller((int) bp, poller)).isTrue();
        assertThat(pa.peerPoller((int) ap)).isSameAs(poller);
        assertThat(pb.peerPoller((int) bp)).as("a's end has none").isNull();
        assertThat(pa.peerPoller(0)).as("port 0").isNull();
        assertThat(pa.peerPoller(4000)).as("a port never allocated").isNull();

        assertThat(eb.close(bp)).isZero();
        assertThat(pa.peerPoller((int) ap)).as("b's end closed: a's port is unbound again").isNull();
        long again = eb.bindInterdomain(a.domid(), ap);
        assertThat(again).isEqualTo(bp);
        assertThat(pa.peerPoller((int) ap)).as("a new binding of the same port number starts without one").isNull();
    }

    @Test
    void port0IsReservedAndAllocationTakesTheLowestFreePort() {
        assertThat(ea.allocUnbound(DomId.SELF, b.domid())).isEqualTo(1);
        assertThat(ea.allocUnbound(DomId.SELF, b.domid())).isEqualTo(2);
        assertThat(ea.close(1)).isZero();
        assertThat(ea.allocUnbound(DomId.SELF, b.domid())).isEqualTo(1);
        assertThat(ea.close(0)).isEqualTo(-EINVAL);
        assertThat(ea.status(DomId.SELF, 0)[1]).isEqualTo(EvtchnStat.CLOSED);
    }

    @Test
    void allocUnboundChecksTheDomainAndThePortSpace() {
        assertThat(ea.allocUnbound(77, b.domid())).isEqualTo(-ESRCH);
        assertThat(ea.allocUnbound(b.domid(), a.domid())).as("unprivileged for another domain").isEqualTo(-EPERM);
        long p = e0.allocUnbound(b.domid(), dom0.domid());
        assertThat(p).as("dom0 may allocate in b").isEqualTo(1);
        assertThat(eb.status(DomId.SELF, p)).startsWith(0, EvtchnStat.UNBOUND, 0, 0);

        Domain small = host.hv.createDomain(new DomainConfig(8, 8, 1, 4, 3));
        GuestEvtchn es = new GuestEvtchn(host.guest(small));
        assertThat(es.allocUnbound(DomId.SELF, 0)).isEqualTo(1);
        assertThat(es.allocUnbound(DomId.SELF, 0)).isEqualTo(2);
        assertThat(es.allocUnbound(DomId.SELF, 0)).isEqualTo(3);
        assertThat(es.allocUnbound(DomId.SELF, 0)).isEqualTo(-ENOSPC);
    }

    @Test
    void remoteDomidSelfMeansTheCaller() {
        long p = ea.allocUnbound(DomId.SELF, DomId.SELF);
        assertThat(ea.status(DomId.SELF, p)[3] & 0xFFFF).isEqualTo(a.domid());
        long lp = ea.bindInterdomain(DomId.SELF, p);
        assertThat(lp).as("loopback").isPositive();
        assertThat(ea.status(DomId.SELF, lp)).startsWith(0, EvtchnStat.INTERDOMAIN, 0, a.domid(), p);
        ea.clearPending(lp);
        assertThat(ea.send(p)).isZero();
        assertThat(ea.pending(lp)).isTrue();
    }

    @Test
    void bindInterdomainConnectsBothEndsAndMarksTheNewLocalPortPending() {
        long ap = ea.allocUnbound(DomId.SELF, b.domid());
        long bp = eb.bindInterdomain(a.domid(), ap);
        assertThat(eb.pending(bp)).isTrue();
        assertThat(eb.pendingSel(0) & (1L << (bp / 64))).isNotZero();
        assertThat(eb.upcallPending(0)).isTrue();
        assertThat(ea.status(DomId.SELF, ap)).startsWith(0, EvtchnStat.INTERDOMAIN, 0, b.domid(), bp);
        assertThat(eb.status(DomId.SELF, bp)).startsWith(0, EvtchnStat.INTERDOMAIN, 0, a.domid(), ap);
    }

    @Test
    void bindInterdomainErrors() {
        long forOther = ea.allocUnbound(DomId.SELF, dom0.domid());
        assertThat(eb.bindInterdomain(a.domid(), forOther)).as("remote_domid is not the caller").isEqualTo(-EINVAL);
        assertThat(eb.bindInterdomain(a.domid(), 0)).as("reserved port").isEqualTo(-EINVAL);
        assertThat(eb.bindInterdomain(a.domid(), 63)).as("free port").isEqualTo(-EINVAL);
        assertThat(eb.bindInterdomain(a.domid(), 4000)).as("invalid port").isEqualTo(-EINVAL);
        assertThat(eb.bindInterdomain(a.domid(), 0xFFFF_FFFFL)).isEqualTo(-EINVAL);
        assertThat(eb.bindInterdomain(99, 1)).isEqualTo(-ESRCH);
        long[] ports = connect();
        assertThat(e0.bindInterdomain(a.domid(), ports[0])).as("already bound").isEqualTo(-EINVAL);
    }

    @Test
    void sendSetsPendingSelectorAndUpcallOnceAndUnboundDropsSilently() {
        long[] p = connect();
        assertThat(ea.send(p[0])).isZero();
        assertThat(eb.pending(p[1])).isTrue();
        assertThat(eb.upcallPending(0)).isTrue();
        long upcalls = b.vcpu(0).upcalls();
        assertThat(ea.send(p[0])).isZero();
        assertThat(b.vcpu(0).upcalls()).as("no new edge while pending").isEqualTo(upcalls);

        long unbound = ea.allocUnbound(DomId.SELF, b.domid());
        assertThat(ea.send(unbound)).isZero();
        assertThat(ea.pending(unbound)).isFalse();

        assertThat(ea.send(0)).isEqualTo(-EINVAL);
        assertThat(ea.send(40)).as("free port").isEqualTo(-EINVAL);
        assertThat(ea.send(5000)).isEqualTo(-EINVAL);
        long virq = ea.bindVirq(Virq.TIMER, 0);
        assertThat(ea.send(virq)).isEqualTo(-EINVAL);
    }

    @Test
    void aMaskedPortStaysPendingWithoutUpcallUntilUnmasked() {
        long[] p = connect();
        eb.setMask(p[1], true);
        assertThat(ea.send(p[0])).isZero();
        assertThat(eb.pending(p[1])).isTrue();
        assertThat(eb.pendingSel(0)).isZero();
        assertThat(eb.upcallPending(0)).isFalse();
        assertThat(eb.unmask(p[1])).isZero();
        assertThat(eb.masked(p[1])).isFalse();
        assertThat(eb.pendingSel(0) & (1L << (p[1] / 64))).isNotZero();
        assertThat(eb.upcallPending(0)).isTrue();
        assertThat(eb.unmask(5000)).isEqualTo(-EINVAL);
        assertThat(eb.unmask(0)).as("port 0 is valid, merely reserved").isZero();
    }

    @Test
    void ipiNotifiesItsOwnVcpu() {
        long ipi = ea.bindIpi(1);
        assertThat(ea.status(DomId.SELF, ipi)).startsWith(0, EvtchnStat.IPI, 1);
        assertThat(ea.send(ipi)).isZero();
        assertThat(ea.pending(ipi)).isTrue();
        assertThat(ea.upcallPending(1)).isTrue();
        assertThat(ea.upcallPending(0)).isFalse();
        assertThat(ea.bindIpi(2)).isEqualTo(-ENOENT);
        assertThat(ea.bindVcpu(ipi, 0)).as("IPIs are not re-bindable").isEqualTo(-EINVAL);
    }

    @Test
    void bindVirqRules() {
        assertThat(ea.bindVirq(Virq.NR_VIRQS, 0)).isEqualTo(-EINVAL);
        assertThat(ea.bindVirq(-1, 0)).isEqualTo(-EINVAL);
        assertThat(ea.bindVirq(Virq.DOM_EXC, 1)).as("global VIRQ on vCPU 1").isEqualTo(-EINVAL);
        assertThat(ea.bindVirq(Virq.TIMER, 2)).isEqualTo(-ENOENT);
        long t0 = ea.bindVirq(Virq.TIMER, 0);
        long t1 = ea.bindVirq(Virq.TIMER, 1);
        assertThat(t0).isPositive();
        assertThat(t1).isPositive().isNotEqualTo(t0);
        assertThat(ea.bindVirq(Virq.TIMER, 1)).isEqualTo(-EEXIST);
        assertThat(ea.status(DomId.SELF, t1)).startsWith(0, EvtchnStat.VIRQ, 1, Virq.TIMER);
        assertThat(ea.bindVirq(Virq.DOM_EXC, 0)).as("dom0 handles global VIRQs").isEqualTo(-EBUSY);
        long exc = e0.bindVirq(Virq.DOM_EXC, 0);
        assertThat(exc).isPositive();
        assertThat(e0.bindVirq(Virq.DOM_EXC, 0)).isEqualTo(-EEXIST);
        assertThat(ea.bindVcpu(t1, 0)).as("per-vCPU VIRQ").isEqualTo(-EINVAL);
        assertThat(ea.close(t1)).isZero();
        assertThat(ea.bindVirq(Virq.TIMER, 1)).isPositive();

        host.hv.sendVcpuVirq(a.domid(), 0, Virq.TIMER);
        assertThat(ea.pending(t0)).isTrue();
    }

    @Test
    void globalVirqsStayWithDom0sIdAfterItIsGone() {
        Domain big = host.domain(8, 2);
        host.hv.destroyDomain(dom0.domid());
        // the handler is dom0's id, now free: the VIRQ stays unbound
        assertThat(ea.bindVirq(Virq.DOM_EXC, 0)).isEqualTo(-EBUSY);
        assertThat(big.domid()).isEqualTo(3);
    }

    @Test
    void bindPirqAnswersAsXenDoesWithoutPhysicalIrqs() {
        assertThat(ea.bindPirq(1)).isEqualTo(-EPERM);
        assertThat(ea.bindPirq(1000)).isEqualTo(-EINVAL);
    }

    @Test
    void closeOfAnInterdomainPortLeavesThePeerUnboundForTheCloser() {
        long[] p = connect();
        ea.send(p[0]);
        assertThat(eb.close(p[1])).isZero();
        assertThat(eb.pending(p[1])).as("closing clears pending").isFalse();
        assertThat(eb.status(DomId.SELF, p[1])[1]).isEqualTo(EvtchnStat.CLOSED);
        assertThat(ea.status(DomId.SELF, p[0])).startsWith(0, EvtchnStat.UNBOUND, 0, b.domid());
        assertThat(ea.send(p[0])).as("unbound now: dropped").isZero();
        assertThat(eb.bindInterdomain(a.domid(), p[0])).isPositive();
        assertThat(eb.close(p[1])).isZero();
        assertThat(eb.close(p[1])).as("already free").isEqualTo(-EINVAL);
        assertThat(eb.close(9999)).isEqualTo(-EINVAL);
    }

    @Test
    void statusErrorsAndBuckets() {
        assertThat(ea.status(77, 1)[0]).isEqualTo(-ESRCH);
        assertThat(ea.status(DomId.SELF, 63)[0]).as("free port of the first bucket").isZero();
        assertThat(ea.status(DomId.SELF, 64)[0]).as("beyond the allocated buckets").isEqualTo(-EINVAL);
        assertThat(ea.status(b.domid(), 1)[0]).as("another domain, unprivileged").isEqualTo(-EPERM);
        long p = eb.allocUnbound(DomId.SELF, a.domid());
        assertThat(e0.status(b.domid(), p)).startsWith(0, EvtchnStat.UNBOUND, 0, a.domid());
    }

    @Test
    void bindVcpuMovesNotificationsOfInterdomainPorts() {
        long[] p = connect();
        assertThat(eb.bindVcpu(p[1], 5)).isEqualTo(-ENOENT);
        assertThat(eb.bindVcpu(900, 1)).isEqualTo(-EINVAL);
        assertThat(eb.bindVcpu(2, 1)).as("free port").isEqualTo(-EINVAL);
        assertThat(eb.bindVcpu(p[1], 1)).isZero();
        assertThat(eb.status(DomId.SELF, p[1])[2]).isEqualTo(1);
        ea.send(p[0]);
        assertThat(eb.upcallPending(1)).isTrue();
        assertThat(eb.upcallPending(0)).isFalse();
    }

    @Test
    void resetClosesEveryPortAndOnlyAPausedForeignDomain() {
        long[] p = connect();
        long ipi = eb.bindIpi(0);
        assertThat(eb.reset(DomId.SELF)).isZero();
        assertThat(eb.status(DomId.SELF, ipi)[1]).isEqualTo(EvtchnStat.CLOSED);
        assertThat(ea.status(DomId.SELF, p[0])[1]).isEqualTo(EvtchnStat.UNBOUND);
        assertThat(ea.reset(b.domid())).isEqualTo(-EPERM);
        assertThat(ea.reset(99)).isEqualTo(-ESRCH);
        host.hv.unpause(b.domid());
        assertThat(e0.reset(b.domid())).as("not paused by the controller").isEqualTo(-EINVAL);
        host.hv.pause(b.domid());
        assertThat(e0.reset(b.domid())).isZero();
    }

    @Test
    void twoLevelHasNoPrioritiesNorEventArrayAndUnknownCommandsAreEnosys() {
        var g = host.guest(a);
        assertThat(g.hc().hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.EXPAND_ARRAY, GuestEvtchn.ARG))
                .as("expand_array before init_control").isEqualTo(-EOPNOTSUPP);
        long p = ea.bindIpi(0);
        assertThat(ea.setPriority(p, 3)).isEqualTo(-ENOSYS);
        assertThat(ea.setPriority(4000, 3)).isEqualTo(-EINVAL);
        assertThat(g.hc().hypercall(Hypercall.EVENT_CHANNEL_OP, 14, GuestEvtchn.ARG)).isEqualTo(-ENOSYS);
        assertThat(g.hc().hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SEND, 0x7fff_0000L)).isEqualTo(-EFAULT);
        assertThat(g.hc().hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SEND, 0xFFFL)).as("crosses into page 1")
                .isEqualTo(-EINVAL);
    }

    @Test
    void destroyingADomainLeavesItsPeersPortsUnbound() {
        long[] p = connect();
        host.hv.destroyDomain(b.domid());
        assertThat(ea.status(DomId.SELF, p[0])).startsWith(0, EvtchnStat.UNBOUND, 0, b.domid());
        assertThat(ea.send(p[0])).isZero();
    }

    @Test
    void registeredVcpuInfoReceivesEventsForVcpusBeyond32() {
        Domain wide = host.domain(16, 40);
        var g = host.guest(wide);
        GuestEvtchn ew = new GuestEvtchn(g);
        long ipi = ew.bindIpi(35);
        ew.send(ipi);
        assertThat(wide.vcpu(35).upcalls()).as("goes to the dummy vcpu_info").isEqualTo(1);
        ew.clearPending(ipi);
        var hc35 = host.hv.hypercalls(wide.domid(), 35);
        long area = 0x3000 + 128;
        g.mem().putLong(TestHost.Guest.ARG, 3);
        g.mem().putInt(TestHost.Guest.ARG + 8, 128);
        assertThat(hc35.hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_VCPU_INFO, 35,
                TestHost.Guest.ARG)).isZero();
        assertThat(g.mem().getLong(area + 8)).as("every selector bit set").isEqualTo(-1L);
        g.mem().putLong(area + 8, 0);
        g.mem().putByte(area, (byte) 0);
        ew.send(ipi);
        assertThat(g.mem().getByte(area)).isEqualTo((byte) 1);
        assertThat(g.mem().getLong(area + 8)).isEqualTo(1L << (ipi / 64));
    }
}
