package io.jxen.bench;

import java.io.PrintStream;

/**
 * One benchmark of jxen, runnable as {@code ./jxen bench NAME [--quick]}. Implementations
 * are listed in {@code META-INF/services/io.jxen.bench.Bench}.
 *
 * <p>A benchmark measures jxen and, in the same run, the peer or physical floor it is
 * compared with (the reference xenstored, a bare futex ping-pong), prints what it measured
 * in words, and returns its figures; the runner prints them as the final
 * {@code key=value} line, ratios included.
 */
public interface Bench {

    /** The name on the command line, e.g. {@code "ring-roundtrip"}. */
    String name();

    /** One line: what is measured and against what. */
    String description();

    /**
     * Runs the benchmark.
     *
     * @param quick a short run (seconds) for smoke checks; otherwise a full measurement
     * @param out   where to print progress and the human-readable result
     * @return the figures, in the order they should be printed
     * @throws Exception if the benchmark cannot run (a missing peer is an error, not a zero)
     */
    Figures run(boolean quick, PrintStream out) throws Exception;
}
