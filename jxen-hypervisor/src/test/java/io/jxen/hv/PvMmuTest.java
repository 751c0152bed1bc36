package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.version.XenFeat;
import io.jxen.abi.version.XenVer;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.MmuExtCmd;
import io.jxen.abi.xen.MmuUpdateType;
import io.jxen.abi.xen.Uvmf;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.mm.pv.PageInfo;
import io.jxen.hv.mm.pv.PageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EBUSY;
import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOSYS;
import static io.jxen.abi.XenErrno.EPERM;
import static io.jxen.hv.GuestMmu.PRESENT;
import static io.jxen.hv.GuestMmu.RW;
import static org.assertj.core.api.Assertions.assertThat;

/** The PV MMU rules, one test per rule, with Xen's errno and partial-success counts. */
class PvMmuTest {

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain d;
    GuestMmu m;

    @BeforeEach
    void setUp() {
        host = new TestHost(dir);
        dom0 = host.domain(16, 1);
        d = host.hv.createDomain(DomainConfig.of(64, 1).withPvMmu());
        TestHost.Guest g = host.guest(d);
        m = new GuestMmu(g.hc(), g.mem());
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    PageInfo info(long gfn) {
        return host.hv.mmu().types().info(m.mfn(gfn));
    }

    PageType type(long gfn) {
        PageInfo i = info(gfn);
        return i == null ? PageType.NONE : i.type();
    }

    int count(long gfn) {
        PageInfo i = info(gfn);
        return i == null ? 0 : i.count();
    }

    @Test
    void pinAndUnpinFollowXensRules() {
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(10), 0)).isZero();
        assertThat(type(10)).isEqualTo(PageType.L1);
        assertThat(info(10).pinned()).isTrue();
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(10), 0)).as("already pinned").isEqualTo(-EINVAL);
        assertThat(count(10)).isEqualTo(1);
        assertThat(m.ext(MmuExtCmd.PIN_L2_TABLE, m.mfn(10), 0)).as("type clash").isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.UNPIN_TABLE, m.mfn(10), 0)).isZero();
        assertThat(type(10)).isEqualTo(PageType.NONE);
        assertThat(m.ext(MmuExtCmd.UNPIN_TABLE, m.mfn(10), 0)).as("not pinned").isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.PIN_L2_TABLE, m.mfn(10), 0)).as("count 0: the type may change").isZero();
        long dom0Frame = P2mOf.mfn(host, dom0, 3);
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, dom0Frame, 0)).as("not the domain's").isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.UNPIN_TABLE, dom0Frame, 0)).isEqualTo(-EINVAL);
    }

    @Test
    void aWritableMappingGivesTheTargetTheWritableTypeAndKeepsItFromBecomingATable() {
        m.mem.putLong(10L << 12, m.pte(30, PRESENT | RW));
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(10), 0)).isZero();
        assertThat(type(30)).isEqualTo(PageType.WRITABLE);
        assertThat(count(30)).isEqualTo(1);
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(30), 0)).isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.UNPIN_TABLE, m.mfn(10), 0)).isZero();
        assertThat(type(30)).isEqualTo(PageType.NONE);
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(30), 0)).isZero();
    }

    @Test
    void aPageTableMayNotBeMappedWritableButMayBeMappedReadOnly() {
        assertThat(m.ext(new long[] {MmuExtCmd.PIN_L1_TABLE, m.mfn(10), 0},
                new long[] {MmuExtCmd.PIN_L1_TABLE, m.mfn(11), 0})).isZero();
        assertThat(m.done).isEqualTo(2);
        assertThat(m.update(m.slot(10, 0), m.pte(11, PRESENT | RW))).isEqualTo(-EBUSY);
        assertThat(m.done).isZero();
        assertThat(m.mem.getLong(10L << 12)).as("not written").isZero();
        assertThat(m.update(m.slot(10, 0), m.pte(11, PRESENT))).isZero();
        assertThat(m.done).isEqualTo(1);
        assertThat(m.mem.getLong(10L << 12)).isEqualTo(m.pte(11, PRESENT));
        assertThat(count(11)).as("read-only mappings take no type").isEqualTo(1);
    }

    @Test
    void anL1EntryMayMapOnlyTheDomainsOwnFrames() {
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(10), 0)).isZero();
        long dom0Frame = P2mOf.mfn(host, dom0, 3);
        assertThat(m.update(m.slot(10, 0), dom0Frame << 12 | PRESENT)).as("another domain's").isEqualTo(-EBUSY);
        assertThat(m.update(m.slot(10, 0), (long) TestHost.FRAMES << 12 | PRESENT)).as("MMIO").isEqualTo(-EPERM);
        assertThat(m.update(m.slot(10, 0), m.pte(12, PRESENT | 1L << 55))).as("bad flags").isEqualTo(-EINVAL);
        long shared = d.sharedInfoMfn();
        assertThat(m.update(m.slot(10, 1), shared << 12 | PRESENT | RW)).as("shared_info is in its p2m").isZero();
    }

    @Test
    void upperLevelsTakeTheNextLowerTableTypeAndRefuseSuperpages() {
        m.mem.putLong(20L << 12, m.pte(21, PRESENT | RW)); // L2 slot 0 -> L1 in gfn 21
        m.mem.putLong(21L << 12, m.pte(30, PRESENT | RW)); // L1 slot 0 -> data page 30
        assertThat(m.ext(MmuExtCmd.PIN_L2_TABLE, m.mfn(20), 0)).isZero();
        assertThat(type(21)).isEqualTo(PageType.L1);
        assertThat(type(30)).isEqualTo(PageType.WRITABLE);
        assertThat(m.update(m.slot(20, 1), m.pte(30, PRESENT))).as("a writable page is no L1").isEqualTo(-EINVAL);
        assertThat(m.update(m.slot(20, 1), m.pte(22, PRESENT | 1L << 7))).as("PSE").isEqualTo(-EINVAL);
        long dom0Frame = P2mOf.mfn(host, dom0, 3);
        assertThat(m.update(m.slot(20, 1), dom0Frame << 12 | PRESENT)).isEqualTo(-EINVAL);
        assertThat(m.update(m.slot(20, 1), m.pte(20, PRESENT | RW))).as("a writable linear entry").isEqualTo(-EINVAL);
        assertThat(m.update(m.slot(20, 0), 0)).as("unhook the L1").isZero();
        assertThat(type(21)).isEqualTo(PageType.NONE);
        assertThat(type(30)).isEqualTo(PageType.NONE);
    }

    @Test
    void aBatchStopsAtTheFirstFailureAndReportsHowManyWereDone() {
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(10), 0)).isZero();
        long dom0Frame = P2mOf.mfn(host, dom0, 3);
        assertThat(m.update(m.slot(10, 0), m.pte(30, PRESENT),
                m.slot(10, 1), dom0Frame << 12 | PRESENT,
                m.slot(10, 2), m.pte(31, PRESENT))).isEqualTo(-EBUSY);
        assertThat(m.done).isEqualTo(1);
        assertThat(m.mem.getLong((10L << 12) + 16)).isZero();
        assertThat(m.update(m.slot(10, 3) | 5, 0)).as("no such command").isEqualTo(-ENOSYS);
        assertThat(m.ext(new long[] {MmuExtCmd.TLB_FLUSH_LOCAL, 0, 0}, new long[] {MmuExtCmd.UNPIN_TABLE, m.mfn(11), 0},
                new long[] {MmuExtCmd.TLB_FLUSH_ALL, 0, 0})).isEqualTo(-EINVAL);
        assertThat(m.done).isEqualTo(1);
        assertThat(m.hc.hypercall(Hypercall.MMU_UPDATE, 0xFFFF_F000L, 1, GuestMmu.DONE, DomId.SELF)).isEqualTo(-EFAULT);
    }

    @Test
    void ordinaryPagesAreWrittenAndMachphysUpdatesTheM2p() {
        assertThat(m.update(m.slot(40, 7), 0x1234)).isZero();
        assertThat(m.mem.getLong((40L << 12) + 56)).isEqualTo(0x1234);
        assertThat(m.update(m.mfn(40) << 12 | MmuUpdateType.MACHPHYS_UPDATE, 77)).isZero();
        assertThat(host.hv.host().m2p().gfn(m.mfn(40))).isEqualTo(77);
        long dom0Frame = P2mOf.mfn(host, dom0, 3);
        assertThat(m.update(dom0Frame << 12 | MmuUpdateType.MACHPHYS_UPDATE, 1)).isEqualTo(-EINVAL);
        assertThat(m.update(dom0Frame << 12, 1)).as("another domain's page").isEqualTo(-EINVAL);
    }

    @Test
    void preserveAdKeepsTheAccessedAndDirtyBits() {
        m.mem.putLong(10L << 12, m.pte(30, PRESENT | 0x60));
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(10), 0)).isZero();
        assertThat(m.update(m.slot(10, 0) | MmuUpdateType.PT_UPDATE_PRESERVE_AD, m.pte(31, PRESENT))).isZero();
        assertThat(m.mem.getLong(10L << 12)).isEqualTo(m.pte(31, PRESENT | 0x60));
        assertThat(m.update(m.slot(10, 0), m.pte(31, PRESENT))).isZero();
        assertThat(m.mem.getLong(10L << 12)).isEqualTo(m.pte(31, PRESENT));
    }

    /** L4 (gfn 50) → L3 (51) → L2 (52) → L1 (53), mapping va 0 onwards. */
    void buildTables() {
        m.mem.putLong(50L << 12, m.pte(51, PRESENT | RW));
        m.mem.putLong(51L << 12, m.pte(52, PRESENT | RW));
        m.mem.putLong(52L << 12, m.pte(53, PRESENT | RW));
        assertThat(m.ext(MmuExtCmd.PIN_L4_TABLE, m.mfn(50), 0)).isZero();
    }

    @Test
    void xensL4SlotsCannotBeUpdated() {
        buildTables();
        assertThat(m.update(m.slot(50, 256), m.pte(51, PRESENT))).isEqualTo(-EINVAL);
        assertThat(m.update(m.slot(50, 271), 0)).isEqualTo(-EINVAL);
        assertThat(m.update(m.slot(50, 272), 0)).isZero();
    }

    @Test
    void newBaseptrAndUpdateVaMappingWalkTheTables() {
        assertThat(m.hc.hypercall(Hypercall.UPDATE_VA_MAPPING, 0x5000, m.pte(30, PRESENT), 0)).as("no base").isEqualTo(-EINVAL);
        buildTables();
        assertThat(m.ext(MmuExtCmd.NEW_BASEPTR, m.mfn(52), 0)).as("not an L4").isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.NEW_BASEPTR, m.mfn(50), 0)).isZero();
        assertThat(count(50)).as("pin + base").isEqualTo(2);
        assertThat(m.hc.hypercall(Hypercall.UPDATE_VA_MAPPING, 0x5000, m.pte(30, PRESENT | RW),
                Uvmf.INVLPG | Uvmf.LOCAL)).isZero();
        assertThat(m.mem.getLong((53L << 12) + 8 * 5)).isEqualTo(m.pte(30, PRESENT | RW));
        assertThat(type(30)).isEqualTo(PageType.WRITABLE);
        assertThat(m.hc.hypercall(Hypercall.UPDATE_VA_MAPPING, 0x5000, m.pte(52, PRESENT | RW), 0))
                .as("the L2 may not be mapped writable").isEqualTo(-EBUSY);
        assertThat(m.hc.hypercall(Hypercall.UPDATE_VA_MAPPING, 1L << 39, m.pte(30, PRESENT), 0))
                .as("no L3 for this va").isEqualTo(-EINVAL);
        assertThat(m.hc.hypercall(Hypercall.UPDATE_VA_MAPPING, 0xFFFF_8000_0000_0000L, 0, 0)).as("Xen's").isEqualTo(-EINVAL);
        assertThat(m.hc.hypercall(Hypercall.UPDATE_VA_MAPPING, 0x6000, m.pte(31, PRESENT), Uvmf.TLB_FLUSH | 0xFFFF_F000L))
                .as("vCPU mask unreadable").isEqualTo(-EFAULT);
        assertThat(m.ext(MmuExtCmd.UNPIN_TABLE, m.mfn(50), 0)).isZero();
        assertThat(type(53)).as("still referenced through the base pointer").isEqualTo(PageType.L1);
    }

    @Test
    void theOtherExtendedOpsCheckTheirArguments() {
        assertThat(m.ext(MmuExtCmd.SET_LDT, 0x10000, 8192)).isZero();
        assertThat(m.ext(MmuExtCmd.SET_LDT, 0x10010, 1)).isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.SET_LDT, 0x10000, 8193)).isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.SET_LDT, 0x0000_8000_0000_0000L, 1)).as("non-canonical").isEqualTo(-EINVAL);
        assertThat(m.ext(MmuExtCmd.TLB_FLUSH_MULTI, 0, 0xFFFF_F000L)).isEqualTo(-EFAULT);
        assertThat(m.ext(MmuExtCmd.INVLPG_MULTI, 0x1000, GuestMmu.DONE + 8)).isZero();
        assertThat(m.ext(MmuExtCmd.MARK_SUPER, m.mfn(10), 0)).isEqualTo(-io.jxen.abi.XenErrno.EOPNOTSUPP);
        assertThat(m.ext(14, 0, 0)).isEqualTo(-ENOSYS);
        m.mem.putLong(40L << 12, 99);
        assertThat(m.ext(MmuExtCmd.COPY_PAGE, m.mfn(41), m.mfn(40))).isZero();
        assertThat(m.mem.getLong(41L << 12)).isEqualTo(99);
        assertThat(m.ext(MmuExtCmd.CLEAR_PAGE, m.mfn(41), 0)).isZero();
        assertThat(m.mem.getLong(41L << 12)).isZero();
        assertThat(m.ext(MmuExtCmd.PIN_L1_TABLE, m.mfn(42), 0)).isZero();
        assertThat(m.ext(MmuExtCmd.CLEAR_PAGE, m.mfn(42), 0)).as("a page table").isEqualTo(-EINVAL);
    }

    @Test
    void autoTranslatedDomainsAndForeignOwnersAreRefused() {
        TestHost.Guest g0 = host.guest(dom0);
        assertThat(g0.hc().hypercall(Hypercall.MMU_UPDATE, GuestMmu.LIST, 0, 0, DomId.SELF)).isEqualTo(-ENOSYS);
        assertThat(g0.hc().hypercall(Hypercall.MMUEXT_OP, GuestMmu.LIST, 0, 0, DomId.SELF)).isEqualTo(-ENOSYS);
        assertThat(g0.hc().hypercall(Hypercall.UPDATE_VA_MAPPING, 0, 0, 0)).isEqualTo(-ENOSYS);
        m.mem.putLong(GuestMmu.LIST, m.slot(40, 0));
        m.mem.putLong(GuestMmu.LIST + 8, 0);
        assertThat(m.hc.hypercall(Hypercall.MMU_UPDATE, GuestMmu.LIST, 1, 0, dom0.domid()))
                .as("xsm_mmu_update: another domain's pages").isEqualTo(-EPERM);
        assertThat(m.hc.hypercall(Hypercall.MMU_UPDATE, GuestMmu.LIST, 1, 0, (dom0.domid() + 1L) << 16 | DomId.SELF))
                .as("another domain's page tables").isEqualTo(-EPERM);
        assertThat(m.hc.hypercall(Hypercall.MMU_UPDATE, GuestMmu.LIST, 1, 0, d.domid()))
                .as("itself by id: \"Cannot specify itself as foreign domain\"").isEqualTo(-io.jxen.abi.XenErrno.ESRCH);
        assertThat(m.hc.hypercall(Hypercall.MMUEXT_OP, GuestMmu.LIST, 1, 0, dom0.domid())).isEqualTo(-EPERM);
    }

    @Test
    void aPvMmuDomainIsNotReportedAutoTranslated() {
        m.mem.putInt(GuestMmu.DONE, 0);
        assertThat(m.hc.hypercall(Hypercall.XEN_VERSION, XenVer.GET_FEATURES, GuestMmu.DONE)).isZero();
        int submap = m.mem.getInt(GuestMmu.DONE + 4);
        assertThat(submap & (1 << XenFeat.AUTO_TRANSLATED_PHYSMAP)).isZero();
        assertThat(submap & (1 << XenFeat.WRITABLE_PAGE_TABLES)).isZero();
        assertThat(submap & (1 << XenFeat.MMU_PT_UPDATE_PRESERVE_AD)).isNotZero();
    }

    @Test
    void destroyingTheDomainForgetsItsTypesAndReleasesWritableTypesOfGrantedFrames() {
        buildTables();
        assertThat(host.hv.mmu().types().typed()).isNotEmpty();
        host.hv.destroyDomain(d.domid());
        assertThat(host.hv.mmu().types().typed()).isEmpty();
    }

    /** A machine frame of another domain, as the toolstack would know it. */
    static final class P2mOf {
        static long mfn(TestHost host, Domain d, long gfn) {
            return io.jxen.hypercall.P2mEntry.mfn(d.physMap().p2m().get(gfn));
        }
    }
}
