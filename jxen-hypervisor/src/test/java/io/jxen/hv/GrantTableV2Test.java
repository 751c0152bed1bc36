package io.jxen.hv;

import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPageFault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EBUSY;
import static io.jxen.abi.XenErrno.ERANGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Grant tables v2: set_version rules, status frames, v2 entries for map and copy. */
class GrantTableV2Test {

    static final long HOST = 40L << XenPage.SHIFT;

    @TempDir
    Path dir;
    TestHost host;
    Domain a;
    Domain b;
    GuestGnttab ga;
    GuestGnttab gb;

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
        ga = new GuestGnttab(host.guest(a));
        gb = new GuestGnttab(host.guest(b));
        ga.mem.putLong(5L << XenPage.SHIFT, 0x1122334455667788L);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    @Test
    void statusFramesExistOnlyInVersion2AndVanishOnTheWayBack() {
        assertThat(ga.statusFrames(DomId.SELF, 1)[0]).as("v1 has none").isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(ga.setVersion(2)).isZero();
        assertThat(ga.version).isEqualTo(2);
        assertThat(a.grantTable().nrEntries()).isEqualTo(256);
        long[] r = ga.statusFrames(DomId.SELF, 1);
        assertThat(r[0]).isEqualTo(Gntst.OKAY);
        assertThat(r[1]).isEqualTo(a.statusFrameGfn(0));
        assertThat(ga.statusFrames(DomId.SELF, 2)[0]).isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(ga.statusFrames(b.domid(), 1)[0]).isEqualTo(Gntst.PERMISSION_DENIED);
        assertThatThrownBy(() -> ga.mem.putShort(a.statusFrameGfn(0) << XenPage.SHIFT, (short) 1))
                .as("status frames are read-only for the guest").isInstanceOf(GuestPageFault.class);
        // XSA-255: after going back to v1 the guest must not keep the status frames
        assertThat(ga.setVersion(1)).isZero();
        assertThatThrownBy(() -> ga.mem.getShort(a.statusFrameGfn(0) << XenPage.SHIFT))
                .isInstanceOf(GuestPageFault.class);
        assertThat(ga.statusFrames(DomId.SELF, 1)[0]).isEqualTo(Gntst.GENERAL_ERROR);
    }

    @Test
    void theReservedEntriesSurviveAVersionSwitchAndTheRestIsCleared() {
        ga.grant(1, 0, 3, Gtf.PERMIT_ACCESS);
        ga.grant(9, b.domid(), 5, Gtf.PERMIT_ACCESS);
        assertThat(ga.setVersion(2)).isZero();
        assertThat(ga.mem.getShort(ga.entryGpa(1))).isEqualTo((short) Gtf.PERMIT_ACCESS);
        assertThat(ga.mem.getLong(ga.entryGpa(1) + 8)).isEqualTo(3);
        assertThat(ga.mem.getShort(ga.entryGpa(9))).isZero();
        assertThat(ga.setVersion(1)).isZero();
        assertThat(ga.flags(1)).isEqualTo(Gtf.PERMIT_ACCESS);
        assertThat(ga.mem.getInt(ga.entryGpa(1) + 4)).isEqualTo(3);
    }

