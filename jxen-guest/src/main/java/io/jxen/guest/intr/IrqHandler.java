package io.jxen.guest.intr;

import java.util.Objects;

/**
 * What runs when an event channel fires, as FreeBSD's {@code driver_filter_t} and
 * {@code driver_intr_t}: a {@link Kind#FILTER} runs inside the upcall with events masked (keep
 * it short, never block); a {@link Kind#THREAD} handler is scheduled off the upcall. A threaded
 * handler's port stays masked until the handler returns, unless the IRQ is edge-triggered:
 * then events arriving meanwhile only re-schedule it (no mask/unmask hypercalls).
 *
 * @param kind   filter or thread
 * @param action the work
 * @param edge   edge-triggered (only meaningful for threads)
 */
public record IrqHandler(Kind kind, Runnable action, boolean edge) {

    /** Where a handler runs. */
    public enum Kind {
        /** In the upcall. */
        FILTER,
        /** On an interrupt thread. */
        THREAD
    }

    /** Checks arguments. */
    public IrqHandler {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(action, "action");
    }

    /** A handler run in the upcall. */
    public static IrqHandler filter(Runnable action) {
        return new IrqHandler(Kind.FILTER, action, true);
    }

    /** A handler run on an interrupt thread with its port masked until it returns. */
    public static IrqHandler thread(Runnable action) {
        return new IrqHandler(Kind.THREAD, action, false);
    }

    /** A handler run on an interrupt thread, edge-triggered: no mask/unmask around it. */
    public static IrqHandler edgeThread(Runnable action) {
        return new IrqHandler(Kind.THREAD, action, true);
    }
}
