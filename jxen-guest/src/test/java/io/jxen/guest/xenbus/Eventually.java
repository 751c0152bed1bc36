package io.jxen.guest.xenbus;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Waits for what the bus's worker threads do, without sleeping: futures with a generous
 * guard, or a spin on a condition. The guard only catches a hang; nothing waits for time.
 */
final class Eventually {

    static final long GUARD_SECONDS = 20;

    private Eventually() {
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    static void until(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                break;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    static <T> void untilEquals(String what, Supplier<T> actual, T expected) {
        until(what + " = " + expected, () -> expected.equals(actual.get()));
        assertThat(actual.get()).as(what).isEqualTo(expected);
    }
}
