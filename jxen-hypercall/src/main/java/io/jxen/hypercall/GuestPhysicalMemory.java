package io.jxen.hypercall;

import io.jxen.abi.XenPage;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * A guest's view of its own pseudo-physical memory: guest-physical addresses translated
 * through the p2m table the hypervisor publishes in machine frames ({@link P2mEntry}), as a
 * CPU walks EPT. Works the same in the hypervisor's JVM and in a domain's own JVM, because
 * both map the same {@link MachineMemory} file.
 *
 * <p>Accessors are plain, little-endian and naturally aligned (the Xen x86 layouts); an
 * unmapped address, or a write to a read-only mapping, throws {@link GuestPageFault}.
 * Structures a guest hands to a hypercall are written with these before the call and read
 * back after it.
 */
public final class GuestPhysicalMemory {

    private final MachineMemory memory;
    private final MemorySegment p2m;
    private final long gfnLimit;

    /**
     * @param memory     the host's machine memory
     * @param p2mFirstMfn first of the contiguous machine frames holding the p2m table
     * @param gfnLimit   number of entries in the table: GFNs {@code 0..gfnLimit-1}
     */
    public GuestPhysicalMemory(MachineMemory memory, long p2mFirstMfn, long gfnLimit) {
        if (gfnLimit < 1) {
            throw new IllegalArgumentException("gfnLimit must be positive, was " + gfnLimit);
        }
        int frames = (int) ((gfnLimit + P2mEntry.PER_FRAME - 1) / P2mEntry.PER_FRAME);
        this.memory = memory;
        this.p2m = memory.frames(p2mFirstMfn, frames);
        this.gfnLimit = gfnLimit;
    }

    /** Number of guest frame numbers the p2m covers. */
    public long gfnLimit() {
        return gfnLimit;
    }

    /** The p2m entry of {@code gfn} ({@link P2mEntry#EMPTY} outside the table). */
    public long entry(long gfn) {
        if (gfn < 0 || gfn >= gfnLimit) {
            return P2mEntry.EMPTY;
        }
        // Acquire: the hypervisor publishes an entry with release after zeroing the frame.
        return OrderedAccess.getLongAcquire(p2m, gfn * P2mEntry.SIZE);
    }

    /** Whether {@code gfn} is mapped. */
    public boolean mapped(long gfn) {
        return P2mEntry.present(entry(gfn));
    }

    /**
     * The 4 KiB page at {@code gfn}; read-only if the mapping is.
     *
     * @throws GuestPageFault if the frame is not mapped
     */
    public MemorySegment page(long gfn) {
        long entry = entry(gfn);
        if (!P2mEntry.present(entry)) {
            throw new GuestPageFault(gfn << XenPage.SHIFT, false);
        }
        MemorySegment frame = memory.frame(P2mEntry.mfn(entry));
        return P2mEntry.readOnly(entry) ? frame.asReadOnly() : frame;
    }

    /**
     * The {@code count} pages from {@code firstGfn} as one writable segment, when their machine
     * frames are consecutive too (as a CPU would see them through one linear mapping); null
     * when they are not, or when any is unmapped or read-only.
     */
    public MemorySegment contiguousPages(long firstGfn, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count " + count);
        }
        long first = entry(firstGfn);
        if (!P2mEntry.present(first) || P2mEntry.readOnly(first)) {
            return null;
        }
        long firstMfn = P2mEntry.mfn(first);
        for (int i = 1; i < count; i++) {
            long e = entry(firstGfn + i);
            if (!P2mEntry.present(e) || P2mEntry.readOnly(e) || P2mEntry.mfn(e) != firstMfn + i) {
                return null;
            }
        }
        return memory.frames(firstMfn, count);
    }

    private MemorySegment pageFor(long gpa, int size, boolean write) {
        long gfn = gpa >>> XenPage.SHIFT;
        if (gpa < 0 || ((gpa + size - 1) >>> XenPage.SHIFT) != gfn) {
            throw new GuestPageFault(gpa, write);
        }
        long entry = entry(gfn);
        if (!P2mEntry.present(entry) || (write && P2mEntry.readOnly(entry))) {
            throw new GuestPageFault(gpa, write);
        }
        return memory.frame(P2mEntry.mfn(entry));
    }

    private static long offset(long gpa) {
        return gpa & (XenPage.SIZE - 1);
    }

    /** Reads a byte. */
    public byte getByte(long gpa) {
        return OrderedAccess.getBytePlain(pageFor(gpa, 1, false), offset(gpa));
    }

    /** Writes a byte. */
    public void putByte(long gpa, byte value) {
        OrderedAccess.setBytePlain(pageFor(gpa, 1, true), offset(gpa), value);
    }

    /** Reads a 16-bit value. */
    public short getShort(long gpa) {
        return OrderedAccess.getShortPlain(pageFor(gpa, 2, false), offset(gpa));
    }

    /** Writes a 16-bit value. */
    public void putShort(long gpa, short value) {
        OrderedAccess.setShortPlain(pageFor(gpa, 2, true), offset(gpa), value);
    }

    /** Reads a 32-bit value. */
    public int getInt(long gpa) {
        return OrderedAccess.getIntPlain(pageFor(gpa, 4, false), offset(gpa));
    }

    /** Writes a 32-bit value. */
    public void putInt(long gpa, int value) {
        OrderedAccess.setIntPlain(pageFor(gpa, 4, true), offset(gpa), value);
    }

    /** Reads a 64-bit value. */
    public long getLong(long gpa) {
        return OrderedAccess.getLongPlain(pageFor(gpa, 8, false), offset(gpa));
    }

    /** Writes a 64-bit value. */
    public void putLong(long gpa, long value) {
        OrderedAccess.setLongPlain(pageFor(gpa, 8, true), offset(gpa), value);
    }

    /** Fills {@code length} bytes from {@code gpa} with zeros (may cross pages). */
    public void zero(long gpa, long length) {
        long at = gpa;
        long left = length;
        while (left > 0) {
            int chunk = (int) Math.min(left, XenPage.SIZE - offset(at));
            pageFor(at, chunk, true).asSlice(offset(at), chunk).fill((byte) 0);
            at += chunk;
            left -= chunk;
        }
    }

    /** Copies {@code bytes} to guest memory at {@code gpa} (may cross pages). */
    public void write(long gpa, byte[] bytes) {
        long at = gpa;
        int done = 0;
        while (done < bytes.length) {
            int chunk = (int) Math.min(bytes.length - done, XenPage.SIZE - offset(at));
            MemorySegment.copy(MemorySegment.ofArray(bytes), done, pageFor(at, chunk, true), offset(at), chunk);
            at += chunk;
            done += chunk;
        }
    }

    /** Copies {@code length} bytes from guest memory at {@code gpa} (may cross pages). */
    public byte[] read(long gpa, int length) {
        byte[] bytes = new byte[length];
        long at = gpa;
        int done = 0;
        while (done < length) {
            int chunk = (int) Math.min(length - done, XenPage.SIZE - offset(at));
            MemorySegment.copy(pageFor(at, chunk, false), offset(at), MemorySegment.ofArray(bytes), done, chunk);
            at += chunk;
            done += chunk;
        }
        return bytes;
    }
}
