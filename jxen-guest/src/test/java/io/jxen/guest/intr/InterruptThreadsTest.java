package io.jxen.guest.intr;

import io.jxen.guest.GuestKernel;
import io.jxen.runtime.SystemClock;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Threaded interrupt handlers run on daemon platform threads by default, never on virtual threads. */
class InterruptThreadsTest {

    @Test
    void defaultInterruptThreadsArePlatformDaemonThreads() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        GuestKernel.Options.defaults(SystemClock.INSTANCE).intrThreads().execute(() -> ran.complete(Thread.currentThread()));
        Thread t = ran.get(1, TimeUnit.MINUTES); // a hang guard
        assertThat(t.isVirtual()).isFalse();
        assertThat(t.isDaemon()).isTrue();
        assertThat(t.getName()).startsWith("xen-ithread-");
    }

    /** A handler that blocks does not hold up another: each run gets an idle thread or a new one. */
    @Test
    void aBlockedHandlerDoesNotHoldUpAnother() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> second = new CompletableFuture<>();
        InterruptThreads.shared().execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        InterruptThreads.shared().execute(() -> second.complete(null));
        second.get(1, TimeUnit.MINUTES); // a hang guard
        release.countDown();
    }
}
