package io.jxen.memory.futex;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DoorbellTest {

    private Arena arena;
    private MemorySegment page;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        page = arena.allocate(4096, 4096);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    @Test
    void awaitReturnsAtOnceWhenTheBellRangSinceLastSeen() {
        Doorbell bell = new Doorbell(page, 8);
        int seen = bell.rings();
        bell.ring();
        assertThat(bell.await(seen, -1)).isEqualTo(seen + 1);
    }

    @Test
    void awaitTimesOutWhenNobodyRings() {
        Doorbell bell = new Doorbell(page, 0);
        assertThat(bell.await(bell.rings(), 1_000_000)).isZero();
    }

    @Test
    void everyRingIsSeenByAWaiterInAnotherThread() throws Exception {
        Doorbell ping = new Doorbell(page, 0);
        Doorbell pong = new Doorbell(page, 64);
        int rounds = 20_000;
        AtomicInteger answered = new AtomicInteger();
        Thread responder = Thread.ofPlatform().start(() -> {
            int seen = 0;
            for (int i = 0; i < rounds; i++) {
                while (ping.rings() == seen) {
                    ping.await(seen, -1);
                }
                seen++;
                answered.incrementAndGet();
                pong.ring();
            }
        });
        int seen = 0;
        for (int i = 0; i < rounds; i++) {
            ping.ring();
            while (pong.rings() == seen) {
                pong.await(seen, -1);
            }
            seen++;
        }
        responder.join();
        assertThat(answered.get()).isEqualTo(rounds);
        assertThat(ping.rings()).isEqualTo(rounds);
    }
}
