package io.jxen.bench.jmh;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.bench.JmhScores;

import java.io.PrintStream;

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
        JmhScores scores = JmhScores.run(RingOpsJmh.class, quick);
        double ring = scores.score("roundTrip");
        double floor = scores.score("copiesOnly");
        out.printf("ring round trip %.1f ns, entry copies alone %.1f ns%n", ring, floor);
        return new Figures()
                .put("ring_pair_ns", ring)
                .put("floor_copies_ns", floor)
                .put("ratio_ring_to_floor", ring / floor);
    }

}
