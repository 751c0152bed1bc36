package io.jxen.guest;

import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.sim.VirtualClock;

/** {@link GuestHost} for tests in sub-packages. */
public final class GuestHostAccess implements AutoCloseable {

    private final GuestHost host = new GuestHost();
    /** The hypervisor. */
    public final Hypervisor hv = host.hv;
    /** Queue of threaded handlers, drained by the test. */
    public final GuestHost.StepExecutor threads = host.threads;
    /** The virtual clock. */
    public final VirtualClock clock = host.clock;

    /** Creates and unpauses a domain. */
    public Domain domain(long pages, int vcpus) {
        return host.domain(pages, vcpus);
    }

    /** Boots a guest kernel on the domain. */
    public GuestKernel boot(Domain d) {
        return host.boot(d);
    }

    /** Boots a guest kernel whose grant tables use ABI {@code grantTableVersion}. */
    public GuestKernel boot(Domain d, int grantTableVersion) {
        return host.boot(d, grantTableVersion);
    }

    /** Boots a guest kernel on the FIFO event-channel ABI if {@code fifoEventChannels}, else 2-level. */
    public GuestKernel boot(Domain d, boolean fifoEventChannels) {
        return host.boot(d, 1, fifoEventChannels);
    }

    @Override
    public void close() {
        host.close();
    }
}
