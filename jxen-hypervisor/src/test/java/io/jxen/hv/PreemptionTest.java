package io.jxen.hv;

import io.jxen.hv.domain.Domain;
import io.jxen.hv.hypercall.Preemption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

/** A preemption point hands the fair hypervisor lock to a waiting vCPU, and only then. */
class PreemptionTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void aWaitingVcpuRunsAtThePreemptionPoint() throws InterruptedException {
        try (TestHost host = new TestHost(dir)) {
            Domain d = host.domain(4, 1);
            ReentrantLock lock = new ReentrantLock(true);
            Preemption preemption = new Preemption(lock);
            lock.lock();
            try {
                assertThat(preemption.point(d.vcpu(0))).as("nobody waits: keeps the lock").isTrue();
                assertThat(lock.isHeldByCurrentThread()).isTrue();
                AtomicBoolean ran = new AtomicBoolean();
                Thread other = Thread.ofPlatform().daemon().start(() -> {
                    lock.lock();
                    try {
                        ran.set(true);
                    } finally {
                        lock.unlock();
                    }
                });
                while (!lock.hasQueuedThreads()) {
                    Thread.onSpinWait();
                }
                assertThat(ran.get()).isFalse();
                assertThat(preemption.point(d.vcpu(0))).isTrue();
                assertThat(ran.get()).as("the waiter ran inside the preemption point").isTrue();
                assertThat(lock.getHoldCount()).isEqualTo(1);
                other.join();
                host.hv.destroyDomain(d.domid());
                assertThat(preemption.point(d.vcpu(0))).as("a dead domain's batch stops").isFalse();
            } finally {
                lock.unlock();
            }
        }
    }
}
