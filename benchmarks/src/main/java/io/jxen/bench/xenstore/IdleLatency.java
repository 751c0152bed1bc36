package io.jxen.bench.xenstore;

import io.jxen.abi.xs.XsMessageTypes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The "latency with 512 idle connections": the round trip of one XS_READ from a
 * single client, measured with no other client connected and again while 512 other
 * connections are open and idle (each made one request first, so every daemon has fully
 * accepted it). A daemon that scans every connection per request (C xenstored's poll set)
 * slows down with the idle ones; one woken only for ready connections does not.
 */
final class IdleLatency {

    /** The idle connections the issue names. */
    static final int IDLE = 512;
    /** A slow daemon's measurement stops after this long (oxenstored: about 1 ms per round trip with 512 idle). */
    private static final long MAX_NANOS = 2_000_000_000L;

    private IdleLatency() {
    }

    /**
     * Median round trip in ns, without and with the idle connections.
     *
     * @param d       the daemon
     * @param samples round trips per measurement
     * @return {without, with}
     */
    static long[] measure(Daemon d, int samples) throws IOException {
        try (RawXs client = new RawXs(d.socket)) {
            client.request(XsMessageTypes.WRITE, "/bench-latency", "value");
            client.request(XsMessageTypes.READ, "/bench-latency");
            long without = p50(client, samples);
            List<RawXs> idle = new ArrayList<>(IDLE);
            try {
                for (int i = 0; i < IDLE; i++) {
                    RawXs c = new RawXs(d.socket);
                    idle.add(c);
                    c.request(XsMessageTypes.READ, "/bench-latency");
                }
                long with = p50(client, samples);
                return new long[] {without, with};
            } finally {
                for (RawXs c : idle) {
                    c.close();
                }
                // The 512 disconnects must not slow the next measurement (maybe another daemon's).
                d.awaitQuiet();
            }
        }
    }

    /** Median of up to {@code samples} round trips, fewer (at least 100) past {@link #MAX_NANOS}. */
    private static long p50(RawXs client, int samples) throws IOException {
        for (int i = 0; i < samples / 4; i++) {
            client.repeat();
        }
        long[] ns = new long[samples];
        long start = System.nanoTime();
        int n = 0;
        while (n < samples && (n < 100 || System.nanoTime() - start < MAX_NANOS)) {
            long t0 = System.nanoTime();
            client.repeat();
            ns[n++] = System.nanoTime() - t0;
        }
        Arrays.sort(ns, 0, n);
        return ns[n / 2];
    }
}
