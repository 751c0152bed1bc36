package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabCopyDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.GnttabQuerySizeDescriptor;
import io.jxen.abi.gnttab.GnttabSetupTableDescriptor;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.memory.XenMem;
import io.jxen.abi.memory.XenMemoryReservationDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hypercall.GuestPageFault;
import io.jxen.hypercall.P2mEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Grant tables v1: setup/query, map/unmap/copy with every status, teardown on destroy. */
class GrantTableTest {

    /** Where the mapping domain asks for granted pages: an unpopulated GFN above its RAM. */
    static final long HOST = 40L << XenPage.SHIFT;

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain a;
    Domain b;
    Domain c;
    GuestGnttab ga;
    GuestGnttab gb;
    GuestGnttab gc;

    /** Whether the guests of this run talk to the hypervisor over the Unix-socket transport. */
    boolean overSocket() {
        return false;
    }

    @BeforeEach
    void setUp() {
        host = new TestHost(dir, overSocket());
        dom0 = host.domain(16, 1);
        a = host.hv.createDomain(new io.jxen.hv.domain.DomainConfig(16, 64, 1, 4, 4095));
        b = host.hv.createDomain(new io.jxen.hv.domain.DomainConfig(16, 64, 1, 4, 4095));
        c = host.hv.createDomain(new io.jxen.hv.domain.DomainConfig(16, 64, 1, 4, 4095));
        ga = new GuestGnttab(host.guest(a));
        gb = new GuestGnttab(host.guest(b));
        gc = new GuestGnttab(host.guest(c));
        ga.mem.putLong(5L << XenPage.SHIFT, 0x1122334455667788L);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    @Test
    void setupTableGrowsTheTableAndReportsItsFrames() {
        var g = host.guest(a);
        g.mem().zero(GuestGnttab.ARG, GnttabSetupTableDescriptor.SIZE);
        g.mem().putShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.DOM_OFFSET, (short) DomId.SELF);
        g.mem().putInt(GuestGnttab.ARG + GnttabSetupTableDescriptor.NR_FRAMES_OFFSET, 3);
        g.mem().putLong(GuestGnttab.ARG + GnttabSetupTableDescriptor.FRAME_LIST_OFFSET, TestHost.Guest.LIST);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.OKAY);
        for (int i = 0; i < 3; i++) {
            assertThat(g.mem().getLong(TestHost.Guest.LIST + 8L * i)).isEqualTo(a.grantFrameGfn(i));
            assertThat(g.mem().mapped(a.grantFrameGfn(i))).isTrue();
        }
        g.mem().putInt(GuestGnttab.ARG + GnttabSetupTableDescriptor.NR_FRAMES_OFFSET, 5);
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.STATUS_OFFSET))
                .as("beyond max_grant_frames")
                .isEqualTo((short) Gntst.GENERAL_ERROR);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, GuestGnttab.ARG, 2))
                .isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
        g.mem().putInt(GuestGnttab.ARG + GnttabSetupTableDescriptor.NR_FRAMES_OFFSET, 1);
        g.mem().putShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.DOM_OFFSET, (short) b.domid());
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.PERMISSION_DENIED);
        g.mem().putShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.DOM_OFFSET, (short) 99);
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.BAD_DOMAIN);
        g.mem().putLong(GuestGnttab.ARG + GnttabSetupTableDescriptor.FRAME_LIST_OFFSET, 30L << XenPage.SHIFT);
        g.mem().putShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.DOM_OFFSET, (short) DomId.SELF);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getShort(GuestGnttab.ARG + GnttabSetupTableDescriptor.STATUS_OFFSET))
                .as("frame_list not mapped")
                .isEqualTo((short) Gntst.BAD_VIRT_ADDR);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, 30L << XenPage.SHIFT, 1))
                .as("the op itself not mapped").isEqualTo(-io.jxen.abi.XenErrno.EFAULT);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.QUERY_SIZE | (1 << 12), GuestGnttab.ARG, 1))
                .as("continuation bits on an op other than cache_flush").isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.QUERY_SIZE, GuestGnttab.ARG, 1L << 32 | 1))
                .as("count is an unsigned int").isZero();
    }

    @Test
    void querySizeAndVersions() {
        var g = host.guest(a);
        g.mem().zero(GuestGnttab.ARG, GnttabQuerySizeDescriptor.SIZE);
        g.mem().putShort(GuestGnttab.ARG, (short) DomId.SELF);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.QUERY_SIZE, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getInt(GuestGnttab.ARG + GnttabQuerySizeDescriptor.NR_FRAMES_OFFSET)).isEqualTo(1);
        assertThat(g.mem().getInt(GuestGnttab.ARG + GnttabQuerySizeDescriptor.MAX_NR_FRAMES_OFFSET)).isEqualTo(4);
        assertThat(g.mem().getShort(GuestGnttab.ARG + GnttabQuerySizeDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.OKAY);
        g.mem().putShort(GuestGnttab.ARG, (short) 99);
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.QUERY_SIZE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + GnttabQuerySizeDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.BAD_DOMAIN);

        g.mem().putInt(GuestGnttab.ARG, 1);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SET_VERSION, GuestGnttab.ARG, 1)).isZero();
        g.mem().putInt(GuestGnttab.ARG, 3);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SET_VERSION, GuestGnttab.ARG, 1))
                .isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
        assertThat(g.mem().getInt(GuestGnttab.ARG)).as("the current version is written back").isEqualTo(1);
        g.mem().putShort(GuestGnttab.ARG, (short) DomId.SELF);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.GET_VERSION, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getInt(GuestGnttab.ARG + 4)).isEqualTo(1);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, 99, GuestGnttab.ARG, 1))
                .isEqualTo(-io.jxen.abi.XenErrno.ENOSYS);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, GuestGnttab.ARG, -1))
                .isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
    }

    @Test
    void aWritableMappingSharesThePageAndUnmapGivesItBack() {
        ga.grant(10, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 10, HOST, Gntmap.HOST_MAP);
        assertThat(r[3]).isZero();
        assertThat(r[0]).isEqualTo(Gntst.OKAY);
        long mfn = P2mEntry.mfn(a.physMap().p2m().get(5));
        assertThat(r[2]).as("dev_bus_addr").isEqualTo(mfn << XenPage.SHIFT);
        assertThat(ga.flags(10)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING | Gtf.WRITING);
        assertThat(gb.mem.getLong(HOST)).isEqualTo(0x1122334455667788L);
        gb.mem.putLong(HOST + 8, 99);
        assertThat(ga.mem.getLong((5L << XenPage.SHIFT) + 8)).isEqualTo(99);
        assertThat(b.grantTable().mappingsInUse()).isEqualTo(1);

        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(10)).isEqualTo(Gtf.PERMIT_ACCESS);
        assertThatThrownBy(() -> gb.mem.getLong(HOST)).isInstanceOf(GuestPageFault.class);
        assertThat(gb.unmap(HOST, 0, r[1])).as("handle already free").isEqualTo(Gntst.BAD_HANDLE);
        assertThat(b.grantTable().mappingsInUse()).isZero();
    }

    @Test
    void readOnlyMappingsAndReadOnlyGrants() {
        ga.grant(11, b.domid(), 5, Gtf.PERMIT_ACCESS | Gtf.READONLY);
        assertThat(gb.mapStatus(a.domid(), 11, HOST, Gntmap.HOST_MAP)).as("write-pin of a r/o grant")
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(ga.flags(11)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READONLY);
        long[] r = gb.map(a.domid(), 11, HOST, Gntmap.HOST_MAP | Gntmap.READONLY);
        assertThat(r[0]).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(11)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READONLY | Gtf.READING);
        assertThat(gb.mem.getLong(HOST)).isEqualTo(0x1122334455667788L);
        assertThatThrownBy(() -> gb.mem.putLong(HOST, 1)).isInstanceOf(GuestPageFault.class);
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(11)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READONLY);
    }

    @Test
    void readingAndWritingFollowThePins() {
        ga.grant(12, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] ro = gb.map(a.domid(), 12, HOST, Gntmap.HOST_MAP | Gntmap.READONLY);
        assertThat(ga.flags(12)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING);
        long[] dev = gb.map(a.domid(), 12, 0, Gntmap.DEVICE_MAP);
        assertThat(dev[0]).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(12)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING | Gtf.WRITING);
        assertThat(gb.unmap(0, dev[2] + 4096, dev[1])).isEqualTo(Gntst.BAD_DEV_ADDR);
        assertThat(gb.unmap(0, dev[2], dev[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(12)).as("the read-only host mapping remains").isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING);
        assertThat(gb.unmap(HOST + 4096, 0, ro[1])).as("wrong host address").isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.unmap(HOST, 0, ro[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.flags(12)).isEqualTo(Gtf.PERMIT_ACCESS);
    }

    @Test
    void mapErrorStatuses() {
        ga.grant(13, b.domid(), 5, Gtf.PERMIT_ACCESS);
        ga.grant(14, c.domid(), 5, Gtf.PERMIT_ACCESS);
        ga.grant(15, b.domid(), 30, Gtf.PERMIT_ACCESS);
        ga.grant(16, b.domid(), 5, Gtf.PERMIT_ACCESS | Gtf.SUB_PAGE);
        ga.grant(17, b.domid(), 5, Gtf.ACCEPT_TRANSFER);
        assertThat(gb.mapStatus(a.domid(), 13, HOST, 0)).as("neither host nor device").isEqualTo(Gntst.BAD_GNTREF);
        assertThat(gb.mapStatus(a.domid(), 13, HOST, Gntmap.HOST_MAP | Gntmap.CONTAINS_PTE))
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.mapStatus(99, 13, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.BAD_DOMAIN);
        assertThat(gb.mapStatus(DomId.SELF, 13, HOST, Gntmap.HOST_MAP)).as("by_id, not by_any_id")
                .isEqualTo(Gntst.BAD_DOMAIN);
        assertThat(gb.mapStatus(a.domid(), 512, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.BAD_GNTREF);
        assertThat(gb.mapStatus(a.domid(), 14, HOST, Gntmap.HOST_MAP)).as("granted to c")
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.mapStatus(a.domid(), 15, HOST, Gntmap.HOST_MAP)).as("frame not populated")
                .isEqualTo(Gntst.BAD_PAGE);
        assertThat(ga.flags(15)).isEqualTo(Gtf.PERMIT_ACCESS);
        assertThat(gb.mapStatus(a.domid(), 16, HOST, Gntmap.HOST_MAP)).as("sub-page").isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.mapStatus(a.domid(), 17, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.mapStatus(a.domid(), 13, 3L << XenPage.SHIFT, Gntmap.HOST_MAP)).as("host gfn is RAM")
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(ga.flags(13)).as("undone").isEqualTo(Gtf.PERMIT_ACCESS);

        long[] r = gb.map(a.domid(), 13, HOST, Gntmap.HOST_MAP);
        assertThat(r[0]).isEqualTo(Gntst.OKAY);
        ga.grant(18, c.domid(), 6, Gtf.PERMIT_ACCESS);
        // ref 13 is pinned for b; c may not pin it
        ga.mem.putShort(ga.entryGpa(13) + 2, (short) c.domid());
        assertThat(gc.mapStatus(a.domid(), 13, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.unmap(HOST, 0, 12345)).isEqualTo(Gntst.BAD_HANDLE);
        var g = host.guest(b);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, 30L << XenPage.SHIFT, 1))
                .isEqualTo(-io.jxen.abi.XenErrno.EFAULT);
    }

    @Test
    void copyBetweenGrantsAndOwnFrames() {
        ga.grant(20, b.domid(), 5, Gtf.PERMIT_ACCESS);
        gb.mem.putLong(7L << XenPage.SHIFT, 0xCAFEL);
        // a's granted page -> b's own gfn 6
        assertThat(gb.copy(20, a.domid(), 0, 6, DomId.SELF, 16, 8, Gntmap.GNTCOPY_SOURCE_GREF)).isEqualTo(Gntst.OKAY);
        assertThat(gb.mem.getLong((6L << XenPage.SHIFT) + 16)).isEqualTo(0x1122334455667788L);
        assertThat(ga.flags(20)).as("released after the copy").isEqualTo(Gtf.PERMIT_ACCESS);
        // b's own gfn 7 -> a's granted page
        assertThat(gb.copy(7, DomId.SELF, 0, 20, a.domid(), 8, 8, Gntmap.GNTCOPY_DEST_GREF)).isEqualTo(Gntst.OKAY);
        assertThat(ga.mem.getLong((5L << XenPage.SHIFT) + 8)).isEqualTo(0xCAFEL);
        assertThat(gb.copy(7, DomId.SELF, 0, 20, a.domid(), 4090, 8, Gntmap.GNTCOPY_DEST_GREF))
                .isEqualTo(Gntst.BAD_COPY_ARG);
        assertThat(gb.copy(7, DomId.SELF, 4095, 6, DomId.SELF, 0, 2, 0)).isEqualTo(Gntst.BAD_COPY_ARG);
        assertThat(ga.flags(20)).isEqualTo(Gtf.PERMIT_ACCESS);
        assertThat(gb.copy(7, b.domid(), 0, 6, DomId.SELF, 0, 8, 0)).as("frames only for DOMID_SELF")
                .isEqualTo(Gntst.PERMISSION_DENIED);
        assertThat(gb.copy(20, 99, 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF)).isEqualTo(Gntst.BAD_DOMAIN);
        assertThat(gb.copy(9999, a.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF))
                .isEqualTo(Gntst.BAD_GNTREF);
        assertThat(gb.copy(30, DomId.SELF, 0, 6, DomId.SELF, 0, 8, 0)).as("unpopulated frame")
                .isEqualTo(Gntst.BAD_PAGE);
        assertThat(gb.copy(0, DomId.SELF, 0, 6, DomId.SELF, 0, 0, 0)).as("len 0 is always fine").isEqualTo(Gntst.OKAY);
        ga.grant(21, b.domid(), 5, Gtf.PERMIT_ACCESS | Gtf.READONLY);
        assertThat(gb.copy(7, DomId.SELF, 0, 21, a.domid(), 0, 8, Gntmap.GNTCOPY_DEST_GREF))
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gc.copy(20, a.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF)).as("granted to b")
                .isEqualTo(Gntst.GENERAL_ERROR);
    }

    @Test
    void aFailingCopyInABatchDoesNotStopTheOthers() {
        ga.grant(22, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long list = TestHost.Guest.LIST;
        gb.putCopy(list, 22, a.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF);
        gb.putCopy(list + GnttabCopyDescriptor.SIZE, 23, a.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF);
        gb.putCopy(list + 2 * GnttabCopyDescriptor.SIZE, 22, a.domid(), 0, 6, DomId.SELF, 8, 8,
                Gntmap.GNTCOPY_SOURCE_GREF);
        assertThat(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.COPY, list, 3)).isZero();
        assertThat(gb.mem.getShort(list + GnttabCopyDescriptor.STATUS_OFFSET)).isEqualTo((short) Gntst.OKAY);
        assertThat(gb.mem.getShort(list + GnttabCopyDescriptor.SIZE + GnttabCopyDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.GENERAL_ERROR);
        assertThat(gb.mem.getShort(list + 2 * GnttabCopyDescriptor.SIZE + GnttabCopyDescriptor.STATUS_OFFSET))
                .isEqualTo((short) Gntst.OKAY);
        assertThat(gb.mem.getLong((6L << XenPage.SHIFT) + 8)).isEqualTo(0x1122334455667788L);
    }

    @Test
    void destroyingTheGranterRemovesForeignMappings() {
        ga.grant(30, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 30, HOST, Gntmap.HOST_MAP);
        assertThat(gb.mem.getLong(HOST)).isEqualTo(0x1122334455667788L);
        host.hv.destroyDomain(a.domid());
        assertThatThrownBy(() -> gb.mem.getLong(HOST)).isInstanceOf(GuestPageFault.class);
        assertThat(b.grantTable().mappingsInUse()).isZero();
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(Gntst.BAD_HANDLE);
    }

    @Test
    void aDeviceMappingKeepsTheGrantersFrameUntilUnmapped() {
        long freeBefore = host.memory.allocator().freeFrames();
        ga.grant(32, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] dev = gb.map(a.domid(), 32, HOST, Gntmap.DEVICE_MAP | Gntmap.HOST_MAP);
        long mfn = dev[2] >>> XenPage.SHIFT;
        long aFrames = 16 + 1 + a.physMap().p2m().frames() + a.grantTable().nrFrames() + doorbellPages(1);
        host.hv.destroyDomain(a.domid());
        assertThatThrownBy(() -> gb.mem.getLong(HOST)).as("the host mapping is gone").isInstanceOf(GuestPageFault.class);
        assertThat(host.memory.allocator().isAllocated(mfn)).as("the backend may still use the frame").isTrue();
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(freeBefore + aFrames - 1);
        assertThat(gb.unmap(0, dev[2] + 4096, dev[1])).isEqualTo(Gntst.BAD_DEV_ADDR);
        assertThat(gb.unmap(0, dev[2], dev[1])).isEqualTo(Gntst.OKAY);
        assertThat(host.memory.allocator().isAllocated(mfn)).isFalse();
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(freeBefore + aFrames);
        assertThat(gb.unmap(0, dev[2], dev[1])).isEqualTo(Gntst.BAD_HANDLE);
    }

    /** Guests behind the socket transport also have a doorbell page each. */
    private long doorbellPages(int domains) {
        return overSocket() ? domains : 0;
    }

    @Test
    void aMapperDestroyedWithAnOrphanedDeviceMappingFreesTheFrame() {
        long free = host.memory.allocator().freeFrames();
        ga.grant(33, b.domid(), 5, Gtf.PERMIT_ACCESS);
        gb.map(a.domid(), 33, 0, Gntmap.DEVICE_MAP);
        long total = free + 16 + 1 + a.physMap().p2m().frames() + a.grantTable().nrFrames()
                + 16 + 1 + b.physMap().p2m().frames() + b.grantTable().nrFrames() + doorbellPages(2);
        host.hv.destroyDomain(a.domid());
        host.hv.destroyDomain(b.domid());
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(total);
    }

    @Test
    void destroyingTheMapperReleasesItsPins() {
        ga.grant(31, b.domid(), 5, Gtf.PERMIT_ACCESS);
        gb.map(a.domid(), 31, HOST, Gntmap.HOST_MAP);
        gb.map(a.domid(), 31, 0, Gntmap.DEVICE_MAP | Gntmap.READONLY);
        assertThat(ga.flags(31)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READING | Gtf.WRITING);
        host.hv.destroyDomain(b.domid());
        assertThat(ga.flags(31)).as("the granter can revoke now").isEqualTo(Gtf.PERMIT_ACCESS);
        Domain b2 = host.hv.createDomain(io.jxen.hv.domain.DomainConfig.of(16, 1), b.domid()); // the id asked for
        GuestGnttab gb2 = new GuestGnttab(host.guest(b2));
        assertThat(b2.domid()).isEqualTo(b.domid());
        assertThat(gb2.mapStatus(a.domid(), 31, HOST, Gntmap.HOST_MAP)).as("a new domain with the old id")
                .isEqualTo(Gntst.OKAY);
    }

    @Test
    void aGrantedPageSomeoneMapsCannotBeBallooned() {
        ga.grant(40, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 40, HOST, Gntmap.HOST_MAP);
        assertThat(decrease(5)).as("mapped by b").isZero();
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(Gntst.OKAY);
        assertThat(decrease(5)).isEqualTo(1);
    }

    private long decrease(long gfn) {
        var g = host.guest(a);
        g.mem().putLong(TestHost.Guest.LIST, gfn);
        g.mem().zero(TestHost.Guest.ARG, XenMemoryReservationDescriptor.SIZE);
        g.mem().putLong(TestHost.Guest.ARG + XenMemoryReservationDescriptor.EXTENT_START_OFFSET, TestHost.Guest.LIST);
        g.mem().putLong(TestHost.Guest.ARG + XenMemoryReservationDescriptor.NR_EXTENTS_OFFSET, 1);
        g.mem().putShort(TestHost.Guest.ARG + XenMemoryReservationDescriptor.DOMID_OFFSET, (short) DomId.SELF);
        return g.hc().hypercall(Hypercall.MEMORY_OP, XenMem.DECREASE_RESERVATION,
                TestHost.Guest.ARG);
    }

    @Test
    void createDestroyWithLiveMappingsLeavesNoFrameAllocated() {
        host.hv.destroyDomain(c.domid());
        long free = host.memory.allocator().freeFrames();
        for (int i = 0; i < 200; i++) {
            Domain x = host.domain(16, 1);
            GuestGnttab gx = new GuestGnttab(host.guest(x));
            gx.grant(9, b.domid(), 4, Gtf.PERMIT_ACCESS);
            ga.grant(9, x.domid(), 5, Gtf.PERMIT_ACCESS);
            assertThat(gb.mapStatus(x.domid(), 9, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.OKAY);
            assertThat(gx.mapStatus(a.domid(), 9, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.OKAY);
            host.hv.destroyDomain(x.domid());
            assertThat(ga.flags(9)).isEqualTo(Gtf.PERMIT_ACCESS);
        }
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(free);
        assertThat(b.grantTable().mappingsInUse()).isZero();
    }
}
