package io.jxen.guest.time;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.cpuid.XenCpuidLeaf;
import io.jxen.abi.hvm.HvmOp;
import io.jxen.abi.hvm.HvmParam;
import io.jxen.abi.hvm.HvmTimerMode;
import io.jxen.abi.hvm.XenHvmParamDescriptor;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.time.HostTime;
import io.jxen.hv.timekeeping.JxenTime;
import io.jxen.hv.transport.HypercallServer;
import io.jxen.hypercall.GuestCpu;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.hypercall.transport.RemoteGuestPlatform;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An HVM domain on the real hypervisor and jxen-time, its platform timers reached by the guest
 * through {@link GuestCpu} (MMIO, port I/O, interrupt acknowledge): the guest's HPET driver sees
 * the main counter follow guest time, stand still while the vCPU is descheduled (paused) in
 * {@code delay_for_missed_ticks}, and the ticks missed meanwhile arrive as
 * {@code HVM_PARAM_TIMER_MODE} says. All on a virtual clock: the numbers are exact.
 */
class HvmPlatformTimersTest {

    private static final long MS = 1_000_000L;
    /** One HPET tick is 16 ns of guest time. */
    private static final long TICKS_PER_MS = MS / 16;

    private Path dir;
    private MachineMemory memory;
    private VirtualClock clock;
    private HostTime hostTime;
    private Hypervisor hv;
    private Domain dom0;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("jxen-hvm");
        memory = MachineMemory.create(dir.resolve("host.mem"), 8192);
        clock = new VirtualClock(0);
        hostTime = new HostTime(clock);
        hv = new Hypervisor(memory, clock, new JxenTime(hostTime));
        dom0 = hv.createDomain(DomainConfig.of(64, 1));
        hv.unpause(dom0.domid());
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

    private Domain hvmDomain() {
        Domain d = hv.createDomain(DomainConfig.of(256, 1).withHvm());
        hv.unpause(d.domid());
        return d;
    }

    /** Runs host time to {@code t} (system time), firing every timer at its deadline. */
    private void runTo(long t) {
        while (true) {
            long next = hostTime.timers().nextDeadline();
            if (next > t) {
                break;
            }
            clock.advance(Math.max(0, next - hostTime.now()));
            hostTime.timers().doWork();
        }
        clock.advance(t - hostTime.now());
        hostTime.timers().doWork();
    }

    private static int takeAll(GuestCpu cpu, int irq) {
        int n = 0;
        int taken;
        while ((taken = cpu.acknowledgeInterrupt()) >= 0) {
            assertThat(taken).isEqualTo(irq);
            n++;
        }
        return n;
    }

    /** HVMOP_{set,get}_param by {@code caller} about {@code target}, via a page of the caller's RAM. */
    private long hvmParam(Domain caller, int op, int targetDomid, int index, long value) {
        GuestPlatform p = hv.platform(caller.domid());
        long gpa = 20L << XenPage.SHIFT;
        p.memory().putShort(gpa + XenHvmParamDescriptor.DOMID_OFFSET, (short) targetDomid);
        p.memory().putShort(gpa + XenHvmParamDescriptor.PAD_OFFSET, (short) 0);
        p.memory().putInt(gpa + XenHvmParamDescriptor.INDEX_OFFSET, index);
        p.memory().putLong(gpa + XenHvmParamDescriptor.VALUE_OFFSET, value);
        long rc = p.hypercalls(0).hypercall(Hypercall.HVM_OP, op, gpa);
        return rc < 0 || op == HvmOp.SET_PARAM ? rc : p.memory().getLong(gpa + XenHvmParamDescriptor.VALUE_OFFSET);
    }

