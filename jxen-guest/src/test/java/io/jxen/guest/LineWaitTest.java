package io.jxen.guest;

import io.jxen.guest.intr.IrqHandler;
import io.jxen.hv.domain.Domain;
import io.jxen.hypercall.InterruptLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LineWait}: a guest thread sleeping on its vCPU's interrupt line runs the upcall itself
 * while the vCPU's idle thread, blocked in SCHEDOP_block, sleeps on; an upcall raised as the
 * sleeper leaves is delivered before it returns; a taken line sends the caller to its own wait.
 * Waits for other threads are guarded by {@link Timeout} only.
 */
class LineWaitTest {

    @Test
    @Timeout(60)
    void theSleeperRunsTheInterruptItWaitsForAndTheIdleThreadIsNotWoken() throws Exception {
        sleeperTakesTheInterrupt(false);
    }

    @Test
    @Timeout(60)
    void withFifoEventChannelsToo() throws Exception {
        sleeperTakesTheInterrupt(true);
    }

    private static void sleeperTakesTheInterrupt(boolean fifo) throws Exception {
        try (GuestHost host = new GuestHost()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            Domain du = host.domain(256, 1);
            GuestKernel guest = host.boot(du, 1, fifo);
            assertThat(guest.intr().fifo()).isEqualTo(fifo);
            AtomicReference<String> handledOn = new AtomicReference<>();
            AtomicBoolean done = new AtomicBoolean();
            int irq = guest.intr().allocAndBindLocalPort("xbd0", 0, IrqHandler.filter(() -> {
                handledOn.set(Thread.currentThread().getName());
                done.set(true);
            }));
            int back = dom0.intr().bindInterdomain("blkback", du.domid(), guest.intr().port(irq),
                    IrqHandler.filter(() -> { }));
            try (VcpuThreads idle = VcpuThreads.start(guest)) {
                assertThat(idle).isNotNull();
                while (host.hv.waitingVcpus() == 0) {
                    Thread.onSpinWait(); // the idle thread blocks in SCHEDOP_block
                }
                InterruptLine line = guest.vcpu(0).interruptLine();
                AtomicReference<Object> got = new AtomicReference<>();
                Thread sleeper = Thread.ofPlatform().name("program").start(() -> {
                    try {
                        got.set(LineWait.await(List.of(guest.vcpu(0)), () -> done.get() ? "done" : null));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                while (!line.attached()) {
                    Thread.onSpinWait();
                }
                long wakes = du.vcpu(0).wakes();
                dom0.intr().notify(back);
                sleeper.join();
                assertThat(got.get()).isEqualTo("done");
                assertThat(handledOn.get()).as("the filter ran on the sleeping thread").isEqualTo("program");
                assertThat(line.taken()).isEqualTo(1);
                assertThat(du.vcpu(0).wakes()).as("the idle thread slept through it").isEqualTo(wakes);
                assertThat(line.attached()).isFalse();

                // With nobody on the line the idle thread takes the next one, as before.
                done.set(false);
                dom0.intr().notify(back);
                while (!done.get()) {
                    Thread.onSpinWait();
                }
                assertThat(handledOn.get()).isEqualTo("guest-d" + du.domid() + "-vcpu0");
            }
        }
    }

    @Test
    void anUpcallRaisedWhileTheSleeperLeavesIsDeliveredBeforeItReturns() throws Exception {
        try (GuestHost host = new GuestHost()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            Domain du = host.domain(256, 1);
            GuestKernel guest = host.boot(du);
            AtomicInteger handled = new AtomicInteger();
            int irq = guest.intr().allocAndBindLocalPort("xbd0", 0, IrqHandler.filter(handled::incrementAndGet));
            int back = dom0.intr().bindInterdomain("blkback", du.domid(), guest.intr().port(irq),
                    IrqHandler.filter(() -> { }));
            guest.vcpu(0).poll();
            // What the caller waits for is there at its first look, and the event comes at that
            // very moment: no idle thread runs, so only the detaching sleeper can deliver it.
            Object got = LineWait.await(List.of(guest.vcpu(0)), () -> {
                dom0.intr().notify(back);
                return "ready";
            });
            assertThat(got).isEqualTo("ready");
            assertThat(handled.get()).isEqualTo(1);
            assertThat(guest.vcpu(0).upcallPending()).isFalse();
            assertThat(guest.vcpu(0).interruptLine().taken()).isEqualTo(1);
        }
    }

    @Test
    @Timeout(60)
    void aLineAnotherThreadWaitsOnIsNotShared() throws Exception {
        try (GuestHost host = new GuestHost()) {
            GuestKernel guest = host.boot(host.domain(256, 1));
            InterruptLine line = guest.vcpu(0).interruptLine();
            assertThat(line).as("an in-process hypervisor offers the line").isNotNull();
            AtomicReference<Object> got = new AtomicReference<>("unset");
            assertThat(line.attach()).isTrue();
            try {
                Thread other = Thread.ofPlatform().start(() -> {
                    try {
                        got.set(LineWait.await(List.of(guest.vcpu(0)), () -> "never asked"));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                other.join();
            } finally {
                line.detach();
            }
            assertThat(got.get()).as("nothing waited: the caller sleeps its own way").isNull();
        }
    }
}
