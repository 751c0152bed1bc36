package io.jxen.hv;

import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnStat;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPageFault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 4's "10,000 create/destroy cycles leave nothing behind (memory, open files, threads)".
 * Each cycle does what a short-lived guest does to the rest of the host: it binds an
 * interdomain event channel with dom0 and grants dom0 a page that dom0 maps; then the guest is
 * destroyed while both are still in place. Every cycle checks that destroy undid them (dom0's
 * port fell back to unbound as {@code domain_kill} leaves it, dom0's mapping is gone); the end
 * checks the host as a whole: machine frames, domains, file descriptors, threads, heap after GC
 * and the hypervisor's internal-error count. {@code ./jxen bench domain-cycles} times the same
 * kind of cycle.
 */
class DomainCyclesLeakTest {

    private static final int CYCLES = 10_000;
    /** Where dom0 asks for the granted page: an unpopulated GFN above its RAM. */
    private static final long HOST = 40L << XenPage.SHIFT;
    /** The guest page the guest grants. */
    private static final long GRANTED_GFN = 5;
    private static final int REF = 8;

    @TempDir
    Path dir;

    @Test
    void tenThousandCyclesLeaveNothingBehind() throws IOException {
        try (TestHost host = new TestHost(dir)) {
            Domain dom0 = host.domain(16, 1);
            host.hv.unpause(dom0.domid());
            TestHost.Guest g0 = host.guest(dom0);
            GuestEvtchn dom0Evtchn = new GuestEvtchn(g0);
            GuestGnttab dom0Gnttab = new GuestGnttab(g0);

            cycles(host, dom0Evtchn, dom0Gnttab, 200); // warm: lazily built host structures exist
            long frames = host.memory.allocator().freeFrames();
            long fds = openFds();
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            long heap = heapAfterGc();

            cycles(host, dom0Evtchn, dom0Gnttab, CYCLES);

            assertThat(host.hv.domids()).as("only dom0 is left").containsExactly(dom0.domid());
            assertThat(host.memory.allocator().freeFrames()).as("machine frames").isEqualTo(frames);
            assertThat(dom0.grantTable().mappingsInUse()).as("dom0's grant mappings").isZero();
            assertThat(openFds()).as("open file descriptors").isEqualTo(fds);
            assertThat(ManagementFactory.getThreadMXBean().getThreadCount()).as("live threads").isEqualTo(threads);
            // A leak of even 1 KiB per cycle would show as 10 MiB; what remains is GC noise.
            assertThat(heapAfterGc() - heap).as("heap growth after GC, bytes").isLessThan(8L << 20);
            assertThat(host.hv.internalErrors()).isZero();
        }
    }

    private static void cycles(TestHost host, GuestEvtchn dom0Evtchn, GuestGnttab dom0Gnttab, int n) {
        for (int i = 0; i < n; i++) {
            Domain domU = host.hv.createDomain(new DomainConfig(64, 64, 2, 4, 4095));
            host.hv.unpause(domU.domid());
            TestHost.Guest gu = host.guest(domU);
            GuestEvtchn uEvtchn = new GuestEvtchn(gu);
            long remotePort = uEvtchn.allocUnbound(DomId.SELF, 0);
            assertThat(remotePort).as("cycle %d: alloc_unbound", i).isPositive();
            long localPort = dom0Evtchn.bindInterdomain(domU.domid(), remotePort);
            assertThat(localPort).as("cycle %d: bind_interdomain", i).isPositive();

            gu.mem().putLong(GRANTED_GFN << XenPage.SHIFT, 0x5EED_0000L + i);
            new GuestGnttab(gu).grant(REF, 0, GRANTED_GFN, Gtf.PERMIT_ACCESS);
            long[] map = dom0Gnttab.map(domU.domid(), REF, HOST, Gntmap.HOST_MAP);
            assertThat(map[0]).as("cycle %d: map status", i).isEqualTo(Gntst.OKAY);
            assertThat(dom0Gnttab.mem.getLong(HOST)).isEqualTo(0x5EED_0000L + i);

            assertThat(host.hv.destroyDomain(domU.domid())).isTrue();

            assertThatThrownBy(() -> dom0Gnttab.mem.getLong(HOST)).as("cycle %d: dom0's mapping is gone", i)
                    .isInstanceOf(GuestPageFault.class);
            long[] status = dom0Evtchn.status(DomId.SELF, localPort);
            assertThat(status[1]).as("cycle %d: dom0's end of the channel", i).isEqualTo(EvtchnStat.UNBOUND);
            assertThat(dom0Evtchn.close(localPort)).isZero();
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
