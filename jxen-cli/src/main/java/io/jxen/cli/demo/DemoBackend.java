package io.jxen.cli.demo;

import io.jxen.memory.ring.BackRing;
import io.jxen.runtime.Agent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The dom0 side of the demo ring: on a notification it copies each request out once,
 * answers with a checksum of the payload, and re-arms with ring.h's final check so no
 * request slips between "nothing left" and "going idle".
 */
final class DemoBackend implements Agent {

    /** Bytes per ring entry: {@code u64 id, u64 payload} / {@code u64 id, u64 checksum}, padded. */
    static final int ENTRY_BYTES = 64;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final BackRing ring;
    private final Notification fromFrontend;
    private final Notification toFrontend;
    private final int batch;
    private final MemorySegment request = Arena.ofAuto().allocate(ENTRY_BYTES);
    private boolean more;

    DemoBackend(BackRing ring, Notification fromFrontend, Notification toFrontend, int batch) {
        this.ring = ring;
        this.fromFrontend = fromFrontend;
        this.toFrontend = toFrontend;
        this.batch = batch;
    }

    static long payloadOf(long id) {
        return id * 0x9E3779B97F4A7C15L;
    }

    static long checksumOf(long payload) {
        long x = payload ^ (payload >>> 31);
        return x * 0xBF58476D1CE4E5B9L;
    }

    @Override
    public int doWork() {
        if (!fromFrontend.take() && !more) {
            return 0;
        }
        int served = 0;
        while (served < batch && ring.unconsumedRequests() > 0) {
            ring.copyRequest(request);
            long id = request.get(U64, 0);
            long payload = request.get(U64, 8);
            MemorySegment slot = ring.responseSlot();
            slot.fill((byte) 0);
            slot.set(U64, 0, id);
            slot.set(U64, 8, checksumOf(payload));
            ring.produceResponse();
            served++;
        }
        if (served > 0 && ring.pushResponsesAndCheckNotify()) {
            toFrontend.send();
        }
        // Out of budget: come back next turn. Out of requests: the final check re-arms
        // req_event, and says whether one arrived meanwhile.
        more = ring.unconsumedRequests() > 0 || ring.finalCheckForRequests();
        return served;
    }

    @Override
    public String roleName() {
        return "blkback-demo";
    }
}
