package io.jxen.hypercall;

import io.jxen.abi.Hypercall;
import io.jxen.abi.xen.MulticallEntryDescriptor;

import java.util.List;

/**
 * Guest-side batching of hypercalls with {@code __HYPERVISOR_multicall}: writes one
 * {@code struct multicall_entry} per call into guest memory, issues the batch, reads every
 * entry's {@code result} back, and reports success only if the batch and every entry
 * succeeded, as FreeBSD's {@code HYPERVISOR_multicall} wrapper does (Xen itself runs every
 * entry and records each result; a failing entry does not stop the others).
 */
public final class Multicall {

    /**
     * One call of a batch.
     *
     * @param op   the hypercall number
     * @param args up to {@link MulticallEntryDescriptor#NR_ARGS} arguments
     */
    public record Call(int op, long... args) {
        /** Checks the argument count. */
        public Call {
            if (args.length > MulticallEntryDescriptor.NR_ARGS) {
                throw new IllegalArgumentException("a multicall entry has at most "
                        + MulticallEntryDescriptor.NR_ARGS + " arguments, got " + args.length);
            }
            args = args.clone();
        }
    }

    private Multicall() {
    }

    /** Writes {@code calls} as {@code multicall_entry} array at {@code listGpa}. */
    public static void write(GuestPhysicalMemory memory, long listGpa, List<Call> calls) {
        for (int i = 0; i < calls.size(); i++) {
            long entry = listGpa + (long) i * MulticallEntryDescriptor.SIZE;
            Call call = calls.get(i);
            memory.putLong(entry + MulticallEntryDescriptor.OP_OFFSET, call.op());
            memory.putLong(entry + MulticallEntryDescriptor.RESULT_OFFSET, 0);
            for (int a = 0; a < MulticallEntryDescriptor.NR_ARGS; a++) {
                long value = a < call.args().length ? call.args()[a] : 0;
                memory.putLong(entry + MulticallEntryDescriptor.ARGS_OFFSET + 8L * a, value);
            }
        }
    }

    /** Reads the {@code result} of entry {@code index} of the array at {@code listGpa}. */
    public static long result(GuestPhysicalMemory memory, long listGpa, int index) {
        return memory.getLong(listGpa + (long) index * MulticallEntryDescriptor.SIZE
                + MulticallEntryDescriptor.RESULT_OFFSET);
    }

    /**
     * Runs {@code calls} as one batch at {@code listGpa} and copies each entry's result into
     * {@code results} (which must hold {@code calls.size()} values).
     *
     * @return 0 if the multicall and every entry succeeded; the multicall's own negative errno
     *         if it failed as a whole; otherwise {@code -1}, as FreeBSD's wrapper does
     */
    public static long run(Hypercalls hypercalls, GuestPhysicalMemory memory, long listGpa, List<Call> calls,
                           long[] results) {
        write(memory, listGpa, calls);
        long rc = hypercalls.hypercall(Hypercall.MULTICALL, listGpa, calls.size());
        if (rc < 0) {
            return rc;
        }
        boolean allOk = true;
        for (int i = 0; i < calls.size(); i++) {
            results[i] = result(memory, listGpa, i);
            allOk &= results[i] >= 0;
        }
        return allOk ? 0 : -1;
    }
}
