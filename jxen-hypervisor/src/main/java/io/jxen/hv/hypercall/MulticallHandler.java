package io.jxen.hv.hypercall;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.xen.MulticallEntryDescriptor;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.GuestAccess;
import io.jxen.hv.mm.GuestFault;

import java.lang.foreign.MemorySegment;

/**
 * {@code __HYPERVISOR_multicall} (xen/common/multicall.c {@code do_multicall}): runs each
 * {@code multicall_entry} through the table and writes its return value into the entry's
 * {@code result} in guest memory. A failing entry does not stop the batch; a multicall inside
 * a multicall gets {@code -EINVAL} ("Multicall reentry is disallowed"); an entry that cannot
 * be read, or a result that cannot be written, ends the batch with {@code -EFAULT}.
 */
public final class MulticallHandler implements HypercallHandler {

    private final HypercallTable table;
    private final Preemption preemption;

    /**
     * @param table      the table entries are dispatched through
     * @param preemption the preemption point between entries
     */
    public MulticallHandler(HypercallTable table, Preemption preemption) {
        this.table = table;
        this.preemption = preemption;
    }

    @Override
    public long call(Vcpu caller, long callList, long nrCalls, long a3, long a4, long a5) {
        if (caller.inMulticall()) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.domain().guest();
        // guest_handle_okay() always holds for a translated guest: a bad entry ends the batch
        // with -EFAULT when it is reached, after the entries before it ran (as on Xen). The
        // batch is bounded by the guest's memory, since an unmapped entry ends it.
        caller.setInMulticall(true);
        try {
            for (long i = 0; Long.compareUnsigned(i, nrCalls) < 0; i++) {
                if (i > 0 && !preemption.point(caller)) {
                    return -XenErrno.ESRCH;
                }
                long entry = callList + i * MulticallEntryDescriptor.SIZE;
                MemorySegment frame = guest.frameIfContained(entry, MulticallEntryDescriptor.SIZE, true);
                if (frame != null) {
                    // The common case, an aligned entry in a writable page: each field is read
                    // once into a local (that is the private copy), the result written in place.
                    long at = entry & (XenPage.SIZE - 1);
                    long args = at + MulticallEntryDescriptor.ARGS_OFFSET;
                    long op = OrderedAccess.getLongPlain(frame, at + MulticallEntryDescriptor.OP_OFFSET);
                    long x1 = OrderedAccess.getLongPlain(frame, args);
                    long x2 = OrderedAccess.getLongPlain(frame, args + 8);
                    long x3 = OrderedAccess.getLongPlain(frame, args + 16);
                    long x4 = OrderedAccess.getLongPlain(frame, args + 24);
                    long x5 = OrderedAccess.getLongPlain(frame, args + 32);
                    long result = table.dispatch(caller, op, x1, x2, x3, x4, x5);
                    // Translated again: the call may have changed the p2m (given the page back).
                    MemorySegment out = guest.frameIfContained(entry, MulticallEntryDescriptor.SIZE, true);
                    if (out == null) {
                        return -XenErrno.EFAULT;
                    }
                    OrderedAccess.setLongPlain(out, at + MulticallEntryDescriptor.RESULT_OFFSET, result);
                    continue;
                }
                MemorySegment call;
                try {
                    call = guest.copyIn(entry, MulticallEntryDescriptor.SIZE);
                } catch (GuestFault fault) {
                    return -XenErrno.EFAULT;
                }
                long args = MulticallEntryDescriptor.ARGS_OFFSET;
                long result = table.dispatch(caller, Fields.u64(call, MulticallEntryDescriptor.OP_OFFSET),
                        Fields.u64(call, args), Fields.u64(call, args + 8), Fields.u64(call, args + 16),
                        Fields.u64(call, args + 24), Fields.u64(call, args + 32));
                try {
                    guest.put64(entry + MulticallEntryDescriptor.RESULT_OFFSET, result);
                } catch (GuestFault fault) {
                    return -XenErrno.EFAULT;
                }
            }
            return 0;
        } finally {
            caller.setInMulticall(false);
        }
    }
}
