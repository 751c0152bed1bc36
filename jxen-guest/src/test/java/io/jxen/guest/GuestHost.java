package io.jxen.guest;

import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

/**
 * A host for guest tests: machine memory in a temporary file, a real in-process hypervisor
 * on a virtual clock, and guest kernels booted on {@link Hypervisor#platform(int)}. Threaded
 * interrupt handlers go to {@link #threads}, a queue the test drains on its own thread, so
 * runs are deterministic.
 */
public final class GuestHost implements AutoCloseable {

    static final int FRAMES = 8192;

    final Path dir;
    final MachineMemory memory;
    final VirtualClock clock = new VirtualClock(1_767_225_600_000_000_000L);
    final Hypervisor hv;
    final StepExecutor threads = new StepExecutor();

    GuestHost() {
        try {
            dir = Files.createTempDirectory("jxen-guest");
            memory = MachineMemory.create(dir.resolve("host.mem"), FRAMES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hv = new Hypervisor(memory, clock);
    }

    Domain domain(long pages, int vcpus) {
        Domain d = hv.createDomain(DomainConfig.of(pages, vcpus));
        hv.unpause(d.domid());
        return d;
    }

    GuestKernel boot(Domain d) {
        return boot(d, 1);
    }

    GuestKernel boot(Domain d, int grantTableVersion) {
        return boot(d, grantTableVersion, false);
    }

    GuestKernel boot(Domain d, int grantTableVersion, boolean fifoEventChannels) {
        return GuestKernel.boot(hv.platform(d.domid()), GuestKernel.Options.defaults(clock).withIntrThreads(threads)
                .withGrantTableVersion(grantTableVersion).withFifoEventChannels(fifoEventChannels));
    }

    @Override
    public void close() {
        memory.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An executor whose tasks run only when the test says so, in submission order. */
    public static final class StepExecutor implements Executor {
        private final Deque<Runnable> queue = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable command) {
            queue.add(command);
        }

        /** Runs every queued task (and tasks they queue); returns how many ran. */
        public int drain() {
            int ran = 0;
            while (true) {
                Runnable r;
                synchronized (this) {
                    r = queue.poll();
                }
                if (r == null) {
                    return ran;
                }
                r.run();
                ran++;
            }
        }

        public synchronized int queued() {
            return queue.size();
        }
    }
}