    @Test
    void switchingIsRefusedWhileNonReservedEntriesAreInUse() {
        ga.grant(2, b.domid(), 5, Gtf.PERMIT_ACCESS);
        ga.grant(9, b.domid(), 6, Gtf.PERMIT_ACCESS);
        long[] reserved = gb.map(a.domid(), 2, HOST, Gntmap.HOST_MAP);
        long[] other = gb.map(a.domid(), 9, HOST + 4096, Gntmap.HOST_MAP);
        assertThat(ga.setVersion(2)).isEqualTo(-EBUSY);
        assertThat(ga.version).isEqualTo(1);
        gb.unmap(HOST + 4096, 0, other[1]);
        assertThat(ga.setVersion(2)).as("only a reserved entry is mapped").isZero();
        assertThat(ga.statusV2(2)).as("its in-use bits moved to the status frame").isEqualTo(Gtf.READING | Gtf.WRITING);
        assertThat(gb.unmap(HOST, 0, reserved[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.statusV2(2)).isZero();
    }

    @Test
    void reservedV2EntriesThatV1CannotHoldAreErange() {
        ga.setVersion(2);
        ga.grantV2(3, b.domid(), 1L << 33, Gtf.PERMIT_ACCESS);
        assertThat(ga.setVersion(1)).isEqualTo(-ERANGE);
        ga.grantV2(3, b.domid(), 5, Gtf.PERMIT_ACCESS);
        ga.grantV2(4, b.domid(), 5, Gtf.TRANSITIVE);
        assertThat(ga.setVersion(1)).isEqualTo(-ERANGE);
        ga.grantV2(4, 0, 0, 0);
        assertThat(ga.setVersion(1)).isZero();
    }

    @Test
    void version2MappingsKeepTheirStatusInTheStatusFrame() {
        ga.setVersion(2);
        ga.grantV2(20, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 20, HOST, Gntmap.HOST_MAP);
        assertThat(r[0]).isEqualTo(Gntst.OKAY);
        assertThat(ga.statusV2(20)).isEqualTo(Gtf.READING | Gtf.WRITING);
        assertThat(ga.mem.getShort(ga.entryGpa(20))).as("the header is the guest's")
                .isEqualTo((short) Gtf.PERMIT_ACCESS);
        assertThat(gb.mem.getLong(HOST)).isEqualTo(0x1122334455667788L);
        assertThat(gb.unmap(HOST, 0, r[1])).isEqualTo(Gntst.OKAY);
        assertThat(ga.statusV2(20)).isZero();

        ga.grantV2(21, b.domid(), 5, Gtf.PERMIT_ACCESS | Gtf.READONLY);
        assertThat(gb.mapStatus(a.domid(), 21, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(ga.statusV2(21)).isZero();
        long[] ro = gb.map(a.domid(), 21, HOST, Gntmap.HOST_MAP | Gntmap.READONLY);
        assertThat(ga.statusV2(21)).isEqualTo(Gtf.READING);
        gb.unmap(HOST, 0, ro[1]);
        ga.grantV2(22, a.domid(), 5, Gtf.PERMIT_ACCESS);
        assertThat(gb.mapStatus(a.domid(), 22, HOST, Gntmap.HOST_MAP)).as("granted to another domain")
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(ga.statusV2(22)).isZero();
    }

    @Test
    void subPageGrantsLimitCopiesAndCannotBeMapped() {
        ga.setVersion(2);
        ga.grantSubPage(30, b.domid(), 5, 8, 16, Gtf.PERMIT_ACCESS);
        assertThat(gb.mapStatus(a.domid(), 30, HOST, Gntmap.HOST_MAP)).isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.copy(30, a.domid(), 8, 6, DomId.SELF, 0, 16, Gntmap.GNTCOPY_SOURCE_GREF)).isEqualTo(Gntst.OKAY);
        assertThat(gb.mem.getLong((6L << XenPage.SHIFT) + 8)).isEqualTo(ga.mem.getLong((5L << XenPage.SHIFT) + 16));
        assertThat(gb.copy(30, a.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF)).as("before the window")
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(gb.copy(30, a.domid(), 16, 6, DomId.SELF, 0, 16, Gntmap.GNTCOPY_SOURCE_GREF)).as("past the window")
                .isEqualTo(Gntst.GENERAL_ERROR);
        assertThat(ga.statusV2(30)).isZero();
    }

    /** Sets up a -> b (v2, transitive) -> c: c copies a's page through b's grant. */
    @Test
    void aCopyFollowsATransitiveGrantOneLevel() {
        Domain c = host.hv.createDomain(new DomainConfig(16, 16, 1, 4, 4095));
        GuestGnttab gc = new GuestGnttab(host.guest(c));
        ga.grant(40, b.domid(), 5, Gtf.PERMIT_ACCESS);
        gb.setVersion(2);
        grantTransitive(gb, 31, c.domid(), a.domid(), 40);
        assertThat(gc.copy(31, b.domid(), 8, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF)).isEqualTo(Gntst.OKAY);
        assertThat(gc.mem.getLong(6L << XenPage.SHIFT)).isEqualTo(ga.mem.getLong((5L << XenPage.SHIFT) + 8));
        gc.mem.putLong(7L << XenPage.SHIFT, 0xBEEFL);
        assertThat(gc.copy(7, DomId.SELF, 0, 31, b.domid(), 0, 8, Gntmap.GNTCOPY_DEST_GREF)).isEqualTo(Gntst.OKAY);
        assertThat(ga.mem.getLong(5L << XenPage.SHIFT)).isEqualTo(0xBEEFL);
        assertThat(gb.statusV2(31)).as("released").isZero();
        assertThat(ga.flags(40)).as("released one level down too").isEqualTo(Gtf.PERMIT_ACCESS);
        assertThat(gc.mapStatus(b.domid(), 31, HOST, Gntmap.HOST_MAP)).as("never mappable")
                .isEqualTo(Gntst.GENERAL_ERROR);
    }

    @Test
    void transitiveGrantErrors() {
        Domain c = host.hv.createDomain(new DomainConfig(16, 16, 1, 4, 4095));
        GuestGnttab gc = new GuestGnttab(host.guest(c));
        gb.setVersion(2);
        grantTransitive(gb, 32, c.domid(), b.domid(), 1);
        assertThat(gc.copy(32, b.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF)).as("self-referential")
                .isEqualTo(Gntst.GENERAL_ERROR);
        grantTransitive(gb, 33, c.domid(), 99, 1);
        assertThat(gc.copy(33, b.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF)).as("no such domain")
                .isEqualTo(Gntst.GENERAL_ERROR);
        ga.setVersion(2);
        grantTransitive(ga, 41, b.domid(), c.domid(), 1);
        grantTransitive(gb, 34, c.domid(), a.domid(), 41);
        assertThat(gc.copy(34, b.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF)).as("only one level")
                .isEqualTo(Gntst.GENERAL_ERROR);
        grantTransitive(gb, 35, c.domid(), a.domid(), 42);
        assertThat(gc.copy(35, b.domid(), 0, 6, DomId.SELF, 0, 8, Gntmap.GNTCOPY_SOURCE_GREF))
                .as("a's entry grants nothing")
                .isEqualTo(Gntst.GENERAL_ERROR);
        for (int ref : new int[] {32, 33, 34, 35}) {
            assertThat(gb.statusV2(ref)).isZero();
        }
        assertThat(ga.statusV2(41)).isZero();
    }

    private static void grantTransitive(GuestGnttab g, int ref, int grantee, int transDomid, int transGref) {
        long e = g.entryGpa(ref);
        g.mem.putShort(e + 2, (short) grantee);
        g.mem.putShort(e + 4, (short) transDomid);
        g.mem.putInt(e + 8, transGref);
        g.mem.putShort(e, (short) Gtf.TRANSITIVE);
    }

    @Test
    void aV2TableGrowsItsStatusFramesAndIsFreedOnDestroy() {
        long free = host.memory.allocator().freeFrames();
        Domain c = host.hv.createDomain(new DomainConfig(16, 16, 1, 16, 4095));
        GuestGnttab gc = new GuestGnttab(host.guest(c));
        gc.setVersion(2);
        var g = host.guest(c);
        g.mem().zero(GuestGnttab.ARG, 24);
        g.mem().putShort(GuestGnttab.ARG, (short) DomId.SELF);
        g.mem().putInt(GuestGnttab.ARG + 4, 16);
        g.mem().putLong(GuestGnttab.ARG + 16, TestHost.Guest.LIST);
        g.hc().hypercall(io.jxen.abi.Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, GuestGnttab.ARG, 1);
        assertThat(c.grantTable().nrStatusFrames()).isEqualTo(2);
        host.hv.destroyDomain(c.domid());
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(free);
    }
}
