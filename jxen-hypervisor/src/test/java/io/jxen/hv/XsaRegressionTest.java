package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabMapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.Multicall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOSPC;
import static io.jxen.abi.XenErrno.ENOSYS;
import static io.jxen.abi.XenErrno.EOPNOTSUPP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attacks of Xen security advisories on this surface, as the XTF proofs of concept
 * mount them (reference §7.2), each refused cleanly: an errno or a GNTST status, no hypervisor
 * exception, no state left inconsistent.
 */
class XsaRegressionTest {

    static final long HOST = 40L << XenPage.SHIFT;

    @TempDir
    Path dir;
    TestHost host;
    Domain a;
    Domain b;

    /** Whether the guests of this run talk to the hypervisor over the Unix-socket transport. */
    boolean overSocket() {
        return false;
    }

    @BeforeEach
    void setUp() {
        host = new TestHost(dir, overSocket());
        host.domain(16, 1);
        a = host.hv.createDomain(new DomainConfig(16, 64, 1, 4, 4095));
        b = host.hv.createDomain(new DomainConfig(16, 64, 1, 4, 4095));
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).as("no hypervisor exception").isZero();
        host.close();
    }

    /** XSA-188: init_control with a bad frame, then expand_array (a use-after-free in Xen). */
    @Test
    void xsa188InitControlWithABadFrameThenExpandArray() {
        var g = host.guest(a);
        GuestFifo f = new GuestFifo(g.hc(), g.mem(), 1);
        assertThat(f.initControl(0, 1L << 40, 0)).isEqualTo(-EINVAL);
        assertThat(f.expandArray(5, false)).isEqualTo(-EOPNOTSUPP);
        assertThat(a.eventChannels().fifo()).isFalse();
        assertThat(f.initControl(0, 4, 0)).isZero();
        assertThat(f.expandArray(1L << 40, false)).isEqualTo(-EINVAL);
        assertThat(f.expandArray(5, false)).isZero();
    }

    /** XSA-221: operations on ports whose storage was never set up must not touch it. */
    @Test
    void xsa221UninitialisedPorts() {
        GuestEvtchn e = new GuestEvtchn(host.guest(a));
        for (long port : new long[] {64, 1023, 1024, 4095, 4096, 100_000, 0xFFFF_FFFFL}) {
            assertThat(e.unmask(port)).isEqualTo(-EINVAL);
            assertThat(e.send(port)).isEqualTo(-EINVAL);
            assertThat(e.close(port)).isEqualTo(-EINVAL);
            assertThat(e.bindVcpu(port, 0)).isEqualTo(-EINVAL);
            assertThat(e.status(DomId.SELF, port)[0]).isEqualTo(-EINVAL);
            assertThat(e.setPriority(port, 1)).isEqualTo(-EINVAL);
        }
        var g = host.guest(a);
        GuestFifo f = new GuestFifo(g.hc(), g.mem(), 1);
        assertThat(f.initControl(0, 4, 0)).isZero();
        long p = e.bindIpi(0);
        assertThat(e.send(p)).as("FIFO without an event array: the event is remembered").isZero();
        assertThat(e.unmask(p)).isZero();
        assertThat(e.unmask(2000)).isEqualTo(-EINVAL);
    }

    /** XSA-317: exhausting the port space of either ABI ends in -ENOSPC, not an overflow. */
    @Test
    void xsa317MoreEventChannelsThanTheAbiHolds() {
        GuestEvtchn e = new GuestEvtchn(host.guest(a));
        long last = 0;
        while (true) {
            long rc = e.bindIpi(0);
            if (rc < 0) {
                assertThat(rc).isEqualTo(-ENOSPC);
                break;
            }
            last = rc;
        }
        assertThat(last).isEqualTo(4095);
    }

    /** XSA-213: a multicall cannot smuggle in an iret or a nested multicall. */
    @Test
    void xsa213IretAndNestingInsideAMulticall() {
        var g = host.guest(a);
        long[] results = new long[2];
        Multicall.run(g.hc(), g.mem(), TestHost.Guest.LIST, List.of(
                new Multicall.Call(Hypercall.IRET),
                new Multicall.Call(Hypercall.MULTICALL, TestHost.Guest.LIST, 2)), results);
        assertThat(results).containsExactly(-ENOSYS, -EINVAL);
        assertThat(a.vcpu(0).inMulticall()).isFalse();
        assertThat(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.YIELD, 0)).isZero();
    }

    /** XSA-224: one host+device writable mapping undone by two separate unmaps. */
    @Test
    void xsa224HostAndDeviceMappingUnmappedSeparately() {
        GuestGnttab ga = new GuestGnttab(host.guest(a));
        GuestGnttab gb = new GuestGnttab(host.guest(b));
        ga.grant(8, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 8, HOST, Gntmap.HOST_MAP | Gntmap.DEVICE_MAP);
        assertThat(r[0]).isEqualTo(Gntst.OKAY);
        assertThat(gb.unmap(0, r[2], r[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(8)).as("the host mapping still writes")
                .isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING | Gtf.WRITING);
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(8)).isEqualTo(Gtf.PERMIT_ACCESS);
        assertThat(gb.unmap(HOST, r[2], r[1])).isEqualTo(Gntst.BAD_HANDLE);
        assertThat(b.grantTable().mappingsInUse()).isZero();
    }

    /** XSA-234: unmapping a read-only mapping must not drop the writable one's GTF_writing. */
    @Test
    void xsa234ReadOnlyUnmapKeepsTheWritableReference() {
        GuestGnttab ga = new GuestGnttab(host.guest(a));
        GuestGnttab gb = new GuestGnttab(host.guest(b));
        ga.grant(9, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] rw = gb.map(a.domid(), 9, HOST, Gntmap.HOST_MAP);
        long[] ro = gb.map(a.domid(), 9, 0, Gntmap.DEVICE_MAP | Gntmap.READONLY);
        assertThat(gb.unmap(0, ro[2], ro[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(9)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING | Gtf.WRITING);
        gb.mem.putLong(HOST, 5);
        assertThat(gb.unmap(HOST, 0, rw[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(9)).isEqualTo(Gtf.PERMIT_ACCESS);
    }

    /**
     * XSA-227: a {@code GNTMAP_contains_pte} map with a misaligned PTE address let a guest write
     * outside the PTE. jxen guests are translated, and Xen refuses {@code contains_pte} (and
     * device/application maps by such a guest) outright: general_error, nothing mapped, no pin.
     */
    @Test
    void xsa227ContainsPteIsRefusedWhateverTheAlignment() {
        GuestGnttab ga = new GuestGnttab(host.guest(a));
        GuestGnttab gb = new GuestGnttab(host.guest(b));
        ga.grant(10, b.domid(), 5, Gtf.PERMIT_ACCESS);
        for (long addr : new long[] {HOST, HOST + 1, HOST + 4095}) {
            assertThat(gb.mapStatus(a.domid(), 10, addr, Gntmap.HOST_MAP | Gntmap.CONTAINS_PTE))
                    .as("contains_pte at %x", addr).isEqualTo(Gntst.GENERAL_ERROR);
        }
        assertThat(ga.flags(10)).as("never pinned").isEqualTo(Gtf.PERMIT_ACCESS);
        assertThat(b.grantTable().mappingsInUse()).isZero();
    }

    /**
     * XSA-232: {@code GNTTABOP_cache_flush} on a page with no guest owner (Xen's own, or
     * {@code DOMID_IO}'s) dereferenced a NULL owner. jxen answers -EPERM for a Xen page and
     * -EINVAL past the end of memory, and keeps running.
     */
    @Test
    void xsa232CacheFlushOfAPageWithoutAGuestOwner() {
        var g = host.guest(b);
        long arg = TestHost.Guest.ARG;
        long[] addrs = {b.sharedInfoMfn() << XenPage.SHIFT, (long) TestHost.FRAMES << XenPage.SHIFT};
        long[] expected = {-io.jxen.abi.XenErrno.EPERM, -io.jxen.abi.XenErrno.EINVAL};
        for (int i = 0; i < addrs.length; i++) {
            g.mem().putLong(arg, addrs[i]);
            g.mem().putShort(arg + 8, (short) 0);
            g.mem().putShort(arg + 10, (short) 64);
            g.mem().putInt(arg + 12, Gntmap.GNTTAB_CACHE_CLEAN);
            assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.CACHE_FLUSH, arg, 1)).isEqualTo(expected[i]);
        }
    }

    /** XSA-316: a failed map reports a negative GNTST status while the hypercall itself succeeds. */
    @Test
    void xsa316MapErrorsAreNegativeStatusesNotHypercallErrors() {
        var g = host.guest(b);
        g.mem().zero(TestHost.Guest.ARG, GnttabMapGrantRefDescriptor.SIZE);
        g.mem().putInt(TestHost.Guest.ARG + GnttabMapGrantRefDescriptor.FLAGS_OFFSET, Gntmap.HOST_MAP);
        g.mem().putInt(TestHost.Guest.ARG + GnttabMapGrantRefDescriptor.REF_OFFSET, 1 << 30);
        g.mem().putShort(TestHost.Guest.ARG + GnttabMapGrantRefDescriptor.DOM_OFFSET, (short) a.domid());
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, TestHost.Guest.ARG, 1)).isZero();
        assertThat(g.mem().getShort(TestHost.Guest.ARG + GnttabMapGrantRefDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.BAD_GNTREF);
    }
}
