package io.jxen.bench.time;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.hv.time.clock.SystemTime;
import io.jxen.hv.time.timer.SingleshotPolicy;
import io.jxen.hv.time.timer.TimerIdleStrategy;
import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.hv.time.timer.VcpuTimers;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.SystemClock;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./jxen bench timer}: real mode. The timer agent runs on its own thread with
 * {@link TimerIdleStrategy}; a "guest" thread arms {@code VCPUOP_set_singleshot_timer} for now
 * + 1 ms (then + 100 µs), waits for {@code VIRQ_TIMER} at the sink and records how late it
 * arrived after the deadline. Lateness is measured at the sink, i.e. the hypervisor's side;
 * the guest's own wake-up is not included.
 */
public final class TimerLatenessBench implements Bench {

    @Override
    public String name() {
        return "timer";
    }

    @Override
    public String description() {
        return "real mode: VIRQ_TIMER lateness of 1 ms and 100 us singleshot timers, p50/p99/max (target p99 < 200 us)";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        SystemTime systemTime = new SystemTime(SystemClock.INSTANCE);
        TimerQueue queue = new TimerQueue(systemTime, "bench-timers");
        AtomicLong delivered = new AtomicLong();
        AtomicLong deliveredAt = new AtomicLong();
        VcpuTimers timers = new VcpuTimers(0, queue, vcpu -> {
            deliveredAt.set(systemTime.now());
            delivered.incrementAndGet();
        }, SingleshotPolicy.XEN_4_17, false);
        Figures figures = new Figures();
        try (AgentRunner runner = AgentRunner.start(queue, new TimerIdleStrategy(queue), ErrorHandler.printing())) {
            measure(timers, systemTime, delivered, deliveredAt, 1_000_000L, quick ? 300 : 3_000); // warm-up
            for (long interval : new long[] {1_000_000L, 100_000L}) {
                int samples = interval == 1_000_000L ? (quick ? 500 : 5_000) : (quick ? 2_000 : 20_000);
                long[] late = measure(timers, systemTime, delivered, deliveredAt, interval, samples);
                String label = interval == 1_000_000L ? "1ms" : "100us";
                long p50 = percentile(late, 50);
                long p99 = percentile(late, 99);
                long max = late[late.length - 1];
                out.printf("%s one-shots (%d): lateness p50 %d ns, p99 %d ns, max %d ns%n", label, samples, p50, p99, max);
                figures.put("lateness_" + label + "_ns_p50", p50)
                        .put("lateness_" + label + "_ns_p99", p99)
                        .put("lateness_" + label + "_ns_max", max);
            }
            if (runner.errorCount() != 0) {
                throw new IllegalStateException("the timer agent failed " + runner.errorCount() + " times");
            }
        }
        return figures;
    }

    private static long[] measure(VcpuTimers timers, SystemTime systemTime, AtomicLong delivered,
                                  AtomicLong deliveredAt, long interval, int samples) {
        long[] late = new long[samples];
        for (int i = 0; i < samples; i++) {
            long before = delivered.get();
            long deadline = systemTime.now() + interval;
            int rc = timers.setSingleshotTimer(deadline, 0);
            if (rc != 0) {
                throw new IllegalStateException("set_singleshot_timer returned " + rc);
            }
            while (delivered.get() == before) {
                Thread.onSpinWait();
            }
            late[i] = deliveredAt.get() - deadline;
        }
        Arrays.sort(late);
        return late;
    }

    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
