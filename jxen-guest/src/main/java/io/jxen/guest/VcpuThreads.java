package io.jxen.guest;

import io.jxen.guest.intr.IrqHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Real mode: one platform thread per vCPU running the idle loop ({@link GuestVcpu#idle()}:
 * block in {@code SCHEDOP_block} until an event, then take the upcall), so interrupt filters
 * run and threaded handlers get scheduled without anyone polling. Each vCPU gets a
 * {@code resched:c<N>} IPI, which {@link #close()} uses to wake it (Linux's reschedule IPI).
 * Platform threads, because a blocked hypercall over the socket transport waits in a foreign
 * call that would pin a virtual thread.
 */
public final class VcpuThreads implements AutoCloseable {

    private final GuestKernel kernel;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final int[] wakeIrqs;

    private VcpuThreads(GuestKernel kernel) {
        this(kernel, false);
    }

    private VcpuThreads(GuestKernel kernel, boolean onDoorbells) {
        this.kernel = kernel;
        this.wakeIrqs = new int[kernel.vcpus()];
        for (int v = 0; v < wakeIrqs.length; v++) {
            wakeIrqs[v] = kernel.intr().bindIpi("resched:c" + v, v, IrqHandler.filter(() -> { }));
        }
        // Halt-polling on the doorbell (on the system clock only; a guest in its own JVM gets
        // its host's setting on the command line, see HaltPoll#jvmOptions).
        io.jxen.runtime.HaltPoll haltPoll = io.jxen.runtime.HaltPoll.forClock(kernel.options().clock());
        for (int v = 0; v < wakeIrqs.length; v++) {
            GuestVcpu vcpu = kernel.vcpu(v);
            io.jxen.memory.futex.Doorbell bell = onDoorbells ? kernel.platform().doorbell(v) : null;
            threads.add(Thread.ofPlatform().daemon().name("guest-d" + kernel.domid() + "-vcpu" + v).start(() -> {
                while (!stop.get()) {
                    if (bell != null) {
                        vcpu.idleOnDoorbell(bell, haltPoll);
                    } else {
                        vcpu.idle();
                    }
                }
            }));
        }
    }

    /** Starts a thread per vCPU of {@code kernel}. */
    public static VcpuThreads start(GuestKernel kernel) {
        return new VcpuThreads(kernel);
    }

    /**
     * Starts a thread per vCPU that idles on the vCPU's doorbell ({@link GuestVcpu#idleOnDoorbell}):
     * for a guest in its own JVM, whose vCPU hypercalls share one socket each.
     */
    public static VcpuThreads startOnDoorbells(GuestKernel kernel) {
        return new VcpuThreads(kernel, true);
    }

    /** Stops the loops: wakes each vCPU with its IPI and joins its thread. */
    @Override
    public void close() {
        stop.set(true);
        for (int irq : wakeIrqs) {
            kernel.intr().notify(irq);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (int irq : wakeIrqs) {
            kernel.intr().unbind(irq);
        }
    }
}
