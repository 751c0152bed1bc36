package io.jxen.host.console;

import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.XenException;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * dom0's console backend, as xenconsoled serves the primary consoles: it watches
 * {@code @introduceDomain}, {@code @releaseDomain} and {@code /local/domain/0/backend/console}, watches each introduced guest's
 * {@code console} directory, and for each guest whose
 * {@code /local/domain/N/console} has {@code type = xenconsoled}, a {@code ring-ref} and a
 * {@code port} (the nodes libxl writes, see the toolstack's {@code DomainBuilder}), maps the
 * console page through the guest's {@code GNTTAB_RESERVED_CONSOLE} grant (xenconsoled maps the
 * grant first and the gfn only as a fallback; jxen maps only the grant, as a device mapping so
 * the frame outlives a dying guest until we unmap it) and binds the port as dom0 IRQ
 * {@code xencons.dN}.
 *
 * <p>Everything read from the ring is hostile: see {@link ConsoleRing}. Nothing a guest does
 * can grow dom0's memory without bound: output history and each client's queue are bounded.
 */
public final class ConsoleBackend implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("xenconsoled");
    private static final String INTRODUCE_TOKEN = "xenconsoled-introduce";
    private static final String RELEASE_TOKEN = "xenconsoled-release";
    private static final String BACKENDS = "/local/domain/0/backend/console";
    private static final String BACKENDS_TOKEN = "xenconsoled-backends";

    private final GuestKernel dom0;
    private final GrantTableClient grants;
    private final XenstoreClient xs;
    private final LongFunction<MemorySegment> machineFrames;
    private final Map<Integer, ConsoleRing> consoles = new ConcurrentHashMap<>();
    private final Set<Integer> watched = new HashSet<>();
    private volatile boolean closed;

    private ConsoleBackend(GuestKernel dom0, XenstoreClient xs, LongFunction<MemorySegment> machineFrames) {
        this.dom0 = dom0;
        this.grants = dom0.grantTable();
        this.xs = xs;
        this.machineFrames = machineFrames;
    }

    /**
     * Starts serving consoles.
     *
     * @param dom0          dom0's booted kernel (grant maps, event channels; its vCPU must run)
     * @param xs            dom0's xenstore connection
     * @param machineFrames a device mapping's bus address to the frame (dom0's DMA view of
     *                      machine memory)
     */
    public static ConsoleBackend start(GuestKernel dom0, XenstoreClient xs, LongFunction<MemorySegment> machineFrames)
            throws XenstoreException, IOException {
        ConsoleBackend b = new ConsoleBackend(dom0, xs, machineFrames);
        xs.watch("@introduceDomain", INTRODUCE_TOKEN, (path, token) -> b.rescan());
        // jxen's toolstack introduces a domain before it writes the domain's tree (libxl does it
        // the other way round), so the console backend directories, which only dom0 can write,
        // announce a new console too.
        xs.watch(BACKENDS, BACKENDS_TOKEN, (path, token) -> b.rescan());
        xs.watch("@releaseDomain", RELEASE_TOKEN, (path, token) -> b.rescan());
        return b;
    }

    /** The console of a domain, if attached. */
    public Optional<ConsoleRing> console(int domid) {
        return Optional.ofNullable(consoles.get(domid));
    }

    /** Domains with an attached console. */
    public List<Integer> domains() {
        return List.copyOf(new java.util.TreeSet<>(consoles.keySet()));
    }

    /**
     * Attaches consoles of new domains and detaches those of domains that are gone (the watch
     * events say only that something changed; this compares with xenstore, as xenconsoled's
     * {@code enum_domains} does).
     */
    public synchronized void rescan() {
        if (closed) {
            return;
        }
        Set<Integer> present = new HashSet<>();
        try {
            for (String name : xs.directory("/local/domain")) {
                int domid;
                try {
                    domid = Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (domid == dom0.domid() || !introduced(domid)) {
                    continue; // a released domain's nodes may outlive it for a moment
                }
                present.add(domid);
                if (watched.add(domid)) {
                    // As xenconsoled's watch_domain: the console nodes may come after the
                    // introduction (the toolstack writes them in its transaction); the watch
                    // fires once now and again when they change.
                    xs.watch("/local/domain/" + domid + "/console", token(domid), (path, token) -> consoleChanged(domid));
                }
            }
        } catch (XenstoreException | IOException e) {
            LOG.log(System.Logger.Level.WARNING, "console scan: " + e.getMessage());
            return;
        }
        for (Integer domid : List.copyOf(watched)) {
            if (!present.contains(domid)) {
                watched.remove(domid);
                unwatch(domid);
                detach(domid);
            }
        }
    }

    private static String token(int domid) {
        return "xenconsoled-d" + domid;
    }

    private void unwatch(int domid) {
        try {
            xs.unwatch("/local/domain/" + domid + "/console", token(domid));
        } catch (XenstoreException | IOException e) {
            // the domain's watch may be gone with it; nothing else to undo
        }
    }

    private synchronized void consoleChanged(int domid) {
        if (!closed && watched.contains(domid) && !consoles.containsKey(domid)) {
            attach(domid);
        }
    }

    private boolean introduced(int domid) throws XenstoreException, IOException {
        byte[] answer = xs.request(XsMessageTypes.IS_DOMAIN_INTRODUCED, 0,
                XsPayload.joinStrings(Integer.toString(domid)));
        return answer.length > 0 && answer[0] == 'T';
    }

    private void attach(int domid) {
        String base = "/local/domain/" + domid + "/console";
        int port;
        try {
            String type = readOrNull(base + "/type");
            if (type != null && !type.equals("xenconsoled")) {
                return; // another backend's console (ioemu)
            }
            String portText = readOrNull(base + "/port");
            if (portText == null || readOrNull(base + "/ring-ref") == null) {
                return; // not written yet: the next @introduceDomain (or a rescan) tries again
            }
            port = Integer.parseInt(portText.trim());
        } catch (NumberFormatException | XenstoreException | IOException e) {
            LOG.log(System.Logger.Level.WARNING, "d" + domid + ": console nodes unusable: " + e.getMessage());
            return;
        }
        GrantTableClient.DeviceMapping mapping;
        try {
            mapping = grants.mapDeviceGrant(domid, GrantTableLimits.RESERVED_CONSOLE, false);
        } catch (XenException e) {
            LOG.log(System.Logger.Level.WARNING, "d" + domid + ": console grant: " + e.getMessage());
            return;
        }
        try {
            ConsoleRing ring = new ConsoleRing(dom0, domid, port, machineFrames.apply(mapping.mfn()), mapping);
            consoles.put(domid, ring);
        } catch (XenException | IllegalArgumentException e) {
            grants.unmapDeviceGrant(mapping);
            LOG.log(System.Logger.Level.WARNING, "d" + domid + ": console port " + port + ": " + e.getMessage());
        }
    }

    private String readOrNull(String path) throws XenstoreException, IOException {
        try {
            return xs.read(path);
        } catch (XenstoreException e) {
            if (e.error() == io.jxen.xenstore.wire.XsError.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    private void detach(int domid) {
        ConsoleRing ring = consoles.remove(domid);
        if (ring != null) {
            ring.close();
            try {
                grants.unmapDeviceGrant(ring.mapping());
            } catch (XenException e) {
                LOG.log(System.Logger.Level.WARNING, "d" + domid + ": console unmap: " + e.getMessage());
            }
        }
    }

    /** Stops watching and detaches every console. */
    @Override
    public synchronized void close() {
        closed = true;
        for (String[] w : new String[][] {{"@introduceDomain", INTRODUCE_TOKEN}, {"@releaseDomain", RELEASE_TOKEN},
                {BACKENDS, BACKENDS_TOKEN}}) {
            try {
                xs.unwatch(w[0], w[1]);
            } catch (XenstoreException | IOException e) {
                // the connection may be gone already; nothing more to undo there
            }
        }
        for (Integer domid : List.copyOf(watched)) {
            unwatch(domid);
        }
        watched.clear();
        for (Integer domid : List.copyOf(consoles.keySet())) {
            detach(domid);
        }
    }
}
