package io.jxen.guest.balloon;

import io.jxen.abi.Hypercall;
import io.jxen.abi.memory.XenMem;
import io.jxen.abi.memory.XenMemoryReservationDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.Scratch;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * The balloon driver (Linux's drivers/xen/balloon.c, FreeBSD's dev/xen/balloon): watches
 * {@code memory/target} (KiB) and moves the domain's reservation towards it, giving free pages
 * back with {@code XENMEM_decrease_reservation} and taking the ballooned GFNs back with
 * {@code XENMEM_populate_physmap} (jxen guests are auto-translated, so the GFNs are named).
 * Each call may do less than asked (Xen returns the extents done); the driver stops there and
 * reports what it achieved ({@link #currentPages()}, the listener), as {@code balloon_process}
 * leaves the rest for a later try ({@link #adjust()}).
 */
public final class XenBalloon {

    /** Extents per hypercall: what fits in the argument page after the reservation struct. */
    static final int BATCH = (Scratch.SIZE - 256) / Long.BYTES;
    private static final int LIST_OFFSET = 256;

    private final GuestKernel kernel;
    private final Deque<Long> ballooned = new ArrayDeque<>();
    private long currentPages;
    private long targetPages;
    private volatile LongConsumer onAdjusted = pages -> { };

    /**
     * Starts with the reservation start_info gives; with a xenstore client, watches
     * {@code memory/target}.
     *
     * @param xs the guest's xenstore client, or null to drive {@link #setTarget} directly
     */
    public XenBalloon(GuestKernel kernel, XenstoreRingClient xs) throws XenstoreException, IOException {
        this.kernel = kernel;
        this.currentPages = kernel.nrPages();
        this.targetPages = currentPages;
        if (xs != null) {
            String node = "/local/domain/" + kernel.domid() + "/memory/target";
            xs.watch(node, "balloon", (path, token) -> {
                try {
                    setTarget(Long.parseLong(xs.read(node).trim()) / 4);
                } catch (XenstoreException | IOException | NumberFormatException e) {
                    // no target yet, or an unreadable one: keep the current target
                }
            });
        }
    }

    /** Called (on the caller's thread) with the reservation reached after each adjustment. */
    public void onAdjusted(LongConsumer listener) {
        this.onAdjusted = Objects.requireNonNull(listener);
    }

    /** Pages the domain holds now, as far as the balloon knows. */
    public synchronized long currentPages() {
        return currentPages;
    }

    /** The target in pages. */
    public synchronized long targetPages() {
        return targetPages;
    }

    /** Pages currently given back to Xen. */
    public synchronized int balloonedPages() {
        return ballooned.size();
    }

    /** Sets the target (pages) and adjusts towards it. */
    public void setTarget(long pages) {
        synchronized (this) {
            targetPages = pages;
        }
        adjust();
    }

    /**
     * Moves towards the target as far as Xen and free memory allow.
     *
     * @return the reservation reached
     */
    public long adjust() {
        long reached;
        synchronized (this) {
            while (currentPages != targetPages) {
                long delta = targetPages - currentPages;
                int done = delta > 0 ? increase((int) Math.min(delta, BATCH)) : decrease((int) Math.min(-delta, BATCH));
                if (done == 0) {
                    break;
                }
            }
            reached = currentPages;
        }
        onAdjusted.accept(reached);
        return reached;
    }

    private long reservation(Scratch s, int cmd, int count) {
        s.putLong(XenMemoryReservationDescriptor.EXTENT_START_OFFSET, s.gpa(LIST_OFFSET))
                .putLong(XenMemoryReservationDescriptor.NR_EXTENTS_OFFSET, count)
                .putInt(XenMemoryReservationDescriptor.EXTENT_ORDER_OFFSET, 0)
                .putInt(XenMemoryReservationDescriptor.MEM_FLAGS_OFFSET, 0)
                .putShort(XenMemoryReservationDescriptor.DOMID_OFFSET, DomId.SELF);
        return s.call(Hypercall.MEMORY_OP, cmd);
    }

    private int decrease(int count) {
        long[] gfns = new long[count];
        int have = 0;
        try {
            for (; have < count; have++) {
                gfns[have] = kernel.pages().allocPage();
            }
        } catch (IllegalStateException outOfFreePages) {
            // give back what we could find
        }
        long done;
        try (Scratch s = kernel.vcpu(0).scratch()) {
            for (int i = 0; i < have; i++) {
                s.putLong(LIST_OFFSET + 8L * i, gfns[i]);
            }
            done = have == 0 ? 0 : reservation(s, XenMem.DECREASE_RESERVATION, have);
        }
        int ok = (int) Math.max(0, done);
        for (int i = 0; i < have; i++) {
            if (i < ok) {
                ballooned.push(gfns[i]);
            } else {
                kernel.pages().freePage(gfns[i]);
            }
        }
        currentPages -= ok;
        return ok;
    }

    private int increase(int count) {
        int have = Math.min(count, ballooned.size());
        long[] gfns = new long[have];
        for (int i = 0; i < have; i++) {
            gfns[i] = ballooned.pop();
        }
        long done;
        try (Scratch s = kernel.vcpu(0).scratch()) {
            for (int i = 0; i < have; i++) {
                s.putLong(LIST_OFFSET + 8L * i, gfns[i]);
            }
            done = have == 0 ? 0 : reservation(s, XenMem.POPULATE_PHYSMAP, have);
        }
        int ok = (int) Math.max(0, done);
        for (int i = have - 1; i >= ok; i--) {
            ballooned.push(gfns[i]);
        }
        for (int i = 0; i < ok; i++) {
            kernel.pages().freePage(gfns[i]);
        }
        currentPages += ok;
        return ok;
    }
}
