package io.jxen.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.Collection;

/** Runs one JMH class (short runs when quick) and hands out its scores by method name. */
public final class JmhScores {

    private final Collection<RunResult> results;

    private JmhScores(Collection<RunResult> results) {
        this.results = results;
    }

    /**
     * Runs every benchmark method of {@code benchmark} in one forked JVM.
     *
     * @param quick 1 warm-up and 2 measured iterations of 1 s instead of 3 and 5
     */
    public static JmhScores run(Class<?> benchmark, boolean quick) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(benchmark.getName())
                .warmupIterations(quick ? 1 : 3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 2 : 5)
                .measurementTime(TimeValue.seconds(1))
                .forks(1)
                .shouldFailOnError(true)
                .build();
        return new JmhScores(new Runner(options).run());
    }

    /** The primary score of {@code method}; fails if JMH produced none. */
    public double score(String method) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("JMH produced no result for " + method))
                .getPrimaryResult().getScore();
    }
}
