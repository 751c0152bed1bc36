package io.jxen.drivers.block.front;

import io.jxen.abi.blkif.Vdisk;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.guest.xenbus.XenbusDriver;
import io.jxen.guest.xenbus.XenbusDriverException;
import io.jxen.guest.xenbus.XenbusErrno;

import io.jxen.xenstore.client.XsNodeOps;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;
import java.util.List;
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
 * sets up a fresh ring (granted to the domain the device's {@code backend-id} names now) and publishes {@code ring-ref},
 * {@code event-channel}, {@code protocol} and {@code feature-persistent} in one transaction.
 * It asks for the lesser of its own {@link #withMaxRingPageOrder} and the backend's
 * {@code max-ring-page-order}/{@code max-ring-pages} (one page and no {@code ring-page-order}
 * unless both allow more; then {@code ring-page-order}, {@code num-ring-pages} and
 * {@code ring-ref0..N-1}), and for the lesser of its own and the
 * backend's {@code multi-queue-max-queues} queues: one queue publishes the top-level keys, two
 * or more {@code multi-queue-num-queues} and {@code queue-N/ring-ref}, {@code queue-N/event-channel}
 * only. It never writes the request-size extension keys. When the backend is Connected it reads
 * {@code sectors}, {@code sector-size}, {@code physical-sector-size}, {@code info} and the flush,
 * barrier and discard features, and only then puts requests on the rings (on a reconnect,
 * those in flight before it, replayed in order), and the disk is ready: {@link #whenConnected(String)} gives it
 * to guest programs as a {@link MultiQueueBlkfront} (a {@link io.jxen.drivers.block.BlockDevice}).
 */
public final class BlkfrontXenbusDriver implements XenbusDriver {

    private static final Logger LOG = Logger.getLogger(BlkfrontXenbusDriver.class.getName());

    private final GuestKernel kernel;
    private final GrantTableClient grants;
    private final int ownMaxIndirectSegments;
    private final boolean ownPersistent;
    private final CompletionWaiter waiter;
    private final Map<String, MultiQueueBlkfront> fronts = new ConcurrentHashMap<>();
    private final Map<String, Integer> unitByNode = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<MultiQueueBlkfront>> connectedById = new ConcurrentHashMap<>();
    private final AtomicInteger units = new AtomicInteger();
    private volatile int ownMaxQueues = 1;
    private volatile int ownMaxRingPageOrder;
    private volatile boolean spreadInterrupts;

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

    /**
     * Uses up to {@code queues} rings per disk when the backend offers {@code multi-queue-max-queues}
     * (Linux blkfront's {@code max_queues}); call before the bus starts. Default 1.
     *
     * @return this
     */
    public BlkfrontXenbusDriver withMaxQueues(int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException("queues " + queues);
        }
        this.ownMaxQueues = queues;
        return this;
    }

    /**
     * Asks for rings of up to {@code 2^order} pages (Linux blkfront's {@code max_ring_page_order}),
     * reduced to what the backend offers; call before the bus starts. Default 0 (one page).
     *
     * @return this
     */
    public BlkfrontXenbusDriver withMaxRingPageOrder(int order) {
        if (order < 0 || order > Blkfront.MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("ring page order " + order);
        }
        this.ownMaxRingPageOrder = order;
        return this;
    }

    /**
     * Delivers each queue's interrupt to a vCPU of its own ({@link MultiQueueBlkfront#withInterruptsSpread}):
     * for a guest whose every vCPU runs on a thread; call before the bus starts. Default off
     * (every queue on vCPU 0).
     *
     * @return this
     */
    public BlkfrontXenbusDriver withInterruptsSpread() {
        this.spreadInterrupts = true;
        return this;
    }

    /** Completes with the disk of device {@code id} (its {@code virtual-device} number) once it is connected. */
    public CompletableFuture<MultiQueueBlkfront> whenConnected(String id) {
        return connectedById.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** The disk of device {@code id}, if its rings are set up. */
    public Optional<MultiQueueBlkfront> device(String id) {
        return fronts.entrySet().stream().filter(e -> e.getKey().endsWith("/" + id)).map(Map.Entry::getValue)
                .findFirst();
    }

    @Override
    public void probe(XenbusDevice device) {
        unitByNode.computeIfAbsent(device.nodename(), n -> units.getAndIncrement());
    }

    @Override
    public void initialise(XenbusDevice device) throws Exception {
        long indirect = device.readOtherEndLong("feature-max-indirect-segments", 0);
        long maxOrderKey = device.readOtherEndLong("max-ring-page-order", -1);
        long maxPagesKey = device.readOtherEndLong("max-ring-pages", -1);
        int backendOrder = BackendFeatures.ringPageOrder(maxOrderKey, maxPagesKey);
        long backendQueues = Math.max(1, device.readOtherEndLong("multi-queue-max-queues", 1));
        int queues = (int) Math.min(ownMaxQueues, backendQueues);
        MultiQueueBlkfront front = fronts.get(device.nodename());
        if (front == null) {
            Integer unit = unitByNode.get(device.nodename());
            if (unit == null) {
                throw new XenbusDriverException(XenbusErrno.ENODEV, "not probed");
            }
            front = new MultiQueueBlkfront(kernel, grants, device.otherEndId(), unit, queues, ownMaxIndirectSegments,
                    ownPersistent, waiter).withMaxRingPageOrder(ownMaxRingPageOrder);
            if (spreadInterrupts) {
                front.withInterruptsSpread(kernel.vcpus());
            }
            fronts.put(device.nodename(), front);
        } else if (front.queues().size() > backendQueues) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "backend now offers " + backendQueues
                    + " queues, " + front.queues().size() + " in use");
        }
        if (front.connected()) {
            front.backendGone(); // a reconnect: in-flight requests go onto the new rings at its Connected
        }
        // The toolstack may have pointed the device at another domain (a driver domain
        // restarted under a new id): the rings, ports and replayed requests are granted to it.
        front.followBackend(device.otherEndId());
        // Until the backend is Connected only its transport limits are known. On a reconnect the
        // disk keeps what its previous backend said (size, flush, barrier, discard), as Linux
        // blkfront keeps its gendisk across blkif_recover: a request issued meanwhile must not
        // see a disk of 0 sectors, nor a flush complete at once as on a disk without a cache.
        // Nothing goes onto the rings before connect() below has the backend's own properties.
        BackendFeatures known = front.queues().getFirst().backendFeatures();
        int negotiatedIndirect = (int) Math.min(indirect, Integer.MAX_VALUE);
        BackendFeatures interim = known == null || known.sectors() == 0
                ? new BackendFeatures(0, 512, 512, false, false, false, false, false, negotiatedIndirect, false,
                backendOrder)
                : new BackendFeatures(known.sectors(), known.sectorSizeBytes(), known.physicalSectorSizeBytes(),
                known.readOnly(), known.flush(), known.barrier(), known.discard(), known.discardSecure(),
                negotiatedIndirect, known.persistent(), backendOrder);
        List<FrontendRing> rings = front.connect(interim);
        int ringPages = rings.getFirst().ringRefs().size();
        int used = rings.size();
        LOG.info(device.nodename() + ": backend max indirect segments " + indirect + ", ours "
                + ownMaxIndirectSegments + ", using " + front.queues().getFirst().maxIndirectSegments()
                + "; backend max queues " + backendQueues + ", ours " + ownMaxQueues + ", using " + used
                + "; backend max-ring-page-order " + maxOrderKey + " max-ring-pages " + maxPagesKey + ", ours "
                + ownMaxRingPageOrder + ", using " + ringPages + " page(s)");
        device.transaction(tx -> {
            String n = device.nodename() + "/";
            if (ringPages > 1) {
                // Both schemes with identical values (io/blkif.h note 3), as FreeBSD blkfront;
                // Linux writes only ring-page-order, and only for more than one page.
                tx.write(n + "ring-page-order", Integer.toString(Integer.numberOfTrailingZeros(ringPages)));
                tx.write(n + "num-ring-pages", Integer.toString(ringPages));
            } else {
                // A frontend that used more pages before a reconnect must not leave stale keys.
                rmIfPresent(tx, n + "ring-page-order");
                rmIfPresent(tx, n + "num-ring-pages");
            }
            if (used == 1) {
                writeRingRefs(tx, n, rings.getFirst());
                tx.write(n + "event-channel", Integer.toString(rings.getFirst().eventChannel()));
            } else {
                // io/blkif.h: with two or more queues, only the queue-N subtrees carry ring keys.
                tx.write(n + "multi-queue-num-queues", Integer.toString(used));
                for (int i = 0; i < used; i++) {
                    writeRingRefs(tx, n + "queue-" + i + "/", rings.get(i));
                    tx.write(n + "queue-" + i + "/event-channel", Integer.toString(rings.get(i).eventChannel()));
                }
            }
            tx.write(n + "protocol", "x86_64-abi");
            tx.write(n + "feature-persistent", ownPersistent ? "1" : "0");
            return null;
        });
    }

    /** {@code ring-ref} for one page, {@code ring-ref0..N-1} (and no {@code ring-ref}) for more (io/blkif.h note 6). */
    private static void writeRingRefs(XsNodeOps tx, String prefix, FrontendRing ring)
            throws XenstoreException, IOException {
        List<Integer> refs = ring.ringRefs();
        if (refs.size() == 1) {
            tx.write(prefix + "ring-ref", Integer.toString(refs.getFirst()));
            return;
        }
        rmIfPresent(tx, prefix + "ring-ref");
        for (int i = 0; i < refs.size(); i++) {
            tx.write(prefix + "ring-ref" + i, Integer.toString(refs.get(i)));
        }
    }

    private static void rmIfPresent(XsNodeOps tx, String path) throws XenstoreException, IOException {
        try {
            tx.rm(path);
        } catch (XenstoreException e) {
            if (e.error() != XsError.ENOENT) {
                throw e;
            }
        }
    }

    @Override
    public void connect(XenbusDevice device) throws Exception {
        MultiQueueBlkfront front = front(device);
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
                    front.queues().getFirst().maxIndirectSegments(),
                    device.readOtherEndLong("feature-persistent", 0) == 1);
        } catch (IllegalArgumentException e) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "backend properties: " + e.getMessage());
        }
        front.deviceProperties(features);
        whenConnected(device.id()).complete(front);
    }

    @Override
    public void disconnect(XenbusDevice device) {
        MultiQueueBlkfront front = fronts.get(device.nodename());
        if (front != null) {
            front.backendGone();
        }
    }

    @Override
    public void detach(XenbusDevice device) {
        unitByNode.remove(device.nodename());
        MultiQueueBlkfront front = fronts.remove(device.nodename());
        if (front != null) {
            front.close();
        }
        connectedById.remove(device.id());
    }

    private MultiQueueBlkfront front(XenbusDevice device) throws XenbusDriverException {
        MultiQueueBlkfront front = fronts.get(device.nodename());
        if (front == null) {
            throw new XenbusDriverException(XenbusErrno.ENODEV, "not probed");
        }
        return front;
    }
}
