package io.jxen.guest.control;

import io.jxen.abi.Hypercall;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.sched.SchedShutdownDescriptor;
import io.jxen.abi.sched.ShutdownReason;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.Scratch;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control driver (Linux's drivers/xen/manage.c, FreeBSD's dev/xen/control): advertises
 * {@code control/feature-poweroff} and {@code feature-reboot}, watches
 * {@code control/shutdown}, and on a request acknowledges it by clearing the node in a
 * transaction (retried on EAGAIN) before acting: {@code poweroff} and {@code halt} end in
 * {@code SCHEDOP_shutdown(SHUTDOWN_poweroff)}, {@code reboot} in {@code SHUTDOWN_reboot}.
 * {@code suspend} is handed to {@link Actions#suspend()} (the suspend/resume work lands
 * separately); anything else is ignored, as Linux logs and ignores it.
 */
public final class XenControl {

    /** What the guest OS does around a request; the defaults only make the hypercall. */
    public interface Actions {
        /** Runs before the shutdown hypercall (sync disks, stop devices). */
        default void beforeShutdown(String request) {
        }

        /**
         * A suspend request.
         *
         * @return whether the guest suspended (false: not supported here)
         */
        default boolean suspend() {
            return false;
        }

        /** After the shutdown hypercall returned {@code rc}. */
        default void afterShutdown(String request, long rc) {
        }
    }

    private final GuestKernel kernel;
    private final XenstoreRingClient xs;
    private final Actions actions;
    private final String node;
    private final AtomicLong ignored = new AtomicLong();

    /**
     * Attaches: writes the feature nodes and registers the watch.
     *
     * @throws XenstoreException if xenstore refuses
     * @throws IOException       if the xenstore connection failed
     */
    public XenControl(GuestKernel kernel, XenstoreRingClient xs, Actions actions) throws XenstoreException, IOException {
        this.kernel = kernel;
        this.xs = xs;
        this.actions = Objects.requireNonNull(actions);
        String control = "/local/domain/" + kernel.domid() + "/control";
        this.node = control + "/shutdown";
        xs.write(control + "/feature-poweroff", "1");
        xs.write(control + "/feature-reboot", "1");
        xs.watch(node, "control/shutdown", (path, token) -> onWatch());
    }

    /** Requests seen that were not understood. */
    public long ignoredRequests() {
        return ignored.get();
    }

    private void onWatch() {
        String request;
        try {
            request = xs.inTransaction(tx -> {
                String value;
                try {
                    value = tx.read(node);
                } catch (XenstoreException e) {
                    if (e.error() == XsError.ENOENT) {
                        return "";
                    }
                    throw e;
                }
                if (!value.isEmpty()) {
                    tx.write(node, ""); // acknowledge: the toolstack sees the request taken
                }
                return value;
            });
        } catch (XenstoreException | IOException e) {
            return; // the next firing retries
        }
        handle(request);
    }

    /** Acts on a request (also callable directly, e.g. from a console command). */
    public void handle(String request) {
        switch (request) {
            case "" -> {
                // the initial firing of the watch, or our own acknowledgement
            }
            case "poweroff", "halt" -> shutdown(request, ShutdownReason.POWEROFF);
            case "reboot" -> shutdown(request, ShutdownReason.REBOOT);
            case "suspend" -> {
                if (!actions.suspend()) {
                    ignored.incrementAndGet();
                }
            }
            default -> ignored.incrementAndGet();
        }
    }

    private void shutdown(String request, int reason) {
        actions.beforeShutdown(request);
        long rc;
        try (Scratch s = kernel.vcpu(0).scratch()) {
            s.putInt(SchedShutdownDescriptor.REASON_OFFSET, reason);
            rc = s.call(Hypercall.SCHED_OP, SchedOp.SHUTDOWN);
        }
        actions.afterShutdown(request, rc);
    }
}
