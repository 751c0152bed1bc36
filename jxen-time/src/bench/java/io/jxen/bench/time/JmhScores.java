package io.jxen.bench.time;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.Collection;

/** Runs one JMH class and hands out its scores by method name. */
final class JmhScores {

    private final Collection<RunResult> results;

    private JmhScores(Collection<RunResult> results) {
        this.results = results;
    }

    static JmhScores run(Class<?> benchmark, boolean quick) throws RunnerException {
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

    double score(String method) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("JMH produced no result for " + method))
                .getPrimaryResult().getScore();
    }
}
