package io.jxen.sim;

import io.jxen.runtime.Fault;
import io.jxen.runtime.Faults;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A fault injector driven by the simulation's seed: each fault point has a probability per
 * kind of fault, and every decision comes from one seeded random stream, so the same seed
 * injects the same faults at the same steps.
 *
 * <p>Counts of what was injected are kept per point, so a test can assert that the faults
 * it asked for really happened (a fault test that injected nothing proves nothing).
 */
public final class SeededFaults implements Faults {

    private final SplittableRandom random;
    private final Map<String, EnumMap<Fault, Double>> rules = new HashMap<>();
    private final Map<String, EnumMap<Fault, Long>> injected = new HashMap<>();

    /** @param random the stream decisions are drawn from; the runner derives it from its seed */
    public SeededFaults(SplittableRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Makes {@code point} fail with {@code fault} with the given probability on each visit.
     *
     * @return this, for chaining
     */
    public SeededFaults inject(String point, Fault fault, double probability) {
        if (fault == Fault.NONE || !(probability >= 0.0 && probability <= 1.0)) {
            throw new IllegalArgumentException("bad fault rule " + point + " " + fault + " p=" + probability);
        }
        rules.computeIfAbsent(point, p -> new EnumMap<>(Fault.class)).put(fault, probability);
        return this;
    }

    @Override
    public Fault at(String point) {
        EnumMap<Fault, Double> kinds = rules.get(point);
        if (kinds == null) {
            return Fault.NONE;
        }
        double draw = random.nextDouble();
        double cumulative = 0.0;
        for (Map.Entry<Fault, Double> kind : kinds.entrySet()) {
            cumulative += kind.getValue();
            if (draw < cumulative) {
                injected.computeIfAbsent(point, p -> new EnumMap<>(Fault.class)).merge(kind.getKey(), 1L, Long::sum);
                return kind.getKey();
            }
        }
        return Fault.NONE;
    }

    /** How many times {@code fault} was injected at {@code point}. */
    public long injectedCount(String point, Fault fault) {
        EnumMap<Fault, Long> counts = injected.get(point);
        return counts == null ? 0 : counts.getOrDefault(fault, 0L);
    }
}
