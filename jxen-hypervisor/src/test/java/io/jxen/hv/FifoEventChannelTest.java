package io.jxen.hv;

import io.jxen.abi.evtchn.EvtchnFifo;
import io.jxen.abi.memory.XenMem;
import io.jxen.abi.memory.XenMemoryReservationDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOENT;
import static io.jxen.abi.XenErrno.ENOSPC;
import static io.jxen.abi.XenErrno.ENOSYS;
import static io.jxen.abi.XenErrno.EOPNOTSUPP;
import static org.assertj.core.api.Assertions.assertThat;

/** The FIFO ABI (xen/common/event_fifo.c) as a Linux-like guest drives it. */
class FifoEventChannelTest {

    /** Guest frames used for control blocks and event-array pages. */
    static final long CB = 4;
    static final long ARRAY = 5;

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain d;
    TestHost.Guest g;
    GuestEvtchn e;
    GuestFifo f;

    /** Whether the guests of this run talk to the hypervisor over the Unix-socket transport. */
    boolean overSocket() {
        return false;
    }

    @BeforeEach
    void setUp() {
        host = new TestHost(dir, overSocket());
        dom0 = host.domain(16, 1);
        d = host.hv.createDomain(new DomainConfig(160, 160, 2, 4, 5000));
        g = host.guest(d);
        e = new GuestEvtchn(g);
        f = new GuestFifo(g.hc(), g.mem(), 2);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    void initFifo() {
        assertThat(f.initControl(0, CB, 0)).isZero();
        assertThat(f.initControl(1, CB, 128)).isZero();
        assertThat(f.expandArray(ARRAY, true)).isZero();
    }

    @Test
    void initControlChecksItsArguments() {
        assertThat(f.expandArray(ARRAY, true)).as("before init_control").isEqualTo(-EOPNOTSUPP);
        assertThat(f.initControl(2, CB, 0)).isEqualTo(-ENOENT);
        assertThat(f.initControl(0, CB, 4096 - 72 + 8)).as("crosses the page").isEqualTo(-EINVAL);
        assertThat(f.initControl(0, CB, 12)).as("not 8-byte aligned").isEqualTo(-EINVAL);
        assertThat(f.initControl(0, 170, 0)).as("unpopulated").isEqualTo(-EINVAL);
        assertThat(f.initControl(0, d.sharedInfoGfn(), 0)).as("not the guest's RAM").isEqualTo(-EINVAL);
        assertThat(d.eventChannels().fifo()).isFalse();
        assertThat(f.initControl(0, CB, 4096 - 72)).isZero();
        assertThat(f.linkBits()).isEqualTo((byte) EvtchnFifo.LINK_BITS);
        assertThat(d.eventChannels().fifo()).isTrue();
        assertThat(f.initControl(0, CB, 0)).as("vCPU 0 has a block").isEqualTo(-EINVAL);
        assertThat(f.initControl(1, CB, 0)).isZero();
        assertThat(f.expandArray(170, false)).isEqualTo(-EINVAL);
        for (int i = 0; i < 128; i++) {
            assertThat(f.expandArray(10 + i, false)).isZero();
        }
        assertThat(f.expandArray(140, false)).isEqualTo(-ENOSPC);
    }

    @Test
    void eventsQueueInSendOrderAndTheReadyBitRaisesTheUpcall() {
        initFifo();
        long p1 = e.bindIpi(0);
        long p2 = e.bindIpi(0);
        long p3 = e.bindIpi(0);
        for (long p : new long[] {p1, p2, p3}) {
            f.setBit((int) p, EvtchnFifo.MASKED, false);
        }
        e.send(p2);
        e.send(p1);
        e.send(p3);
        assertThat(f.head(0, EvtchnFifo.PRIORITY_DEFAULT)).isEqualTo(p2);
        assertThat(f.word((int) p2) & EvtchnFifo.LINK_MASK).isEqualTo(p1);
        assertThat(f.word((int) p1) & EvtchnFifo.LINK_MASK).isEqualTo(p3);
        assertThat(f.ready(0)).isEqualTo(1 << EvtchnFifo.PRIORITY_DEFAULT);
        assertThat(e.upcallPending(0)).isTrue();
        assertThat(d.vcpu(0).upcalls()).as("one upcall for the whole queue").isEqualTo(1);
        assertThat(f.consume(0)).containsExactly((int) p2, (int) p1, (int) p3);
        assertThat(f.consume(0)).isEmpty();
    }

    @Test
    void higherPrioritiesAreConsumedFirst() {
        initFifo();
        long low = e.bindIpi(0);
        long high = e.bindIpi(0);
        f.setBit((int) low, EvtchnFifo.MASKED, false);
        f.setBit((int) high, EvtchnFifo.MASKED, false);
        assertThat(f.setPriority(high, EvtchnFifo.PRIORITY_MAX)).isZero();
        assertThat(f.setPriority(high, 16)).isEqualTo(-EINVAL);
        assertThat(f.setPriority(4000, 1)).isEqualTo(-EINVAL);
        assertThat(d.eventChannels().fifoPriority((int) high)).isZero();
        e.send(low);
        e.send(high);
        assertThat(f.ready(0)).isEqualTo((1 << EvtchnFifo.PRIORITY_DEFAULT) | 1);
        assertThat(f.consume(0)).containsExactly((int) high, (int) low);
        assertThat(e.close(high)).isZero();
        long again = e.bindIpi(0);
        assertThat(d.eventChannels().fifoPriority((int) again)).as("a new binding gets the default priority")
                .isEqualTo(EvtchnFifo.PRIORITY_DEFAULT);
    }

    @Test
    void aMaskedEventIsPendingButNotLinkedUntilUnmask() {
        initFifo();
        long p = e.bindIpi(1);
        e.send(p);
        assertThat(f.bit((int) p, EvtchnFifo.PENDING)).isTrue();
        assertThat(f.bit((int) p, EvtchnFifo.LINKED)).isFalse();
        assertThat(f.ready(1)).isZero();
        assertThat(e.unmask(p)).isZero();
        assertThat(f.bit((int) p, EvtchnFifo.MASKED)).isFalse();
        assertThat(f.bit((int) p, EvtchnFifo.LINKED)).isTrue();
        assertThat(f.head(1, EvtchnFifo.PRIORITY_DEFAULT)).isEqualTo(p);
        assertThat(e.upcallPending(1)).isTrue();
        assertThat(f.consume(1)).containsExactly((int) p);
    }

    @Test
    void switchingToFifoCarriesPendingTwoLevelEventsOver() {
        long p = e.bindIpi(0);
        e.send(p);
        assertThat(e.pending(p)).isTrue();
        assertThat(f.initControl(0, CB, 0)).isZero();
        assertThat(d.eventChannels().pending((int) p)).as("no event word yet").isFalse();
        assertThat(f.expandArray(ARRAY, false)).as("a zeroed page: unmasked words").isZero();
        assertThat(f.bit((int) p, EvtchnFifo.PENDING)).isTrue();
        assertThat(f.consume(0)).containsExactly((int) p);
    }

    @Test
    void portsAbove1023WaitForTheirPageAndAbove4095NeedFifo() {
        Domain wide = host.hv.createDomain(new DomainConfig(16, 16, 1, 4, 5000));
        GuestEvtchn ew = new GuestEvtchn(host.guest(wide));
        long last = 0;
        for (int i = 1; i < 4096; i++) {
            last = ew.bindIpi(0);
        }
        assertThat(last).isEqualTo(4095);
        assertThat(ew.bindIpi(0)).as("the 2-level ABI stops at 4095").isEqualTo(-ENOSPC);
        host.hv.destroyDomain(wide.domid());

        initFifo();
        long p = 0;
        for (int i = 1; i < 1030; i++) {
            p = e.bindIpi(0);
        }
        assertThat(p).isEqualTo(1029);
        e.send(p);
        assertThat(d.eventChannels().pending((int) p)).isFalse();
        assertThat(f.expandArray(6, false)).isZero();
        assertThat(d.eventChannels().pending((int) p)).as("re-raised when its page arrived").isTrue();
        for (int i = 1030; i <= 4100; i++) {
            p = e.bindIpi(0);
        }
        assertThat(p).isEqualTo(4100);
    }

    @Test
    void eventsForAVcpuWithoutAControlBlockAreDropped() {
        assertThat(f.initControl(0, CB, 0)).isZero();
        assertThat(f.expandArray(ARRAY, false)).isZero();
        long p = e.bindIpi(1);
        e.send(p);
        assertThat(d.eventChannels().pending((int) p)).isFalse();
    }

    @Test
    void aClosedPortStaysBusyWhileLinked() {
        initFifo();
        long p = e.bindIpi(0);
        f.setBit((int) p, EvtchnFifo.MASKED, false);
        e.send(p);
        assertThat(e.close(p)).isZero();
        assertThat(f.bit((int) p, EvtchnFifo.PENDING)).as("closing clears PENDING").isFalse();
        assertThat(f.bit((int) p, EvtchnFifo.LINKED)).isTrue();
        assertThat(e.bindIpi(0)).as("still LINKED: skipped").isEqualTo(p + 1);
        assertThat(f.consume(0)).as("not pending: not handled").isEmpty();
        assertThat(e.bindIpi(0)).isEqualTo(p);
    }

    @Test
    void interdomainEventsArriveOnTheFifoQueue() {
        initFifo();
        GuestEvtchn e0 = new GuestEvtchn(host.guest(dom0));
        long mine = e.allocUnbound(DomId.SELF, dom0.domid());
        f.setBit((int) mine, EvtchnFifo.MASKED, false);
        long theirs = e0.bindInterdomain(d.domid(), mine);
        e0.send(theirs);
        assertThat(f.consume(0)).containsExactly((int) mine);
    }

    @Test
    void resetGoesBackToTwoLevel() {
        initFifo();
        long p = e.bindIpi(0);
        assertThat(e.reset(DomId.SELF)).isZero();
        assertThat(d.eventChannels().fifo()).isFalse();
        assertThat(e.setPriority(e.bindIpi(0), 1)).isEqualTo(-ENOSYS);
        assertThat(f.expandArray(ARRAY, true)).isEqualTo(-EOPNOTSUPP);
        assertThat(p).isPositive();
        assertThat(f.initControl(0, CB, 0)).as("init_control works again").isZero();
    }

    @Test
    void pagesTheHypervisorWritesCannotBeBallooned() {
        initFifo();
        g.mem().putLong(TestHost.Guest.LIST, CB);
        g.mem().putLong(TestHost.Guest.LIST + 8, 7);
        g.mem().zero(TestHost.Guest.ARG, XenMemoryReservationDescriptor.SIZE);
        g.mem().putLong(TestHost.Guest.ARG + XenMemoryReservationDescriptor.EXTENT_START_OFFSET, TestHost.Guest.LIST);
        g.mem().putLong(TestHost.Guest.ARG + XenMemoryReservationDescriptor.NR_EXTENTS_OFFSET, 1);
        g.mem().putShort(TestHost.Guest.ARG + XenMemoryReservationDescriptor.DOMID_OFFSET, (short) DomId.SELF);
        assertThat(g.hc().hypercall(io.jxen.abi.Hypercall.MEMORY_OP, XenMem.DECREASE_RESERVATION,
                TestHost.Guest.ARG)).isZero();
        assertThat(e.reset(DomId.SELF)).isZero();
        assertThat(g.hc().hypercall(io.jxen.abi.Hypercall.MEMORY_OP, XenMem.DECREASE_RESERVATION,
                TestHost.Guest.ARG)).as("released after reset").isEqualTo(1);
    }
}
