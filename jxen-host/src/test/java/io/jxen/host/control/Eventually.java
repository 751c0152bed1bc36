package io.jxen.host.control;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Waits for what other threads do by spinning on a condition; the guard only catches a hang. */
final class Eventually {

    private Eventually() {
    }

    static void until(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean() && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }
}
