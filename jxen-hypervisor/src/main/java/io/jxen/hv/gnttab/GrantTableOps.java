package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabCopyDescriptor;
import io.jxen.abi.gnttab.GnttabMapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.GnttabQuerySizeDescriptor;
import io.jxen.abi.gnttab.GnttabSetupTableDescriptor;
import io.jxen.abi.gnttab.GnttabSwapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabTransferDescriptor;
import io.jxen.abi.gnttab.GnttabUnmapAndReplaceDescriptor;
import io.jxen.abi.gnttab.GnttabUnmapGrantRefDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.hypercall.Preemption;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.GuestAccess;
import io.jxen.hv.mm.GuestFault;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hypercall.P2mEntry;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_grant_table_op} (xen/common/grant_table.c
 * {@code do_grant_table_op}) for v1 and v2 tables: map, unmap, copy, setup_table, query_size,
 * set_version, get_version and get_status_frames; transfer, swap_grant_ref, unmap_and_replace and
 * cache_flush in {@link GrantRareOps}. A copy follows a v2 transitive grant one
 * level deep, as Xen does with transitive grants enabled (its default).
 *
 * <p>A mapping gives the mapper access to the granter's frame: with {@code GNTMAP_host_map}
 * the frame appears in the mapper's p2m at {@code host_addr} (read-only for
 * {@code GNTMAP_readonly}), as Xen's {@code create_grant_p2m_mapping} does for a translated
 * guest; {@code dev_bus_addr} reports the machine address, as for a PV guest, so an in-process
 * backend can also use {@code GNTMAP_device_map}. Batches report a {@code GNTST_*} status per
 * element; only a fault on the array itself ends a batch with {@code -EFAULT}.
 */
public final class GrantTableOps {

    /**
     * {@code GNTTABOP_CMD_MASK}: the sub-op; the bits above carry continuation state. Not part of
     * the public headers (so not in jxen-abi): Xen defines it, with
     * {@code GNTTABOP_CONTINUATION_ARG_SHIFT} 12, privately in xen/common/grant_table.c.
     */
    static final int GNTTABOP_CMD_MASK = (1 << 12) - 1;

    private final DomainLookup domains;
    private final HostMemory host;
    private final Preemption preemption;
    private final GrantMapping mapping;
    private final GrantCopy copying;
    private final GrantRareOps rare;

    /**
     * @param domains    how to find the domains named in operations
     * @param host       machine memory
     * @param preemption the preemption point between batch elements
     */
    public GrantTableOps(DomainLookup domains, HostMemory host, Preemption preemption) {
        this.domains = domains;
        this.host = host;
        this.preemption = preemption;
        this.mapping = new GrantMapping(domains, host);
        this.copying = new GrantCopy(domains, host);
        this.rare = new GrantRareOps(domains, host, mapping);
    }

