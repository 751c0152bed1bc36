package io.jxen.cli;

import io.jxen.cli.demo.HostDemo;
import io.jxen.cli.demo.Progress;
import io.jxen.cli.demo.RingDemo;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The demonstration run by {@code jxen demo}: each part runs real jxen code end to end and
 * checks its own result; a part that fails makes the demo exit non-zero.
 */
final class Demo {

    private final PrintWriter out;
    private final long seed;
    private final long requests;

    private final Progress.Mode progress;

    Demo(PrintWriter out, long seed, long requests, Progress.Mode progress) {
        this.out = out;
        this.progress = progress;
        this.seed = seed;
        this.requests = requests;
    }

    int run() throws Exception {
        out.printf("jxen demo  (seed %d: rerun with --seed %d to replay the simulated part exactly)%n%n", seed, seed);
        out.println("[host] a whole host in this JVM, and a guest created from examples/guest.cfg:");
        out.println("       boot, xenstore over its ring, PV time, blkfront <-> blkback on its disk image,");
        out.println("       interrupts, then xl shutdown");
        out.flush();
        new HostDemo(out, progress).run();
        out.println();
        ring();
        out.println();
        out.println("Not in the demo (see the issues): the guest in a JVM of its own, suspend/resume and migration.");
        out.println("The guest's disk over NBD through blkfront: ./jxen nbd --guest examples/guest.cfg (with guest.img).");
        out.flush();
        return 0;
    }

    private void ring() throws Exception {
        out.println("[ring] an io/ring.h ring in machine memory mapped from a file, one frontend and one");
        out.println("       backend agent stepped by the deterministic simulation, 30% of turns descheduled");
        out.flush();
        RingDemo result = RingDemo.run(seed, requests, 2);
        out.printf(Locale.ROOT, "       memory file    %s (deleted after the run)%n", result.memoryFile());
        out.printf(Locale.ROOT, "       ring           2 pages, %d entries of 64 bytes%n", result.entries());
        out.printf(Locale.ROOT, "       requests       %d sent, %d responses verified in order%n", requests, result.requests());
        out.printf(Locale.ROOT, "       notifications  %d (ring.h event indices suppressed the rest)%n", result.notifications());
        out.printf(Locale.ROOT, "       deschedules    %d agent turns skipped over %d rounds, %.3f ms virtual time%n",
                result.delayedTurns(), result.rounds(), result.virtualNanos() / 1e6);
        out.flush();
    }
}
