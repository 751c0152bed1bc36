package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.P2mEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jxen.abi.XenErrno.EFAULT;
import static io.jxen.abi.XenErrno.EILSEQ;
import static io.jxen.abi.XenErrno.EINVAL;
import static io.jxen.abi.XenErrno.ENOSYS;
import static io.jxen.abi.XenErrno.EPERM;
import static org.assertj.core.api.Assertions.assertThat;

/** GNTTABOP transfer, swap_grant_ref, unmap_and_replace, dump_table and cache_flush, as Xen HEAD answers a translated guest. */
class GrantRareOpsTest {

    static final long HOST = 40L << XenPage.SHIFT;
    static final long ARG = TestHost.Guest.ARG;
    static final int SWAP = 11;
    static final int CACHE_FLUSH = 12;

    @TempDir
    Path dir;
    TestHost host;
    Domain a;
    Domain b;
    GuestGnttab ga;
    GuestGnttab gb;

    @BeforeEach
    void setUp() {
        host = new TestHost(dir);
        host.domain(16, 1);
        a = host.hv.createDomain(new DomainConfig(16, 64, 1, 4, 4095));
        b = host.hv.createDomain(new DomainConfig(16, 64, 1, 4, 4095));
        ga = new GuestGnttab(host.guest(a));
        gb = new GuestGnttab(host.guest(b));
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    long op(GuestGnttab g, int cmd, int count) {
        return g.hc.hypercall(Hypercall.GRANT_TABLE_OP, cmd, ARG, count);
    }

    @Test
    void transferIsRefusedForATranslatedDomain() {
        ga.mem.zero(ARG, 48);
        ga.mem.putLong(ARG, 5);
        ga.mem.putShort(ARG + 8, (short) b.domid());
        ga.mem.putLong(ARG + 24, 50); // second element: no page at gfn 50
        assertThat(op(ga, GnttabOp.TRANSFER, 2)).isZero();
        assertThat(ga.mem.getShort(ARG + 16)).isEqualTo((short) Gntst.GENERAL_ERROR);
        assertThat(ga.mem.getShort(ARG + 24 + 16)).isEqualTo((short) Gntst.BAD_PAGE);
        assertThat(a.physMap().p2m().get(5)).as("page kept").isNotEqualTo(P2mEntry.EMPTY);
    }

    @Test
    void swapGrantRefExchangesIdleEntriesOnly() {
        ga.grant(10, b.domid(), 5, Gtf.PERMIT_ACCESS);
        ga.grant(11, b.domid(), 6, Gtf.PERMIT_ACCESS);
        ga.mem.putInt(ARG, 10);
        ga.mem.putInt(ARG + 4, 11);
        assertThat(op(ga, SWAP, 1)).isZero();
        assertThat(ga.mem.getShort(ARG + 8)).isEqualTo((short) Gntst.OKAY);
        assertThat(ga.mem.getInt(ga.entryGpa(10) + 4)).as("frame of ref 10").isEqualTo(6);
        assertThat(ga.mem.getInt(ga.entryGpa(11) + 4)).isEqualTo(5);

        long[] r = gb.map(a.domid(), 10, HOST, Gntmap.HOST_MAP);
        assertThat(r[0]).isEqualTo(Gntst.OKAY);
        ga.mem.putInt(ARG, 10);
        ga.mem.putInt(ARG + 4, 11);
        assertThat(op(ga, SWAP, 1)).isZero();
        assertThat(ga.mem.getShort(ARG + 8)).as("ref 10 is mapped").isEqualTo((short) Gntst.EAGAIN);
        ga.mem.putInt(ARG + 4, 100_000);
        op(ga, SWAP, 1);
        assertThat(ga.mem.getShort(ARG + 8)).isEqualTo((short) Gntst.BAD_GNTREF);
        ga.mem.putInt(ARG + 4, 10);
        op(ga, SWAP, 1);
        assertThat(ga.mem.getShort(ARG + 8)).as("same ref").isEqualTo((short) Gntst.OKAY);
        assertThat(ga.hc.hypercall(Hypercall.GRANT_TABLE_OP, SWAP, 0xFFFF_F000L, 1)).isEqualTo(-EFAULT);
    }

    @Test
    void unmapAndReplaceUnmapsOnlyWithoutANewAddress() {
        ga.grant(10, b.domid(), 5, Gtf.PERMIT_ACCESS);
        long[] r = gb.map(a.domid(), 10, HOST, Gntmap.HOST_MAP);
        gb.mem.zero(ARG, 24);
        gb.mem.putLong(ARG, HOST);
        gb.mem.putLong(ARG + 8, 41L << XenPage.SHIFT);
        gb.mem.putInt(ARG + 16, (int) r[1]);
        assertThat(op(gb, GnttabOp.UNMAP_AND_REPLACE, 1)).isZero();
        assertThat(gb.mem.getShort(ARG + 20)).isEqualTo((short) Gntst.GENERAL_ERROR);
        assertThat(b.grantTable().mappingsInUse()).isEqualTo(1);
        gb.mem.putLong(ARG + 8, 0);
        assertThat(op(gb, GnttabOp.UNMAP_AND_REPLACE, 1)).isZero();
        assertThat(gb.mem.getShort(ARG + 20)).isEqualTo((short) Gntst.OKAY);
        assertThat(b.grantTable().mappingsInUse()).isZero();
        assertThat(ga.flags(10)).isEqualTo(Gtf.PERMIT_ACCESS);
    }

    @Test
    void dumpTableIsNoLongerInXensDispatcher() {
        assertThat(op(ga, GnttabOp.DUMP_TABLE, 1)).isEqualTo(-ENOSYS);
    }

    long flush(GuestGnttab g, long busAddr, int offset, int length, int flags, long cmdHigh) {
        g.mem.putLong(ARG, busAddr);
        g.mem.putShort(ARG + 8, (short) offset);
        g.mem.putShort(ARG + 10, (short) length);
        g.mem.putInt(ARG + 12, flags);
        return g.hc.hypercall(Hypercall.GRANT_TABLE_OP, CACHE_FLUSH | cmdHigh << 12, ARG, 1);
    }

    @Test
    void cacheFlushChecksRangeOwnerAndGrantMappings() {
        long own = P2mEntry.mfn(a.physMap().p2m().get(5)) << XenPage.SHIFT;
        assertThat(flush(ga, own, 0, 4096, 1, 0)).isZero();
        assertThat(flush(ga, own, 4000, 100, 1, 0)).isEqualTo(-EINVAL);
        assertThat(flush(ga, own, 0, 16, 4, 0)).as("unknown op bit").isEqualTo(-EINVAL);
        assertThat(flush(ga, own, 0, 16, 1 << 31, 0)).as("SOURCE_GREF falls to the op mask").isEqualTo(-EINVAL);
        assertThat(flush(ga, own, 0, 0, 1, 0)).as("empty").isZero();
        assertThat(flush(ga, own, 0, 0, 1, 5)).as("empty while resuming").isEqualTo(-EILSEQ);
        assertThat(flush(ga, (long) TestHost.FRAMES << XenPage.SHIFT, 0, 16, 1, 0)).isEqualTo(-EINVAL);
        assertThat(flush(ga, a.sharedInfoMfn() << XenPage.SHIFT, 0, 16, 1, 0)).as("Xen's page").isEqualTo(-EPERM);
        assertThat(flush(gb, own, 0, 16, 2, 0)).as("not mapped by b").isEqualTo(-EINVAL);
        ga.grant(10, b.domid(), 5, Gtf.PERMIT_ACCESS);
        gb.map(a.domid(), 10, HOST, Gntmap.HOST_MAP);
        assertThat(flush(gb, own, 0, 16, 3, 0)).isZero();
    }
}
