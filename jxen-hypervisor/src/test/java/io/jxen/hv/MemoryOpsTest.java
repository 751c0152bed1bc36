package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.memory.XenMem;
import io.jxen.abi.memory.XenMemoryReservationDescriptor;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuRegisterVcpuInfoDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPageFault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EACCES;
import static io.jxen.abi.XenErrno.EBUSY;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOENT;
import static io.jxen.abi.XenErrno.ENXIO;
import static io.jxen.abi.XenErrno.EPERM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** XENMEM reservation ops, guest memory access, and VCPUOP. */
class MemoryOpsTest {

    @TempDir
    Path dir;
    TestHost host;
    Domain d;
    TestHost.Guest g;

    @BeforeEach
    void setUp() {
        host = new TestHost(dir);
        host.domain(8, 1);
        d = host.hv.createDomain(new DomainConfig(16, 32, 2, 4, 4095));
        g = host.guest(d);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    long reservation(int cmd, long[] gfns, int order, int domid) {
        long list = TestHost.Guest.LIST;
        for (int i = 0; i < gfns.length; i++) {
            g.mem().putLong(list + 8L * i, gfns[i]);
        }
        long arg = TestHost.Guest.ARG;
        g.mem().zero(arg, XenMemoryReservationDescriptor.SIZE);
        g.mem().putLong(arg + XenMemoryReservationDescriptor.EXTENT_START_OFFSET, list);
        g.mem().putLong(arg + XenMemoryReservationDescriptor.NR_EXTENTS_OFFSET, gfns.length);
        g.mem().putInt(arg + XenMemoryReservationDescriptor.EXTENT_ORDER_OFFSET, order);
        g.mem().putShort(arg + XenMemoryReservationDescriptor.DOMID_OFFSET, (short) domid);
        return g.hc().hypercall(Hypercall.MEMORY_OP, cmd, arg);
    }

    long query(int cmd, int domid) {
        g.mem().putShort(TestHost.Guest.ARG, (short) domid);
        return g.hc().hypercall(Hypercall.MEMORY_OP, cmd, TestHost.Guest.ARG);
    }

    @Test
    void populateAndDecreaseMoveFramesInAndOutOfTheP2m() {
        long free = host.memory.allocator().freeFrames();
        assertThat(query(XenMem.CURRENT_RESERVATION, DomId.SELF)).isEqualTo(16);
        assertThat(query(XenMem.MAXIMUM_RESERVATION, DomId.SELF)).isEqualTo(32);
        assertThat(g.mem().mapped(20)).isFalse();
        assertThatThrownBy(() -> g.mem().getLong(20L << 12)).isInstanceOf(GuestPageFault.class);

        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {20, 22}, 0, DomId.SELF)).isEqualTo(2);
        g.mem().putLong(20L << 12, 42);
        assertThat(g.mem().getLong(20L << 12)).isEqualTo(42);
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(free - 2);
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {24, 20}, 0, DomId.SELF))
                .as("an already populated gfn stops the batch").isEqualTo(1);
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {28}, 2, DomId.SELF))
                .as("an order-2 extent").isEqualTo(1);
        assertThat(g.mem().mapped(31)).isTrue();
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {33}, 1, DomId.SELF))
                .as("misaligned extent").isZero();

        assertThat(reservation(XenMem.DECREASE_RESERVATION, new long[] {20, 5, 21}, 0, DomId.SELF))
                .as("gfn 21 holds nothing").isEqualTo(2);
        assertThat(g.mem().mapped(20)).isFalse();
        assertThat(query(XenMem.CURRENT_RESERVATION, DomId.SELF)).isEqualTo(16 + 3 + 4 - 2);
        populated(free - 7 + 2);
    }

    private void populated(long expectedFree) {
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(expectedFree);
    }

    @Test
    void maxPagesBoundsTheReservation() {
        long[] gfns = new long[17];
        for (int i = 0; i < gfns.length; i++) {
            gfns[i] = 100 + i;
        }
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {d.sharedInfoGfn() + 10}, 0, DomId.SELF))
                .as("outside the guest-physical space").isZero();
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, gfns, 0, DomId.SELF)).as("16 more reach max_pages")
                .isEqualTo(16);
        assertThat(reservation(XenMem.INCREASE_RESERVATION, new long[] {0}, 0, DomId.SELF)).isZero();
        assertThat(reservation(XenMem.DECREASE_RESERVATION, new long[] {3}, 0, DomId.SELF)).isEqualTo(1);
        assertThat(reservation(XenMem.INCREASE_RESERVATION, new long[] {0}, 0, DomId.SELF)).isEqualTo(1);
        assertThat(query(XenMem.CURRENT_RESERVATION, DomId.SELF)).isEqualTo(32);
    }

    @Test
    void anotherDomainsReservationIsForTheControlDomainOnly() {
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {20}, 0, 0)).isEqualTo(-EPERM);
        assertThat(query(XenMem.CURRENT_RESERVATION, 0)).isEqualTo(-EPERM);
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {20}, 0, 77)).isZero();
        assertThat(reservation(XenMem.POPULATE_PHYSMAP, new long[] {20}, 10, DomId.SELF)).as("order > 9").isZero();
        assertThat(g.hc().hypercall(Hypercall.MEMORY_OP, 63, 0)).isEqualTo(-io.jxen.abi.XenErrno.ENOSYS);
    }

    @Test
    void vcpuUpDownAndIsUp() {
        var hc = g.hc();
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1)).isZero();
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 1))
                .as("never initialised (Xen: !v->is_initialised)").isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1)).isZero();
        g.initialiseVcpu(1);
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.UP, 1)).isZero();
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1)).isEqualTo(1);
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.DOWN, 1)).isZero();
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1)).isZero();
        assertThat(hc.hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 2)).isEqualTo(-ENOENT);
        assertThat(hc.hypercall(Hypercall.VCPU_OP, 99, 0)).isEqualTo(-io.jxen.abi.XenErrno.ENOSYS);
    }

    long register(int vcpu, long gfn, long offset) {
        g.mem().putLong(TestHost.Guest.ARG + VcpuRegisterVcpuInfoDescriptor.MFN_OFFSET, gfn);
        g.mem().putInt(TestHost.Guest.ARG + VcpuRegisterVcpuInfoDescriptor.OFFSET_OFFSET, (int) offset);
        return g.hc().hypercall(Hypercall.VCPU_OP, VcpuOp.REGISTER_VCPU_INFO, vcpu, TestHost.Guest.ARG);
    }

    @Test
    void registerVcpuInfoErrors() {
        assertThat(register(1, 3, 4096)).as("offset beyond the page").isEqualTo(-EINVAL);
        assertThat(register(1, 3, 4090 & ~7)).as("crosses the page").isEqualTo(-ENXIO);
        assertThat(register(1, 3, 12)).as("misaligned").isEqualTo(-ENXIO);
        assertThat(register(1, 25, 0)).as("unpopulated").isEqualTo(-EINVAL);
        assertThat(register(1, d.sharedInfoGfn(), 0)).as("a hypervisor page").isEqualTo(-EACCES);
        assertThat(register(1, 3, 64)).isZero();
        assertThat(register(1, 3, 128)).isEqualTo(-EBUSY);
        assertThat(register(5, 3, 128)).isEqualTo(-ENOENT);
        assertThat(g.mem().getByte((3L << 12) + 64)).as("upcall pending after the move").isEqualTo((byte) 1);
    }
}
