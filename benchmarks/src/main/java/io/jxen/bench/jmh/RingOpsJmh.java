package io.jxen.bench.jmh;

import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the ring protocol itself, on one thread with no contention: a request encoded,
 * pushed, copied out by the back end, answered, pushed, and the response copied out by the
 * front end. The floor is the two entry copies alone, so the difference is what ring.h's
 * index and event bookkeeping (and jxen's overflow checks) cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RingOpsJmh {

    /** Entry size: 112 is blkif's request/response union on x86_64. */
    @Param({"112"})
    public int entryBytes;

    private Arena arena;
    private FrontRing front;
    private BackRing back;
    private MemorySegment request;
    private MemorySegment response;
    private MemorySegment copy;
    private MemorySegment slotA;
    private MemorySegment slotB;
    private long id;

    /** Maps one page-aligned ring page and the private copies. */
    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        MemorySegment page = arena.allocate(4096, 4096);
        SharedRing ring = new SharedRing(page, entryBytes);
        front = FrontRing.init(ring);
        back = BackRing.init(ring);
        request = arena.allocate(entryBytes, 8);
        response = arena.allocate(entryBytes, 8);
        copy = arena.allocate(entryBytes, 8);
        slotA = arena.allocate(entryBytes, 8);
        slotB = arena.allocate(entryBytes, 8);
    }

    /** Unmaps. */
    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** One request/response pair through both sides of the ring. */
    @Benchmark
    public long roundTrip() {
        request.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, id++);
        front.putRequest(request);
        front.pushRequestsAndCheckNotify();
        if (back.unconsumedRequests() != 1) {
            throw new IllegalStateException("the back end must see exactly the one request");
        }
        back.copyRequest(copy);
        back.putResponse(copy);
        back.pushResponsesAndCheckNotify();
        if (front.unconsumedResponses() != 1) {
            throw new IllegalStateException("the front end must see exactly the one response");
        }
        front.copyResponse(response);
        front.finalCheckForResponses();
        return response.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
    }

    /** The floor: the same four entry copies with no ring protocol. */
    @Benchmark
    public long copiesOnly() {
        request.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, id++);
        MemorySegment.copy(request, 0, slotA, 0, entryBytes);
        MemorySegment.copy(slotA, 0, copy, 0, entryBytes);
        MemorySegment.copy(copy, 0, slotB, 0, entryBytes);
        MemorySegment.copy(slotB, 0, response, 0, entryBytes);
        return response.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
    }
}
