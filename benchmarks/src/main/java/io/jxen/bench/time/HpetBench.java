package io.jxen.bench.time;

import io.jxen.bench.JmhScores;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;

import java.io.PrintStream;

/** {@code ./jxen bench hpet}: {@link HpetJmh}, ns per main-counter read against {@code System.nanoTime()}. */
public final class HpetBench implements Bench {

    @Override
    public String name() {
        return "hpet";
    }

    @Override
    public String description() {
        return "JMH: an HPET main-counter MMIO read (64-bit) vs System.nanoTime";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        JmhScores scores = JmhScores.run(HpetJmh.class, quick);
        double read = scores.score("counterRead");
        double floor = scores.score("nanoTime");
        out.printf("HPET counter read %.1f ns, System.nanoTime %.1f ns (%.2fx)%n", read, floor, read / floor);
        return new Figures()
                .put("hpet_counter_read_ns", read)
                .put("floor_nanotime_ns", floor)
                .put("ratio_hpet_to_floor", read / floor);
    }
}
