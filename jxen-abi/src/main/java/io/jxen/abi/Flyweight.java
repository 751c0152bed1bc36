package io.jxen.abi;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A reusable view of one C structure inside a {@link MemorySegment}, in the Agrona style: wrap
 * it over a position, read and write fields, wrap it elsewhere. A view allocates nothing per
 * access; it is not thread-safe itself, while the memory it views may be shared.
 */
public abstract class Flyweight {

    private MemorySegment segment;
    private long offset;

    /** A view not yet wrapped over any memory. */
    protected Flyweight() {
    }

    /**
     * Points this view at {@code size} bytes at {@code offset} of {@code segment}.
     *
     * @param alignment the structure's C alignment; the start must honour it
     * @throws IndexOutOfBoundsException if the structure does not fit in the segment
     * @throws IllegalArgumentException  if the start is not aligned
     */
    protected final void bind(MemorySegment segment, long offset, long size, long alignment) {
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, size, segment.byteSize());
        if (((segment.address() + offset) & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("offset " + offset + " is not " + alignment + "-byte aligned");
        }
        this.segment = segment;
        this.offset = offset;
    }

    /** The memory this view is wrapped over. */
    public final MemorySegment segment() {
        return segment;
    }

    /** Where in {@link #segment()} the structure starts. */
    public final long offset() {
        return offset;
    }
}
