package io.jxen.hv;

import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.MmuExtCmd;
import io.jxen.abi.xen.MmuUpdateType;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.mm.pv.PageInfo;
import io.jxen.hv.mm.pv.PageType;
import io.jxen.hv.mm.pv.PageTypes;
import io.jxen.hypercall.P2mEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EBUSY;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.EPERM;
import static io.jxen.abi.XenErrno.ESRCH;
import static io.jxen.hv.GuestMmu.PRESENT;
import static io.jxen.hv.GuestMmu.RW;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Foreign-domain MMU updates ({@code mmu_update}'s {@code foreigndom}: FD, PFD) and linear page
 * tables ({@code get_lN_linear_pagetable}), with Xen's rules (xen/arch/x86/mm.c) and the lessons
 * of its security history: XSA-240 (linear page tables nest one level only; a table holding
 * linear entries is never a linear target and the other way round), XSA-182 (the fast path of an
 * entry update must not turn a read-only linear entry writable), and the page lifetime rule a
 * foreign mapping needs (the mapped frame stays the mapper's to drop, even past its owner's death).
 */
class PvMmuForeignAndLinearTest {

    @TempDir
    Path dir;
    TestHost host;
    Domain dom0;
    Domain u;
    GuestMmu m0;
    GuestMmu mu;

    @BeforeEach
    void setUp() {
        host = new TestHost(dir);
        dom0 = host.hv.createDomain(DomainConfig.of(64, 1).withPvMmu());
        u = host.hv.createDomain(DomainConfig.of(64, 1).withPvMmu());
        assertThat(dom0.privileged()).isTrue();
        TestHost.Guest g0 = host.guest(dom0);
        TestHost.Guest gu = host.guest(u);
        m0 = new GuestMmu(g0.hc(), g0.mem());
        mu = new GuestMmu(gu.hc(), gu.mem());
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    long uMfn(long gfn) {
        return P2mEntry.mfn(u.physMap().p2m().get(gfn));
    }

    PageTypes types() {
        return host.hv.mmu().types();
    }

    PageInfo info(long mfn) {
        return types().info(mfn);
    }

    PageType type(long mfn) {
        PageInfo i = info(mfn);
        return i == null ? PageType.NONE : i.type();
    }

    int count(long mfn) {
        PageInfo i = info(mfn);
        return i == null ? 0 : i.count();
    }

    int linear(long mfn) {
        PageInfo i = info(mfn);
        return i == null ? 0 : i.linearCount();
    }

    /** dom0's L1 table in its gfn 10, pinned. */
    void dom0L1() {
        assertThat(m0.ext(MmuExtCmd.PIN_L1_TABLE, m0.mfn(10), 0)).isZero();
    }

    // ---- foreign page owner (FD) ----

    @Test
    void aPrivilegedCallerMapsAnotherDomainsFrameNamingItAsForeignOwner() {
        dom0L1();
        long frame = uMfn(30);
        assertThat(m0.updateFor(u.domid(), m0.slot(10, 0), frame << 12 | PRESENT | RW)).isZero();
        assertThat(m0.mem.getLong(10L << 12)).isEqualTo(frame << 12 | PRESENT | RW);
        assertThat(type(frame)).as("the writable type is the foreign frame's").isEqualTo(PageType.WRITABLE);
        assertThat(types().foreignRefs(frame)).isEqualTo(1);
        assertThat(u.physMap().pinned(frame)).as("its owner cannot give it back meanwhile").isTrue();
        assertThat(mu.ext(MmuExtCmd.PIN_L1_TABLE, frame, 0)).as("mapped writable: never a table").isEqualTo(-EINVAL);

        assertThat(m0.update(m0.slot(10, 0), 0)).as("unmapped with DOMID_SELF").isZero();
        assertThat(type(frame)).isEqualTo(PageType.NONE);
        assertThat(types().foreignRefs(frame)).isZero();
        assertThat(u.physMap().pinned(frame)).isFalse();
        assertThat(mu.ext(MmuExtCmd.PIN_L1_TABLE, frame, 0)).isZero();
    }

    @Test
    void thePageOwnerMustOwnTheFrameWhicheverItIs() {
        dom0L1();
        long frame = uMfn(30);
        assertThat(m0.update(m0.slot(10, 0), frame << 12 | PRESENT))
                .as("DOMID_SELF: another domain's frame").isEqualTo(-EBUSY);
        assertThat(m0.updateFor(u.domid(), m0.slot(10, 0), m0.pte(30, PRESENT)))
                .as("FD: the caller's own frame is not FD's").isEqualTo(-EBUSY);
        assertThat(m0.updateFor(DomId.IO, m0.slot(10, 0), frame << 12 | PRESENT))
                .as("DOMID_IO owns no RAM").isEqualTo(-EBUSY);
        assertThat(m0.done).isZero();
        assertThat(m0.mem.getLong(10L << 12)).isZero();
        assertThat(types().foreignRefs(frame)).isZero();
    }

    @Test
    void anUnprivilegedCallerIsRefusedAndBadOwnersAreEsrchBeforeAnyRequest() {
        assertThat(mu.ext(MmuExtCmd.PIN_L1_TABLE, mu.mfn(10), 0)).isZero();
        long dom0Frame = m0.mfn(30);
        assertThat(mu.updateFor(dom0.domid(), mu.slot(10, 0), dom0Frame << 12 | PRESENT)).isEqualTo(-EPERM);
        assertThat(mu.done).isZero();
        assertThat(mu.updateFor((dom0.domid() + 1L) << 16 | DomId.SELF, m0.slot(10, 0), 0))
                .as("dom0's page tables").isEqualTo(-EPERM);
        assertThat(mu.updateFor(u.domid(), mu.slot(10, 0), mu.pte(30, PRESENT)))
                .as("\"Cannot specify itself as foreign domain\"").isEqualTo(-ESRCH);
        assertThat(mu.updateFor(77, mu.slot(10, 0), 0)).as("no such domain").isEqualTo(-ESRCH);
        assertThat(mu.updateFor(78L << 16 | DomId.SELF, mu.slot(10, 0), 0)).as("no such PFD").isEqualTo(-ESRCH);
        assertThat(mu.mem.getLong(10L << 12)).isZero();
        assertThat(mu.extFor(dom0.domid(), new long[] {MmuExtCmd.PIN_L1_TABLE, m0.mfn(11), 0})).isEqualTo(-EPERM);
        assertThat(type(m0.mfn(11))).isEqualTo(PageType.NONE);
    }

    @Test
    void upperLevelUpdatesNeedTheSameOwnerForPagesAndTables() {
        assertThat(m0.ext(MmuExtCmd.PIN_L2_TABLE, m0.mfn(20), 0)).isZero();
        assertThat(m0.updateFor(u.domid(), m0.slot(20, 0), uMfn(21) << 12 | PRESENT))
                .as("L2: pg_owner != pt_owner").isEqualTo(-EINVAL);
        assertThat(type(uMfn(21))).isEqualTo(PageType.NONE);
    }

    @Test
    void aPrivilegedCallerUpdatesAnotherDomainsPageTablesAsItsBuilderDoes() {
        assertThat(m0.extFor(u.domid(), new long[] {MmuExtCmd.PIN_L1_TABLE, uMfn(10), 0})).as("pin u's L1").isZero();
        assertThat(info(uMfn(10)).pinned()).isTrue();
        long pfdAndFd = (u.domid() + 1L) << 16 | u.domid();
        assertThat(m0.updateFor(pfdAndFd, uMfn(10) << 12 | 8, uMfn(30) << 12 | PRESENT | RW)).isZero();
        assertThat(mu.mem.getLong((10L << 12) + 8)).isEqualTo(uMfn(30) << 12 | PRESENT | RW);
        assertThat(type(uMfn(30))).isEqualTo(PageType.WRITABLE);
        assertThat(types().foreignRefs(uMfn(30))).as("u's own table maps u's frame").isZero();
        assertThat(m0.updateFor((u.domid() + 1L) << 16 | DomId.SELF, uMfn(10) << 12 | 16, m0.pte(30, PRESENT)))
                .as("u's table, dom0's frame: the frame must be dom0's and the table u's -- allowed, as Xen does")
                .isZero();
        assertThat(types().foreignRefs(m0.mfn(30))).isEqualTo(1);
        assertThat(m0.updateFor(pfdAndFd, m0.slot(11, 0), 0)).as("not u's page").isEqualTo(-EINVAL);
        assertThat(m0.updateFor(pfdAndFd, uMfn(10) << 12 | MmuUpdateType.MACHPHYS_UPDATE, 5))
                .as("MACHPHYS_UPDATE only for the caller's own tables").isEqualTo(-EPERM);
        assertThat(m0.updateFor(u.domid(), uMfn(40) << 12 | MmuUpdateType.MACHPHYS_UPDATE, 5)).isZero();
        assertThat(host.hv.host().m2p().gfn(uMfn(40))).isEqualTo(5);
        assertThat(m0.extFor(u.domid(), new long[] {MmuExtCmd.NEW_BASEPTR, uMfn(10), 0}))
                .as("vCPU ops are the caller's own").isEqualTo(-EPERM);
        assertThat(m0.extFor(u.domid(), new long[] {MmuExtCmd.UNPIN_TABLE, uMfn(10), 0})).isZero();
        assertThat(types().foreignRefs(m0.mfn(30))).as("the table's entries went with it").isZero();
    }

    @Test
    void aForeignFrameOutlivesItsOwnerUntilTheMapperDropsIt() {
        dom0L1();
        long frame = uMfn(30);
        assertThat(m0.updateFor(u.domid(), m0.slot(10, 0), frame << 12 | PRESENT | RW)).isZero();
        long free = host.hv.host().allocator().freeFrames();
        host.hv.destroyDomain(u.domid());
        long freed = host.hv.host().allocator().freeFrames() - free;
        assertThat(host.hv.host().m2p().owner(frame)).as("kept for the mapper").isEqualTo(DomId.XEN);
        Domain other = host.hv.createDomain(DomainConfig.of(64, 1).withPvMmu());
        for (long gfn = 0; gfn < 64; gfn++) {
            assertThat(P2mEntry.mfn(other.physMap().p2m().get(gfn))).as("never handed out again").isNotEqualTo(frame);
        }
        host.hv.destroyDomain(other.domid());
        assertThat(m0.update(m0.slot(10, 0), 0)).isZero();
        assertThat(host.hv.host().allocator().freeFrames() - free).as("freed with the last reference").isEqualTo(freed + 1);
        assertThat(types().foreignRefs(frame)).isZero();
    }

    @Test
    void theMappersDeathDropsItsReferencesOnForeignFrames() {
        dom0L1();
        long frame = uMfn(30);
        assertThat(m0.updateFor(u.domid(), m0.slot(10, 0), frame << 12 | PRESENT | RW)).isZero();
        assertThat(m0.updateFor(u.domid(), m0.slot(10, 1), uMfn(31) << 12 | PRESENT)).isZero();
        host.hv.destroyDomain(dom0.domid());
        assertThat(type(frame)).isEqualTo(PageType.NONE);
        assertThat(types().foreignRefs(frame)).isZero();
        assertThat(types().foreignRefs(uMfn(31))).isZero();
        assertThat(u.physMap().pinned(frame)).isFalse();
        assertThat(mu.ext(MmuExtCmd.PIN_L1_TABLE, frame, 0)).isZero();
    }

    // ---- linear page tables ----

    @Test
    void aReadOnlySelfMapIsALinearEntryTakingNoReference() {
        for (int level = 2; level <= 4; level++) {
            long gfn = 18 + level;
            assertThat(mu.ext(MmuExtCmd.PIN_L1_TABLE + level - 1, mu.mfn(gfn), 0)).isZero();
            int slot = level == 4 ? 300 : 3;
            assertThat(mu.update(mu.slot(gfn, slot), mu.pte(gfn, PRESENT | RW)))
                    .as("L%d: \"Attempt to create linear p.t. with write perms\"", level).isEqualTo(-EINVAL);
            assertThat(mu.update(mu.slot(gfn, slot), mu.pte(gfn, PRESENT))).as("L%d self-map", level).isZero();
            assertThat(count(mu.mfn(gfn))).as("pin only").isEqualTo(1);
            assertThat(linear(mu.mfn(gfn))).isZero();
            assertThat(mu.ext(MmuExtCmd.UNPIN_TABLE, mu.mfn(gfn), 0)).isZero();
            assertThat(type(mu.mfn(gfn))).isEqualTo(PageType.NONE);
        }
    }

    @Test
    void aSelfMapWrittenBeforePinningValidates() {
        mu.mem.putLong((20L << 12) + 8 * 5, mu.pte(20, PRESENT));
        assertThat(mu.ext(MmuExtCmd.PIN_L2_TABLE, mu.mfn(20), 0)).isZero();
        mu.mem.putLong((21L << 12) + 8 * 5, mu.pte(21, PRESENT | RW));
        assertThat(mu.ext(MmuExtCmd.PIN_L2_TABLE, mu.mfn(21), 0)).as("writable self-map").isEqualTo(-EINVAL);
        assertThat(type(mu.mfn(21))).isEqualTo(PageType.NONE);
    }

    @Test
    void aLinearEntryToAnotherValidatedTableOfTheSameLevelIsCounted() {
        assertThat(mu.ext(new long[] {MmuExtCmd.PIN_L2_TABLE, mu.mfn(20), 0},
                new long[] {MmuExtCmd.PIN_L2_TABLE, mu.mfn(21), 0})).isZero();
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT | RW))).as("writable").isEqualTo(-EINVAL);
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT))).isZero();
        assertThat(count(mu.mfn(21))).as("pin + linear use").isEqualTo(2);
        assertThat(linear(mu.mfn(20))).as("holds one").isEqualTo(1);
        assertThat(linear(mu.mfn(21))).as("used once").isEqualTo(-1);
        assertThat(mu.ext(MmuExtCmd.UNPIN_TABLE, mu.mfn(21), 0)).isZero();
        assertThat(type(mu.mfn(21))).as("still referenced by the linear entry").isEqualTo(PageType.L2);
        assertThat(mu.update(mu.slot(20, 0), 0)).isZero();
        assertThat(type(mu.mfn(21))).isEqualTo(PageType.NONE);
        assertThat(linear(mu.mfn(20))).isZero();
        assertThat(linear(mu.mfn(21))).isZero();
    }

    @Test
    void aLinearTargetMustBeAValidatedTableOfTheSameDomain() {
        assertThat(mu.ext(MmuExtCmd.PIN_L3_TABLE, mu.mfn(20), 0)).isZero();
        assertThat(mu.ext(MmuExtCmd.PIN_L2_TABLE, mu.mfn(21), 0)).isZero();
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT))).as("L3 -> L2 is the normal kind").isZero();
        assertThat(m0.ext(MmuExtCmd.PIN_L3_TABLE, m0.mfn(20), 0)).isZero();
        assertThat(mu.update(mu.slot(20, 1), m0.mfn(20) << 12 | PRESENT)).as("another domain's L3").isEqualTo(-EINVAL);
        assertThat(mu.ext(MmuExtCmd.PIN_L4_TABLE, mu.mfn(22), 0)).isZero();
        assertThat(mu.update(mu.slot(20, 1), mu.pte(22, PRESENT))).as("an L4 from an L3").isEqualTo(-EINVAL);
        assertThat(count(mu.mfn(22))).isEqualTo(1);
    }

    @Test
    void xsa240LinearPageTablesNestOneLevelOnly() {
        // A -> B linear, then B -> C: B would be both a linear target and hold a linear entry.
        assertThat(mu.ext(new long[] {MmuExtCmd.PIN_L2_TABLE, mu.mfn(20), 0},
                new long[] {MmuExtCmd.PIN_L2_TABLE, mu.mfn(21), 0},
                new long[] {MmuExtCmd.PIN_L2_TABLE, mu.mfn(22), 0})).isZero();
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT))).isZero();
        assertThat(mu.update(mu.slot(21, 0), mu.pte(22, PRESENT))).as("a linear target holding linear entries")
                .isEqualTo(-EINVAL);
        assertThat(mu.update(mu.slot(22, 0), mu.pte(20, PRESENT))).as("a linear target that holds linear entries")
                .isEqualTo(-EINVAL);
        assertThat(mu.update(mu.slot(20, 1), mu.pte(22, PRESENT))).as("a second entry from the same holder").isZero();
        assertThat(linear(mu.mfn(20))).isEqualTo(2);
        assertThat(mu.update(mu.slot(21, 1), mu.pte(21, PRESENT))).as("self-maps are not counted").isZero();
        assertThat(count(mu.mfn(21))).isEqualTo(2);
        // A chain A -> B -> A is refused both ways round, so teardown never recurses.
        assertThat(mu.update(mu.slot(21, 2), mu.pte(20, PRESENT))).isEqualTo(-EINVAL);
        assertThat(mu.ext(new long[] {MmuExtCmd.UNPIN_TABLE, mu.mfn(20), 0},
                new long[] {MmuExtCmd.UNPIN_TABLE, mu.mfn(21), 0},
                new long[] {MmuExtCmd.UNPIN_TABLE, mu.mfn(22), 0})).isZero();
        assertThat(types().typed()).as("all gone, the linear references with them").isEmpty();
    }

    @Test
    void xsa182TheFastPathCannotMakeALinearEntryWritable() {
        assertThat(mu.ext(new long[] {MmuExtCmd.PIN_L4_TABLE, mu.mfn(20), 0},
                new long[] {MmuExtCmd.PIN_L4_TABLE, mu.mfn(21), 0})).isZero();
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT))).isZero();
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT | RW | 0x20))).as("same frame, now writable")
                .isEqualTo(-EINVAL);
        assertThat(mu.mem.getLong(20L << 12)).isEqualTo(mu.pte(21, PRESENT));
        assertThat(mu.update(mu.slot(20, 1), mu.pte(20, PRESENT))).isZero();
        assertThat(mu.update(mu.slot(20, 1), mu.pte(20, PRESENT | RW))).as("self-map made writable").isEqualTo(-EINVAL);
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT | 0x20))).as("accessed bit: fast path").isZero();
        assertThat(count(mu.mfn(21))).isEqualTo(2);
    }

    @Test
    void destroyingADomainWithLinearAndForeignEntriesLeavesNothingTyped() {
        assertThat(mu.ext(new long[] {MmuExtCmd.PIN_L2_TABLE, mu.mfn(20), 0},
                new long[] {MmuExtCmd.PIN_L2_TABLE, mu.mfn(21), 0})).isZero();
        assertThat(mu.update(mu.slot(20, 0), mu.pte(21, PRESENT), mu.slot(21, 3), mu.pte(21, PRESENT))).isZero();
        dom0L1();
        assertThat(m0.updateFor(u.domid(), m0.slot(10, 0), uMfn(30) << 12 | PRESENT | RW)).isZero();
        host.hv.destroyDomain(u.domid());
        host.hv.destroyDomain(dom0.domid());
        assertThat(types().typed()).isEmpty();
        assertThat(host.hv.host().allocator().freeFrames()).as("every frame back")
                .isEqualTo(host.hv.host().allocator().frames());
    }
}
