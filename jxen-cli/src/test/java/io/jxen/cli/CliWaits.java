package io.jxen.cli;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Waits of the CLI's end-to-end tests, which run `jxen` commands against a live host. */
final class CliWaits {

    /** A thread per command, as each would be a process (the common pool may have one worker). */
    static final Executor OWN_THREAD = r -> Thread.ofPlatform().daemon().start(r);

    private CliWaits() {
    }

    /**
     * Waits until {@code condition} holds; after a minute (a hang guard, not a timing check) it
     * prints every thread's stack and locks and fails naming {@code what}.
     */
    static void until(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean() && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
            Thread.yield();
        }
        if (!condition.getAsBoolean()) {
            System.err.println(io.jxen.runtime.ThreadDumps.now()); // with the locks each thread holds and waits for
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }
}
