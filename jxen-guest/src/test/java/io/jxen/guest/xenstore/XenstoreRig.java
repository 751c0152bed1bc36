package io.jxen.guest.xenstore;

import io.jxen.guest.GuestHost;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.EventChannelOps;
import io.jxen.hv.domain.Domain;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** dom0 with a ring xenstored, and a guest whose start_info names its store ring and port. */
public final class XenstoreRig implements AutoCloseable {
    /** The host. */
    public final GuestHostAccess host = new GuestHostAccess();
    public final GuestKernel dom0;
    public final Domain du;
    public final GuestKernel guest;
    public final RingXenstored xenstored;
    public final GuestHost.StepExecutor watchThread = new GuestHost.StepExecutor();
    public final XenstoreRingClient xs;
    private Thread loop;
    private final AtomicBoolean stop = new AtomicBoolean();
    public final String home;

    public XenstoreRig(long seed) {
        this(seed, null);
    }

    /** A rig whose watch callbacks run on {@code watchExecutor} (null: the stepped {@link #watchThread}). */
    public XenstoreRig(long seed, java.util.concurrent.Executor watchExecutor) {
        this(seed, watchExecutor, 1);
    }

    /** A rig whose guest has {@code vcpus} vCPUs. */
    public XenstoreRig(long seed, java.util.concurrent.Executor watchExecutor, int vcpus) {
        dom0 = host.boot(host.domain(256, 1));
        du = host.domain(256, vcpus);
        // The toolstack: a port in the guest for dom0, the ring page, both in start_info.
        int port = (int) EventChannelOps.allocUnbound(dom0.vcpu(0), du.domid(), 0);
        assertThat(port).isPositive();
        du.setStore(STORE_GFN, port);
        guest = host.boot(du);
        xenstored = new RingXenstored(dom0, du.domid(), port, guest.memory().page(STORE_GFN), seed);
        xs = new XenstoreRingClient(guest, watchExecutor == null ? watchThread : watchExecutor);
        home = "/local/domain/" + du.domid();
    }

    /** One deterministic step of everything: daemon, guest upcalls, interrupt threads. */
    public int step() {
        int work = xenstored.doWork();
        work += guest.vcpu(0).poll();
        work += host.threads.drain();
        return work;
    }

    public void runUntil(BooleanSupplier done) {
        for (int i = 0; i < 1_000_000 && !done.getAsBoolean(); i++) {
            step();
        }
        assertThat(done.getAsBoolean()).as("goal reached within the step budget").isTrue();
    }

    public <T> T await(CompletableFuture<T> f) throws Exception {
        runUntil(f::isDone);
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    /** Runs {@link #step()} on a thread of its own (a vCPU plus the daemon) until {@link #close()}. */
    public void startLoop() {
        loop = Thread.ofPlatform().name("vcpu0+xenstored").start(() -> {
            while (!stop.get()) {
                if (step() == 0) {
                    Thread.onSpinWait();
                }
            }
        });
    }

    @Override
    public void close() {
        stop.set(true);
        if (loop != null) {
            try {
                loop.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        host.close();
    }

    /** The guest page of the store ring. */
    public static final long STORE_GFN = 200;
}
