package io.jxen.bench.ring;

/**
 * The memory file {@code ring-futex} shares with its peer JVM.
 *
 * <pre>
 *  frame 0 (control)                                        frame 1
 *  +-------+--------+-------+------+---------+---------+     +----------------------+
 *  |req    |rsp     |ready  | stop | floor   | floor   |     | ring (blkif-sized,   |
 *  |bell   |bell    |bell   | flag | ping    | pong    |     | 32 entries of 112 B) |
 *  +-------+--------+-------+------+---------+---------+     +----------------------+
 *  0       64       128     192    256       320
 * </pre>
 */
final class RingFutexLayout {

    static final long REQUEST_BELL = 0;
    static final long RESPONSE_BELL = 64;
    static final long READY_BELL = 128;
    static final long STOP = 192;
    static final long FLOOR_PING = 256;
    static final long FLOOR_PONG = 320;
    static final int ENTRY_SIZE = 112;
    static final int FRAMES = 2;

    private RingFutexLayout() {
    }
}
