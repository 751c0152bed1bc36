package io.jxen.memory.ring;

import io.jxen.abi.XenPage;
import io.jxen.abi.ring.SharedRingDescriptor;
import io.jxen.sim.Seeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rings of order 0 to 4 over separate pages, as a backend maps {@code ring-ref0..N-1} one
 * grant at a time: the pages are carved out of one arena in a shuffled order with a gap
 * between them, so no two are adjacent. A seeded run of random traffic goes through a front
 * and a back end over those pages and, in lockstep, through a reference ring over one
 * contiguous segment: every request and response must come out as it went in (entries that
 * straddle a page border included), and after every step the pages laid end to end must equal
 * the contiguous ring byte for byte, which is the layout Linux and QEMU see through their
 * virtually contiguous mapping. Both blkif entry sizes (112 bytes x86_64, 108 bytes x86_32).
 */
class MultiPageRingTest {

    static Stream<Arguments> ordersAndEntrySizes() {
        List<Arguments> all = new ArrayList<>();
        for (int order = 0; order <= 4; order++) {
            all.add(Arguments.of(order, 112));
            all.add(Arguments.of(order, 108));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "order {0}, entry {1} bytes")
    @MethodSource("ordersAndEntrySizes")
    void entriesCrossPageBordersIntactAndTheLayoutIsTheContiguousOne(int order, int entrySize) {
        Seeds.run(seed -> {
            int pages = 1 << order;
            try (Arena arena = Arena.ofConfined()) {
                List<MemorySegment> separate = separatePages(arena, pages, new Random(seed));
                SharedRing paged = SharedRing.ofPages(separate, entrySize);
                MemorySegment whole = arena.allocate((long) pages * XenPage.SIZE, XenPage.SIZE);
                whole.fill((byte) 0x5a);
                SharedRing contiguous = new SharedRing(whole, entrySize);
                assertThat(paged.entries()).isEqualTo(32 << order).isEqualTo(contiguous.entries());
                int straddling = 0;
                for (int i = 0; i < paged.entries(); i++) {
                    long offset = SharedRingDescriptor.RING_OFFSET + (long) i * entrySize;
                    boolean crosses = offset / XenPage.SIZE != (offset + entrySize - 1) / XenPage.SIZE;
                    assertThat(paged.straddles(i)).as("slot %d", i).isEqualTo(crosses);
                    if (crosses) {
                        straddling++;
                        int index = i;
                        assertThatThrownBy(() -> paged.slot(index)).isInstanceOf(IllegalStateException.class);
                    }
                }
                // block.md 1.5: x86_64 straddles from 4 pages on, x86_32 from 2.
                assertThat(straddling > 0).isEqualTo(entrySize == 112 ? order >= 2 : order >= 1);

                // Start just below 2^32 so the indices wrap during the run.
                int start = -3 * paged.entries() / 2;
                paged.initAt(start);
                contiguous.initAt(start);
                FrontRing front = FrontRing.attach(paged, start);
                BackRing back = BackRing.attach(paged, start);
                FrontRing refFront = FrontRing.attach(contiguous, start);
                BackRing refBack = BackRing.attach(contiguous, start);
                Random random = new Random(seed);
                ArrayDeque<byte[]> sent = new ArrayDeque<>();
                ArrayDeque<byte[]> answered = new ArrayDeque<>();
                MemorySegment copy = MemorySegment.ofArray(new byte[entrySize]);
                MemorySegment refCopy = MemorySegment.ofArray(new byte[entrySize]);
                int crossedRequests = 0;
                for (int step = 0; step < 6 * paged.entries(); step++) {
                    int produce = random.nextInt(front.freeRequests() + 1);
                    for (int n = 0; n < produce; n++) {
                        if (paged.straddles(front.requestProducerPrivate())) {
                            crossedRequests++;
                        }
                        byte[] request = new byte[1 + random.nextInt(entrySize)];
                        random.nextBytes(request);
                        sent.add(request);
                        front.putRequest(MemorySegment.ofArray(request));
                        refFront.putRequest(MemorySegment.ofArray(request));
                    }
                    front.pushRequests();
                    refFront.pushRequests();
                    int ready = back.unconsumedRequests();
                    assertThat(refBack.unconsumedRequests()).isEqualTo(ready);
                    int take = random.nextInt(ready + 1);
                    for (int n = 0; n < take; n++) {
                        back.copyRequest(copy);
                        refBack.copyRequest(refCopy);
                        byte[] expected = sent.poll();
                        assertThat(copy.asSlice(0, expected.length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
                        assertThat(copy.asSlice(expected.length).toArray(ValueLayout.JAVA_BYTE))
                                .isEqualTo(new byte[entrySize - expected.length]);
                        assertThat(copy.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(refCopy.toArray(ValueLayout.JAVA_BYTE));
                    }
                    int respond = random.nextInt(back.requestsInService() + 1);
                    for (int n = 0; n < respond; n++) {
                        byte[] response = new byte[1 + random.nextInt(entrySize)];
                        random.nextBytes(response);
                        answered.add(response);
                        back.putResponse(MemorySegment.ofArray(response));
                        refBack.putResponse(MemorySegment.ofArray(response));
                    }
                    back.pushResponses();
                    refBack.pushResponses();
                    int responses = front.unconsumedResponses();
                    assertThat(refFront.unconsumedResponses()).isEqualTo(responses);
                    for (int n = random.nextInt(responses + 1); n > 0; n--) {
                        front.copyResponse(copy);
                        refFront.copyResponse(refCopy);
                        byte[] expected = answered.poll();
                        assertThat(copy.asSlice(0, expected.length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
                        assertThat(copy.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(refCopy.toArray(ValueLayout.JAVA_BYTE));
                    }
                    for (int p = 0; p < pages; p++) {
                        assertThat(separate.get(p).toArray(ValueLayout.JAVA_BYTE)).as("page %d at step %d", p, step)
                                .isEqualTo(contiguous.page(p).toArray(ValueLayout.JAVA_BYTE));
                    }
                }
                if (straddling > 0) {
                    assertThat(crossedRequests).as("requests written across a page border").isPositive();
                }
            }
        });
    }

    @org.junit.jupiter.api.Test
    void pagesMustBeWholeXenPages() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> SharedRing.ofPages(List.of(), 112)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SharedRing.ofPages(List.of(arena.allocate(4096, 4096), arena.allocate(2048, 4096)),
                    112)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** {@code pages} pages of one arena, shuffled, none adjacent to the next in ring order. */
    private static List<MemorySegment> separatePages(Arena arena, int pages, Random random) {
        MemorySegment pool = arena.allocate((long) pages * 2 * XenPage.SIZE, XenPage.SIZE);
        pool.fill((byte) 0x5a); // stale bytes: the ring code must never expose them
        List<Integer> frames = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            frames.add(2 * i);
        }
        java.util.Collections.shuffle(frames, random);
        List<MemorySegment> list = new ArrayList<>();
        for (int frame : frames) {
            list.add(pool.asSlice((long) frame * XenPage.SIZE, XenPage.SIZE));
        }
        return list;
    }
}
