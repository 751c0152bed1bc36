package io.jxen.drivers.block.back;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.BackendFeatures;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.drivers.block.front.FrontendRing;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/**
 * A host for block tests: machine memory in a temporary file, a real in-process hypervisor on a
 * virtual clock, dom0 (backends) and guests (frontends) booted on it, disk images in the same
 * temporary directory. Interrupt handlers run in the vCPU upcall, which {@link #step()} drives
 * on the test's thread, so runs are deterministic.
 */
public final class BlkifTestHost implements AutoCloseable {

    private static final int FRAMES = 8192;

    /** The temporary directory (memory file and images). */
    public final Path dir;
    /** The virtual clock. */
    public final VirtualClock clock;
    /** The hypervisor. */
    public final Hypervisor hv;
    /** dom0, where backends run. */
    public final GuestKernel dom0;
    /** dom0's grant client. */
    public final GrantTableClient dom0Grants;

    private final MachineMemory memory;
    private final List<GuestKernel> kernels = new ArrayList<>();
    private final List<Blkback> backends = new CopyOnWriteArrayList<>();
    private int images;

    /** Boots dom0 on a clock of its own. */
    public BlkifTestHost() {
        this(new VirtualClock(1_767_225_600_000_000_000L));
    }

    /** Boots dom0 with time from {@code clock} (a simulation runner's). */
    public BlkifTestHost(VirtualClock clock) {
        this.clock = clock;
        try {
            dir = Files.createTempDirectory("jxen-blkif");
            memory = MachineMemory.create(dir.resolve("host.mem"), FRAMES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hv = new Hypervisor(memory, clock);
        // 513 pages: the physmap hole up to the special pages (rounded to 512) is 511 GFNs wide,
        // room for the ring and data windows of the backends, persistent grants included.
        dom0 = boot(513);
        dom0Grants = dom0.grantTable();
    }

    /** Creates, unpauses and boots a one-vCPU domain of {@code pages} pages. */
    public GuestKernel boot(long pages) {
        return boot(pages, 1);
    }

    /** The same with grant-table ABI {@code grantTableVersion} (1 or 2) for its grant clients. */
    public GuestKernel boot(long pages, int grantTableVersion) {
        return boot(pages, grantTableVersion, false);
    }

    /** The same on the FIFO event-channel ABI if {@code fifoEventChannels}. */
    public GuestKernel boot(long pages, int grantTableVersion, boolean fifoEventChannels) {
        Domain d = hv.createDomain(DomainConfig.of(pages, 1));
        hv.unpause(d.domid());
        GuestKernel k = GuestKernel.boot(hv.platform(d.domid()),
                GuestKernel.Options.defaults(clock).withIntrThreads(Runnable::run).withGrantTableVersion(grantTableVersion)
                        .withFifoEventChannels(fifoEventChannels));
        kernels.add(k);
        return k;
    }

    /** A new sparse image of {@code sizeBytes}, opened by a synchronous engine. */
    public FileEngine image(long sizeBytes) throws IOException {
        return FileEngine.create(dir.resolve("disk" + images++ + ".img"), sizeBytes, FileEngine.Options.sync());
    }

    /** The first of {@link Blkback#WINDOW_PAGES} free GFNs in dom0's physmap hole for device {@code n}. */
    public long window(int n) {
        return dom0.nrPages() + 16 + (long) n * Blkback.WINDOW_PAGES;
    }

    /** A backend in dom0 for {@code disk}; {@link #step()} drives it. */
    public Blkback backend(io.jxen.drivers.block.BlockDevice disk, BlkifDeviceProfile profile, String name) {
        return backend(disk, profile, name, 0);
    }

    /** A backend offering up to {@code persistentGrants} persistent grants. */
    public Blkback backend(io.jxen.drivers.block.BlockDevice disk, BlkifDeviceProfile profile, String name,
                           int persistentGrants) {
        return backend(disk, profile, name, persistentGrants, 0);
    }

    /** A backend accepting rings of up to {@code 2^maxRingPageOrder} pages. */
    public synchronized Blkback backend(io.jxen.drivers.block.BlockDevice disk, BlkifDeviceProfile profile, String name,
                                        int persistentGrants, int maxRingPageOrder) {
        long window = dom0.nrPages() + nextWindowPage;
        nextWindowPage += Blkback.windowPages(persistentGrants, maxRingPageOrder);
        Blkback b = new Blkback(dom0, dom0Grants, disk, profile, window, persistentGrants, clock, name)
                .withMaxRingPageOrder(maxRingPageOrder);
        backends.add(b);
        return b;
    }

    private long nextWindowPage = 64;

    /** Adds a backend made elsewhere (by the XenBus driver) to those {@link #step()} drives. */
    public void drive(Blkback back) {
        backends.add(back);
    }

    /** Stops driving {@code back}. */
    public void stopDriving(Blkback back) {
        backends.remove(back);
    }

    /** The features a frontend reads from a backend advertising {@code profile}. */
    public static BackendFeatures features(BlkifDeviceProfile profile) {
        return features(profile, false);
    }

    /** The same with {@code feature-persistent}. */
    public static BackendFeatures features(BlkifDeviceProfile profile, boolean persistent) {
        return new BackendFeatures(profile.sectors(), profile.sectorSizeBytes(), profile.sectorSizeBytes(),
                profile.readOnly(), profile.flush(), profile.barrier(), profile.discard(), profile.discardSecure(),
                profile.maxIndirectSegments(), persistent);
    }

    /**
     * Connects {@code front} in {@code guest} to {@code back}: the explicit stand-in for XenBus
     * (front's ring, back maps and binds, back's properties to the front: the backend's Connected).
     */
    public static void connect(GuestKernel guest, Blkfront front, Blkback back) throws IOException {
        connect(guest, front, back, false, false);
    }

    /** The same, each side saying whether it asks for persistent grants. */
    public static void connect(GuestKernel guest, Blkfront front, Blkback back, boolean frontPersistent,
                               boolean backPersistent) throws IOException {
        BackendFeatures features = features(back.profile(), backPersistent).withMaxRingPageOrder(back.maxRingPageOrder());
        FrontendRing ring = front.connect(features);
        back.connect(new BlkbackConnection(guest.domid(), ring.ringRefs(), ring.eventChannel(), ring.abi(),
                frontPersistent));
        front.deviceProperties(features); // the backend is Connected: requests go onto the ring
    }

    /** One turn of every vCPU and backend; returns the work done. */
    public int step() {
        int work = 0;
        for (GuestKernel k : kernels) {
            work += k.vcpu(0).poll();
        }
        for (Blkback b : backends) {
            work += b.doWork();
        }
        for (GuestKernel k : kernels) {
            work += k.vcpu(0).poll();
        }
        return work;
    }

    /** Steps until the future is done; fails if nothing moves any more. */
    public CompletionWaiter waiter() {
        return future -> {
            int idle = 0;
            while (!future.isDone()) {
                if (step() == 0 && ++idle > 1000) {
                    throw new AssertionError("no progress: the request is stuck; backends " + describe());
                }
            }
        };
    }

    private String describe() {
        StringBuilder sb = new StringBuilder();
        for (GuestKernel k : kernels) {
            if (k.intr().lastHandlerFailure() != null) {
                sb.append("d").append(k.domid()).append(" handler failure ").append(k.intr().lastHandlerFailure()).append("; ");
            }
        }
        for (Blkback b : backends) {
            sb.append(b.roleName()).append(' ').append(b.state()).append(' ').append(b.error()).append(' ')
                    .append(b.metrics()).append("; ");
        }
        return sb.toString();
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
}
