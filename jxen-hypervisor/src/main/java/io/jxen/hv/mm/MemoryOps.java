package io.jxen.hv.mm;

import io.jxen.abi.XenErrno;
import io.jxen.abi.memory.XenMem;
import io.jxen.abi.memory.XenMemoryReservationDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.Vcpu;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_memory_op} (xen/common/memory.c {@code do_memory_op}) for an
 * auto-translated domain: the reservation operations take GFNs and return the number of
 * extents done (a short count is how a guest learns of failure), plus the reservation queries.
 */
public final class MemoryOps {

    /**
     * {@code MEMOP_EXTENT_SHIFT}: the continuation's start extent sits above the command. Not in
     * the public headers (so not in jxen-abi): Xen defines it and {@code MEMOP_CMD_MASK} in
     * xen/include/xen/hypercall.h.
     */
    static final int MEMOP_EXTENT_SHIFT = 6;
    /** {@code MEMOP_CMD_MASK}. */
    static final long MEMOP_CMD_MASK = (1L << MEMOP_EXTENT_SHIFT) - 1;
    /** Largest extent order a guest may ask for (Xen's {@code CONFIG_DOMU_MAX_ORDER}, 9: 2 MiB). */
    static final int MAX_ORDER = 9;

    private final DomainLookup domains;
    private final long machineFrames;

    /**
     * @param domains       how to find a target domain
     * @param machineFrames frames of machine memory ({@code max_page})
     */
    public MemoryOps(DomainLookup domains, long machineFrames) {
        this.domains = domains;
        this.machineFrames = machineFrames;
    }

    /** Dispatches {@code XENMEM cmd}. */
    public long hypercall(Vcpu caller, long cmd, long arg) {
        int op = (int) (cmd & MEMOP_CMD_MASK);
        long startExtent = cmd >>> MEMOP_EXTENT_SHIFT;
        Domain curr = caller.domain();
        switch (op) {
            case XenMem.INCREASE_RESERVATION, XenMem.DECREASE_RESERVATION, XenMem.POPULATE_PHYSMAP -> {
                MemorySegment r = curr.guest().copyIn(arg, XenMemoryReservationDescriptor.SIZE);
                long list = Fields.u64(r, XenMemoryReservationDescriptor.EXTENT_START_OFFSET);
                long nrExtents = Fields.u64(r, XenMemoryReservationDescriptor.NR_EXTENTS_OFFSET);
                long order = Fields.u32(r, XenMemoryReservationDescriptor.EXTENT_ORDER_OFFSET);
                if (nrExtents < 0 || startExtent >= nrExtents) {
                    return startExtent;
                }
                if (order > MAX_ORDER) {
                    return startExtent;
                }
                int memFlags = Fields.i32(r, XenMemoryReservationDescriptor.MEM_FLAGS_OFFSET);
                if ((memFlags & XenMem.MEMF_POPULATE_ON_DEMAND) != 0) {
                    return startExtent; // no populate-on-demand in jxen
                }
                Domain d = domains.byAnyId(Fields.u16(r, XenMemoryReservationDescriptor.DOMID_OFFSET), curr);
                if (d == null) {
                    return startExtent;
                }
                int rc = DomainLookup.xsmTarget(curr, d);
                if (rc != 0) {
                    return rc;
                }
                if (nrExtents > Long.MAX_VALUE / 8 || !curr.guest().accessible(list, nrExtents * 8, false)) {
                    return startExtent; // guest_handle_subrange_okay
                }
                return switch (op) {
                    case XenMem.INCREASE_RESERVATION -> increase(d, startExtent, nrExtents, (int) order);
                    case XenMem.DECREASE_RESERVATION -> decrease(curr, d, list, startExtent, nrExtents, (int) order);
                    default -> populate(curr, d, list, startExtent, nrExtents, (int) order);
                };
            }
            case XenMem.CURRENT_RESERVATION, XenMem.MAXIMUM_RESERVATION, XenMem.MAXIMUM_GPFN -> {
                int domid = curr.guest().get16(arg);
                Domain d = domains.byAnyId(domid, curr);
                if (d == null) {
                    return -XenErrno.ESRCH;
                }
                int rc = DomainLookup.xsmTarget(curr, d);
                if (rc != 0) {
                    return rc;
                }
                return switch (op) {
                    case XenMem.CURRENT_RESERVATION -> d.physMap().totPages();
                    case XenMem.MAXIMUM_RESERVATION -> d.physMap().maxPages();
                    default -> d.physMap().p2m().gfnLimit() - 1;
                };
            }
            case XenMem.MAXIMUM_RAM_PAGE -> {
                return machineFrames - 1;
            }
            default -> {
                return -XenErrno.ENOSYS;
            }
        }
    }

    /**
     * {@code increase_reservation}: allocates frames to the domain; a translated domain gets no
     * frame numbers back (memory.c only copies MFNs out for non-translated guests).
     */
    private static long increase(Domain d, long start, long nr, int order) {
        for (long i = start; i < nr; i++) {
            for (int j = 0; j < (1 << order); j++) {
                if (d.physMap().allocate() < 0) {
                    return i;
                }
            }
        }
        return nr;
    }

    /** {@code decrease_reservation}: gives back the frames at the listed GFNs. */
    private static long decrease(Domain curr, Domain d, long list, long start, long nr, int order) {
        for (long i = start; i < nr; i++) {
            long gfn;
            try {
                gfn = curr.guest().get64(list + i * 8);
            } catch (GuestFault fault) {
                return i;
            }
            for (int j = 0; j < (1 << order); j++) {
                if (!d.physMap().release(gfn + j)) {
                    return i;
                }
            }
        }
        return nr;
    }

    /** {@code populate_physmap}: backs the listed GFNs with fresh frames. */
    private static long populate(Domain curr, Domain d, long list, long start, long nr, int order) {
        for (long i = start; i < nr; i++) {
            long gfn;
            try {
                gfn = curr.guest().get64(list + i * 8);
            } catch (GuestFault fault) {
                return i;
            }
            if ((gfn & ((1L << order) - 1)) != 0) {
                return i; // an extent is naturally aligned
            }
            for (int j = 0; j < (1 << order); j++) {
                if (d.physMap().populate(gfn + j) < 0) {
                    return i;
                }
            }
        }
        return nr;
    }
}
