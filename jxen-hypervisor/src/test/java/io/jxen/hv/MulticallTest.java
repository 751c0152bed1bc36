package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.xen.MulticallEntryDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hypercall.Multicall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOSYS;
import static org.assertj.core.api.Assertions.assertThat;

/** The hypercall table and {@code __HYPERVISOR_multicall} (xen/common/multicall.c). */
class MulticallTest {

    @TempDir
    Path dir;
    TestHost host;
    TestHost.Guest g;

    /** Whether the guests of this run talk to the hypervisor over the Unix-socket transport. */
    boolean overSocket() {
        return false;
    }

    @BeforeEach
    void setUp() {
        host = new TestHost(dir, overSocket());
        Domain d = host.domain(16, 2);
        g = host.guest(d);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    @Test
    void unknownAndUnimplementedHypercallsAreEnosys() {
        assertThat(g.hc().hypercall(-1)).isEqualTo(-ENOSYS);
        assertThat(g.hc().hypercall(64)).isEqualTo(-ENOSYS);
        assertThat(g.hc().hypercall(Hypercall.SET_TRAP_TABLE, 0)).isEqualTo(-ENOSYS);
        assertThat(g.hc().hypercall(Hypercall.IRET)).isEqualTo(-ENOSYS);
        assertThat(g.hc().hypercall(Hypercall.SCHED_OP, 99, 0)).isEqualTo(-ENOSYS);
    }

    @Test
    void eachEntrysResultIsWrittenBackAndAFailureDoesNotStopTheOthers() {
        g.initialiseVcpu(1);
        long list = TestHost.Guest.LIST;
        List<Multicall.Call> calls = List.of(
                new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0),
                new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 7),
                new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.UP, 1),
                new Multicall.Call(Hypercall.MULTICALL, list, 1),
                new Multicall.Call(63),
                new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1));
        long[] results = new long[calls.size()];
        long rc = Multicall.run(g.hc(), g.mem(), list, calls, results);
        assertThat(rc).as("the helper reports a failed entry").isEqualTo(-1);
        assertThat(results).containsExactly(1, -io.jxen.abi.XenErrno.ENOENT, 0, -EINVAL, -ENOSYS, 1);
    }

    @Test
    void aCallThatGivesBackTheListsOwnPageEndsTheBatchWithEfaultAndWritesNothingThere() {
        // The list is in page 3; its only entry gives page 3 back (XENMEM_decrease_reservation).
        // The result must not be written into the freed frame, whoever gets it next.
        long list = 3L << io.jxen.abi.XenPage.SHIFT;
        long arg = TestHost.Guest.ARG;
        long gfns = TestHost.Guest.LIST;
        g.mem().putLong(gfns, 3);
        g.mem().zero(arg, io.jxen.abi.memory.XenMemoryReservationDescriptor.SIZE);
        g.mem().putLong(arg + io.jxen.abi.memory.XenMemoryReservationDescriptor.EXTENT_START_OFFSET, gfns);
        g.mem().putLong(arg + io.jxen.abi.memory.XenMemoryReservationDescriptor.NR_EXTENTS_OFFSET, 1);
        g.mem().putShort(arg + io.jxen.abi.memory.XenMemoryReservationDescriptor.DOMID_OFFSET,
                (short) io.jxen.abi.xen.DomId.SELF);
        long mfn = io.jxen.hypercall.P2mEntry.mfn(g.domain().physMap().p2m().get(3));
        Multicall.write(g.mem(), list, List.of(new Multicall.Call(Hypercall.MEMORY_OP,
                io.jxen.abi.memory.XenMem.DECREASE_RESERVATION, arg)));
        assertThat(g.hc().hypercall(Hypercall.MULTICALL, list, 1)).isEqualTo(-EFAULT);
        assertThat(io.jxen.hypercall.P2mEntry.present(g.domain().physMap().p2m().get(3))).as("given back").isFalse();
        assertThat(host.memory.frame(mfn).get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED,
                MulticallEntryDescriptor.RESULT_OFFSET)).as("no result in the freed frame").isZero();
        assertThat(host.hv.internalErrors()).isZero();
    }

    @Test
    void theHelperSucceedsOnlyIfEveryEntrySucceeded() {
        long[] results = new long[2];
        long rc = Multicall.run(g.hc(), g.mem(), TestHost.Guest.LIST, List.of(
                new Multicall.Call(Hypercall.SCHED_OP, SchedOp.YIELD, 0),
                new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0)), results);
        assertThat(rc).isZero();
        assertThat(results).containsExactly(0, 1);
    }

    @Test
    void aBadListIsEfaultAndNestingIsEinvalPerEntry() {
        assertThat(g.hc().hypercall(Hypercall.MULTICALL, 0x7000_0000L, 1)).isEqualTo(-EFAULT);
        assertThat(g.hc().hypercall(Hypercall.MULTICALL, TestHost.Guest.LIST, -1)).isEqualTo(-EFAULT);
        assertThat(g.hc().hypercall(Hypercall.MULTICALL, TestHost.Guest.LIST, 0)).isZero();
        // a list whose second entry runs off guest memory: the first still runs, as on Xen
        long last = (16L << 12) - MulticallEntryDescriptor.SIZE;
        Multicall.write(g.mem(), last, List.of(new Multicall.Call(Hypercall.VCPU_OP, VcpuOp.IS_UP, 0)));
        assertThat(g.hc().hypercall(Hypercall.MULTICALL, last, 2)).isEqualTo(-EFAULT);
        assertThat(Multicall.result(g.mem(), last, 0)).isEqualTo(1);
    }

    @Test
    void anEventChannelOpInsideAMulticallSeesTheCallersMemory() {
        g.mem().putInt(TestHost.Guest.ARG, 0);
        long[] results = new long[1];
        Multicall.run(g.hc(), g.mem(), TestHost.Guest.LIST,
                List.of(new Multicall.Call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_IPI, TestHost.Guest.ARG)), results);
        assertThat(results[0]).isZero();
        assertThat(g.mem().getInt(TestHost.Guest.ARG + 4)).isEqualTo(1);
    }
}
