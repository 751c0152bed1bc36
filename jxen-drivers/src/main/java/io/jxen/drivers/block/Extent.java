package io.jxen.drivers.block;

/**
 * A run of bytes with one allocation status (NBD {@code base:allocation}: {@code NBD_STATE_HOLE}
 * and {@code NBD_STATE_ZERO}).
 *
 * @param offsetBytes where the run starts
 * @param lengthBytes how long it is, at least 1
 * @param hole        no storage is allocated for it
 * @param zero        it reads as zeroes (always true for a hole)
 */
public record Extent(long offsetBytes, long lengthBytes, boolean hole, boolean zero) {

    /** Checks the invariants. */
    public Extent {
        if (offsetBytes < 0 || lengthBytes <= 0 || offsetBytes + lengthBytes < 0) {
            throw new IllegalArgumentException("bad extent " + offsetBytes + "+" + lengthBytes);
        }
        if (hole && !zero) {
            throw new IllegalArgumentException("a hole reads as zeroes");
        }
    }

    /** An allocated run of data. */
    public static Extent data(long offsetBytes, long lengthBytes) {
        return new Extent(offsetBytes, lengthBytes, false, false);
    }

    /** An unallocated run that reads as zeroes. */
    public static Extent hole(long offsetBytes, long lengthBytes) {
        return new Extent(offsetBytes, lengthBytes, true, true);
    }

    /** The first byte after the run. */
    public long endBytes() {
        return offsetBytes + lengthBytes;
    }
}
