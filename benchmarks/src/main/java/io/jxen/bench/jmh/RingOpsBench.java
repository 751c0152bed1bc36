package io.jxen.bench.jmh;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.PrintStream;
import java.util.Collection;

/** {@code ./jxen bench ring-ops}: {@link RingOpsJmh} under JMH, reported as ns per pair and a ratio. */
public final class RingOpsBench implements Bench {

    @Override
    public String name() {
        return "ring-ops";
    }

    @Override
    public String description() {
        return "JMH: ring.h request/response bookkeeping on one thread vs the bare entry copies";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        Options options = new OptionsBuilder()
                .include(RingOpsJmh.class.getName())
                .warmupIterations(quick ? 1 : 3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 2 : 5)
                .measurementTime(TimeValue.seconds(1))
                .forks(1)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        double ring = score(results, "roundTrip");
        double floor = score(results, "copiesOnly");
        out.printf("ring round trip %.1f ns, entry copies alone %.1f ns%n", ring, floor);
        return new Figures()
                .put("ring_pair_ns", ring)
                .put("floor_copies_ns", floor)
                .put("ratio_ring_to_floor", ring / floor);
    }

    private static double score(Collection<RunResult> results, String method) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("JMH produced no result for " + method))
                .getPrimaryResult().getScore();
    }
}
