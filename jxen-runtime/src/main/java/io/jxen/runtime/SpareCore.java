package io.jxen.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;

/**
 * Whether the machine has a core that nobody is waiting for right now: the condition under
 * which a thread may spin for a peer instead of sleeping. Spinning saves the sleeper's
 * wake-up (on a virtual machine with idle cores, an HLT exit and an IPI: 5-15 µs measured on
 * the 2-core development VM), but on a busy machine it takes the core the peer needs to
 * produce what the spinner waits for. KVM's halt-polling asks the same question per CPU
 * ({@code single_task_running()} in {@code kvm_vcpu_block}); user space cannot see per-CPU
 * run queues, so this reads the system-wide count of runnable tasks, the fourth field of
 * {@code /proc/loadavg} ("runnable/total"), and calls a core spare while that count
 * (the reader included) does not exceed the number of cores.
 * <p>
 * The file is kept open and re-read at offset 0 (one {@code pread}, about 1 µs), at most
 * once per {@link #SAMPLE_NANOS}; between samples the last answer stands. Where the file
 * cannot be read (not Linux, no procfs) the answer is "no spare core": spinning is an
 * optimisation and is never turned on by a guess. Thread-safe; a racing refresh is harmless.
 * {@code -Djxen.spareCore=always|never} overrides the probe (benchmarks' A/B, and machines
 * where the operator knows better).
 */
public final class SpareCore {

    /** How long one sample of the run queue stands. */
    public static final long SAMPLE_NANOS = 1_000_000;

    private static final Path LOADAVG = Path.of("/proc/loadavg");

    private static final class SystemWide {
        static final SpareCore INSTANCE = fromProperty(System.getProperty("jxen.spareCore", "auto"));
    }

    private final Probe probe;
    private final LongSupplier nanoTime;
    private final int cores;
    private volatile long sampledAt;
    private volatile boolean spare;

    /** Reads the count of runnable tasks; a negative result means "unknown". */
    @FunctionalInterface
    public interface Probe {
        int runnableTasks();
    }

    /**
     * @param probe    the source of the runnable-task count
     * @param cores    the number of cores the machine has
     * @param nanoTime the clock that ages samples
     */
    public SpareCore(Probe probe, int cores, LongSupplier nanoTime) {
        if (cores < 1) {
            throw new IllegalArgumentException("cores must be at least 1: " + cores);
        }
        this.probe = probe;
        this.cores = cores;
        this.nanoTime = nanoTime;
        this.sampledAt = nanoTime.getAsLong() - 2 * SAMPLE_NANOS;
    }

    /** The machine's probe, or the override named by {@code -Djxen.spareCore}. */
    public static SpareCore system() {
        return SystemWide.INSTANCE;
    }

    /** A probe with a fixed answer (tests, simulation, and the {@code always}/{@code never} overrides). */
    public static SpareCore fixed(boolean answer) {
        return new SpareCore(() -> answer ? 0 : Integer.MAX_VALUE, 1, () -> 0L);
    }

    static SpareCore fromProperty(String value) {
        return switch (value) {
            case "always" -> fixed(true);
            case "never" -> fixed(false);
            case "auto" -> new SpareCore(new LoadavgProbe(LOADAVG), Runtime.getRuntime().availableProcessors(),
                    System::nanoTime);
            default -> throw new IllegalArgumentException(
                    "-Djxen.spareCore must be always, never or auto, not " + value);
        };
    }

    /** Whether a core is spare now (the last sample, refreshed when older than {@link #SAMPLE_NANOS}). */
    public boolean available() {
        long now = nanoTime.getAsLong();
        if (now - sampledAt >= SAMPLE_NANOS) {
            sampledAt = now;
            int runnable = probe.runnableTasks();
            spare = runnable >= 0 && runnable <= cores;
        }
        return spare;
    }

    /** Reads "runnable/total" from {@code /proc/loadavg} through a descriptor kept open. */
    static final class LoadavgProbe implements Probe {
        private final FileChannel file;
        private final ByteBuffer buffer = ByteBuffer.allocate(128);

        LoadavgProbe(Path path) {
            FileChannel opened;
            try {
                opened = FileChannel.open(path, StandardOpenOption.READ);
            } catch (IOException | UnsupportedOperationException e) {
                opened = null;
            }
            this.file = opened;
        }

        @Override
        public synchronized int runnableTasks() {
            if (file == null) {
                return -1;
            }
            buffer.clear();
            try {
                file.read(buffer, 0);
            } catch (IOException e) {
                return -1;
            }
            return parseRunnable(buffer.array(), buffer.position());
        }
    }

    /**
     * The runnable count of a {@code /proc/loadavg} line ("0.75 1.62 2.15 1/79 17498"):
     * the digits before the first '/', after the third space; -1 if the line is not of that shape.
     */
    static int parseRunnable(byte[] line, int length) {
        int spaces = 0;
        int i = 0;
        while (i < length && spaces < 3) {
            if (line[i++] == ' ') {
                spaces++;
            }
        }
        int value = 0;
        int digits = 0;
        while (i < length && line[i] >= '0' && line[i] <= '9' && digits < 9) {
            value = value * 10 + (line[i++] - '0');
            digits++;
        }
        return digits > 0 && i < length && line[i] == '/' ? value : -1;
    }
}
