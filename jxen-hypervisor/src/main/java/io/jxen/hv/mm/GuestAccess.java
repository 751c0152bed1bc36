package io.jxen.hv.mm;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.XenPage;
import io.jxen.hypercall.P2mEntry;
import io.jxen.memory.MachineMemory;

import java.lang.foreign.MemorySegment;

/**
 * Xen's {@code copy_from_guest} / {@code copy_to_guest} for one domain: every access is
 * translated page by page through the domain's {@link P2m} and bounds-checked; an unmapped
 * address, or a write to a read-only mapping, throws {@link GuestFault} (the hypercall then
 * answers {@code -EFAULT}). A structure is copied in once into private memory and only the
 * copy is read, so a guest changing it concurrently cannot make the hypervisor see two
 * different values.
 */
public final class GuestAccess {

    private final MachineMemory memory;
    private final P2m p2m;

    /** Access to the memory of the domain whose table is {@code p2m}. */
    public GuestAccess(MachineMemory memory, P2m p2m) {
        this.memory = memory;
        this.p2m = p2m;
    }

    private MemorySegment page(long gpa, long chunk, boolean write) {
        long gfn = gpa >>> XenPage.SHIFT;
        long entry = p2m.get(gfn);
        if (gpa < 0 || !P2mEntry.present(entry) || (write && P2mEntry.readOnly(entry))) {
            throw new GuestFault(gpa);
        }
        return memory.frame(P2mEntry.mfn(entry)).asSlice(gpa & (XenPage.SIZE - 1), chunk);
    }

    /**
     * The guest frame holding {@code size} bytes at {@code gpa}, for a caller that reads each
     * field exactly once into locals (the private copy) and writes results in place: null when
     * the bytes are not 8-byte aligned within one page or not mapped (writable, if {@code write}),
     * so the caller falls back to {@link #copyIn} and its {@link GuestFault}. The bytes start at
     * {@code gpa & (XenPage.SIZE - 1)} of the frame. No allocation beyond the frame view, which
     * the hot paths (multicall entries, EVTCHNOP_send) need.
     */
    public MemorySegment frameIfContained(long gpa, int size, boolean write) {
        if (gpa < 0 || (gpa & 7) != 0 || (gpa & (XenPage.SIZE - 1)) + size > XenPage.SIZE) {
            return null;
        }
        long entry = p2m.get(gpa >>> XenPage.SHIFT);
        if (!P2mEntry.present(entry) || (write && P2mEntry.readOnly(entry))) {
            return null;
        }
        return memory.frame(P2mEntry.mfn(entry));
    }

    /**
     * Reads the {@code uint32_t} at {@code gpa} once (a one-field copy_from_guest).
     *
     * @throws GuestFault if it is not mapped
     */
    public long u32(long gpa) {
        MemorySegment frame = (gpa & 3) == 0 ? frameIfContained(gpa & ~7L, 8, false) : null;
        if (frame != null) {
            return Integer.toUnsignedLong(OrderedAccess.getIntPlain(frame, gpa & (XenPage.SIZE - 1)));
        }
        return Fields.u32(copyIn(gpa, 4), 0);
    }

    /**
     * Copies {@code size} bytes at {@code gpa} into a fresh private segment (8-byte aligned).
     *
     * @throws GuestFault if any byte is not mapped
     */
    public MemorySegment copyIn(long gpa, int size) {
        if (size < 0 || gpa < 0 || gpa + size < gpa) {
            throw new GuestFault(gpa);
        }
        MemorySegment copy = MemorySegment.ofArray(new long[(size + 7) / 8]).asSlice(0, size);
        long at = gpa;
        long done = 0;
        while (done < size) {
            long chunk = Math.min(size - done, XenPage.SIZE - (at & (XenPage.SIZE - 1)));
            MemorySegment.copy(page(at, chunk, false), 0, copy, done, chunk);
            at += chunk;
            done += chunk;
        }
        return copy;
    }

    /**
     * Copies {@code data} to guest memory at {@code gpa}.
     *
     * @throws GuestFault if any byte is not mapped writable (bytes before it may have been written,
     *                    as with Xen's partial copies)
     */
    public void copyOut(long gpa, MemorySegment data) {
        long size = data.byteSize();
        if (gpa < 0 || gpa + size < gpa) {
            throw new GuestFault(gpa);
        }
        long at = gpa;
        long done = 0;
        while (done < size) {
            long chunk = Math.min(size - done, XenPage.SIZE - (at & (XenPage.SIZE - 1)));
            MemorySegment.copy(data, done, page(at, chunk, true), 0, chunk);
            at += chunk;
            done += chunk;
        }
    }

    /** Checks that {@code size} bytes at {@code gpa} are mapped (writable if {@code write}). */
    public boolean accessible(long gpa, long size, boolean write) {
        if (gpa < 0 || size < 0 || gpa + size < gpa) {
            return false;
        }
        long first = gpa >>> XenPage.SHIFT;
        long last = size == 0 ? first : (gpa + size - 1) >>> XenPage.SHIFT;
        for (long gfn = first; gfn <= last; gfn++) {
            long entry = p2m.get(gfn);
            if (!P2mEntry.present(entry) || (write && P2mEntry.readOnly(entry))) {
                return false;
            }
        }
        return true;
    }

    /** {@code __copy_field_to_guest} of a 16-bit field. */
    public void put16(long gpa, int value) {
        MemorySegment s = MemorySegment.ofArray(new long[1]).asSlice(0, 2);
        Fields.put16(s, 0, value);
        copyOut(gpa, s);
    }

    /** Copies a 32-bit value out. */
    public void put32(long gpa, int value) {
        MemorySegment s = MemorySegment.ofArray(new long[1]).asSlice(0, 4);
        Fields.put32(s, 0, value);
        copyOut(gpa, s);
    }

    /** Copies a 64-bit value out. */
    public void put64(long gpa, long value) {
        MemorySegment s = MemorySegment.ofArray(new long[1]);
        Fields.put64(s, 0, value);
        copyOut(gpa, s);
    }

    /** Copies a 64-bit value in. */
    public long get64(long gpa) {
        return Fields.u64(copyIn(gpa, 8), 0);
    }

    /** Copies a 16-bit value in (e.g. a {@code domid_t} argument). */
    public int get16(long gpa) {
        return Fields.u16(copyIn(gpa, 2), 0);
    }

    /** Copies a 32-bit value in. */
    public int get32(long gpa) {
        return Fields.i32(copyIn(gpa, 4), 0);
    }
}
