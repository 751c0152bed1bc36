package io.jxen.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** The named numbers a benchmark produced, printed as one {@code key=value} line. */
public final class Figures {

    private final Map<String, String> values = new LinkedHashMap<>();

    /** Adds an integral figure; keys carry their unit last, e.g. {@code latency_ns_p99}. */
    public Figures put(String key, long value) {
        values.put(key, Long.toString(value));
        return this;
    }

    /** Adds a real-valued figure (a rate or a ratio), printed with three decimals. */
    public Figures put(String key, double value) {
        values.put(key, String.format(Locale.ROOT, "%.3f", value));
        return this;
    }

    /** Adds a textual figure such as the peer's name. */
    public Figures put(String key, String value) {
        if (value.chars().anyMatch(c -> c == ' ' || c == '=')) {
            throw new IllegalArgumentException("figure values may not contain spaces or '=': " + value);
        }
        values.put(key, value);
        return this;
    }

    /** The figures as read-only map, in insertion order. */
    public Map<String, String> asMap() {
        return Map.copyOf(values);
    }

    /** {@code bench=NAME key=value ...}: the line scripts compare across runs. */
    public String line(String benchName) {
        StringJoiner line = new StringJoiner(" ");
        line.add("bench=" + benchName);
        values.forEach((k, v) -> line.add(k + "=" + v));
        return line.toString();
    }
}
