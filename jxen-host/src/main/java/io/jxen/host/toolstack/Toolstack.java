package io.jxen.host.toolstack;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.host.config.DiskSpec;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.config.LifecycleAction;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainListener;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.runtime.Agent;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.client.XenstoreOps;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The engine behind the {@code xl} verbs: create, list, pause, unpause, shutdown, reboot,
 * destroy, and the reaction to a guest's own shutdown ({@code on_poweroff}, {@code on_reboot},
 * {@code on_crash}, {@code on_watchdog}).
 *
 * <p>The hypervisor tells the toolstack of shutdowns and destructions through a
 * {@link DomainListener} (called under the hypervisor's lock, so it only queues them, as xl
 * reacts to {@code @releaseDomain} / {@code VIRQ_DOM_EXC} later); {@link #doWork()} applies
 * the configured action. It is an {@link Agent}: a runner gives it a thread in a real host,
 * tests call {@code doWork()} themselves and need no sleeps.
 *
 * <p>All public operations are serialised on this object.
 */
public final class Toolstack implements Agent {

    /** dom0's name in xenstore and {@code xl list}. */
    public static final String DOM0_NAME = "Domain-0";

    /** A shutdown ({@code domain} set) or a destruction ({@code domain} null). */
    private record Event(int domid, Domain domain, ShutdownReason reason) {
    }

    private final Hypervisor hv;
    private final XenstoreClient xs;
    private final DomainBuilder builder;
    private final Map<Integer, DomainRecord> domains = new TreeMap<>();
    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    private volatile Consumer<String> log = line -> { };
    private volatile JvmKernels jvmKernels;
    private volatile InProcessKernels inProcessKernels;
    private volatile Runnable eventQueued = () -> { };

    /**
     * Runs the kernels of domains that are not {@code jvm:} ones in this process (what
     * {@code jxen run} boots its guests with), so that {@code xl create} and
     * {@code on_reboot = "restart"} get a running guest and not an empty domain.
     */
    public interface InProcessKernels {

        /** Boots {@code domid}'s kernel; a domain already booted is left alone. */
        void boot(int domid) throws IOException;

        /** Stops what runs {@code domid}'s kernel (the domain is gone). */
        void stop(int domid);
    }

    /** Boots non-{@code jvm:} kernels with {@code kernels} from now on. */
    public void setInProcessKernels(InProcessKernels kernels) {
        this.inProcessKernels = kernels;
    }

    /**
     * @param hv      the hypervisor (dom0 must exist)
     * @param xs      a dom0 connection to xenstored
     * @param privcmd dom0's privileged hypercalls
     */
    public Toolstack(Hypervisor hv, XenstoreClient xs, Privcmd privcmd) {
        this.hv = Objects.requireNonNull(hv);
        this.xs = Objects.requireNonNull(xs);
        this.builder = new DomainBuilder(hv, xs, privcmd);
        hv.addListener(new DomainListener() {
            @Override
            public void onShutdown(Domain domain, ShutdownReason reason) {
                events.add(new Event(domain.domid(), domain, reason));
                eventQueued.run();
            }

            @Override
            public void onDestroy(int domid) {
                events.add(new Event(domid, null, null));
                eventQueued.run();
            }
        });
    }

    /**
     * Runs {@code wake} after each shutdown or destruction is queued for {@link #doWork()} (the
     * host wakes the lifecycle agent's runner with it, so on_poweroff and friends are applied at
     * once, not after the runner's next park). It runs under the hypervisor's lock: it must only
     * wake a thread.
     */
    public void setEventQueued(Runnable wake) {
        this.eventQueued = Objects.requireNonNull(wake, "wake");
    }

    /**
     * A toolstack for dom0 (domain 0, which must exist), using the page just below dom0's
     * start_info as its hypercall buffer.
     */
    public static Toolstack forDom0(Hypervisor hv, XenstoreClient xs) {
        return new Toolstack(hv, xs, Privcmd.forDom0(hv));
    }

    /**
     * Boots {@code kernel = "jvm:<main class>"} domains in JVMs of their own from now on (at
     * create, and at unpause of one created paused); without it such a domain is built and waits
     * for whoever runs its kernel.
     */
    public void setJvmKernels(JvmKernels kernels) {
        this.jvmKernels = kernels;
    }

    /** What boots {@code jvm:} kernels, or null. */
    public JvmKernels jvmKernels() {
        return jvmKernels;
    }

    /** Where lifecycle messages go ("d1 (web) powered off: destroy"); discarded by default. */
    public void setLog(Consumer<String> sink) {
        this.log = Objects.requireNonNull(sink);
    }

    /**
     * Writes dom0's own entries, {@code /local/domain/0/{name, domid}}, as xencommons does.
     *
     * @throws ToolstackException if xenstored fails
     */
    public synchronized void initDom0() throws ToolstackException {
        try {
            xs.inTransaction(tx -> {
                tx.write("/local/domain/0/name", DOM0_NAME);
                tx.write("/local/domain/0/domid", "0");
                return null;
            });
        } catch (XenstoreException | IOException e) {
            throw new ToolstackException("writing dom0's xenstore entries failed: " + e, e);
        }
    }

    /**
     * {@code xl create}: builds the domain and unpauses it.
     *
     * @return the new domain id
     * @throws ToolstackException if the name is taken or building fails (nothing is kept)
     */
    public int create(GuestConfig cfg) throws ToolstackException {
        return create(cfg, false);
    }

    /**
     * {@code xl create [-p]}.
     *
     * @param paused leave the domain paused ({@code -p})
     * @return the new domain id
     * @throws ToolstackException if the name is taken or building fails (nothing is kept)
     */
    public synchronized int create(GuestConfig cfg, boolean paused) throws ToolstackException {
        try {
            doWork(); // settle earlier deaths first, so their ids and names are free
        } catch (ToolstackException e) {
            log.accept("an earlier lifecycle action failed: " + e.getMessage());
        }
        if (cfg.name().equals(DOM0_NAME) || domidOf(cfg.name()) >= 0) {
            throw new ToolstackException("domain '" + cfg.name() + "' already exists; pick another name");
        }
        for (DomainRecord other : domains.values()) {
            if (other.config().uuid().equals(cfg.uuid())) {
                throw new ToolstackException("uuid " + cfg.uuid() + " is already used by d" + other.domid() + " ("
                        + other.config().name() + "); give " + cfg.name() + " another uuid or none");
            }
        }
        // A driver domain created again under a name guests' disks still name as their
        // backend= takes back the id those frontends know (libxl's create_info.domid), so their
        // backend paths stay valid, and gets their backend halves again below. If another
        // domain has that id now, it comes up under a new one and the vbds are moved to it.
        List<DomainRecord.Device> served = servedBy(cfg.name());
        int requested = served.isEmpty() ? -1 : served.getFirst().backendDomid();
        if (requested >= 0 && hv.byId(requested) != null) {
            requested = -1; // the id went to another domain meanwhile
        }
        DomainRecord r = builder.build(cfg, this::backendDomid, requested);
        domains.put(r.domid(), r);
        if (!served.isEmpty()) {
            try {
                if (r.domid() == requested) {
                    reAddBackends(r.domid(), cfg.name());
                } else {
                    moveBackends(r.domid(), cfg.name());
                }
            } catch (ToolstackException e) {
                log.accept("d" + r.domid() + " (" + cfg.name() + "): " + e.getMessage());
            }
        }
        if (!paused) {
            hv.unpause(r.domid());
            boot(r);
        }
        log.accept("d" + r.domid() + " (" + cfg.name() + ") created");
        return r.domid();
    }

    /** Starts a {@code jvm:} kernel; if it cannot start, the domain goes again. */
    private void boot(DomainRecord r) throws ToolstackException {
        JvmKernels kernels = jvmKernels;
        String main = JvmKernels.mainClass(r.config().kernel());
        InProcessKernels local = inProcessKernels;
        if (main == null && local != null) {
            try {
                local.boot(r.domid());
            } catch (IOException | RuntimeException e) {
                destroy(r.domid());
                throw new ToolstackException("booting d" + r.domid() + " (" + r.config().name() + "): " + e.getMessage(), e);
            }
            return;
        }
        if (kernels == null || main == null || kernels.running(r.domid()).isPresent()) {
            return;
        }
        try {
            kernels.launch(r.domid(), main);
        } catch (IOException e) {
            destroy(r.domid());
            throw new ToolstackException("booting d" + r.domid() + " (" + r.config().name() + "): " + e.getMessage(), e);
        }
    }

    /**
     * Gives {@code domid} read access again to a frontend's directory and everything the
     * frontend wrote under it: xenstored dropped the dead domain's entries from every permission
     * list (XSA-322), and the new instance must read {@code state}, {@code ring-ref} and the rest.
     */
    private static void grantRead(XenstoreOps tx, String path, int domid)
            throws XenstoreException, IOException {
        List<String> perms = new ArrayList<>(tx.getPerms(path));
        String entry = "r" + domid;
        if (!perms.contains(entry) && !perms.contains("b" + domid)) {
            perms.add(entry);
            tx.setPerms(path, perms);
        }
        for (String child : tx.directory(path)) {
            grantRead(tx, path + "/" + child, domid);
        }
    }

    /** A disk's {@code backend=}: a domain name or id (libxl_domain_qualifier_to_domid), or -1. */
    private int backendDomid(String qualifier) {
        if (!qualifier.isEmpty() && qualifier.chars().allMatch(c -> c >= '0' && c <= '9') && qualifier.length() < 6) {
            int id = Integer.parseInt(qualifier);
            return id == 0 || domains.containsKey(id) ? id : -1;
        }
        return domidOf(qualifier);
    }

    /** The vbds of live guests whose {@code backend=} names {@code name}. */
    private List<DomainRecord.Device> servedBy(String name) {
        List<DomainRecord.Device> served = new ArrayList<>();
        for (DomainRecord guest : domains.values()) {
            int disk = 0;
            for (DomainRecord.Device dev : guest.devices()) {
                if (dev.kind().equals("vbd")) {
                    DiskSpec spec = guest.config().disks().get(disk++);
                    if (name.equals(spec.backend()) && dev.backendDomid() != 0) {
                        served.add(dev);
                    }
                }
            }
        }
        return served;
    }

    /**
     * Writes again the backend halves of the vbds a driver domain served before it died: they
     * went with its home when it was destroyed. They come back Closed: a frontend that saw its
     * backend vanish is Closed already, one that missed it (destroy and create in quick
     * succession) closes now and keeps its requests; both reconnect and replay when the new
     * instance reaches InitWait.
     */
    private void reAddBackends(int backendDomid, String name) throws ToolstackException {
        try {
            xs.inTransaction(tx -> {
                for (DomainRecord guest : domains.values()) {
                    int disk = 0;
                    for (DomainRecord.Device dev : guest.devices()) {
                        if (dev.kind().equals("vbd")) {
                            DiskSpec spec = guest.config().disks().get(disk++);
                            if (name.equals(spec.backend()) && dev.backendDomid() == backendDomid) {
                                DomainBuilder.writeVbdBackend(tx, guest.domid(), dev, spec,
                                        XenbusState.CLOSED);
                                grantRead(tx, dev.frontend(), backendDomid);
                            }
                        }
                    }
                }
                return null;
            });
        } catch (XenstoreException | IOException e) {
            throw new ToolstackException("re-adding the backends of d" + backendDomid + " failed: " + e, e);
        }
    }

    /**
     * Points the vbds whose {@code backend=} names {@code name} at its new incarnation, domain
     * {@code backendDomid}, when their old backend id went to another domain. In one
     * transaction, per vbd, as libxl's {@code libxl__device_generic_add} lays a device out: the
     * backend half under the new domain's home (state Closed, as {@link #reAddBackends}), the
     * frontend's {@code backend} and {@code backend-id} rewritten (the frontend's bus follows
     * them: it watches the new backend's state and grants its rings to the new domain), its
     * directory readable by the new domain, and {@code /libxl/N/device} naming the new backend
     * path (what destroy removes). libxl's own generic_add recreates the frontend directory
     * whole (state 1); jxen keeps the frontend's own nodes so it keeps its requests and replays them.
     */
    private void moveBackends(int backendDomid, String name) throws ToolstackException {
        Map<Integer, DomainRecord> moved = new TreeMap<>();
        for (DomainRecord guest : domains.values()) {
            List<DomainRecord.Device> devices = new ArrayList<>();
            boolean changed = false;
            int disk = 0;
            for (DomainRecord.Device dev : guest.devices()) {
                if (dev.kind().equals("vbd")) {
                    DiskSpec spec = guest.config().disks().get(disk++);
                    if (name.equals(spec.backend()) && dev.backendDomid() != 0 && dev.backendDomid() != backendDomid) {
                        dev = new DomainRecord.Device(dev.kind(), dev.devid(), dev.frontend(),
                                XenstorePaths.backend(backendDomid, spec.backendKind(), guest.domid(), dev.devid()),
                                backendDomid);
                        changed = true;
                    }
                }
                devices.add(dev);
            }
            if (changed) {
                moved.put(guest.domid(), guest.withDevices(devices));
            }
        }
        try {
            xs.inTransaction(tx -> {
                for (DomainRecord guest : moved.values()) {
                    int disk = 0;
                    for (DomainRecord.Device dev : guest.devices()) {
                        if (!dev.kind().equals("vbd")) {
                            continue;
                        }
                        DiskSpec spec = guest.config().disks().get(disk++);
                        if (dev.backendDomid() != backendDomid) {
                            continue;
                        }
                        DomainBuilder.writeVbdBackend(tx, guest.domid(), dev, spec, XenbusState.CLOSED);
                        grantRead(tx, dev.frontend(), backendDomid);
                        tx.write(dev.frontend() + "/backend", dev.backend());
                        tx.write(dev.frontend() + "/backend-id", Integer.toString(backendDomid));
                        tx.write(XenstorePaths.libxl(guest.domid()) + "/device/" + dev.kind() + "/" + dev.devid()
                                + "/backend", dev.backend());
                    }
                }
                return null;
            });
        } catch (XenstoreException | IOException e) {
            throw new ToolstackException("moving the vbds of " + name + " to d" + backendDomid + " failed: " + e, e);
        }
        domains.putAll(moved);
        for (DomainRecord guest : moved.values()) {
            log.accept("d" + guest.domid() + " (" + guest.config().name() + "): its disks on " + name
                    + " now point at d" + backendDomid);
        }
    }

    /**
     * {@code xl destroy}: kills the domain and removes everything the toolstack made for it.
     *
     * @throws ToolstackException if there is no such guest or xenstored fails
     */
    public synchronized void destroy(int domid) throws ToolstackException {
        DomainRecord r = domains.remove(domid);
        if (r == null) {
            throw new ToolstackException(domid == 0 ? "dom0 cannot be destroyed" : "no domain " + domid);
        }
        hv.destroyDomain(domid);
        stopKernel(domid);
        cleanUp(r);
        log.accept("d" + domid + " (" + r.config().name() + ") destroyed");
    }

    private void stopKernel(int domid) {
        JvmKernels kernels = jvmKernels;
        if (kernels != null) {
            kernels.stop(domid);
        }
        InProcessKernels local = inProcessKernels;
        if (local != null) {
            local.stop(domid);
        }
    }

    private void cleanUp(DomainRecord r) throws ToolstackException {
        try {
            try {
                xs.request(XsMessageTypes.RELEASE, 0, XsPayload.joinStrings(Integer.toString(r.domid())));
            } catch (XenstoreException e) {
                if (e.error() != XsError.ENOENT) {
                    throw e;
                }
            }
            Teardown.removeNodes(xs, r.domid(), r.config());
        } catch (XenstoreException | IOException e) {
            throw new ToolstackException("removing d" + r.domid() + "'s xenstore nodes failed: " + e, e);
        }
    }

    /** {@code xl pause}; false if there is no such guest. */
    public synchronized boolean pause(int domid) {
        return domains.containsKey(domid) && hv.pause(domid);
    }

    /** {@code xl unpause}; false if there is no such guest or it was not paused. */
    public synchronized boolean unpause(int domid) {
        if (!domains.containsKey(domid) || !hv.unpause(domid)) {
            return false;
        }
        try {
            boot(domains.get(domid));
        } catch (ToolstackException e) {
            log.accept(e.getMessage());
            return false;
        }
        return true;
    }

    /**
     * {@code xl shutdown}: asks the guest to power off by writing {@code poweroff} to its
     * {@code control/shutdown}; the guest acknowledges and shuts itself down, and
     * {@code on_poweroff} applies then.
     *
     * @throws ToolstackException if there is no such guest or xenstored fails
     */
    public void shutdown(int domid) throws ToolstackException {
        request(domid, "poweroff");
    }

    /** {@code xl reboot}: writes {@code reboot} to {@code control/shutdown}. */
    public void reboot(int domid) throws ToolstackException {
        request(domid, "reboot");
    }

    private synchronized void request(int domid, String command) throws ToolstackException {
        if (!domains.containsKey(domid)) {
            throw new ToolstackException("no domain " + domid);
        }
        try {
            xs.ops().write(XenstorePaths.domain(domid) + "/control/shutdown", command);
        } catch (XenstoreException | IOException e) {
            throw new ToolstackException("writing control/shutdown of d" + domid + " failed: " + e, e);
        }
    }

    /**
     * {@code xl mem-set}: sets the balloon target {@code ~/memory/target} (KiB); the guest's
     * balloon driver gives pages back or takes them up to it.
     *
     * @throws ToolstackException if there is no such guest, the target is outside
     *                            1..{@code maxmem} MiB, or xenstored fails
     */
    public synchronized void memSet(int domid, long targetMib) throws ToolstackException {
        DomainRecord r = guest(domid);
        if (targetMib < 1 || targetMib > r.config().maxMemMib()) {
            throw new ToolstackException("memory target " + targetMib + " MiB for d" + domid + " is outside 1.."
                    + r.config().maxMemMib() + " MiB (maxmem)");
        }
        try {
            xs.ops().write(r.domainPath() + "/memory/target", Long.toString(targetMib * 1024));
        } catch (XenstoreException | IOException e) {
            throw new ToolstackException("writing memory/target of d" + domid + " failed: " + e, e);
        }
    }

    /**
     * {@code xl vcpu-set}: marks vCPUs {@code 0..count-1} online and the rest offline in
     * {@code ~/cpu/N/availability}; the guest brings them up or down.
     *
     * @throws ToolstackException if there is no such guest, {@code count} is outside
     *                            1..{@code maxvcpus}, or xenstored fails
     */
    public synchronized void vcpuSet(int domid, int count) throws ToolstackException {
        DomainRecord r = guest(domid);
        if (count < 1 || count > r.config().maxVcpus()) {
            throw new ToolstackException("d" + domid + " can have 1.." + r.config().maxVcpus() + " vCPUs (maxvcpus), not "
                    + count);
        }
        try {
            xs.inTransaction(tx -> {
                for (int i = 0; i < r.config().maxVcpus(); i++) {
                    tx.write(r.domainPath() + "/cpu/" + i + "/availability", i < count ? "online" : "offline");
                }
                return null;
            });
        } catch (XenstoreException | IOException e) {
            throw new ToolstackException("writing cpu availability of d" + domid + " failed: " + e, e);
        }
    }

    /**
     * {@code xl rename}.
     *
     * @throws ToolstackException if there is no such guest, the name is taken or xenstored fails
     */
    public synchronized void rename(int domid, String newName) throws ToolstackException {
        DomainRecord r = guest(domid);
        if (newName.isEmpty() || newName.equals(DOM0_NAME) || (domidOf(newName) >= 0 && domidOf(newName) != domid)) {
            throw new ToolstackException("cannot rename d" + domid + " to '" + newName + "': the name is taken or empty");
        }
        rename(r, newName);
    }

    private DomainRecord guest(int domid) throws ToolstackException {
        DomainRecord r = domains.get(domid);
        if (r == null) {
            throw new ToolstackException("no domain " + domid);
        }
        return r;
    }

    /** {@code xl list}: dom0 and every guest, by domain id. */
    public synchronized List<DomainInfo> list() {
        List<DomainInfo> out = new ArrayList<>();
        for (Domain d : hv.all()) {
            String name;
            if (d.domid() == 0) {
                name = DOM0_NAME;
            } else {
                DomainRecord r = domains.get(d.domid());
                if (r == null) {
                    continue; // being built or torn down
                }
                name = r.config().name();
            }
            long mib = d.physMap().totPages() * 4096 / (1 << 20);
            out.add(new DomainInfo(d.domid(), name, mib, d.vcpuCount(), state(d)));
        }
        return out;
    }

    private static String state(Domain d) {
        ShutdownReason reason = d.shutdownReason();
        boolean shut = reason != null;
        boolean runnable = !d.paused() && !shut && !d.dying();
        return (runnable ? "r" : "-") + "-" + (d.paused() ? "p" : "-")
                + (shut && reason != ShutdownReason.CRASH ? "s" : "-")
                + (reason == ShutdownReason.CRASH ? "c" : "-") + (d.dying() ? "d" : "-");
    }

    /** The domain named {@code name}, or -1 ({@code 0} for {@code Domain-0}). */
    public synchronized int domidOf(String name) {
        if (name.equals(DOM0_NAME)) {
            return 0;
        }
        for (DomainRecord r : domains.values()) {
            if (r.config().name().equals(name)) {
                return r.domid();
            }
        }
        return -1;
    }

    /** What the toolstack built for {@code domid}, or null. */
    public synchronized DomainRecord record(int domid) {
        return domains.get(domid);
    }

    /** Ids of the guests the toolstack manages. */
    public synchronized List<Integer> guests() {
        return List.copyOf(domains.keySet());
    }

    /**
     * Applies the configured action to every guest that shut down since the last call, and
     * cleans up after guests destroyed behind the toolstack's back.
     *
     * @return events handled
     * @throws ToolstackException if an action failed (the others are still applied)
     */
    @Override
    public synchronized int doWork() throws ToolstackException {
        int done = 0;
        ToolstackException first = null;
        Event e;
        while ((e = events.poll()) != null) {
            done++;
            try {
                handle(e);
            } catch (ToolstackException ex) {
                // Said where lifecycle lines go too: a restart that failed leaves no domain behind.
                log.accept("d" + e.domid() + ": lifecycle action failed: " + ex.getMessage());
                if (first == null) {
                    first = ex;
                } else {
                    first.addSuppressed(ex);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return done;
    }

    private void handle(Event e) throws ToolstackException {
        DomainRecord r = domains.get(e.domid());
        if (r == null) {
            return; // not ours, or already handled (destroyed by the toolstack itself)
        }
        if (e.domain() == null) {
            if (hv.byId(e.domid()) != null) {
                return; // the id already belongs to a new domain: this destruction was ours
            }
            domains.remove(e.domid());
            stopKernel(e.domid());
            cleanUp(r);
            log.accept("d" + r.domid() + " (" + r.config().name() + ") was destroyed; its nodes are removed");
            return;
        }
        if (hv.byId(e.domid()) != e.domain()) {
            return; // gone, or an event of an earlier domain with this id
        }
        GuestConfig cfg = r.config();
        LifecycleAction action = switch (e.reason()) {
            case POWEROFF -> cfg.onPoweroff();
            case REBOOT -> cfg.onReboot();
            case CRASH -> cfg.onCrash();
            case WATCHDOG -> cfg.onWatchdog();
            case SOFT_RESET -> LifecycleAction.SOFT_RESET;
            case SUSPEND -> null; // save/migrate own a suspended domain
        };
        if (action == null) {
            log.accept("d" + r.domid() + " (" + cfg.name() + ") suspended");
            return;
        }
        log.accept("d" + r.domid() + " (" + cfg.name() + ") shut down (" + e.reason().name().toLowerCase(java.util.Locale.ROOT)
                + "): " + action.xlName());
        switch (action) {
            case DESTROY, COREDUMP_DESTROY -> destroy(r.domid());
            case PRESERVE -> {
            }
            case RESTART, COREDUMP_RESTART, SOFT_RESET -> {
                destroy(r.domid());
                create(cfg);
            }
            case RENAME_RESTART -> {
                String oldName = cfg.name() + "-d" + r.domid();
                rename(r, oldName);
                create(cfg.withUuid(java.util.UUID.randomUUID()));
            }
        }
    }

    /** Renames a guest: its record, {@code ~/name} and {@code /vm/UUID/name}. */
    private void rename(DomainRecord r, String newName) throws ToolstackException {
        DomainRecord renamed = r.withConfig(r.config().withName(newName));
        try {
            xs.inTransaction(tx -> {
                tx.write(renamed.domainPath() + "/name", newName);
                tx.write(renamed.vmPath() + "/name", newName);
                return null;
            });
        } catch (XenstoreException | IOException ex) {
            throw new ToolstackException("renaming d" + r.domid() + " failed: " + ex, ex);
        }
        domains.put(r.domid(), renamed);
    }

    @Override
    public String roleName() {
        return "toolstack";
    }
}
