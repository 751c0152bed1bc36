package io.jxen.memory.futex;

import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FutexTest {

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
    void waitWithTimeoutReturnsTimedOut() {
        assertThat(Futex.await(page, 0, 0, 1_000_000)).isEqualTo(FutexWaitResult.TIMED_OUT);
    }

    @Test
    void valueMismatchReturnsImmediately() {
        OrderedAccess.setIntVolatile(page, 0, 5);
        assertThat(Futex.await(page, 0, 4, -1)).isEqualTo(FutexWaitResult.VALUE_CHANGED);
    }

    @Test
    void wakeWakesAWaiterInAnotherThread() throws Exception {
        AtomicReference<FutexWaitResult> result = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> result.set(Futex.await(page, 64, 0, -1)));
        // Wake until the kernel reports it woke someone: no sleep, no timing assumption.
        while (Futex.wake(page, 64, 1) == 0) {
            assertThat(waiter.isAlive()).as("waiter returned without a wake: " + result.get()).isTrue();
            Thread.onSpinWait();
        }
        waiter.join();
        assertThat(result.get()).isEqualTo(FutexWaitResult.WOKEN);
    }

    @Test
    void wakeWithoutWaitersWakesNobody() {
        assertThat(Futex.wakeAll(page, 0)).isZero();
    }

    @Test
    void refusesVirtualThreadsHeapMemoryAndMisalignedWords() throws Exception {
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Futex.await(page, 0, 0, 0);
                failure.complete(null);
            } catch (Throwable t) {
                failure.complete(t);
            }
        }).join();
        assertThat(failure.get()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Futex.wake(MemorySegment.ofArray(new int[4]), 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Futex.wake(page, 2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Futex.wake(page, 4096, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
