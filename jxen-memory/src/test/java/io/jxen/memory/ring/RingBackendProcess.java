package io.jxen.memory.ring;

import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import io.jxen.memory.futex.Doorbell;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The back end of {@link RingTwoProcessTest}, run in a second JVM: maps the memory file the
 * test created, attaches a back ring to the pages the front end initialised, answers
 * {@code count} requests, and leaves its checksum in the control page.
 *
 * <p>Arguments: memory file, ring pages, count. Control page (frame 0): doorbells at 0
 * (requests) and 64 (responses), status at 128, checksum at 136; the ring starts at frame 1.
 */
public final class RingBackendProcess {

    static final long REQUEST_BELL = 0;
    static final long RESPONSE_BELL = 64;
    static final long STATUS = 128;
    static final long CHECKSUM = 136;
    static final int STATUS_RUNNING = 1;
    static final int STATUS_DONE = 2;
    static final int STATUS_FAILED = 3;

    private RingBackendProcess() {
    }

    /** Runs the back end; exits non-zero (with the status word set to failed) on any error. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int pages = Integer.parseInt(args[1]);
        long count = Long.parseLong(args[2]);
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        try (MachineMemory memory = MachineMemory.open(file)) {
            var control = memory.frame(0);
            OrderedAccess.setIntRelease(control, STATUS, STATUS_RUNNING);
            try {
                BackRing back = BackRing.init(new SharedRing(memory.frames(1, pages), RingTraffic.ENTRY_SIZE));
                RingTraffic.Result result = RingTraffic.runBack(back,
                        new Doorbell(control, REQUEST_BELL), new Doorbell(control, RESPONSE_BELL), count,
                        parent::isAlive, TimeUnit.MILLISECONDS.toNanos(100),
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
                OrderedAccess.setLongPlain(control, CHECKSUM, result.checksum());
                OrderedAccess.setIntRelease(control, STATUS, STATUS_DONE);
                System.out.println("back end: " + count + " requests, " + result.waits() + " waits");
            } catch (Throwable t) {
                OrderedAccess.setIntRelease(control, STATUS, STATUS_FAILED);
                new Doorbell(control, RESPONSE_BELL).ring();
                throw t;
            }
        }
    }
}
