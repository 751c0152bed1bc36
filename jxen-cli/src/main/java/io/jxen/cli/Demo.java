package io.jxen.cli;

import java.io.PrintWriter;

/** The demonstration run by {@code jxen demo}. */
final class Demo {

    private final PrintWriter out;
    private final long seed;

    Demo(PrintWriter out, long seed) {
        this.out = out;
        this.seed = seed;
    }

    int run() {
        out.println("jxen demo (seed " + seed + ")");
        out.flush();
        return 0;
    }
}
