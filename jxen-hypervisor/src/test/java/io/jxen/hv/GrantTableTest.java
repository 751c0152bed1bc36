package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hypercall.GuestPageFault;
import io.jxen.hypercall.P2mEntry;
import io.jxen.hypercall.abi.GrantTableAbi;
import io.jxen.hypercall.abi.GrantTableLayouts.Copy;
import io.jxen.hypercall.abi.GrantTableLayouts.QuerySize;
import io.jxen.hypercall.abi.GrantTableLayouts.SetupTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.hypercall.abi.GrantTableAbi.GNTCOPY_DEST_GREF;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTCOPY_SOURCE_GREF;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_CONTAINS_PTE;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_DEVICE_MAP;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_HOST_MAP;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_READONLY;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_COPY_ARG;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_DEV_ADDR;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_DOMAIN;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_GNTREF;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_HANDLE;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_PAGE;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_GENERAL_ERROR;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_OKAY;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_PERMISSION_DENIED;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_PERMIT_ACCESS;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_READING;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_READONLY;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_SUB_PAGE;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_WRITING;
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
        g.mem().zero(GuestGnttab.ARG, SetupTable.SIZE);
        g.mem().putShort(GuestGnttab.ARG + SetupTable.DOM, (short) DomId.SELF);
        g.mem().putInt(GuestGnttab.ARG + SetupTable.NR_FRAMES, 3);
        g.mem().putLong(GuestGnttab.ARG + SetupTable.FRAME_LIST, TestHost.Guest.LIST);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SETUP_TABLE, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getShort(GuestGnttab.ARG + SetupTable.STATUS)).isEqualTo((short) GNTST_OKAY);
        for (int i = 0; i < 3; i++) {
            assertThat(g.mem().getLong(TestHost.Guest.LIST + 8L * i)).isEqualTo(a.grantFrameGfn(i));
            assertThat(g.mem().mapped(a.grantFrameGfn(i))).isTrue();
        }
        g.mem().putInt(GuestGnttab.ARG + SetupTable.NR_FRAMES, 5);
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SETUP_TABLE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + SetupTable.STATUS)).as("beyond max_grant_frames")
                .isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SETUP_TABLE, GuestGnttab.ARG, 2))
                .isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
        g.mem().putInt(GuestGnttab.ARG + SetupTable.NR_FRAMES, 1);
        g.mem().putShort(GuestGnttab.ARG + SetupTable.DOM, (short) b.domid());
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SETUP_TABLE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + SetupTable.STATUS)).isEqualTo((short) GNTST_PERMISSION_DENIED);
        g.mem().putShort(GuestGnttab.ARG + SetupTable.DOM, (short) 99);
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SETUP_TABLE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + SetupTable.STATUS)).isEqualTo((short) GNTST_BAD_DOMAIN);
        g.mem().putLong(GuestGnttab.ARG + SetupTable.FRAME_LIST, 30L << XenPage.SHIFT);
        g.mem().putShort(GuestGnttab.ARG + SetupTable.DOM, (short) DomId.SELF);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SETUP_TABLE, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getShort(GuestGnttab.ARG + SetupTable.STATUS)).as("frame_list not mapped")
                .isEqualTo((short) GrantTableAbi.GNTST_BAD_VIRT_ADDR);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SETUP_TABLE, 30L << XenPage.SHIFT, 1))
                .as("the op itself not mapped").isEqualTo(-io.jxen.abi.XenErrno.EFAULT);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.QUERY_SIZE | (1 << 12), GuestGnttab.ARG, 1))
                .as("continuation bits on an op other than cache_flush").isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.QUERY_SIZE, GuestGnttab.ARG, 1L << 32 | 1))
                .as("count is an unsigned int").isZero();
    }

    @Test
    void querySizeAndVersions() {
        var g = host.guest(a);
        g.mem().zero(GuestGnttab.ARG, QuerySize.SIZE);
        g.mem().putShort(GuestGnttab.ARG, (short) DomId.SELF);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.QUERY_SIZE, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getInt(GuestGnttab.ARG + QuerySize.NR_FRAMES)).isEqualTo(1);
        assertThat(g.mem().getInt(GuestGnttab.ARG + QuerySize.MAX_NR_FRAMES)).isEqualTo(4);
        assertThat(g.mem().getShort(GuestGnttab.ARG + QuerySize.STATUS)).isEqualTo((short) GNTST_OKAY);
        g.mem().putShort(GuestGnttab.ARG, (short) 99);
        g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.QUERY_SIZE, GuestGnttab.ARG, 1);
        assertThat(g.mem().getShort(GuestGnttab.ARG + QuerySize.STATUS)).isEqualTo((short) GNTST_BAD_DOMAIN);

        g.mem().putInt(GuestGnttab.ARG, 1);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SET_VERSION, GuestGnttab.ARG, 1)).isZero();
        g.mem().putInt(GuestGnttab.ARG, 3);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SET_VERSION, GuestGnttab.ARG, 1))
                .isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
        assertThat(g.mem().getInt(GuestGnttab.ARG)).as("the current version is written back").isEqualTo(1);
        g.mem().putShort(GuestGnttab.ARG, (short) DomId.SELF);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.GET_VERSION, GuestGnttab.ARG, 1)).isZero();
        assertThat(g.mem().getInt(GuestGnttab.ARG + 4)).isEqualTo(1);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, 99, GuestGnttab.ARG, 1))
                .isEqualTo(-io.jxen.abi.XenErrno.ENOSYS);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.MAP_GRANT_REF, GuestGnttab.ARG, -1))
                .isEqualTo(-io.jxen.abi.XenErrno.EINVAL);
    }

    @Test
    void aWritableMappingSharesThePageAndUnmapGivesItBack() {
        ga.grant(10, b.domid(), 5, GTF_PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 10, HOST, GNTMAP_HOST_MAP);
        assertThat(r[3]).isZero();
        assertThat(r[0]).isEqualTo(GNTST_OKAY);
        long mfn = P2mEntry.mfn(a.physMap().p2m().get(5));
        assertThat(r[2]).as("dev_bus_addr").isEqualTo(mfn << XenPage.SHIFT);
        assertThat(ga.flags(10)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING);
        assertThat(gb.mem.getLong(HOST)).isEqualTo(0x1122334455667788L);
        gb.mem.putLong(HOST + 8, 99);
        assertThat(ga.mem.getLong((5L << XenPage.SHIFT) + 8)).isEqualTo(99);
        assertThat(b.grantTable().mappingsInUse()).isEqualTo(1);

        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(GNTST_OKAY);
        assertThat(ga.flags(10)).isEqualTo(GTF_PERMIT_ACCESS);
        assertThatThrownBy(() -> gb.mem.getLong(HOST)).isInstanceOf(GuestPageFault.class);
        assertThat(gb.unmap(HOST, 0, r[1])).as("handle already free").isEqualTo(GNTST_BAD_HANDLE);
        assertThat(b.grantTable().mappingsInUse()).isZero();
    }

    @Test
    void readOnlyMappingsAndReadOnlyGrants() {
        ga.grant(11, b.domid(), 5, GTF_PERMIT_ACCESS | GTF_READONLY);
        assertThat(gb.mapStatus(a.domid(), 11, HOST, GNTMAP_HOST_MAP)).as("write-pin of a r/o grant")
                .isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(ga.flags(11)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READONLY);
        long[] r = gb.map(a.domid(), 11, HOST, GNTMAP_HOST_MAP | GNTMAP_READONLY);
        assertThat(r[0]).isEqualTo(GNTST_OKAY);
        assertThat(ga.flags(11)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READONLY | GTF_READING);
        assertThat(gb.mem.getLong(HOST)).isEqualTo(0x1122334455667788L);
        assertThatThrownBy(() -> gb.mem.putLong(HOST, 1)).isInstanceOf(GuestPageFault.class);
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(GNTST_OKAY);
        assertThat(ga.flags(11)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READONLY);
    }

    @Test
    void readingAndWritingFollowThePins() {
        ga.grant(12, b.domid(), 5, GTF_PERMIT_ACCESS);
        long[] ro = gb.map(a.domid(), 12, HOST, GNTMAP_HOST_MAP | GNTMAP_READONLY);
        assertThat(ga.flags(12)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READING);
        long[] dev = gb.map(a.domid(), 12, 0, GNTMAP_DEVICE_MAP);
        assertThat(dev[0]).isEqualTo(GNTST_OKAY);
        assertThat(ga.flags(12)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING);
        assertThat(gb.unmap(0, dev[2] + 4096, dev[1])).isEqualTo(GNTST_BAD_DEV_ADDR);
        assertThat(gb.unmap(0, dev[2], dev[1])).isEqualTo(GNTST_OKAY);
        assertThat(ga.flags(12)).as("the read-only host mapping remains").isEqualTo(GTF_PERMIT_ACCESS | GTF_READING);
        assertThat(gb.unmap(HOST + 4096, 0, ro[1])).as("wrong host address").isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(gb.unmap(HOST, 0, ro[1])).isEqualTo(GNTST_OKAY);
        assertThat(ga.flags(12)).isEqualTo(GTF_PERMIT_ACCESS);
    }

    @Test
    void mapErrorStatuses() {
        ga.grant(13, b.domid(), 5, GTF_PERMIT_ACCESS);
        ga.grant(14, c.domid(), 5, GTF_PERMIT_ACCESS);
        ga.grant(15, b.domid(), 30, GTF_PERMIT_ACCESS);
        ga.grant(16, b.domid(), 5, GTF_PERMIT_ACCESS | GTF_SUB_PAGE);
        ga.grant(17, b.domid(), 5, GrantTableAbi.GTF_ACCEPT_TRANSFER);
        assertThat(gb.mapStatus(a.domid(), 13, HOST, 0)).as("neither host nor device").isEqualTo(GNTST_BAD_GNTREF);
        assertThat(gb.mapStatus(a.domid(), 13, HOST, GNTMAP_HOST_MAP | GNTMAP_CONTAINS_PTE))
                .isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(gb.mapStatus(99, 13, HOST, GNTMAP_HOST_MAP)).isEqualTo(GNTST_BAD_DOMAIN);
        assertThat(gb.mapStatus(DomId.SELF, 13, HOST, GNTMAP_HOST_MAP)).as("by_id, not by_any_id")
                .isEqualTo(GNTST_BAD_DOMAIN);
        assertThat(gb.mapStatus(a.domid(), 512, HOST, GNTMAP_HOST_MAP)).isEqualTo(GNTST_BAD_GNTREF);
        assertThat(gb.mapStatus(a.domid(), 14, HOST, GNTMAP_HOST_MAP)).as("granted to c").isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(gb.mapStatus(a.domid(), 15, HOST, GNTMAP_HOST_MAP)).as("frame not populated").isEqualTo(GNTST_BAD_PAGE);
        assertThat(ga.flags(15)).isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(gb.mapStatus(a.domid(), 16, HOST, GNTMAP_HOST_MAP)).as("sub-page").isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(gb.mapStatus(a.domid(), 17, HOST, GNTMAP_HOST_MAP)).isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(gb.mapStatus(a.domid(), 13, 3L << XenPage.SHIFT, GNTMAP_HOST_MAP)).as("host gfn is RAM")
                .isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(ga.flags(13)).as("undone").isEqualTo(GTF_PERMIT_ACCESS);

        long[] r = gb.map(a.domid(), 13, HOST, GNTMAP_HOST_MAP);
        assertThat(r[0]).isEqualTo(GNTST_OKAY);
        ga.grant(18, c.domid(), 6, GTF_PERMIT_ACCESS);
        // ref 13 is pinned for b; c may not pin it
        ga.mem.putShort(ga.entryGpa(13) + 2, (short) c.domid());
        assertThat(gc.mapStatus(a.domid(), 13, HOST, GNTMAP_HOST_MAP)).isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(gb.unmap(HOST, 0, 12345)).isEqualTo(GNTST_BAD_HANDLE);
        var g = host.guest(b);
        assertThat(g.hc().hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.MAP_GRANT_REF, 30L << XenPage.SHIFT, 1))
                .isEqualTo(-io.jxen.abi.XenErrno.EFAULT);
    }

    @Test
    void copyBetweenGrantsAndOwnFrames() {
        ga.grant(20, b.domid(), 5, GTF_PERMIT_ACCESS);
        gb.mem.putLong(7L << XenPage.SHIFT, 0xCAFEL);
        // a's granted page -> b's own gfn 6
        assertThat(gb.copy(20, a.domid(), 0, 6, DomId.SELF, 16, 8, GNTCOPY_SOURCE_GREF)).isEqualTo(GNTST_OKAY);
        assertThat(gb.mem.getLong((6L << XenPage.SHIFT) + 16)).isEqualTo(0x1122334455667788L);
        assertThat(ga.flags(20)).as("released after the copy").isEqualTo(GTF_PERMIT_ACCESS);
        // b's own gfn 7 -> a's granted page
        assertThat(gb.copy(7, DomId.SELF, 0, 20, a.domid(), 8, 8, GNTCOPY_DEST_GREF)).isEqualTo(GNTST_OKAY);
        assertThat(ga.mem.getLong((5L << XenPage.SHIFT) + 8)).isEqualTo(0xCAFEL);
        assertThat(gb.copy(7, DomId.SELF, 0, 20, a.domid(), 4090, 8, GNTCOPY_DEST_GREF)).isEqualTo(GNTST_BAD_COPY_ARG);
        assertThat(gb.copy(7, DomId.SELF, 4095, 6, DomId.SELF, 0, 2, 0)).isEqualTo(GNTST_BAD_COPY_ARG);
        assertThat(ga.flags(20)).isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(gb.copy(7, b.domid(), 0, 6, DomId.SELF, 0, 8, 0)).as("frames only for DOMID_SELF")
                .isEqualTo(GNTST_PERMISSION_DENIED);
        assertThat(gb.copy(20, 99, 0, 6, DomId.SELF, 0, 8, GNTCOPY_SOURCE_GREF)).isEqualTo(GNTST_BAD_DOMAIN);
        assertThat(gb.copy(9999, a.domid(), 0, 6, DomId.SELF, 0, 8, GNTCOPY_SOURCE_GREF)).isEqualTo(GNTST_BAD_GNTREF);
        assertThat(gb.copy(30, DomId.SELF, 0, 6, DomId.SELF, 0, 8, 0)).as("unpopulated frame").isEqualTo(GNTST_BAD_PAGE);
        assertThat(gb.copy(0, DomId.SELF, 0, 6, DomId.SELF, 0, 0, 0)).as("len 0 is always fine").isEqualTo(GNTST_OKAY);
        ga.grant(21, b.domid(), 5, GTF_PERMIT_ACCESS | GTF_READONLY);
        assertThat(gb.copy(7, DomId.SELF, 0, 21, a.domid(), 0, 8, GNTCOPY_DEST_GREF)).isEqualTo(GNTST_GENERAL_ERROR);
        assertThat(gc.copy(20, a.domid(), 0, 6, DomId.SELF, 0, 8, GNTCOPY_SOURCE_GREF)).as("granted to b")
                .isEqualTo(GNTST_GENERAL_ERROR);
    }

    @Test
    void aFailingCopyInABatchDoesNotStopTheOthers() {
        ga.grant(22, b.domid(), 5, GTF_PERMIT_ACCESS);
        long list = TestHost.Guest.LIST;
        gb.putCopy(list, 22, a.domid(), 0, 6, DomId.SELF, 0, 8, GNTCOPY_SOURCE_GREF);
        gb.putCopy(list + Copy.SIZE, 23, a.domid(), 0, 6, DomId.SELF, 0, 8, GNTCOPY_SOURCE_GREF);
        gb.putCopy(list + 2 * Copy.SIZE, 22, a.domid(), 0, 6, DomId.SELF, 8, 8, GNTCOPY_SOURCE_GREF);
        assertThat(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.COPY, list, 3)).isZero();
        assertThat(gb.mem.getShort(list + Copy.STATUS)).isEqualTo((short) GNTST_OKAY);
        assertThat(gb.mem.getShort(list + Copy.SIZE + Copy.STATUS)).isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(gb.mem.getShort(list + 2 * Copy.SIZE + Copy.STATUS)).isEqualTo((short) GNTST_OKAY);
        assertThat(gb.mem.getLong((6L << XenPage.SHIFT) + 8)).isEqualTo(0x1122334455667788L);
    }

    @Test
    void destroyingTheGranterRemovesForeignMappings() {
        ga.grant(30, b.domid(), 5, GTF_PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 30, HOST, GNTMAP_HOST_MAP);
        assertThat(gb.mem.getLong(HOST)).isEqualTo(0x1122334455667788L);
        host.hv.destroyDomain(a.domid());
        assertThatThrownBy(() -> gb.mem.getLong(HOST)).isInstanceOf(GuestPageFault.class);
        assertThat(b.grantTable().mappingsInUse()).isZero();
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(GNTST_BAD_HANDLE);
    }

    @Test
    void aDeviceMappingKeepsTheGrantersFrameUntilUnmapped() {
        long freeBefore = host.memory.allocator().freeFrames();
        ga.grant(32, b.domid(), 5, GTF_PERMIT_ACCESS);
        long[] dev = gb.map(a.domid(), 32, HOST, GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP);
        long mfn = dev[2] >>> XenPage.SHIFT;
        long aFrames = 16 + 1 + a.physMap().p2m().frames() + a.grantTable().nrFrames() + doorbellPages(1);
        host.hv.destroyDomain(a.domid());
        assertThatThrownBy(() -> gb.mem.getLong(HOST)).as("the host mapping is gone").isInstanceOf(GuestPageFault.class);
        assertThat(host.memory.allocator().isAllocated(mfn)).as("the backend may still use the frame").isTrue();
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(freeBefore + aFrames - 1);
        assertThat(gb.unmap(0, dev[2] + 4096, dev[1])).isEqualTo(GNTST_BAD_DEV_ADDR);
        assertThat(gb.unmap(0, dev[2], dev[1])).isEqualTo(GNTST_OKAY);
        assertThat(host.memory.allocator().isAllocated(mfn)).isFalse();
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(freeBefore + aFrames);
        assertThat(gb.unmap(0, dev[2], dev[1])).isEqualTo(GNTST_BAD_HANDLE);
    }

    /** Guests behind the socket transport also have a doorbell page each. */
    private long doorbellPages(int domains) {
        return overSocket() ? domains : 0;
    }

    @Test
    void aMapperDestroyedWithAnOrphanedDeviceMappingFreesTheFrame() {
        long free = host.memory.allocator().freeFrames();
        ga.grant(33, b.domid(), 5, GTF_PERMIT_ACCESS);
        gb.map(a.domid(), 33, 0, GNTMAP_DEVICE_MAP);
        long total = free + 16 + 1 + a.physMap().p2m().frames() + a.grantTable().nrFrames()
                + 16 + 1 + b.physMap().p2m().frames() + b.grantTable().nrFrames() + doorbellPages(2);
        host.hv.destroyDomain(a.domid());
        host.hv.destroyDomain(b.domid());
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(total);
    }

    @Test
    void destroyingTheMapperReleasesItsPins() {
        ga.grant(31, b.domid(), 5, GTF_PERMIT_ACCESS);
        gb.map(a.domid(), 31, HOST, GNTMAP_HOST_MAP);
        gb.map(a.domid(), 31, 0, GNTMAP_DEVICE_MAP | GNTMAP_READONLY);
        assertThat(ga.flags(31)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING);
        host.hv.destroyDomain(b.domid());
        assertThat(ga.flags(31)).as("the granter can revoke now").isEqualTo(GTF_PERMIT_ACCESS);
        Domain b2 = host.domain(16, 1);
        GuestGnttab gb2 = new GuestGnttab(host.guest(b2));
        assertThat(b2.domid()).isEqualTo(b.domid());
        assertThat(gb2.mapStatus(a.domid(), 31, HOST, GNTMAP_HOST_MAP)).as("a new domain with the old id")
                .isEqualTo(GNTST_OKAY);
    }

    @Test
    void aGrantedPageSomeoneMapsCannotBeBallooned() {
        ga.grant(40, b.domid(), 5, GTF_PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 40, HOST, GNTMAP_HOST_MAP);
        assertThat(decrease(5)).as("mapped by b").isZero();
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(GNTST_OKAY);
        assertThat(decrease(5)).isEqualTo(1);
    }

    private long decrease(long gfn) {
        var g = host.guest(a);
        g.mem().putLong(TestHost.Guest.LIST, gfn);
        g.mem().zero(TestHost.Guest.ARG, io.jxen.hypercall.abi.MemoryAbi.RESERVATION_SIZE);
        g.mem().putLong(TestHost.Guest.ARG + io.jxen.hypercall.abi.MemoryAbi.RESERVATION_EXTENT_START, TestHost.Guest.LIST);
        g.mem().putLong(TestHost.Guest.ARG + io.jxen.hypercall.abi.MemoryAbi.RESERVATION_NR_EXTENTS, 1);
        g.mem().putShort(TestHost.Guest.ARG + io.jxen.hypercall.abi.MemoryAbi.RESERVATION_DOMID, (short) DomId.SELF);
        return g.hc().hypercall(Hypercall.MEMORY_OP, io.jxen.hypercall.abi.MemoryAbi.DECREASE_RESERVATION,
                TestHost.Guest.ARG);
    }

    @Test
    void createDestroyWithLiveMappingsLeavesNoFrameAllocated() {
        host.hv.destroyDomain(c.domid());
        long free = host.memory.allocator().freeFrames();
        for (int i = 0; i < 200; i++) {
            Domain x = host.domain(16, 1);
            GuestGnttab gx = new GuestGnttab(host.guest(x));
            gx.grant(9, b.domid(), 4, GTF_PERMIT_ACCESS);
            ga.grant(9, x.domid(), 5, GTF_PERMIT_ACCESS);
            assertThat(gb.mapStatus(x.domid(), 9, HOST, GNTMAP_HOST_MAP)).isEqualTo(GNTST_OKAY);
            assertThat(gx.mapStatus(a.domid(), 9, HOST, GNTMAP_HOST_MAP)).isEqualTo(GNTST_OKAY);
            host.hv.destroyDomain(x.domid());
            assertThat(ga.flags(9)).isEqualTo(GTF_PERMIT_ACCESS);
        }
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(free);
        assertThat(b.grantTable().mappingsInUse()).isZero();
    }
}
