package io.jxen.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Adaptive halt-polling, KVM's rule for a vCPU that halts (Documentation/virt/kvm/halt-polling.rst,
 * {@code kvm_vcpu_halt}): before sleeping, the waiter spins on its wake-up condition for a
 * per-waiter window, but only while a core is spare ({@link SpareCore}, KVM's
 * {@code single_task_running()}), so that a wake-up arriving soon costs no sleep and no
 * wake-up (on a VM with idle cores: an HLT exit plus an IPI). The window adapts to the
 * <em>halt time</em>, from the start of the poll to the wake-up, slept or not:
 * <ul>
 *   <li>halt time within the window: unchanged (the poll paid off, or would have);</li>
 *   <li>longer than the cap while the window is open: shrunk (divided by {@code shrink},
 *       0 below {@code growStart}): no window up to the cap would have caught it;</li>
 *   <li>longer than the window but shorter than the cap: grown (times {@code grow}, at least
 *       {@code growStart}, at most the cap): a longer poll would have caught it;</li>
 *   <li>a wake-up for no event (interrupted, the domain dying): shrunk.</li>
 * </ul>
 * KVM's defaults are a 200 µs cap ({@code halt_poll_ns} on x86), {@code halt_poll_ns_grow} 2,
 * {@code halt_poll_ns_grow_start} 10 µs, {@code halt_poll_ns_shrink} 2 (0 resets).
 *
 * <p>A {@code HaltPoll} is one host's policy (configuration, spare-core probe, clock); each
 * waiter (a vCPU) keeps its own {@link Window}, touched only by the thread halting it. When the
 * policy is {@link #off()} nothing is read, not even the clock: waiting is exactly a sleep.
 * Simulation never polls: {@link #forClock} turns polling off for any clock but the system's,
 * because spinning against a virtual clock would be a busy loop that changes nothing.
 *
 * <p>Only a halt that starts while a core is spare is polled and timed (see {@link #start()}).
 *
 * <p>Usage, by the thread that would sleep:
 * <pre>{@code
 * long start = haltPoll.start();
 * if (!haltPoll.poll(start, window, () -> woken())) { sleep until woken }
 * haltPoll.finish(start, window, true);
 * }</pre>
 */
public final class HaltPoll {

    /** {@code -Djxen.haltPoll=off|on|<cap in ns>}: the default for hosts on the system clock. */
    public static final String PROPERTY = "jxen.haltPoll";

    /**
     * The window's bounds and steps.
     *
     * @param maxNanos       the cap ({@code halt_poll_ns}); 0 turns polling off
     * @param growStartNanos the first window grown from 0 ({@code halt_poll_ns_grow_start})
     * @param grow           the growth factor ({@code halt_poll_ns_grow}; 0: never grows)
     * @param shrink         the shrink divisor ({@code halt_poll_ns_shrink}; 0: back to 0)
     */
    public record Config(long maxNanos, long growStartNanos, int grow, int shrink) {
        /** Checks the values. */
        public Config {
            if (maxNanos < 0 || growStartNanos < 1 || grow < 0 || shrink < 0) {
                throw new IllegalArgumentException("bad halt-poll configuration: max " + maxNanos
                        + " ns, grow start " + growStartNanos + " ns, grow " + grow + ", shrink " + shrink);
            }
        }

        /** KVM's steps (10 µs start, doubling, halving) under the cap {@code maxNanos}. */
        public static Config kvm(long maxNanos) {
            return new Config(maxNanos, Math.min(GROW_START_NANOS, Math.max(1, maxNanos)), 2, 2);
        }
    }

    /** KVM's {@code halt_poll_ns_grow_start}. */
    static final long GROW_START_NANOS = 10_000;

    /**
     * The cap used when polling is on and no cap is given. KVM's x86 default is 200 µs;
     * see docs/BENCHMARKS.md "vCPU halt-polling" for what was measured here.
     */
    public static final long DEFAULT_MAX_NANOS = 200_000;

    /** How often (in spins) the poll asks {@link SpareCore} again. */
    static final int SPARE_CHECK_SPINS = 8;

    private static final HaltPoll OFF = new HaltPoll(null, SpareCore.fixed(false), () -> 0L);

    private static final class SystemWide {
        static final HaltPoll INSTANCE = fromProperty(System.getProperty(PROPERTY, "on"),
                SpareCore.system(), SystemClock.INSTANCE::nanoTime);
    }

    private final Config config;
    private final SpareCore spare;
    private final LongSupplier nanoTime;

    /**
     * A policy.
     *
     * @param config   the window's bounds, or null for off
     * @param spare    whether a core is spare (asked before and during each poll)
     * @param nanoTime the clock the window is measured with
     */
    public HaltPoll(Config config, SpareCore spare, LongSupplier nanoTime) {
        this.config = config == null || config.maxNanos() == 0 ? null : config;
        this.spare = Objects.requireNonNull(spare);
        this.nanoTime = Objects.requireNonNull(nanoTime);
    }

    /** No polling at all: every wait sleeps at once, as before halt-polling existed. */
    public static HaltPoll off() {
        return OFF;
    }

    /**
     * The policy for a host on {@code clock}: {@code -Djxen.haltPoll} with {@link SpareCore#system()}
     * on the system clock, off on any other clock (simulation, tests stepping time).
     */
    public static HaltPoll forClock(Clock clock) {
        return clock == SystemClock.INSTANCE ? SystemWide.INSTANCE : OFF;
    }

    /** Parses {@code off}, {@code on} (the {@link #DEFAULT_MAX_NANOS} cap) or a cap in ns. */
    static HaltPoll fromProperty(String value, SpareCore spare, LongSupplier nanoTime) {
        long max = capNanos(value, DEFAULT_MAX_NANOS, PROPERTY);
        return max == 0 ? OFF : new HaltPoll(Config.kvm(max), spare, nanoTime);
    }

    /**
     * A polling switch's value: {@code off} (0), {@code on} ({@code onNanos}) or a cap in ns up
     * to 10 ms (every jxen poller's property takes these three forms).
     *
     * @param value    the property's value
     * @param onNanos  the cap {@code on} stands for
     * @param property the property's name, for the error
     * @return the cap in ns, 0 for off
     * @throws IllegalArgumentException for anything else
     */
    public static long capNanos(String value, long onNanos, String property) {
        switch (value) {
            case "off" -> {
                return 0;
            }
            case "on" -> {
                return onNanos;
            }
            default -> {
                long max;
                try {
                    max = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    max = -1;
                }
                if (max < 0 || max > 10_000_000) {
                    throw new IllegalArgumentException(
                            "-D" + property + " must be off, on or a cap in ns up to 10 ms, not " + value);
                }
                return max;
            }
        }
    }

    /** Whether this policy ever polls. */
    public boolean enabled() {
        return config != null;
    }

    /** The configuration, or null when off. */
    public Config config() {
        return config;
    }

    /**
     * What a JVM started on behalf of this host (a guest in its own JVM, a benchmark's peer)
     * needs on its command line to wait the same way: {@code -Djxen.haltPoll} for this
     * policy's cap and {@code -Djxen.spareCore} if it was set here.
     */
    public List<String> jvmOptions() {
        List<String> options = new ArrayList<>(2);
        options.add("-D" + PROPERTY + "=" + (config == null ? "off" : Long.toString(config.maxNanos())));
        String spareCore = System.getProperty("jxen.spareCore");
        if (spareCore != null && spareCore.matches("always|never|auto")) {
            options.add("-Djxen.spareCore=" + spareCore);
        }
        return options;
    }

    /** What {@link #start()} returns for a halt that is neither polled nor timed. */
    static final long UNTIMED = Long.MIN_VALUE;

    /**
     * The start of a halt: the clock now; {@link #UNTIMED} when off or no core is spare, and then
     * neither this halt's poll nor its end reads the clock (under load a halt costs one look at
     * {@link SpareCore} more than without halt-polling, and the window keeps its size for when a
     * core is spare again; KVM, whose clock reads are cheaper, times every halt).
     */
    public long start() {
        return config == null || !spare.available() ? UNTIMED : nanoTime.getAsLong();
    }

    /**
     * Whether a halt of this waiter would poll now: on, with an open window and a spare core.
     * A caller that must give something up to poll (the hypervisor lock) asks this first, so
     * that a halt that will not poll costs nothing more than before.
     */
    public boolean willPoll(long start, Window window) {
        return config != null && start != UNTIMED && window.nanos != 0 && spare.available();
    }

    /**
     * Spins on {@code woken} for the waiter's window from {@code start} while a core is spare.
     *
     * @return true if {@code woken} became true while polling (the caller need not sleep);
     *         false at once when off, with a closed window or no spare core
     */
    public boolean poll(long start, Window window, BooleanSupplier woken) {
        long nanos = window.nanos;
        if (config == null || start == UNTIMED || nanos == 0 || !spare.available()) {
            return false;
        }
        long stop = start + nanos;
        int spins = 0;
        while (true) {
            if (woken.getAsBoolean()) {
                window.polled = window.polled + 1;
                return true;
            }
            Thread.onSpinWait();
            if (++spins % SPARE_CHECK_SPINS == 0 && !spare.available()) {
                break;
            }
            if (nanoTime.getAsLong() - stop >= 0) {
                break;
            }
        }
        window.slept = window.slept + 1;
        return false;
    }

    /** The longest {@link #spinUntil} spins. */
    static final long HANDOVER_NANOS = 20_000;

    /**
     * Spins until {@code done}, for at most {@link #HANDOVER_NANOS} and while a core is spare:
     * the short hand-over after a successful poll (re-taking a lock its waker is about to
     * release). Never spins when off.
     *
     * @return whether {@code done} became true
     */
    public boolean spinUntil(BooleanSupplier done) {
        if (config == null) {
            return false;
        }
        long stop = nanoTime.getAsLong() + HANDOVER_NANOS;
        int spins = 0;
        while (!done.getAsBoolean()) {
            Thread.onSpinWait();
            if (++spins % SPARE_CHECK_SPINS == 0 && (!spare.available() || nanoTime.getAsLong() - stop >= 0)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The end of a halt: adapts the window to the halt time (now - {@code start}).
     *
     * @param event whether the wait ended for the event it waited for (false: interrupted,
     *              the domain dying; KVM's invalid wake-up, which shrinks)
     */
    public void finish(long start, Window window, boolean event) {
        if (config == null || start == UNTIMED) {
            return;
        }
        adapt(window, nanoTime.getAsLong() - start, event);
    }

    /** KVM's adjustment after a halt of {@code haltNanos}. */
    void adapt(Window window, long haltNanos, boolean event) {
        long nanos = window.nanos;
        long max = config.maxNanos();
        if (nanos > max) {
            window.nanos = max;
            nanos = max;
        }
        if (!event) {
            window.nanos = shrunk(nanos);
        } else if (haltNanos <= nanos) {
            return;
        } else if (nanos > 0 && haltNanos > max) {
            window.nanos = shrunk(nanos); // a long block: no window up to the cap would catch it
        } else if (nanos < max && haltNanos < max) {
            window.nanos = grown(nanos); // a short halt the window was too small for
        }
    }

    private long grown(long nanos) {
        if (config.grow() == 0) {
            return nanos;
        }
        long value = Math.max(nanos * config.grow(), config.growStartNanos());
        return Math.min(value, config.maxNanos());
    }

    private long shrunk(long nanos) {
        long value = config.shrink() == 0 ? 0 : nanos / config.shrink();
        return value < config.growStartNanos() ? 0 : value;
    }

    /** One waiter's poll window and counts; used by the one thread that halts that waiter. */
    public static final class Window {
        long nanos;
        // Written by the halting thread only; volatile so that diagnostics and tests may read them.
        volatile long polled;
        volatile long slept;

        /** The current window in ns (0: the next halt sleeps at once). */
        public long nanos() {
            return nanos;
        }

        /** Polls that saw their wake-up (a halt may poll again after a wake-up meant for another waiter). */
        public long polled() {
            return polled;
        }

        /** Halts that polled and then slept. */
        public long slept() {
            return slept;
        }
    }
}