    /** Dispatches {@code GNTTABOP cmd} over {@code count} structures at {@code uop}. */
    public long hypercall(Vcpu caller, long cmd, long uop, long count) {
        // do_grant_table_op(unsigned int cmd, uop, unsigned int count)
        int n = (int) count;
        if (n < 0) {
            return -XenErrno.EINVAL;
        }
        int sub = (int) cmd & GNTTABOP_CMD_MASK;
        if (sub != GnttabOp.CACHE_FLUSH && ((int) cmd & ~GNTTABOP_CMD_MASK) != 0) {
            return -XenErrno.EINVAL; // continuation bits only for cache_flush
        }
        Domain d = caller.domain();
        count = n;
        return switch (sub) {
            case GnttabOp.MAP_GRANT_REF -> batch(caller, uop, (int) count, GnttabMapGrantRefDescriptor.SIZE,
                    op -> mapping.map(d, op));
            case GnttabOp.UNMAP_GRANT_REF -> batch(caller, uop, (int) count, GnttabUnmapGrantRefDescriptor.SIZE,
                    op -> mapping.unmap(d, op));
            case GnttabOp.COPY -> batch(caller, uop, (int) count, GnttabCopyDescriptor.SIZE, op -> copying.copy(d, op));
            case GnttabOp.SETUP_TABLE -> setupTable(d, uop, (int) count);
            case GnttabOp.QUERY_SIZE -> querySize(d, uop, (int) count);
            case GnttabOp.SET_VERSION -> setVersion(d, uop, (int) count);
            case GnttabOp.GET_VERSION -> getVersion(d, uop, (int) count);
            case GnttabOp.GET_STATUS_FRAMES -> getStatusFrames(d, uop, (int) count);
            case GnttabOp.TRANSFER -> batch(caller, uop, (int) count, GnttabTransferDescriptor.SIZE,
                    op -> rare.transfer(d, op));
            case GnttabOp.UNMAP_AND_REPLACE -> batch(caller, uop, (int) count, GnttabUnmapAndReplaceDescriptor.SIZE,
                    op -> rare.unmapAndReplace(d, op));
            case GnttabOp.SWAP_GRANT_REF -> batch(caller, uop, (int) count, GnttabSwapGrantRefDescriptor.SIZE,
                    op -> rare.swap(d, op));
            case GnttabOp.CACHE_FLUSH -> rare.cacheFlush(d, uop, (int) count, (cmd & 0xFFFF_FFFFL) >>> 12);
            default -> -XenErrno.ENOSYS; // dump_table included: Xen's dispatcher has no case for it
        };
    }

    private interface Element {
        void run(MemorySegment op);
    }

    /** The loop of {@code gnttab_map_grant_ref} and friends: copy in, run, copy out, per element. */
    private long batch(Vcpu caller, long uop, int count, int size, Element element) {
        GuestAccess guest = caller.domain().guest();
        for (int i = 0; i < count; i++) {
            if (i > 0 && !preemption.point(caller)) {
                return -XenErrno.ESRCH;
            }
            long at = uop + (long) i * size;
            MemorySegment op;
            try {
                op = guest.copyIn(at, size);
            } catch (GuestFault fault) {
                return -XenErrno.EFAULT;
            }
            element.run(op);
            try {
                guest.copyOut(at, op);
            } catch (GuestFault fault) {
                return -XenErrno.EFAULT;
            }
        }
        return 0;
    }

    // ---- table management -----------------------------------------------------------------

    /**
     * {@code gnttab_setup_table} (grant_table.c:2079-2160): {@code count != 1} is
     * {@code -EINVAL}; grows the table to {@code nr_frames} and writes its frame numbers (GFNs,
     * jxen guests being translated) to {@code frame_list}; errors go to {@code status}.
     */
    long setupTable(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.guest();
        MemorySegment op = guest.copyIn(uop, GnttabSetupTableDescriptor.SIZE);
        long nrFrames = Fields.u32(op, GnttabSetupTableDescriptor.NR_FRAMES_OFFSET);
        long frameList = Fields.u64(op, GnttabSetupTableDescriptor.FRAME_LIST_OFFSET);
        // guest_handle_okay() always holds for a translated guest: a bad list shows per frame.
        int status;
        Domain d = domains.byAnyId(Fields.u16(op, GnttabSetupTableDescriptor.DOM_OFFSET), caller);
        if (d == null) {
            status = Gntst.BAD_DOMAIN;
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            status = Gntst.PERMISSION_DENIED;
        } else if (nrFrames > d.grantTable().maxFrames()
                || (nrFrames > d.grantTable().nrFrames() && !d.grantTable().grow((int) nrFrames))) {
            status = Gntst.GENERAL_ERROR;
        } else {
            status = Gntst.OKAY;
            for (int i = 0; i < nrFrames; i++) {
                try {
                    guest.put64(frameList + 8L * i, d.grantFrameGfn(i));
                } catch (GuestFault fault) {
                    status = Gntst.BAD_VIRT_ADDR;
                    break;
                }
            }
        }
        guest.put16(uop + GnttabSetupTableDescriptor.STATUS_OFFSET, status);
        return 0;
    }

