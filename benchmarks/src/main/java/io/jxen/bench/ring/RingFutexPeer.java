package io.jxen.bench.ring;

import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import io.jxen.memory.futex.Doorbell;
import io.jxen.memory.futex.Futex;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.SharedRing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The second JVM of {@code ring-futex}: maps the benchmark's memory file and answers, either
 * as a ring back end woken by doorbells ({@code ring}) or as the bare futex echo
 * ({@code floor}), until the stop flag is set or its parent goes away.
 *
 * <p>Arguments: the memory file and the mode.
 */
public final class RingFutexPeer {

    /** How long one wait lasts before the parent's liveness is checked again. */
    private static final long SLICE_NANOS = 200_000_000L;

    private RingFutexPeer() {
    }

    /** Runs the peer until stopped; arguments: the memory file and {@code ring} or {@code floor}. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String mode = args[1];
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        try (MachineMemory memory = MachineMemory.open(file)) {
            MemorySegment control = memory.frame(0);
            switch (mode) {
                case "ring" -> ringBackEnd(control, memory.frame(1), parent);
                case "floor" -> floorEcho(control, parent);
                default -> throw new IllegalArgumentException("mode must be ring or floor: " + mode);
            }
        }
    }

    private static boolean stopped(MemorySegment control, ProcessHandle parent) {
        return OrderedAccess.getIntAcquire(control, RingFutexLayout.STOP) != 0 || !parent.isAlive();
    }

    private static void ringBackEnd(MemorySegment control, MemorySegment ringPage, ProcessHandle parent) {
        BackRing back = BackRing.init(new SharedRing(ringPage, RingFutexLayout.ENTRY_SIZE));
        Doorbell requests = new Doorbell(control, RingFutexLayout.REQUEST_BELL);
        Doorbell responses = new Doorbell(control, RingFutexLayout.RESPONSE_BELL);
        new Doorbell(control, RingFutexLayout.READY_BELL).ring();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(RingFutexLayout.ENTRY_SIZE, 8);
            while (!stopped(control, parent)) {
                int seen = requests.rings();
                int n = back.unconsumedRequests();
                for (int i = 0; i < n; i++) {
                    back.copyRequest(request);
                    back.putResponse(request);
                }
                if (n > 0) {
                    if (back.pushResponsesAndCheckNotify()) {
                        responses.ring();
                    }
                } else if (!back.finalCheckForRequests()) {
                    requests.await(seen, SLICE_NANOS);
                }
            }
        }
    }

    private static void floorEcho(MemorySegment control, ProcessHandle parent) {
        new Doorbell(control, RingFutexLayout.READY_BELL).ring();
        int last = 0;
        while (!stopped(control, parent)) {
            int ping = OrderedAccess.getIntAcquire(control, RingFutexLayout.FLOOR_PING);
            if (ping == last) {
                Futex.await(control, RingFutexLayout.FLOOR_PING, last, SLICE_NANOS);
                continue;
            }
            last = ping;
            OrderedAccess.setIntRelease(control, RingFutexLayout.FLOOR_PONG, ping);
            Futex.wake(control, RingFutexLayout.FLOOR_PONG, 1);
        }
    }
}
