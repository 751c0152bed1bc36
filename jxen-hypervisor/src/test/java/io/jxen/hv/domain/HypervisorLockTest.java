package io.jxen.hv.domain;

import io.jxen.abi.OrderedAccess;
import io.jxen.memory.futex.Doorbell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The hypervisor lock holds doorbell wakes until its outermost release, issues them before a
 * condition wait, and loses none: a sleeper on the bell wakes (a lost wake would hang; the
 * {@link Timeout} only guards the build).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HypervisorLockTest {

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
    void wakesWaitForTheOutermostRelease() {
        HypervisorLock lock = new HypervisorLock();
        Doorbell a = new Doorbell(page, 0);
        Doorbell b = new Doorbell(page, 8);
        lock.lock();
        lock.lock();
        lock.wakeOnUnlock(a);
        lock.wakeOnUnlock(b);
        lock.wakeOnUnlock(a); // once per bell
        lock.wakeOnUnlock(b);
        assertThat(lock.deferredWakes()).isEqualTo(2);
        lock.unlock();
        assertThat(lock.deferredWakes()).isEqualTo(2);
        lock.unlock();
        assertThat(lock.deferredWakes()).isZero();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void withoutTheLockTheWakeIsImmediate() {
        HypervisorLock lock = new HypervisorLock();
        lock.wakeOnUnlock(new Doorbell(page, 0));
        assertThat(lock.deferredWakes()).isZero();
    }

    @Test
    void aConditionWaitIssuesTheWakesFirst() throws InterruptedException {
        HypervisorLock lock = new HypervisorLock();
        Condition condition = lock.newCondition();
        lock.lock();
        try {
            lock.wakeOnUnlock(new Doorbell(page, 0));
            assertThat(condition.awaitNanos(1)).isLessThanOrEqualTo(0);
            assertThat(lock.deferredWakes()).isZero();
        } finally {
            lock.unlock();
        }
    }

    @Test
    void unlockByAnotherThreadStillFails() throws InterruptedException {
        HypervisorLock lock = new HypervisorLock();
        lock.lock();
        lock.wakeOnUnlock(new Doorbell(page, 0));
        Throwable[] thrown = new Throwable[1];
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                lock.unlock();
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        other.join();
        assertThatThrownBy(() -> {
            throw thrown[0];
        }).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(lock.deferredWakes()).isEqualTo(1);
        lock.unlock();
        assertThat(lock.deferredWakes()).isZero();
    }

    @Test
    void aSleeperRungUnderTheLockWakesAfterTheRelease() throws InterruptedException {
        HypervisorLock lock = new HypervisorLock();
        Doorbell bell = new Doorbell(page, 0);
        int rounds = 2_000;
        AtomicInteger woken = new AtomicInteger();
        Thread sleeper = Thread.ofPlatform().start(() -> {
            int seen = 0;
            for (int i = 0; i < rounds; i++) {
                while (bell.rings() == seen) {
                    bell.await(seen, -1);
                }
                seen++;
                woken.incrementAndGet();
            }
        });
        for (int i = 0; i < rounds; i++) {
            // Every other round, wait until the sleeper is inside (its sleepers count is up), so
            // the deferred path is taken for real, not only the no-sleeper shortcut.
            while (i % 2 == 0 && OrderedAccess.getIntVolatile(page, 4) == 0 && woken.get() == i) {
                Thread.onSpinWait();
            }
            lock.lock();
            try {
                if (bell.raise()) {
                    lock.wakeOnUnlock(bell);
                }
            } finally {
                lock.unlock();
            }
            while (woken.get() == i) {
                Thread.onSpinWait();
            }
        }
        sleeper.join();
        assertThat(woken.get()).isEqualTo(rounds);
        assertThat(lock.deferredWakes()).isZero();
    }

    @Test
    void releasedWhileLetsGoOfEveryHoldIssuesTheWakesAndTakesThemBack() throws InterruptedException {
        HypervisorLock lock = new HypervisorLock();
        Condition condition = lock.newCondition();
        lock.lock();
        lock.lock();
        lock.wakeOnUnlock(new Doorbell(page, 0));
        long before = lock.signals();
        condition.signalAll();
        condition.signal();
        assertThat(lock.signals()).as("every signal is counted").isEqualTo(before + 2);
        AtomicInteger otherTookIt = new AtomicInteger();
        boolean result = lock.releasedWhile(() -> {
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThat(lock.deferredWakes()).as("issued on the release").isZero();
            Thread other = Thread.ofPlatform().start(() -> {
                lock.lock();
                otherTookIt.incrementAndGet();
                lock.unlock();
            });
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return true;
        }, tryLock -> tryLock.getAsBoolean());
        assertThat(result).isTrue();
        assertThat(otherTookIt).hasValue(1);
        assertThat(lock.getHoldCount()).isEqualTo(2);
        assertThat(lock.releasedWhile(() -> false, tryLock -> {
            throw new AssertionError("no hand-over spin after a poll that saw nothing");
        })).isFalse();
        assertThat(lock.getHoldCount()).isEqualTo(2);
        assertThat(lock.releasedWhile(() -> true, tryLock -> false)).as("gave up spinning: taken normally").isTrue();
        assertThat(lock.getHoldCount()).isEqualTo(2);
        lock.unlock();
        lock.unlock();
        assertThatThrownBy(() -> lock.releasedWhile(() -> true, tryLock -> true))
                .isInstanceOf(IllegalMonitorStateException.class);
    }
}
