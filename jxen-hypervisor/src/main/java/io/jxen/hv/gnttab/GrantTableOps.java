package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.GuestAccess;
import io.jxen.hv.mm.GuestFault;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hypercall.abi.GrantTableAbi;
import io.jxen.hypercall.abi.GrantTableLayouts.QuerySize;
import io.jxen.hypercall.abi.GrantTableLayouts.SetupTable;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_grant_table_op} (xen/common/grant_table.c {@code do_grant_table_op}):
 * for now {@code GNTTABOP_setup_table} and {@code GNTTABOP_query_size}; the other
 * sub-operations answer {@code -ENOSYS}.
 */
public final class GrantTableOps {

    private final DomainLookup domains;

    /** @param domains how to find the domains named in operations */
    public GrantTableOps(DomainLookup domains, HostMemory host) {
        this.domains = domains;
    }

    /** Dispatches {@code GNTTABOP cmd} over {@code count} structures at {@code uop}. */
    public long hypercall(Vcpu caller, long cmd, long uop, long count) {
        if (count < 0 || count > Integer.MAX_VALUE) {
            return -XenErrno.EINVAL; // "count < 0"
        }
        return switch ((int) Math.min(cmd, Integer.MAX_VALUE)) {
            case GrantTableAbi.SETUP_TABLE -> setupTable(caller.domain(), uop, (int) count);
            case GrantTableAbi.QUERY_SIZE -> querySize(caller.domain(), uop, (int) count);
            default -> -XenErrno.ENOSYS;
        };
    }

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
        MemorySegment op = guest.copyIn(uop, SetupTable.SIZE);
        long nrFrames = Fields.u32(op, SetupTable.NR_FRAMES);
        long frameList = Fields.u64(op, SetupTable.FRAME_LIST);
        if (!guest.accessible(frameList, nrFrames * 8, true)) {
            return -XenErrno.EFAULT; // guest_handle_okay
        }
        int status;
        Domain d = domains.byAnyId(Fields.u16(op, SetupTable.DOM), caller);
        if (d == null) {
            status = GrantTableAbi.GNTST_BAD_DOMAIN;
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            status = GrantTableAbi.GNTST_PERMISSION_DENIED;
        } else if (nrFrames > d.grantTable().maxFrames()
                || (nrFrames > d.grantTable().nrFrames() && !d.grantTable().grow((int) nrFrames))) {
            status = GrantTableAbi.GNTST_GENERAL_ERROR;
        } else {
            status = GrantTableAbi.GNTST_OKAY;
            for (int i = 0; i < nrFrames; i++) {
                try {
                    guest.put64(frameList + 8L * i, d.grantFrameGfn(i));
                } catch (GuestFault fault) {
                    status = GrantTableAbi.GNTST_BAD_VIRT_ADDR;
                    break;
                }
            }
        }
        guest.put16(uop + SetupTable.STATUS, status);
        return 0;
    }

    /** {@code gnttab_query_size} (grant_table.c:2163-2207). */
    long querySize(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.guest();
        MemorySegment op = guest.copyIn(uop, QuerySize.SIZE);
        Domain d = domains.byAnyId(Fields.u16(op, QuerySize.DOM), caller);
        if (d == null) {
            Fields.put16(op, QuerySize.STATUS, GrantTableAbi.GNTST_BAD_DOMAIN);
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            Fields.put16(op, QuerySize.STATUS, GrantTableAbi.GNTST_PERMISSION_DENIED);
        } else {
            Fields.put32(op, QuerySize.NR_FRAMES, d.grantTable().nrFrames());
            Fields.put32(op, QuerySize.MAX_NR_FRAMES, d.grantTable().maxFrames());
            Fields.put16(op, QuerySize.STATUS, GrantTableAbi.GNTST_OKAY);
        }
        guest.copyOut(uop, op);
        return 0;
    }

    /** Tears down grant mappings made by and of {@code d} (domain destruction). */
    public void teardown(Domain d) {
        // No mappings exist until map_grant_ref is implemented.
    }
}
