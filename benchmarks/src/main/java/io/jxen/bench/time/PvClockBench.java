package io.jxen.bench.time;

import io.jxen.bench.JmhScores;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;

import java.io.PrintStream;

/** {@code ./jxen bench pvclock}: {@link PvClockJmh}, ns per read against {@code System.nanoTime()}. */
public final class PvClockBench implements Bench {

    @Override
    public String name() {
        return "pvclock";
    }

    @Override
    public String description() {
        return "JMH: a guest pvclock read (seqlock + scale_delta), with and without the clamp, vs System.nanoTime";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        JmhScores scores = JmhScores.run(PvClockJmh.class, quick);
        double read = scores.score("pvclockRead");
        double clamped = scores.score("pvclockReadClamped");
        double floor = scores.score("nanoTime");
        double protocol = scores.score("pvclockReadProtocolOnly");
        double rdtsc = scores.score("rdtsc");
        double readLambda = scores.score("pvclockReadLambdaTsc");
        out.printf("pvclock read %.1f ns (clamped %.1f ns), System.nanoTime %.1f ns (%.2fx); target <= 30 ns%n",
                read, clamped, floor, read / floor);
        out.printf("of which the TSC (model over System.nanoTime) %.1f ns; the protocol alone with a one-add TSC %.1f ns%n",
                rdtsc, protocol);
        out.printf("A/B, same run: with the TSC through a lambda over the bench's fields the read is %.1f ns%n",
                readLambda);
        return new Figures()
                .put("pvclock_read_ns", read)
                .put("pvclock_read_clamped_ns", clamped)
                .put("floor_nanotime_ns", floor)
                .put("rdtsc_model_ns", rdtsc)
                .put("pvclock_protocol_only_ns", protocol)
                .put("pvclock_read_lambda_tsc_ns", readLambda)
                .put("ratio_pvclock_to_floor", read / floor);
    }
}
