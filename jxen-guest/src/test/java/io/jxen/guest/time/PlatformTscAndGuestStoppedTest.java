package io.jxen.guest.time;

import io.jxen.guest.GuestKernel;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.time.HostTime;
import io.jxen.hv.timekeeping.JxenTime;
import io.jxen.hv.transport.HypercallServer;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.hypercall.transport.RemoteGuestPlatform;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * A PV guest on the real hypervisor and jxen-time that is handed no TSC: its timecounter reads
 * the platform's {@code rdtsc} (in process, and over the socket transport), and
 * {@code XEN_PVCLOCK_GUEST_STOPPED} is published on pause and suspend and cleared by the
 * guest's first read, as Linux's {@code pvclock_clocksource_read} does.
 */
class PlatformTscAndGuestStoppedTest {

    private static final long MS = 1_000_000L;
    private static final Executor INLINE = Runnable::run;

    private Path dir;
    private MachineMemory memory;
    private VirtualClock clock;
    private HostTime hostTime;
    private Hypervisor hv;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("jxen-tsc");
        memory = MachineMemory.create(dir.resolve("host.mem"), 8192);
        clock = new VirtualClock(1_767_225_600_000_000_000L);
        hostTime = new HostTime(clock);
        hv = new Hypervisor(memory, clock, new JxenTime(hostTime));
        hv.unpause(hv.createDomain(DomainConfig.of(64, 1)).domid());
    }

    @AfterEach
    void tearDown() throws IOException {
        memory.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private Domain pvDomain(int vcpus) {
        Domain d = hv.createDomain(DomainConfig.of(256, vcpus));
        hv.unpause(d.domid());
        return d;
    }

    private XenTimecounter timecounter(GuestPlatform platform) {
        GuestKernel kernel = GuestKernel.boot(platform, GuestKernel.Options.defaults(clock).withIntrThreads(INLINE));
        return XenTimeDevice.attach(kernel).timecounter();
    }

    /** Advances host time, running the timer agent and the pvclock refresher as a host would. */
    private void advance(long ns) {
        clock.advance(ns);
        hostTime.timers().doWork();
        hostTime.refresher().doWork();
    }

    @Test
    void theTimecounterReadsThePlatformsTscInProcess() {
        Domain d = pvDomain(2);
        XenTimecounter tc = timecounter(hv.platform(d.domid()));
        for (int i = 0; i < 5; i++) {
            advance(3 * MS + 17);
            assertThat(tc.nanos(0)).isCloseTo(hostTime.now(), offset(1L));
            assertThat(tc.nanos(1)).isCloseTo(hostTime.now(), offset(1L));
        }
    }

    @Test
    void theTimecounterReadsThePlatformsTscOverTheSocket() throws Exception {
        Domain d = pvDomain(1);
        Path socket = dir.resolve("d" + d.domid() + ".sock");
        HypercallServer server = new HypercallServer(hv, d, socket);
        try (server; RemoteGuestPlatform remote = RemoteGuestPlatform.connect(socket)) {
            XenTimecounter tc = timecounter(remote);
            advance(5 * MS);
            assertThat(tc.nanos(0)).isCloseTo(hostTime.now(), offset(1L));
        }
    }

    @Test
    void guestStoppedIsSetOnPauseAndClearedByTheGuestsRead() {
        Domain d = pvDomain(2);
        XenTimecounter tc = timecounter(hv.platform(d.domid()));
        tc.nanos(0);
        tc.nanos(1);
        assertThat(tc.watchdogTouches()).isZero();
        hv.pause(d.domid());
        advance(50 * MS);
        hv.unpause(d.domid());
        // Refreshes between the pause and the guest's read keep the flag the guest has not seen.
        advance(PvClockRefresherPeriod.NS);
        tc.nanos(0);
        assertThat(tc.watchdogTouches()).isEqualTo(1);
        tc.nanos(0);
        advance(PvClockRefresherPeriod.NS);
        tc.nanos(0);
        assertThat(tc.watchdogTouches()).isEqualTo(1); // cleared on vCPU 0 for good
        tc.nanos(1);
        assertThat(tc.watchdogTouches()).isEqualTo(2); // vCPU 1's own copy
        // Suspend (SCHEDOP_shutdown(suspend)) stops the guest too.
        hv.shutdown(d.domid(), ShutdownReason.SUSPEND);
        tc.nanos(0);
        assertThat(tc.watchdogTouches()).isEqualTo(3);
    }

    /** How often jxen-time's refresher re-stamps (its default period). */
    private static final class PvClockRefresherPeriod {
        static final long NS = io.jxen.hv.time.clock.PvClockRefresher.DEFAULT_PERIOD_NS;
    }
}