    /** {@code gnttab_query_size} (grant_table.c:2163-2207). */
    long querySize(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.guest();
        MemorySegment op = guest.copyIn(uop, GnttabQuerySizeDescriptor.SIZE);
        Domain d = domains.byAnyId(Fields.u16(op, GnttabQuerySizeDescriptor.DOM_OFFSET), caller);
        if (d == null) {
            status(op, GnttabQuerySizeDescriptor.STATUS_OFFSET, Gntst.BAD_DOMAIN);
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            status(op, GnttabQuerySizeDescriptor.STATUS_OFFSET, Gntst.PERMISSION_DENIED);
        } else {
            Fields.put32(op, GnttabQuerySizeDescriptor.NR_FRAMES_OFFSET, d.grantTable().nrFrames());
            Fields.put32(op, GnttabQuerySizeDescriptor.MAX_NR_FRAMES_OFFSET, d.grantTable().maxFrames());
            status(op, GnttabQuerySizeDescriptor.STATUS_OFFSET, Gntst.OKAY);
        }
        guest.copyOut(uop, op);
        return 0;
    }

    /**
     * {@code gnttab_set_version} ({@code struct gnttab_set_version {u32 version}},
     * grant_table.c:3225-3383): a version other than 1 or 2 is {@code -EINVAL}; switching
     * while entries above the 8 reserved ones are pinned {@code -EBUSY}; reserved v2 entries
     * not representable in v1 {@code -ERANGE}. The current version is always written back.
     */
    long setVersion(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        int version = caller.guest().get32(uop);
        long rc = version == 1 || version == 2 ? caller.grantTable().setVersion(version) : -XenErrno.EINVAL;
        caller.guest().put32(uop, caller.grantTable().version());
        return rc;
    }

    /** {@code gnttab_get_version} ({@code {domid_t dom; u16 pad; u32 version}}). */
    long getVersion(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        Domain d = domains.byAnyId(caller.guest().get16(uop), caller);
        if (d == null) {
            return -XenErrno.ESRCH;
        }
        int rc = DomainLookup.xsmTarget(caller, d);
        if (rc != 0) {
            return rc;
        }
        caller.guest().put32(uop + 4, d.grantTable().version());
        return 0;
    }

    /**
     * {@code gnttab_get_status_frames} ({@code {u32 nr_frames; domid_t dom; OUT int16 status;
     * frame_list}}, grant_table.c:3387-3450): asking for more frames than the table has (none
     * for v1) is {@code GNTST_general_error}.
     */
    long getStatusFrames(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.guest();
        MemorySegment op = guest.copyIn(uop, 16);
        long nrFrames = Fields.u32(op, 0);
        long frameList = Fields.u64(op, 8);
        int status;
        Domain d = domains.byAnyId(Fields.u16(op, 4), caller);
        if (d == null) {
            status = Gntst.BAD_DOMAIN;
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            status = Gntst.PERMISSION_DENIED;
        } else if (nrFrames > d.grantTable().nrStatusFrames()) {
            status = Gntst.GENERAL_ERROR;
        } else {
            status = Gntst.OKAY;
            for (int i = 0; i < nrFrames; i++) {
                try {
                    guest.put64(frameList + 8L * i, d.statusFrameGfn(i));
                } catch (GuestFault fault) {
                    status = Gntst.BAD_VIRT_ADDR;
                    break;
                }
            }
        }
        guest.put16(uop + 6, status);
        return 0;
    }

    private static void status(MemorySegment op, long offset, int status) {
        Fields.put16(op, offset, status);
    }

    /** Tears down grant mappings in both directions when {@code d} is destroyed (see {@link GrantMapping}). */
    public void teardown(Domain d) {
        mapping.teardown(d);
    }
}
