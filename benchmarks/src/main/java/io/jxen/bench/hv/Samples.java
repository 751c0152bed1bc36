package io.jxen.bench.hv;

import java.util.Arrays;

/** Latency samples in nanoseconds; percentiles from the sorted array (nearest rank). */
final class Samples {

    private final long[] values;
    private int size;
    private boolean sorted;

    Samples(int capacity) {
        values = new long[capacity];
    }

    void add(long nanos) {
        values[size++] = nanos;
        sorted = false;
    }

    long percentile(double p) {
        if (size == 0) {
            throw new IllegalStateException("no samples");
        }
        if (!sorted) {
            Arrays.sort(values, 0, size);
            sorted = true;
        }
        int rank = (int) Math.ceil(p / 100.0 * size);
        return values[Math.max(0, Math.min(size - 1, rank - 1))];
    }
}
