package io.jxen.cli.demo;

import io.jxen.memory.ring.FrontRing;
import io.jxen.runtime.Agent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The guest side of the demo ring: produces numbered requests, wakes the backend only when
 * ring.h's push says so, and checks every response against its own expectation. It looks
 * at responses only after a notification, as a real frontend's interrupt handler does, so
 * a protocol slip (a lost wake-up) would stall the run and fail it.
 */
final class DemoFrontend implements Agent {

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final FrontRing ring;
    private final Notification toBackend;
    private final Notification fromBackend;
    private final long total;
    private final int batch;
    private final MemorySegment response = Arena.ofAuto().allocate(DemoBackend.ENTRY_BYTES);
    private long nextId;
    private long completed;

    DemoFrontend(FrontRing ring, Notification toBackend, Notification fromBackend, long total, int batch) {
        this.ring = ring;
        this.toBackend = toBackend;
        this.fromBackend = fromBackend;
        this.total = total;
        this.batch = batch;
    }

    @Override
    public int doWork() {
        int work = 0;
        if (fromBackend.take()) {
            work += consumeResponses();
        }
        int produced = 0;
        while (nextId < total && produced < batch && !ring.isFull()) {
            MemorySegment slot = ring.requestSlot();
            slot.set(U64, 0, nextId);
            slot.set(U64, 8, DemoBackend.payloadOf(nextId));
            ring.produceRequest();
            nextId++;
            produced++;
        }
        if (produced > 0 && ring.pushRequestsAndCheckNotify()) {
            toBackend.send();
        }
        return work + produced;
    }

    private int consumeResponses() {
        int consumed = 0;
        do {
            while (ring.unconsumedResponses() > 0) {
                ring.copyResponse(response);
                long id = response.get(U64, 0);
                long checksum = response.get(U64, 8);
                if (id != completed) {
                    throw new IllegalStateException("response " + id + " out of order, expected " + completed);
                }
                if (checksum != DemoBackend.checksumOf(DemoBackend.payloadOf(id))) {
                    throw new IllegalStateException("response " + id + " has a wrong checksum");
                }
                completed++;
                consumed++;
            }
        } while (ring.finalCheckForResponses());
        return consumed;
    }

    boolean done() {
        return completed == total;
    }

    long completed() {
        return completed;
    }

    @Override
    public String roleName() {
        return "blkfront-demo";
    }
}
