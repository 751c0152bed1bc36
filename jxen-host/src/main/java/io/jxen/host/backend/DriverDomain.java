package io.jxen.host.backend;

import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.xenbus.RingXenbusStore;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.hypercall.transport.RemoteGuestPlatform;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.SystemClock;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A block driver domain's kernel, in a JVM of its own (xl.cfg's {@code backend="name"} on a
 * guest's disk names this domain): it boots over its domain's hypercall socket and the shared
 * memory file, reaches xenstore over its own store ring, and serves
 * {@code /local/domain/<self>/backend/vbd/...} with the very blkback dom0 runs
 * ({@link VbdBackends}: same XenBus driver, grant windows in its physmap hole, file engine on the
 * image the backend's {@code params} names). Everything it holds in the hypervisor (its grant
 * mappings of the frontends' pages, its event channels) is its domain's, so destroying the
 * domain releases it whatever became of this process (Xen's {@code domain_kill}).
 *
 * <p>Its xl.cfg needs {@code maxmem} at least {@code memory} plus
 * {@link VbdBackends#WINDOW_RESERVE_PAGES} pages (about 68 MiB, GFNs only: nothing is populated
 * until a grant is mapped there). Prints one line, {@code driver domain d<N> ready}, once its
 * back bus watches its backend directory, then serves until the process is killed or the domain
 * destroyed.
 *
 * <p>Usage: {@code DriverDomain <hypercall socket of the domain>}.
 */
public final class DriverDomain {

    private DriverDomain() {
    }

    /** Pages of RAM plus window this domain's {@code maxmem} must allow. */
    public static long requiredMaxPages(long memoryPages) {
        return memoryPages + VbdBackends.WINDOW_RESERVE_PAGES;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: DriverDomain <hypercall socket>");
            System.exit(64);
        }
        RemoteGuestPlatform platform = RemoteGuestPlatform.connect(Path.of(args[0]));
        GuestKernel kernel = GuestKernel.boot(platform, GuestKernel.Options.defaults(SystemClock.INSTANCE));
        // Interrupts (the rings' event channels, the store ring) are taken on doorbell threads.
        VcpuThreads vcpus = VcpuThreads.startOnDoorbells(kernel);
        XenstoreRingClient xs = XenstoreRingClient.open(kernel);
        String staticMax = xs.read("/local/domain/" + kernel.domid() + "/memory/static-max");
        long maxPages = Long.parseLong(staticMax.trim()) / 4;
        if (maxPages < requiredMaxPages(kernel.nrPages())) {
            System.out.println("driver domain d" + kernel.domid() + ": maxmem of " + (maxPages >> 8)
                    + " MiB leaves no room for the grant windows; it needs " + ((requiredMaxPages(kernel.nrPages()) + 255) >> 8)
                    + " MiB");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        VbdBackends backends = VbdBackends.start(kernel, new RingXenbusStore(xs), SystemClock.INSTANCE,
                kernel.nrPages() + 16, ErrorHandler.printing());
        System.out.println("driver domain d" + kernel.domid() + " ready");
        System.out.flush();
        // Serves until killed, or until the domain is destroyed under it. Like a powered-off
        // machine it unwinds nothing: the domain's destruction releases what it held.
        new CountDownLatch(1).await();
        backends.hashCode();
        vcpus.hashCode();
    }
}
