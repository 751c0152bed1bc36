package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.Vdisk;
import io.jxen.drivers.block.BlockDevice;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.guest.xenbus.XenbusDriver;
import io.jxen.guest.xenbus.XenbusDriverException;
import io.jxen.guest.xenbus.XenbusErrno;
import io.jxen.runtime.Clock;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * blkback on the XenBus back bus (device type {@code vbd}), with Linux blkback's order of
 * publication (io/blkif.h "Backend Device Properties", block.md section 2.4):
 *
 * <ul>
 * <li>probe, before InitWait: {@code feature-max-indirect-segments}, {@code max-ring-page-order}
 *     and legacy {@code max-ring-pages} (0 and 1 unless {@link #withMaxRingPageOrder}),
 *     {@code multi-queue-max-queues} (1 unless {@link #withMaxQueues});</li>
 * <li>connect, when the frontend is Initialised: reads {@code protocol} (unknown: refused, no
 *     guessing), {@code ring-page-order}/{@code num-ring-pages} and
 *     {@code multi-queue-num-queues} (over the maximum: refused, "Buggy or malicious guest"),
 *     {@code ring-ref} (or {@code ring-ref0..N-1} for a multi-page ring) and {@code event-channel} (under {@code queue-N/} for two or more
 *     queues); maps and binds one {@link Blkback} per ring; then publishes in one
 *     transaction {@code feature-flush-cache}, {@code feature-barrier}, {@code feature-discard}
 *     (+ {@code discard-granularity}, {@code discard-alignment}, {@code discard-secure}),
 *     {@code feature-persistent} (1 when this driver keeps persistent grants; used only if the
 *     frontend asked too), {@code sectors}, {@code info}, {@code sector-size},
 *     {@code physical-sector-size} before the bus publishes Connected.</li>
 * </ul>
 *
 * <p>FreeBSD's request-size extension ({@link BlkifRequestSizeExtension}, on unless
 * {@link #withoutRequestSizeExtension}): probe also publishes {@code max-requests},
 * {@code max-request-segments} (255) and {@code max-request-size}; when, and only when, the
 * frontend writes any of those keys or {@code ring-pages}, connect negotiates them (over the
 * backend's values: refused) and its backends take requests with segment blocks. FreeBSD's
 * frontend of that time names the ring size {@code ring-pages} and page 0's grant
 * {@code ring-ref} (then {@code ring-ref1..N-1}); both are accepted from such a frontend.
 * A frontend that writes none of them gets the standard protocol, exactly as without the
 * extension, with as many queues as it asks for. A frontend asking for the extension and for
 * two or more queues is refused (no implementation ever combined them: the extension's
 * frontends had one ring, multi-queue's never had segment blocks).
 *
 * <p>Data moves through persistent grants when both ends offer them, else by grant copy through
 * a bounce page per queue (unless {@link #withGrantMap}): the order measured by
 * {@code ./jxen bench blkif-grants} (docs/BENCHMARKS.md).
 *
 * <p>Every connected {@link Blkback} is handed to the listener, which runs it as an agent. A
 * refusal is a {@link XenbusDriverException}: the bus writes the {@code error} node and closes
 * this device only.
 */
public final class BlkbackXenbusDriver implements XenbusDriver {

    /** Opens the disk a backend node names (its {@code params} and {@code mode}). */
    @FunctionalInterface
    public interface DiskProvider {
        /** The disk for {@code device}; a {@code mode=r} device must come back read-only. */
        BlockDevice open(XenbusDevice device) throws IOException, io.jxen.xenstore.wire.XenstoreException;
    }

    /** Told of each backend once it is connected, and of its end. */
    public interface Listener {
        /** {@code back} serves its ring from now on: run it. */
        void connected(Blkback back);

        /** {@code back} stopped serving. */
        default void disconnected(Blkback back) {
        }
    }

    private static final Logger LOG = Logger.getLogger(BlkbackXenbusDriver.class.getName());

    private final GuestKernel kernel;
    private final GrantTableClient grants;
    private final DiskProvider disks;
    private final Clock clock;
    private final long windowBaseGfn;
    private final int maxIndirectSegments;
    private final int persistentGrants;
    private final Listener listener;
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final List<Blkback> connected = new CopyOnWriteArrayList<>();
    private int nextSlot;
    private volatile int maxQueues = 1;
    private volatile int maxRingPageOrder;
    private volatile boolean grantMap;
    private volatile boolean runnerArming;
    private volatile int requestSizeSegments = BlkifSegmentBlocks.MAX_SEGMENTS_PER_REQUEST;

    private static final class Device {
        final BlockDevice disk;
        final BlkifDeviceProfile profile;
        final long windowGfn;
        final List<Blkback> backs = new ArrayList<>();
        /** Bounce pages for grant copy, one per queue, allocated once and kept for reconnects. */
        final List<Long> bounce = new ArrayList<>();

        Device(BlockDevice disk, BlkifDeviceProfile profile, long windowGfn) {
            this.disk = disk;
            this.profile = profile;
            this.windowGfn = windowGfn;
        }
    }

    /**
     * @param kernel              the backend domain
     * @param grants              its grant client
     * @param disks               opens each device's disk
     * @param clock               for metrics
     * @param windowBaseGfn       first of a range of GFNs free in the backend's physmap; each
     *                            device takes {@link Blkback#WINDOW_PAGES} of them
     * @param maxIndirectSegments what {@code feature-max-indirect-segments} advertises (0: none)
     * @param listener            runs connected backends
     */
    public BlkbackXenbusDriver(GuestKernel kernel, GrantTableClient grants, DiskProvider disks, Clock clock,
                               long windowBaseGfn, int maxIndirectSegments, Listener listener) {
        this(kernel, grants, disks, clock, windowBaseGfn, maxIndirectSegments, 0, listener);
    }

    /**
     * As above, also offering persistent grants ({@code feature-persistent} = 1) up to
     * {@code persistentGrants} per device; each device then takes
     * {@link Blkback#windowPages(int)} GFNs of the window.
     */
    public BlkbackXenbusDriver(GuestKernel kernel, GrantTableClient grants, DiskProvider disks, Clock clock,
                               long windowBaseGfn, int maxIndirectSegments, int persistentGrants,
                               Listener listener) {
        this.persistentGrants = persistentGrants;
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.grants = Objects.requireNonNull(grants, "grants");
        this.disks = Objects.requireNonNull(disks, "disks");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.windowBaseGfn = windowBaseGfn;
        this.maxIndirectSegments = maxIndirectSegments;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public String type() {
        return "vbd";
    }

    /**
     * Offers up to {@code queues} rings per device ({@code multi-queue-max-queues}); call before
     * the bus starts. Default 1.
     *
     * @return this
     */
    public BlkbackXenbusDriver withMaxQueues(int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException("queues " + queues);
        }
        this.maxQueues = queues;
        return this;
    }

    /**
     * Accepts rings of up to {@code 2^order} pages: publishes {@code max-ring-page-order} = order
     * and the legacy {@code max-ring-pages} = 2^order (both schemes, io/blkif.h note 3); each
     * queue of a device then takes {@link Blkback#windowPages(int, int)} GFNs. Call before the
     * bus starts. Default 0 (one page).
     *
     * @return this
     */
    public BlkbackXenbusDriver withMaxRingPageOrder(int order) {
        Blkback.windowPages(0, order); // checks the range
        this.maxRingPageOrder = order;
        return this;
    }

    /**
     * Moves data of frontends without persistent grants by grant map (map, copy, unmap per
     * segment page) instead of the default grant copy. The default follows the measurement in
     * docs/BENCHMARKS.md ({@code ./jxen bench blkif-grants}): persistent grants first, then grant
     * copy, which beat grant map at every request size measured.
     *
     * @return this
     */
    public BlkbackXenbusDriver withGrantMap() {
        this.grantMap = true;
        return this;
    }

    /**
     * Makes every backend leave {@code req_event} to its runner ({@link Blkback#withRunnerArming()}):
     * only for a listener whose runner calls {@link Blkback#finalCheckForRequests()} before it
     * sleeps. Call before the bus starts.
     *
     * @return this
     */
    public BlkbackXenbusDriver withRunnerArming() {
        this.runnerArming = true;
        return this;
    }

    /**
     * Neither publishes nor honours FreeBSD's request-size extension: the frontend's
     * {@code max-request*} and {@code ring-pages} keys are ignored. Call before the bus starts.
     *
     * @return this
     */
    public BlkbackXenbusDriver withoutRequestSizeExtension() {
        this.requestSizeSegments = 0;
        return this;
    }

    /**
     * Offers FreeBSD's request-size extension up to {@code segments} segments per request
     * ({@code max-request-segments}, 1..255; default 255). Call before the bus starts.
     *
     * @return this
     */
    public BlkbackXenbusDriver withRequestSizeExtension(int segments) {
        BlkifRequestSizeExtension.offer(1, segments); // checks the range
        this.requestSizeSegments = segments;
        return this;
    }

    /** What probe publishes for the request-size extension, or null when it is off. */
    private BlkifRequestSizeExtension requestSizeOffer() {
        int segments = requestSizeSegments;
        return segments == 0 ? null : BlkifRequestSizeExtension.offer(1 << maxRingPageOrder, segments);
    }

    /** Backends currently connected (one per ring). */
    public List<Blkback> backends() {
        return List.copyOf(connected);
    }

    @Override
    public void probe(XenbusDevice device) throws Exception {
        Device d = devices.get(device.nodename());
        if (d == null) {
            BlockDevice disk = disks.open(device);
            long window;
            synchronized (this) {
                window = windowBaseGfn + (long) nextSlot++ * Blkback.windowPages(persistentGrants, maxRingPageOrder)
                        * maxQueues;
            }
            d = new Device(disk, BlkifDeviceProfile.of(disk, maxIndirectSegments), window);
            devices.put(device.nodename(), d);
        }
        BlkifDeviceProfile profile = d.profile;
        device.transaction(tx -> {
            String n = device.nodename() + "/";
            if (profile.maxIndirectSegments() > 0) {
                tx.write(n + "feature-max-indirect-segments", Integer.toString(profile.maxIndirectSegments()));
            }
            tx.write(n + "max-ring-page-order", Integer.toString(maxRingPageOrder));
            tx.write(n + "max-ring-pages", Integer.toString(1 << maxRingPageOrder));
            tx.write(n + "multi-queue-max-queues", Integer.toString(maxQueues));
            BlkifRequestSizeExtension offer = requestSizeOffer();
            if (offer != null) {
                tx.write(n + "max-requests", Integer.toString(offer.maxRequests()));
                tx.write(n + "max-request-segments", Integer.toString(offer.maxRequestSegments()));
                tx.write(n + "max-request-size", Long.toString(offer.maxRequestSize()));
            }
            return null;
        });
    }

    @Override
    public void connect(XenbusDevice device) throws Exception {
        Device d = devices.get(device.nodename());
        if (d == null) {
            throw new XenbusDriverException(XenbusErrno.ENODEV, "connect before probe");
        }
        String protocol = device.readOtherEnd("protocol", null);
        XenAbi abi = BlkifProtocol.parse(protocol).orElseThrow(() ->
                new XenbusDriverException(XenbusErrno.EINVAL, "unknown fe protocol " + protocol));
        BlkifRequestSizeExtension offer = requestSizeOffer();
        long freebsdRingPages = offer == null ? -1 : optional(device, "ring-pages");
        BlkifRequestSizeExtension requestSize = null;
        if (offer != null) {
            long maxRequests = optional(device, "max-requests");
            long maxSegments = optional(device, "max-request-segments");
            long maxSize = optional(device, "max-request-size");
            if (maxRequests >= 0 || maxSegments >= 0 || maxSize >= 0 || freebsdRingPages >= 0) {
                try {
                    requestSize = BlkifRequestSizeExtension.negotiate(offer, abi, maxRequests, maxSegments, maxSize);
                } catch (IllegalArgumentException e) {
                    throw new XenbusDriverException(XenbusErrno.EINVAL, e.getMessage() + ". Unable to connect.");
                }
            }
        }
        long numRingPages = optional(device, "num-ring-pages");
        if (freebsdRingPages >= 0) {
            // FreeBSD's name for the legacy page count: the same rules, and it must agree.
            if (numRingPages >= 0 && numRingPages != freebsdRingPages) {
                throw new XenbusDriverException(XenbusErrno.EINVAL, "ring-pages " + freebsdRingPages
                        + " and num-ring-pages " + numRingPages + " disagree");
            }
            numRingPages = freebsdRingPages;
        }
        int ringPages = ringPages(optional(device, "ring-page-order"), numRingPages);
        long queues = device.readOtherEndLong("multi-queue-num-queues", 1);
        if (queues < 1 || queues > maxQueues) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "Buggy or malicious guest: multi-queue-num-queues "
                    + queues + " (max " + maxQueues + ")");
        }
        if (requestSize != null && queues > 1) {
            // Segment blocks come from FreeBSD's 2010-2012 frontends, single-ring; multi-queue
            // came to blkif in 2015 with Linux, which never had segment blocks. No
            // implementation defines how they combine (per ring? max-requests of which ring?),
            // so a frontend asking for both is refused, not guessed at.
            throw new XenbusDriverException(XenbusErrno.EINVAL, "the request-size extension (max-request-*, "
                    + "ring-pages) and multi-queue-num-queues " + queues + " do not combine: use one ring with "
                    + "segment blocks, or several rings without them. Unable to connect.");
        }
        boolean frontendPersistent = device.readOtherEndLong("feature-persistent", 0) == 1;
        List<BlkbackConnection> rings = new ArrayList<>();
        for (int q = 0; q < queues; q++) {
            // One queue: top-level keys; two or more: only queue-N/ (io/blkif.h).
            String prefix = queues == 1 ? "" : "queue-" + q + "/";
            List<Integer> refs = new ArrayList<>(ringPages);
            for (int i = 0; i < ringPages; i++) {
                // One page: ring-ref; more: ring-ref0..N-1 and no ring-ref (io/blkif.h note 6).
                String key = prefix + (ringPages == 1 ? "ring-ref" : "ring-ref" + i);
                if (i == 0 && ringPages > 1 && freebsdRingPages >= 0 && device.readOtherEnd(key, null) == null) {
                    key = prefix + "ring-ref"; // FreeBSD's frontend: ring-ref, ring-ref1, ring-ref2...
                }
                long ringRef = device.readOtherEndLong(key, -1);
                if (ringRef < 0 || ringRef > Integer.MAX_VALUE) {
                    throw new XenbusDriverException(XenbusErrno.EINVAL, "missing or bad " + key);
                }
                refs.add((int) ringRef);
            }
            long port = device.readOtherEndLong(prefix + "event-channel", -1);
            if (port <= 0 || port > Integer.MAX_VALUE) {
                throw new XenbusDriverException(XenbusErrno.EINVAL, "missing or bad " + prefix + "event-channel");
            }
            rings.add(new BlkbackConnection(device.otherEndId(), refs, (int) port, abi, frontendPersistent));
        }
        stop(d);
        List<Blkback> started = new ArrayList<>();
        for (int q = 0; q < rings.size(); q++) {
            String name = "blkback." + device.otherEndId() + "." + device.id() + (queues == 1 ? "" : ".q" + q);
            Blkback back = new Blkback(kernel, grants, d.disk, d.profile,
                    d.windowGfn + (long) q * Blkback.windowPages(persistentGrants, maxRingPageOrder), persistentGrants,
                    clock, name).withMaxRingPageOrder(maxRingPageOrder);
            if (requestSize != null) {
                back.withRequestSizeExtension(requestSize);
            }
            if (runnerArming) {
                back.withRunnerArming();
            }
            if (!grantMap && !(frontendPersistent && persistentGrants > 0)) {
                while (d.bounce.size() <= q) {
                    d.bounce.add(kernel.pages().allocPage());
                }
                back.withGrantCopy(d.bounce.get(q));
            }
            if (!back.connect(rings.get(q))) {
                started.forEach(Blkback::disconnect);
                throw new XenbusDriverException(XenbusErrno.EINVAL, back.error());
            }
            started.add(back);
        }
        BlkifDeviceProfile p = d.profile;
        int info = p.readOnly() ? Vdisk.READONLY : 0;
        device.transaction(tx -> {
            String n = device.nodename() + "/";
            tx.write(n + "feature-flush-cache", p.flush() ? "1" : "0");
            tx.write(n + "feature-barrier", p.barrier() ? "1" : "0");
            tx.write(n + "feature-discard", p.discard() ? "1" : "0");
            if (p.discard()) {
                tx.write(n + "discard-granularity", Integer.toString(d.disk.physicalSectorSizeBytes()));
                tx.write(n + "discard-alignment", "0");
                tx.write(n + "discard-secure", p.discardSecure() ? "1" : "0");
            }
            tx.write(n + "feature-persistent", persistentGrants > 0 ? "1" : "0");
            tx.write(n + "sectors", Long.toString(p.sectors()));
            tx.write(n + "info", Integer.toString(info));
            tx.write(n + "sector-size", Integer.toString(p.sectorSizeBytes()));
            tx.write(n + "physical-sector-size", Integer.toString(d.disk.physicalSectorSizeBytes()));
            return null;
        });
        d.backs.addAll(started);
        for (Blkback back : started) {
            connected.add(back);
            LOG.info(back.roleName() + ": connected (protocol " + abi + ", " + p.sectors() + " sectors, ring of "
                    + ringPages + " page(s), " + back.ringEntries() + " entries"
                    + (requestSize == null ? "" : ", request-size extension " + requestSize) + ")");
            listener.connected(back);
        }
    }

    /** A key of the frontend as a number, -1 when absent, {@code Long.MAX_VALUE} past 2^63 (hostile). */
    private static long optional(XenbusDevice device, String key) throws Exception {
        if (device.readOtherEnd(key, null) == null) {
            return -1;
        }
        long value = device.readOtherEndLong(key, 0);
        return value < 0 ? Long.MAX_VALUE : value;
    }

    /**
     * The ring size a frontend asked for: {@code ring-page-order} (Citrix scheme) and/or legacy
     * {@code num-ring-pages} (Red Hat/Amazon scheme), -1 where absent; neither means one page.
     * Over the maximum, not a power of two, or the two disagreeing: refused, as Linux blkback's
     * "requested ring page order %d exceed max:%d".
     */
    private int ringPages(long order, long pages) throws XenbusDriverException {
        int max = maxRingPageOrder;
        if (order > max) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "requested ring page order " + order
                    + " exceeds max " + max);
        }
        if (pages == 0 || pages > 1L << max || (pages > 0 && Long.bitCount(pages) != 1)) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "requested num-ring-pages " + pages
                    + " is not a power of two up to " + (1 << max));
        }
        if (order >= 0 && pages > 0 && 1L << order != pages) {
            throw new XenbusDriverException(XenbusErrno.EINVAL, "ring-page-order " + order + " and num-ring-pages "
                    + pages + " disagree");
        }
        return order >= 0 ? 1 << order : pages > 0 ? (int) pages : 1;
    }

    @Override
    public void disconnect(XenbusDevice device) {
        Device d = devices.get(device.nodename());
        if (d != null) {
            stop(d);
        }
    }

    @Override
    public void detach(XenbusDevice device) throws IOException {
        Device d = devices.remove(device.nodename());
        if (d != null) {
            stop(d);
            d.bounce.forEach(kernel.pages()::freePage);
            d.disk.close();
        }
    }

    private void stop(Device d) {
        List<Blkback> backs = List.copyOf(d.backs);
        d.backs.clear();
        for (Blkback back : backs) {
            back.disconnect();
            connected.remove(back);
            listener.disconnected(back);
        }
    }
}