    @Test
    void timerModeIsTheToolstacksParameter() {
        Domain d = hvmDomain();
        Domain pv = hv.createDomain(DomainConfig.of(64, 1));
        int self = io.jxen.abi.xen.DomId.SELF;
        assertThat(hvmParam(dom0, HvmOp.GET_PARAM, d.domid(), HvmParam.TIMER_MODE, 0))
                .isEqualTo(HvmTimerMode.DELAY_FOR_MISSED_TICKS);
        assertThat(hvmParam(dom0, HvmOp.SET_PARAM, d.domid(), HvmParam.TIMER_MODE, HvmTimerMode.ONE_MISSED_TICK_PENDING))
                .isZero();
        assertThat(hvmParam(dom0, HvmOp.GET_PARAM, d.domid(), HvmParam.TIMER_MODE, 0))
                .isEqualTo(HvmTimerMode.ONE_MISSED_TICK_PENDING);
        assertThat(((JxenTime.Domain) d.timekeeping()).time().platform().mode().param())
                .isEqualTo(HvmTimerMode.ONE_MISSED_TICK_PENDING);
        // hvm_allow_set_param / hvm_allow_get_param: not the guest's to change or read.
        assertThat(hvmParam(d, HvmOp.SET_PARAM, self, HvmParam.TIMER_MODE, 0)).isEqualTo(-XenErrno.EPERM);
        assertThat(hvmParam(d, HvmOp.GET_PARAM, self, HvmParam.TIMER_MODE, 0)).isEqualTo(-XenErrno.EPERM);
        // ...while the guest may set its callback IRQ and read it back.
        assertThat(hvmParam(d, HvmOp.SET_PARAM, self, HvmParam.CALLBACK_IRQ, 5)).isZero();
        assertThat(hvmParam(d, HvmOp.GET_PARAM, self, HvmParam.CALLBACK_IRQ, 0)).isEqualTo(5);
        assertThat(hvmParam(dom0, HvmOp.SET_PARAM, d.domid(), HvmParam.TIMER_MODE, 4)).isEqualTo(-XenErrno.EINVAL);
        assertThat(hvmParam(dom0, HvmOp.SET_PARAM, d.domid(), HvmParam.NR_PARAMS, 0)).isEqualTo(-XenErrno.EINVAL);
        assertThat(hvmParam(dom0, HvmOp.GET_PARAM, pv.domid(), HvmParam.TIMER_MODE, 0)).isEqualTo(-XenErrno.EINVAL);
        assertThat(hvmParam(pv, HvmOp.GET_PARAM, d.domid(), HvmParam.TIMER_MODE, 0)).isEqualTo(-XenErrno.EPERM);
        assertThat(hvmParam(dom0, HvmOp.GET_PARAM, 999, HvmParam.TIMER_MODE, 0)).isEqualTo(-XenErrno.ESRCH);
        // HVM_PARAM_HPET_ENABLED = 0: the window reads all-ones.
        assertThat(hvmParam(dom0, HvmOp.SET_PARAM, d.domid(), HvmParam.HPET_ENABLED, 0)).isZero();
        assertThat(hv.cpu(d.domid(), 0).mmioRead(HpetDriver.BASE, 8)).isEqualTo(-1L);
        assertThatThrownBy(() -> HpetDriver.probe(hv.cpu(d.domid(), 0))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPvDomainHasNoPlatformTimers() {
        Domain pv = hv.createDomain(DomainConfig.of(64, 1));
        GuestCpu cpu = hv.cpu(pv.domid(), 0);
        assertThat(cpu.mmioRead(HpetDriver.BASE, 8)).isEqualTo(-1L);
        assertThat(cpu.in(AcpiPmTimer.XEN_PM_TMR_PORT, 4)).isEqualTo(-1);
        assertThat(cpu.in(0x40, 1)).isEqualTo(0xFF);
        assertThat(cpu.acknowledgeInterrupt()).isEqualTo(-1);
        assertThat(cpu.cpuid(XenCpuidLeaf.FIRST_LEAF + 4, 0)).containsExactly(0, 0, 0, 0);
    }

    @Test
    void hpetAndPmTimerFollowGuestTimeAndStandStillWhileDescheduled() {
        Domain d = hvmDomain();
        GuestCpu cpu = hv.platform(d.domid()).cpu(0);
        HpetDriver hpet = HpetDriver.probe(cpu);
        assertThat(hpet.capabilities() & 0xFFFF_FFFFL).isEqualTo(0x8086_A201L);
        assertThat(hpet.periodFs()).isEqualTo(16_000_000L);
        assertThat(hpet.timers()).isEqualTo(3);
        AcpiPmTimer pm = new AcpiPmTimer(cpu, AcpiPmTimer.XEN_PM_TMR_PORT);
        hpet.enable();
        long c0 = hpet.counter();
        long p0 = pm.counter();
        runTo(hostTime.now() + 10 * MS);
        long c1 = hpet.counter();
        assertThat(c1 - c0).isEqualTo(10 * TICKS_PER_MS);
        assertThat(hpet.ticksToNanos(c1 - c0)).isEqualTo(10 * MS);
        assertThat(pm.counter() - p0).isBetween(35_795L, 35_796L); // 3.579545 MHz for 10 ms
        // Descheduled for 5 ms (paused): guest time is frozen (pt_freeze_time/pt_thaw_time).
        hv.pause(d.domid());
        runTo(hostTime.now() + 5 * MS);
        hv.unpause(d.domid());
        assertThat(hpet.counter()).isEqualTo(c1);
        runTo(hostTime.now() + MS);
        assertThat(hpet.counter() - c1).isEqualTo(TICKS_PER_MS);
    }

    /**
     * HPET timer 0, legacy replacement (IRQ 0), 1 ms periodic: ten ticks in 10 ms; then 5 ms
     * descheduled, and on reschedule the missed ticks arrive per policy.
     */
    @ParameterizedTest(name = "mode {0}: {1} missed ticks delivered, counter jump {2} ms")
    @CsvSource({
        "0, 5, 0", // delay_for_missed_ticks: all delivered late, guest time frozen meanwhile
        "1, 5, 5", // no_delay_for_missed_ticks: all delivered, guest time follows the host
        "2, 0, 5", // no_missed_ticks_pending: none held pending
        "3, 1, 5", // one_missed_tick_pending: one late tick for all
    })
    void missedTicksArriveAsTheTimerModeSays(int mode, int expectedLate, long counterJumpMs) {
        Domain d = hvmDomain();
        assertThat(hvmParam(dom0, HvmOp.SET_PARAM, d.domid(), HvmParam.TIMER_MODE, mode)).isZero();
        GuestCpu cpu = hv.platform(d.domid()).cpu(0);
        HpetDriver hpet = HpetDriver.probe(cpu);
        hpet.setLegacyReplacement(true);
        hpet.enable();
        hpet.startPeriodic(0, TICKS_PER_MS);
        int ticks = 0;
        for (int i = 0; i < 10; i++) {
            runTo(hostTime.now() + MS);
            ticks += takeAll(cpu, 0);
        }
        assertThat(ticks).isEqualTo(10);
        long before = hpet.counter();
        hv.pause(d.domid());
        runTo(hostTime.now() + 5 * MS + MS / 2);
        hv.unpause(d.domid());
        long resumed = hpet.counter();
        assertThat(resumed - before).isEqualTo(counterJumpMs * TICKS_PER_MS + (mode == 0 ? 0 : TICKS_PER_MS / 2));
        assertThat(takeAll(cpu, 0)).isEqualTo(expectedLate);
        // And the periodic timer goes on at 1 ms.
        runTo(hostTime.now() + MS);
        assertThat(takeAll(cpu, 0)).isEqualTo(1);
    }

    @Test
    void theGuestReadsAndSetsTheRtcCalendarThroughPortsAndTheWallclockFollows() {
        Domain d = hvmDomain();
        GuestCpu cpu = hv.platform(d.domid()).cpu(0);
        runTo(90 * 1_000 * MS + 7 * MS); // the virtual wall clock starts at the epoch: 00:01:30
        cpu.out(0x70, 1, 0x0B);
        cpu.out(0x71, 1, 0x06); // binary, 24 h
        cpu.out(0x70, 1, 0x00);
        assertThat(cpu.in(0x71, 1)).isEqualTo(30);
        cpu.out(0x70, 1, 0x02);
        assertThat(cpu.in(0x71, 1)).isEqualTo(1);
        cpu.out(0x70, 1, 0x09);
        assertThat(cpu.in(0x71, 1)).isEqualTo(70);
        // Setting the year to 2001 (outside SET: at once) moves the domain's wallclock offset.
        cpu.out(0x70, 1, 0x09);
        cpu.out(0x71, 1, 1);
        var wallclock = ((JxenTime.Domain) d.timekeeping()).time().wallclock();
        assertThat(wallclock.timeOffsetSeconds()).isEqualTo(
                java.time.LocalDateTime.parse("2001-01-01T00:01:30").toEpochSecond(java.time.ZoneOffset.UTC) - 90);
    }

    @Test
    void platformTimerStateRoundTripsIntoAFreshDomainWithoutAJump() {
        Domain a = hvmDomain();
        assertThat(hvmParam(dom0, HvmOp.SET_PARAM, a.domid(), HvmParam.TIMER_MODE,
                HvmTimerMode.ONE_MISSED_TICK_PENDING)).isZero();
        GuestCpu cpuA = hv.platform(a.domid()).cpu(0);
        HpetDriver hpetA = HpetDriver.probe(cpuA);
        hpetA.setLegacyReplacement(true);
        hpetA.enable();
        hpetA.startPeriodic(0, TICKS_PER_MS);
        int ticks = 0;
        for (int i = 0; i < 10; i++) {
            runTo(hostTime.now() + MS);
            ticks += takeAll(cpuA, 0);
        }
        assertThat(ticks).isEqualTo(10);
        runTo(hostTime.now() + MS / 4);
        long saved = hpetA.counter();
        var state = ((JxenTime.Domain) a.timekeeping()).time().hvm().save();
        hv.destroyDomain(a.domid());

        runTo(hostTime.now() + 7 * MS); // time passes between save and restore
        Domain b = hvmDomain();
        ((JxenTime.Domain) b.timekeeping()).time().hvm().restore(state);
        GuestCpu cpuB = hv.platform(b.domid()).cpu(0);
        HpetDriver hpetB = HpetDriver.probe(cpuB);
        assertThat(hpetB.counter()).isEqualTo(saved); // no jump
        assertThat(hvmParam(dom0, HvmOp.GET_PARAM, b.domid(), HvmParam.TIMER_MODE, 0))
                .isEqualTo(HvmTimerMode.ONE_MISSED_TICK_PENDING);
        int after = 0;
        for (int i = 0; i < 3; i++) {
            runTo(hostTime.now() + MS);
            after += takeAll(cpuB, 0);
        }
        assertThat(hpetB.counter() - saved).isEqualTo(3 * TICKS_PER_MS);
        assertThat(after).isEqualTo(3); // the periodic timer goes on at 1 ms
    }

    @Test
    void cpuidAndRdtscComeFromThePlatformInProcessAndOverTheSocket() throws Exception {
        Domain d = hvmDomain();
        runTo(3 * MS);
        long tsc = ((JxenTime.Domain) d.timekeeping()).time().tsc().tscAt(hostTime.now());
        GuestCpu local = hv.platform(d.domid()).cpu(0);
        Path socket = dir.resolve("d" + d.domid() + ".sock");
        HypercallServer server = new HypercallServer(hv, d, socket);
        try (server; RemoteGuestPlatform remote = RemoteGuestPlatform.connect(socket)) {
            for (GuestCpu cpu : new GuestCpu[] {local, remote.cpu(0)}) {
                assertThat(cpu.rdtsc()).isEqualTo(tsc);
                assertThat(cpu.cpuid(XenCpuidLeaf.FIRST_LEAF, 0)).containsExactly(XenCpuidLeaf.FIRST_LEAF + 5,
                        XenCpuidLeaf.SIGNATURE_EBX, XenCpuidLeaf.SIGNATURE_ECX, XenCpuidLeaf.SIGNATURE_EDX);
                assertThat(cpu.cpuid(XenCpuidLeaf.FIRST_LEAF + 1, 0)).containsExactly(4 << 16 | 17, 0, 0, 0);
                // Time leaf: no emulation (mode 2), guest TSC 2.5 GHz in kHz.
                int[] time = cpu.cpuid(XenCpuidLeaf.FIRST_LEAF + 3, 0);
                assertThat(time[1]).isEqualTo(2);
                assertThat(time[2]).isEqualTo(2_500_000);
                assertThat(cpu.cpuid(XenCpuidLeaf.FIRST_LEAF + 4, 0)).containsExactly(
                        XenCpuidLeaf.HVM_VCPU_ID_PRESENT | XenCpuidLeaf.HVM_DOMID_PRESENT, 0, d.domid(), 0);
                assertThat(cpu.cpuid(0x1234, 0)).containsExactly(0, 0, 0, 0);
            }
            // The guest's HPET driver works the same over the wire, interrupts included.
            HpetDriver hpet = HpetDriver.probe(remote.cpu(0));
            hpet.setLegacyReplacement(true);
            hpet.enable();
            long c0 = hpet.counter();
            hpet.startPeriodic(0, TICKS_PER_MS);
            runTo(hostTime.now() + 3 * MS);
            assertThat(hpet.counter() - c0).isEqualTo(3 * TICKS_PER_MS);
            assertThat(takeAll(remote.cpu(0), 0)).isEqualTo(3);
            assertThat(remote.cpu(0).mmioRead(HpetDriver.BASE, 3)).isEqualTo(-1L); // bad size: all-ones
        }
    }
}
