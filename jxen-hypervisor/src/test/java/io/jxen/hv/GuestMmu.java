package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.MmuExtOpDescriptor;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.hypercall.P2mEntry;

/**
 * The guest side of the PV MMU hypercalls, as a test guest writes them: requests in its own
 * memory (Xen's layouts), machine frames from its own p2m view.
 */
final class GuestMmu {

    static final long PRESENT = 1;
    static final long RW = 2;
    static final long LIST = TestHost.Guest.LIST;
    static final long DONE = TestHost.Guest.ARG;

    final Hypercalls hc;
    final GuestPhysicalMemory mem;
    long done;

    GuestMmu(Hypercalls hc, GuestPhysicalMemory mem) {
        this.hc = hc;
        this.mem = mem;
    }

    long mfn(long gfn) {
        return P2mEntry.mfn(mem.entry(gfn));
    }

    long pte(long gfn, long flags) {
        return mfn(gfn) << 12 | flags;
    }

    /** Machine address of entry {@code slot} of the table in guest frame {@code gfn}. */
    long slot(long gfn, int slot) {
        return mfn(gfn) << 12 | 8L * slot;
    }

    /** mmu_update of (ptr, val) pairs; {@link #done} is set from pdone. */
    long update(long... ptrVal) {
        return updateFor(DomId.SELF, ptrVal);
    }

    /** mmu_update with {@code foreigndom} (FD in bits 0-15, PFD + 1 in bits 16-31). */
    long updateFor(long foreigndom, long... ptrVal) {
        int n = ptrVal.length / 2;
        for (int i = 0; i < n; i++) {
            mem.putLong(LIST + 16L * i, ptrVal[2 * i]);
            mem.putLong(LIST + 16L * i + 8, ptrVal[2 * i + 1]);
        }
        mem.putInt(DONE, -1);
        long rc = hc.hypercall(Hypercall.MMU_UPDATE, LIST, n, DONE, foreigndom);
        done = Integer.toUnsignedLong(mem.getInt(DONE));
        return rc;
    }

    /** One mmuext_op. */
    long ext(int cmd, long arg1, long arg2) {
        return ext(new long[] {cmd, arg1, arg2});
    }

    /** mmuext_ops, each {cmd, arg1, arg2}. */
    long ext(long[]... ops) {
        return extFor(DomId.SELF, ops);
    }

    /** mmuext_ops on the pages of {@code foreigndom}. */
    long extFor(long foreigndom, long[]... ops) {
        for (int i = 0; i < ops.length; i++) {
            long base = LIST + (long) MmuExtOpDescriptor.SIZE * i;
            mem.putInt(base + MmuExtOpDescriptor.CMD_OFFSET, (int) ops[i][0]);
            mem.putInt(base + 4, 0);
            mem.putLong(base + MmuExtOpDescriptor.ARG1_MFN_OFFSET, ops[i][1]);
            mem.putLong(base + MmuExtOpDescriptor.ARG2_NR_ENTS_OFFSET, ops[i][2]);
        }
        mem.putInt(DONE, -1);
        long rc = hc.hypercall(Hypercall.MMUEXT_OP, LIST, ops.length, DONE, foreigndom);
        done = Integer.toUnsignedLong(mem.getInt(DONE));
        return rc;
    }
}
