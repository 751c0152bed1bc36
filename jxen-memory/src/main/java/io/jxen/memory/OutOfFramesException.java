package io.jxen.memory;

import java.io.Serial;

/** No free frame (or no free run of the requested length) is left in a machine memory. */
public final class OutOfFramesException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param wanted frames asked for (a contiguous run)
     * @param free   frames free in total
     * @param total  frames in the memory
     */
    public OutOfFramesException(int wanted, long free, long total) {
        super("out of machine frames: wanted " + wanted + " contiguous, " + free + " of " + total
                + " free; give the host more memory or free frames first");
    }
}
