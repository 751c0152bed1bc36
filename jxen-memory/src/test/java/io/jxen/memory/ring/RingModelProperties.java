package io.jxen.memory.ring;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A front and a back ring over one shared segment, driven by random action sequences and
 * compared after every action with a model made of queues and 64-bit counters taken mod
 * 2^32. The model decides notifications by walking the pushed indices one by one (is the
 * peer's event among them?) rather than by ring.h's subtraction trick, so the two are
 * independent. Start indices near 2^32 make the indices wrap during a run.
 */
class RingModelProperties {

    private static final long MOD = 1L << 32;

    enum Op {
        PRODUCE, PRODUCE_UNTIL_FULL, PUSH_REQUESTS, PUSH_REQUESTS_AND_CHECK_NOTIFY,
        CONSUME_REQUEST, CONSUME_ALL_REQUESTS, RESPOND, RESPOND_ALL,
        PUSH_RESPONSES, PUSH_RESPONSES_AND_CHECK_NOTIFY, CONSUME_RESPONSE, CONSUME_ALL_RESPONSES,
        FINAL_CHECK_FOR_REQUESTS, FINAL_CHECK_FOR_RESPONSES,
        /** The front end scribbles over requests the back end already copied (XSA-155). */
        SCRIBBLE_OVER_CONSUMED_REQUESTS
    }

    @Provide
    Arbitrary<Integer> entrySizes() {
        return Arbitraries.of(8, 12, 16, 64, 108, 112, 1000, 4032);
    }

    @Provide
    Arbitrary<Integer> startIndices() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(-64, -1)), // just below 2^32: wraps during the run
                Tuple.of(1, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers()));
    }

    @Property(tries = 400)
    void frontAndBackAgreeWithTheModel(
            @ForAll @IntRange(min = 1, max = 4) int pages,
            @ForAll("entrySizes") int entrySize,
            @ForAll("startIndices") int start,
            @ForAll @Size(min = 30, max = 400) List<Op> ops,
            @ForAll long contentSeed) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pagesSegment = arena.allocate((long) pages * 4096, 4096);
            SharedRing ring = new SharedRing(pagesSegment, entrySize);
            ring.initAt(start);
            FrontRing front = FrontRing.attach(ring, start);
            BackRing back = BackRing.attach(ring, start);
            Model model = new Model(ring.entries(), start, entrySize, contentSeed);
            MemorySegment scratch = arena.allocate(entrySize);

            for (Op op : ops) {
                apply(op, front, back, model, scratch);
                model.checkShared(ring, front, back);
            }
            long pushed = Integer.toUnsignedLong(start) + model.requestsPushed;
            Statistics.label("indices wrapped at 2^32").collect(pushed >= MOD);
            Statistics.label("ring was full").collect(model.fullSeen);
            Statistics.label("a push notified").collect(model.notified);
            Statistics.label("a push did not notify").collect(model.heldOff);
        }
        Statistics.label("indices wrapped at 2^32").coverage(c -> c.check(true).percentage(p -> p >= 20));
        Statistics.label("ring was full").coverage(c -> c.check(true).percentage(p -> p >= 20));
        Statistics.label("a push notified").coverage(c -> c.check(true).percentage(p -> p >= 50));
        Statistics.label("a push did not notify").coverage(c -> c.check(true).percentage(p -> p >= 10));
    }

    private static void apply(Op op, FrontRing front, BackRing back, Model model, MemorySegment scratch) {
        switch (op) {
            case PRODUCE -> produce(front, model);
            case PRODUCE_UNTIL_FULL -> {
                while (!front.isFull()) {
                    produce(front, model);
                }
                produce(front, model); // checks that a full ring refuses
            }
            case PUSH_REQUESTS -> {
                front.pushRequests();
                model.pushRequests();
            }
            case PUSH_REQUESTS_AND_CHECK_NOTIFY -> {
                boolean expected = model.pushRequests();
                assertThat(front.pushRequestsAndCheckNotify()).as("request notify").isEqualTo(expected);
            }
            case CONSUME_REQUEST -> consumeRequests(back, model, scratch, 1);
            case CONSUME_ALL_REQUESTS -> consumeRequests(back, model, scratch, Integer.MAX_VALUE);
            case RESPOND -> respond(back, model, 1);
            case RESPOND_ALL -> respond(back, model, Integer.MAX_VALUE);
            case PUSH_RESPONSES -> {
                back.pushResponses();
                model.pushResponses();
            }
            case PUSH_RESPONSES_AND_CHECK_NOTIFY -> {
                boolean expected = model.pushResponses();
                assertThat(back.pushResponsesAndCheckNotify()).as("response notify").isEqualTo(expected);
            }
            case CONSUME_RESPONSE -> consumeResponses(front, model, scratch, 1);
            case CONSUME_ALL_RESPONSES -> consumeResponses(front, model, scratch, Integer.MAX_VALUE);
            case FINAL_CHECK_FOR_REQUESTS -> {
                boolean expected = !model.visibleRequests.isEmpty();
                if (!expected) {
                    model.requestEvent = (model.requestConsumer + 1) % MOD;
                }
                assertThat(back.finalCheckForRequests()).as("final check for requests").isEqualTo(expected);
            }
            case SCRIBBLE_OVER_CONSUMED_REQUESTS -> {
                // Slots [rsp_prod_pvt, req_cons) hold requests already copied out; the back end
                // answers from its copies, so the responses the model expects must still come.
                for (int i = back.responseProducerPrivate(); i != back.requestConsumer(); i++) {
                    back.ring().slot(i).fill((byte) 0xa5);
                }
            }
            case FINAL_CHECK_FOR_RESPONSES -> {
                boolean expected = !model.visibleResponses.isEmpty();
                if (!expected) {
                    model.responseEvent = (model.responseConsumer + 1) % MOD;
                }
                assertThat(front.finalCheckForResponses()).as("final check for responses").isEqualTo(expected);
            }
        }
    }

    private static void produce(FrontRing front, Model model) {
        long inFlight = model.requestProducerPrivate - model.responseConsumer;
        assertThat(front.freeRequests()).as("RING_FREE_REQUESTS").isEqualTo(model.entries - inFlight);
        assertThat(front.isFull()).as("RING_FULL").isEqualTo(inFlight == model.entries);
        byte[] request = model.nextRequest();
        if (front.isFull()) {
            model.fullSeen = true;
            assertThatThrownBy(() -> front.putRequest(MemorySegment.ofArray(request)))
                    .isInstanceOf(IllegalStateException.class);
            return;
        }
        front.putRequest(MemorySegment.ofArray(request));
        model.unpushedRequests.add(request);
        model.requestProducerPrivate++;
    }

    private static void consumeRequests(BackRing back, Model model, MemorySegment scratch, int limit) {
        int ready = back.unconsumedRequests();
        assertThat(ready).as("RING_HAS_UNCONSUMED_REQUESTS").isEqualTo(model.visibleRequests.size());
        for (int i = 0; i < Math.min(ready, limit); i++) {
            assertThat(back.requestConsumerOverflow(back.requestConsumer())).isFalse();
            back.copyRequest(scratch);
            byte[] copy = scratch.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertThat(copy).as("request content").isEqualTo(model.visibleRequests.poll());
            model.inService.add(copy);
            model.requestConsumer = (model.requestConsumer + 1) % MOD;
        }
        if (ready <= limit) {
            assertThatThrownBy(() -> back.copyRequest(scratch)).isInstanceOf(IllegalStateException.class);
        }
    }

    private static void respond(BackRing back, Model model, int limit) {
        if (model.inService.isEmpty()) {
            assertThatThrownBy(() -> back.putResponse(MemorySegment.ofArray(new byte[1])))
                    .isInstanceOf(IllegalStateException.class);
            return;
        }
        for (int i = 0; i < limit && !model.inService.isEmpty(); i++) {
            byte[] response = Model.responseTo(model.inService.poll());
            back.putResponse(MemorySegment.ofArray(response));
            model.unpushedResponses.add(response);
        }
    }

    private static void consumeResponses(FrontRing front, Model model, MemorySegment scratch, int limit) {
        int ready = front.unconsumedResponses();
        assertThat(ready).as("RING_HAS_UNCONSUMED_RESPONSES").isEqualTo(model.visibleResponses.size());
        for (int i = 0; i < Math.min(ready, limit); i++) {
            front.copyResponse(scratch);
            byte[] copy = scratch.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertThat(copy).as("response content").isEqualTo(model.visibleResponses.poll());
            model.responseConsumer++;
        }
    }

    /** What the ring should hold: queues of contents and the indices as values mod 2^32. */
    private static final class Model {
        final int entries;
        final int entrySize;
        final SplittableRandom content;
        final ArrayDeque<byte[]> unpushedRequests = new ArrayDeque<>();
        final ArrayDeque<byte[]> visibleRequests = new ArrayDeque<>();
        final ArrayDeque<byte[]> inService = new ArrayDeque<>();
        final ArrayDeque<byte[]> unpushedResponses = new ArrayDeque<>();
        final ArrayDeque<byte[]> visibleResponses = new ArrayDeque<>();
        long requestProducerPrivate; // not reduced mod 2^32: in-flight counts stay plain
        long responseConsumer; // not reduced either
        long requestProducer;
        long requestEvent;
        long requestConsumer;
        long responseProducer;
        long responseEvent;
        long requestsPushed;
        boolean fullSeen;
        boolean notified;
        boolean heldOff;

        Model(int entries, int start, int entrySize, long seed) {
            this.entries = entries;
            this.entrySize = entrySize;
            this.content = new SplittableRandom(seed);
            long s = Integer.toUnsignedLong(start);
            requestProducerPrivate = s;
            responseConsumer = s;
            requestProducer = s;
            requestConsumer = s;
            responseProducer = s;
            requestEvent = (s + 1) % MOD;
            responseEvent = (s + 1) % MOD;
        }

        byte[] nextRequest() {
            byte[] request = new byte[entrySize];
            content.nextBytes(request);
            return request;
        }

        static byte[] responseTo(byte[] request) {
            byte[] response = new byte[request.length];
            for (int i = 0; i < request.length; i++) {
                response[i] = (byte) ~request[request.length - 1 - i];
            }
            return response;
        }

        /** Pushes requests; true if the back end's event index was passed. */
        boolean pushRequests() {
            int pushed = unpushedRequests.size();
            boolean notify = passes(requestProducer, pushed, requestEvent);
            requestsPushed += pushed;
            notified |= notify;
            heldOff |= pushed > 0 && !notify;
            requestProducer = (requestProducer + pushed) % MOD;
            visibleRequests.addAll(unpushedRequests);
            unpushedRequests.clear();
            return notify;
        }

        boolean pushResponses() {
            int pushed = unpushedResponses.size();
            boolean notify = passes(responseProducer, pushed, responseEvent);
            notified |= notify;
            heldOff |= pushed > 0 && !notify;
            responseProducer = (responseProducer + pushed) % MOD;
            visibleResponses.addAll(unpushedResponses);
            unpushedResponses.clear();
            return notify;
        }

        /** Is {@code event} one of old+1 .. old+count (mod 2^32)? */
        private static boolean passes(long old, int count, long event) {
            for (int k = 1; k <= count; k++) {
                if ((old + k) % MOD == event) {
                    return true;
                }
            }
            return false;
        }

        void checkShared(SharedRing ring, FrontRing front, BackRing back) {
            assertThat(Integer.toUnsignedLong(ring.requestProducer())).as("req_prod").isEqualTo(requestProducer);
            assertThat(Integer.toUnsignedLong(ring.responseProducer())).as("rsp_prod").isEqualTo(responseProducer);
            assertThat(Integer.toUnsignedLong(ring.requestEvent())).as("req_event").isEqualTo(requestEvent);
            assertThat(Integer.toUnsignedLong(ring.responseEvent())).as("rsp_event").isEqualTo(responseEvent);
            assertThat(Integer.toUnsignedLong(front.requestProducerPrivate())).isEqualTo(requestProducerPrivate % MOD);
            assertThat(Integer.toUnsignedLong(front.responseConsumer())).isEqualTo(responseConsumer % MOD);
            assertThat(Integer.toUnsignedLong(back.requestConsumer())).isEqualTo(requestConsumer);
            assertThat(back.requestsInService()).as("requests in service").isEqualTo(inService.size());
            long inFlight = requestProducerPrivate - responseConsumer;
            assertThat(inFlight).isBetween(0L, (long) entries);
            assertThat(front.freeRequests()).isEqualTo(entries - inFlight);
        }
    }
}
