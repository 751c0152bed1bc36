package io.jxen.drivers.block.front;

import io.jxen.abi.blkif.Vdisk;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.guest.xenbus.XenbusDriver;
import io.jxen.guest.xenbus.XenbusDriverException;
import io.jxen.guest.xenbus.XenbusErrno;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * blkfront on the XenBus front bus (device type {@code vbd}). At the backend's InitWait it reads
 * the transport limits ({@code feature-max-indirect-segments}; absent means the original
 * protocol: direct requests only), settles on the lesser of its own maximum and the backend's,
 * sets up (or, on a reconnect, replays onto) a fresh ring and publishes {@code ring-ref},
 * {@code event-channel}, {@code protocol} and {@code feature-persistent} in one transaction.
 * It asks for one ring page and one queue, so it writes neither {@code ring-page-order} nor
 * {@code multi-queue-num-queues}, nor the request-size extension keys. When the backend is
 * Connected it reads {@code sectors}, {@code sector-size}, {@code physical-sector-size},
 * {@code info} and the flush, barrier and discard features, and the disk is ready:
 * {@link #whenConnected(String)} gives it to guest programs as a {@link Blkfront}.
 */
public final class BlkfrontXenbusDriver implements XenbusDriver {

    private static final Logger LOG = Logger.getLogger(BlkfrontXenbusDriver.class.getName());

    private final GuestKernel kernel;
    private final GrantTableClient grants;
    private final int ownMaxIndirectSegments;
    private final boolean ownPersistent;
    private final CompletionWaiter waiter;
    private final Map<String, Blkfront> fronts = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Blkfront>> connectedById = new ConcurrentHashMap<>();
    private final AtomicInteger units = new AtomicInteger();

    /**
     * @param kernel                 the guest
     * @param grants                 its grant client
     * @param ownMaxIndirectSegments this frontend's limit (0: never indirect)
     * @param waiter                 how blocking calls of the disks wait
     */
    public BlkfrontXenbusDriver(GuestKernel kernel, GrantTableClient grants, int ownMaxIndirectSegments,
                                CompletionWaiter waiter) {
        this(kernel, grants, ownMaxIndirectSegments, false, waiter);
    }

    /** As above; with {@code ownPersistent} it writes {@code feature-persistent} = 1 and uses them if the backend does. */
    public BlkfrontXenbusDriver(GuestKernel kernel, GrantTableClient grants, int ownMaxIndirectSegments,
                                boolean ownPersistent, CompletionWaiter waiter) {
        this.ownPersistent = ownPersistent;
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.grants = Objects.requireNonNull(grants, "grants");
        this.ownMaxIndirectSegments = ownMaxIndirectSegments;
        this.waiter = Objects.requireNonNull(waiter, "waiter");
    }

    @Override
    public String type() {
        return "vbd";
    }

    /** Completes with the disk of device {@code id} (its {@code virtual-device} number) once it is connected. */
    public CompletableFuture<Blkfront> whenConnected(String id) {
        return connectedById.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** The disk of device {@code id}, if probed. */
    public Optional<Blkfront> device(String id) {
        return fronts.entrySet().stream().filter(e -> e.getKey().endsWith("/" + id)).map(Map.Entry::getValue)
                .findFirst();
    }

    @Override
    public void probe(XenbusDevice device) {
        fronts.computeIfAbsent(device.nodename(), n -> new Blkfront(kernel, grants, device.otherEndId(),
                units.getAndIncrement(), ownMaxIndirectSegments, ownPersistent, waiter));
    }

    @Override
    public void initialise(XenbusDevice device) throws Exception {
        Blkfront front = front(device);
        long indirect = device.readOtherEndLong("feature-max-indirect-segments", 0);
        if (front.connected()) {
            front.backendGone(); // a reconnect: in-flight requests go onto the new ring
        }
        FrontendRing ring = front.connect(new BackendFeatures(0, 512, 512, false, false, false, false, false,
                (int) Math.min(indirect, Integer.MAX_VALUE)));
        LOG.info(device.nodename() + ": backend max indirect segments " + indirect + ", ours "
                + ownMaxIndirectSegments + ", using " + front.maxIndirectSegments());
        device.transaction(tx -> {
            String n = device.nodename() + "/";
            tx.write(n + "ring-ref", Integer.toString(ring.ringRefs().getFirst()));
            tx.write(n + "event-channel", Integer.toString(ring.eventChannel()));
            tx.write(n + "protocol", "x86_64-abi");
            tx.write(n + "feature-persistent", ownPersistent ? "1" : "0");
            return null;
        });
    }

    @Override
    public void connect(XenbusDevice device) throws Exception {
        Blkfront front = front(device);
        long sectors = device.readOtherEndLong("sectors", -1);
        if (sectors < 0) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "backend published no sectors");
        }
        int sectorSize = (int) device.readOtherEndLong("sector-size", 512);
        int physical = (int) device.readOtherEndLong("physical-sector-size", sectorSize);
        long info = device.readOtherEndLong("info", 0);
        BackendFeatures features;
        try {
            features = new BackendFeatures(sectors, sectorSize, physical, (info & Vdisk.READONLY) != 0,
                    device.readOtherEndLong("feature-flush-cache", 0) == 1,
                    device.readOtherEndLong("feature-barrier", 0) == 1,
                    device.readOtherEndLong("feature-discard", 0) == 1,
                    device.readOtherEndLong("discard-secure", 0) == 1,
                    front.maxIndirectSegments(),
                    device.readOtherEndLong("feature-persistent", 0) == 1);
        } catch (IllegalArgumentException e) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "backend properties: " + e.getMessage());
        }
        front.deviceProperties(features);
        whenConnected(device.id()).complete(front);
    }

    @Override
    public void disconnect(XenbusDevice device) {
        Blkfront front = fronts.get(device.nodename());
        if (front != null) {
            front.backendGone();
        }
    }

    @Override
    public void detach(XenbusDevice device) {
        Blkfront front = fronts.remove(device.nodename());
        if (front != null) {
            front.close();
        }
        connectedById.remove(device.id());
    }

    private Blkfront front(XenbusDevice device) throws XenbusDriverException {
        Blkfront front = fronts.get(device.nodename());
        if (front == null) {
            throw new XenbusDriverException(XenbusErrno.ENODEV, "not probed");
        }
        return front;
    }
}
