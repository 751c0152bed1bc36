package io.jxen.abi.memory;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * {@code struct xen_memory_map} of memory.h (x86_64): argument of {@code XENMEM_memory_map} (an e820 table).
 */
public final class XenMemoryMapDescriptor {

    /** Offset of {@code nr_entries}: IN: entries the buffer holds; OUT: entries written (memory.h). */
    @XenOffsetof(type = "struct xen_memory_map", member = "nr_entries")
    public static final int NR_ENTRIES_OFFSET = 0;

    /** Offset of {@code buffer}: guest handle of the e820 entries (memory.h). */
    @XenOffsetof(type = "struct xen_memory_map", member = "buffer")
    public static final int BUFFER_OFFSET = 8;

    /** Bytes in {@code struct xen_memory_map} (memory.h). */
    @XenSizeof("struct xen_memory_map")
    public static final int SIZE = 16;

    /** The C alignment of {@code struct xen_memory_map}: where a view of it may start (memory.h). */
    @XenConstant(value = "_Alignof(struct xen_memory_map)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    private XenMemoryMapDescriptor() {
    }
}
