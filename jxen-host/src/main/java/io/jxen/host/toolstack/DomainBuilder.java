package io.jxen.host.toolstack;

import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnLimits;
import io.jxen.abi.gnttab.GrantEntryV1Flyweight;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xen.StartInfoFlyweight;
import io.jxen.abi.xenbus.XenbusState;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.host.config.DiskSpec;
import io.jxen.host.config.GuestConfig;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.memory.OutOfFramesException;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.client.XenstoreOps;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The domain builder: what {@code xl create} does through libxl, for a jxen guest.
 *
 * <ol>
 *   <li>create the domain on the hypervisor, paused, with {@code maxvcpus} vCPUs;</li>
 *   <li>take the xenstore and console ring pages from the top of its RAM, just below
 *       start_info (as xc_dom places them after the kernel), and zero them;</li>
 *   <li>allocate their event channels as unbound ports in the guest for dom0
 *       ({@code EVTCHNOP_alloc_unbound} issued by dom0, as libxl does);</li>
 *   <li>fill start_info: {@code store_mfn}/{@code store_evtchn}, {@code console.domU},
 *       {@code cmd_line} (the hypervisor wrote magic, {@code nr_pages}, {@code shared_info},
 *       {@code flags});</li>
 *   <li>seed grant entries {@code GNTTAB_RESERVED_CONSOLE} (0) and
 *       {@code GNTTAB_RESERVED_XENSTORE} (1) with the two rings for dom0, as
 *       {@code xc_dom_gnttab_seed} does, so xenstored and the console backend may map them
 *       by grant;</li>
 *   <li>introduce the domain to xenstored ({@code XS_INTRODUCE domid gfn port}) and write, in
 *       one transaction, its tree as libxl lays it out (see {@link #writeTree}).</li>
 * </ol>
 *
 * <p>{@code pv} and {@code pvh} guests are built alike: every jxen guest is auto-translated and
 * boots from start_info. {@code hvm} is refused (no device model).
 *
 * <p>jxen introduces before writing the tree (libxl introduces last): jxen's xenstored, like
 * C xenstored 4.17, refuses {@code SET_PERMS} whose owner is a domain it does not know.
 * If any step fails, everything done so far is undone.
 */
public final class DomainBuilder {

    /** The primary console's {@code limit}: libxl's {@code LIBXL_XENCONSOLE_LIMIT} (1 MiB). */
    static final String CONSOLE_LIMIT = "1048576";

    private final Hypervisor hv;
    private final XenstoreClient xs;
    private final Privcmd privcmd;

    /**
     * @param hv      the hypervisor
     * @param xs      a dom0 connection to xenstored
     * @param privcmd dom0's privileged hypercalls
     */
    public DomainBuilder(Hypervisor hv, XenstoreClient xs, Privcmd privcmd) {
        this.hv = hv;
        this.xs = xs;
        this.privcmd = privcmd;
    }

    /**
     * Builds a domain, leaving it paused.
     *
     * @return what was built
     * @throws ToolstackException if the host lacks memory or a step fails (nothing is kept)
     */
    public DomainRecord build(GuestConfig cfg) throws ToolstackException {
        return build(cfg, name -> name.equals("0") || name.equals(Toolstack.DOM0_NAME) ? 0 : -1, -1);
    }

    /**
     * Builds a domain, leaving it paused.
     *
     * @param backends       the domain id of a disk's {@code backend=} name (null: dom0), or -1
     *                       if there is no such domain (libxl's {@code libxl_name_to_domid})
     * @param requestedDomid the id to create it with ({@code create_info.domid}), or -1 for any
     * @return what was built
     * @throws ToolstackException if a backend domain does not exist, the id is taken, the host
     *                            lacks memory or a step fails (nothing is kept)
     */
    public DomainRecord build(GuestConfig cfg, ToIntFunction<String> backends, int requestedDomid)
            throws ToolstackException {
        // type = "hvm": an HVM domain with Xen's emulated platform timers (PIT, RTC, PM timer,
        // HPET) and libxl's timer mode. There is no device model (no firmware, no emulated disks
        // or NICs): the guest boots PV-style from start_info and uses PV devices. type = "pvh"
        // gets no platform timers, as on Xen (a PVH domain emulates only the local APIC).
        boolean hvm = cfg.type() == io.jxen.host.config.DomainType.HVM;
        if (cfg.memoryPages() < 4) {
            throw new ToolstackException("memory of " + cfg.name() + " is too small for start_info and two rings");
        }
        int index = 0;
        int[] backendDomids = new int[cfg.disks().size()];
        for (DiskSpec disk : cfg.disks()) {
            index++;
            backendDomids[index - 1] = disk.backend() == null ? 0 : backends.applyAsInt(disk.backend());
            if (backendDomids[index - 1] < 0) {
                throw new ToolstackException(cfg.name() + ": disk spec " + index + ": backend domain '"
                        + disk.backend() + "' does not exist; create the driver domain first");
            }
            if (!disk.target().isEmpty() && disk.script() == null
                    && !java.nio.file.Files.exists(java.nio.file.Path.of(disk.target()))) {
                throw new ToolstackException(cfg.name() + ": disk spec " + index + ": target " + disk.target()
                        + " does not exist; create the image first (e.g. truncate -s 64M " + disk.target() + ")");
            }
        }
        Domain d;
        try {
            DomainConfig config = new DomainConfig(cfg.memoryPages(), cfg.maxMemoryPages(), cfg.maxVcpus(),
                    DomainConfig.DEFAULT_MAX_GRANT_FRAMES, EvtchnLimits.EVTCHN_2L_NR_CHANNELS - 1);
            d = hv.createDomain(hvm ? config.withHvm() : config, requestedDomid);
        } catch (OutOfFramesException e) {
            throw new ToolstackException("not enough host memory for " + cfg.name() + " (" + cfg.memoryMib()
                    + " MiB): " + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ToolstackException("cannot create " + cfg.name() + ": " + e.getMessage(), e);
        }
        int domid = d.domid();
        boolean introduced = false;
        try {
            if (hvm) {
                // libxl sets HVM_PARAM_TIMER_MODE from xl.cfg's timer_mode (default
                // no_delay_for_missed_ticks, see XlTimerMode).
                privcmd.setHvmParam(domid, io.jxen.abi.hvm.HvmParam.TIMER_MODE, cfg.timerMode().param());
            }
            GuestPhysicalMemory mem = hv.platform(domid).memory();
            long storeGfn = d.startInfoGfn() - 1;
            long consoleGfn = d.startInfoGfn() - 2;
            mem.zero(storeGfn << XenPage.SHIFT, XenPage.SIZE);
            mem.zero(consoleGfn << XenPage.SHIFT, XenPage.SIZE);
            int storePort = privcmd.allocUnbound(domid, 0);
            int consolePort = privcmd.allocUnbound(domid, 0);
            d.setStore(storeGfn, storePort);
            d.setConsole(consoleGfn, consolePort);
            new StartInfoFlyweight().wrap(mem.page(d.startInfoGfn()), 0).setCmdLine(cfg.cmdline());
            seedGrant(d, GrantTableLimits.RESERVED_CONSOLE, consoleGfn);
            seedGrant(d, GrantTableLimits.RESERVED_XENSTORE, storeGfn);
            List<DomainRecord.Device> devices = new ArrayList<>();
            devices.add(new DomainRecord.Device("console", 0, XenstorePaths.domain(domid) + "/console",
                    XenstorePaths.backend(0, "console", domid, 0), 0));
            int diskIndex = 0;
            for (DiskSpec disk : cfg.disks()) {
                int devid = disk.vdev().number();
                int backendDomid = backendDomids[diskIndex++];
                devices.add(new DomainRecord.Device("vbd", devid, XenstorePaths.frontend(domid, "vbd", devid),
                        XenstorePaths.backend(backendDomid, disk.backendKind(), domid, devid), backendDomid));
            }
            DomainRecord record = new DomainRecord(domid, cfg, storeGfn, storePort, consoleGfn, consolePort, devices);
            xs.request(XsMessageTypes.INTRODUCE, 0, XsPayload.joinStrings(Integer.toString(domid),
                    Long.toString(storeGfn), Integer.toString(storePort)));
            introduced = true;
            long startNanos = hv.clock().epochNanos();
            String startTime = String.format(java.util.Locale.ROOT, "%d.%02d", Math.floorDiv(startNanos, 1_000_000_000L),
                    Math.floorMod(startNanos, 1_000_000_000L) / 10_000_000L);
            xs.inTransaction(tx -> {
                writeTree(tx, record, startTime);
                return null;
            });
            return record;
        } catch (ToolstackException | XenstoreException | IOException | RuntimeException e) {
            undo(domid, cfg, introduced);
            if (e instanceof ToolstackException te) {
                throw te;
            }
            throw new ToolstackException("building " + cfg.name() + " (d" + domid + ") failed: " + e, e);
        }
    }

    private void undo(int domid, GuestConfig cfg, boolean introduced) {
        hv.destroyDomain(domid);
        try {
            if (introduced) {
                xs.request(XsMessageTypes.RELEASE, 0, XsPayload.joinStrings(Integer.toString(domid)));
            }
            Teardown.removeNodes(xs, domid, cfg);
        } catch (XenstoreException | IOException ignored) {
            // best effort: the original failure is what the caller needs to see
        }
    }

    /** A v1 grant entry giving dom0 access to {@code gfn} (the guest's table is empty so far). */
    private void seedGrant(Domain d, int ref, long gfn) {
        MemorySegment frame = hv.host().memory().frame(d.grantTable().frameMfn(0));
        GrantEntryV1Flyweight e = new GrantEntryV1Flyweight().wrap(frame, (long) ref * 8);
        e.setDomid(0);
        e.setFrame((int) gfn);
        e.setFlagsRelease(Gtf.PERMIT_ACCESS);
    }

    /**
     * The tree libxl writes ({@code libxl__domain_make}, {@code libxl__build_post},
     * {@code libxl__device_generic_add}), with its permissions. {@code ro} is
     * {@code [n0, rN]} (dom0's, the guest may read), {@code rw} is {@code [nN]} (the guest's):
     *
     * <pre>
     *  /vm/UUID {uuid, name, start_time, image/{ostype, kernel, cmdline}}  ro
     *  /libxl/N {type, device/KIND/DEVID/{frontend, backend}}          [n0]
     *  /local/domain/N {vm, name, domid, store/{port, ring-ref}}       ro
     *    cpu/I/availability (online|offline, I &lt; maxvcpus)           ro
     *    memory/{static-max, target} (KiB)                             ro
     *    control/{platform-feature-multiprocessor-suspend, -xs_reset_watches} = 1   ro
     *    control/{shutdown, feature-poweroff, feature-reboot, feature-suspend, sysrq}  rw
     *    data, drivers, feature, attr, error, device/suspend/event-channel            rw
     *    console  {backend, backend-id, limit, type, output, tty, state}  [nN, r0]
     *    console/{ring-ref, port}                                      ro
     *    device/vbd/DEV {backend, backend-id, state=1, virtual-device, device-type, trusted}  [nN, r0]
     *  /local/domain/B/backend/vbd/N/DEV {frontend, frontend-id, online, removable, bootable,
     *    state=1, dev, type, mode, device-type, params, discard-enable}  [nB, rN]
     *  /local/domain/0/backend/console/N/0 {frontend, frontend-id, online, state=1, protocol}  [n0, rN]
     * </pre>
     *
     * B is the disk's backend domain: 0, or the driver domain its {@code backend=} names; the
     * frontend directory is then {@code [nN, rB]}, as libxl's {@code libxl__device_generic_add}.
     * New nodes copy their parent's permissions, so each directory's permissions are set
     * before its children are written.
     */
    static void writeTree(XenstoreOps tx, DomainRecord r, String startTime) throws XenstoreException, IOException {
        int n = r.domid();
        GuestConfig cfg = r.config();
        List<String> ro = List.of("n0", "r" + n);
        List<String> rw = List.of("n" + n);
        List<String> front = List.of("n" + n, "r0");
        String dom = r.domainPath();
        String vm = r.vmPath();

        dir(tx, vm, ro);
        tx.write(vm + "/uuid", cfg.uuid().toString());
        tx.write(vm + "/name", cfg.name());
        tx.write(vm + "/start_time", startTime);
        tx.write(vm + "/image/ostype", "linux"); // libxl's word for every PV image
        if (cfg.kernel() != null) {
            tx.write(vm + "/image/kernel", cfg.kernel());
        }
        if (!cfg.cmdline().isEmpty()) {
            tx.write(vm + "/image/cmdline", cfg.cmdline());
        }

        String libxl = XenstorePaths.libxl(n);
        dir(tx, libxl, List.of("n0"));
        tx.write(libxl + "/type", cfg.type().xlName());
        for (DomainRecord.Device dev : r.devices()) {
            String entry = libxl + "/device/" + dev.kind() + "/" + dev.devid();
            tx.write(entry + "/frontend", dev.frontend());
            tx.write(entry + "/backend", dev.backend());
        }

        dir(tx, dom, ro);
        tx.write(dom + "/vm", vm);
        tx.write(dom + "/name", cfg.name());
        tx.write(dom + "/domid", Integer.toString(n));
        tx.write(dom + "/store/port", Integer.toString(r.storePort()));
        tx.write(dom + "/store/ring-ref", Long.toString(r.storeGfn()));
        for (int i = 0; i < cfg.maxVcpus(); i++) {
            tx.write(dom + "/cpu/" + i + "/availability", i < cfg.vcpus() ? "online" : "offline");
        }
        tx.write(dom + "/memory/static-max", Long.toString(cfg.maxMemMib() * 1024));
        tx.write(dom + "/memory/target", Long.toString(cfg.memoryMib() * 1024));
        dir(tx, dom + "/device", ro);
        dir(tx, dom + "/control", ro);
        tx.write(dom + "/control/platform-feature-multiprocessor-suspend", "1");
        tx.write(dom + "/control/platform-feature-xs_reset_watches", "1");
        for (String node : List.of("control/shutdown", "control/feature-poweroff", "control/feature-reboot",
                "control/feature-suspend", "control/sysrq", "data", "drivers", "feature", "attr", "error",
                "device/suspend/event-channel")) {
            dir(tx, dom + "/" + node, rw);
        }

        String consoleFront = dom + "/console";
        String consoleBack = XenstorePaths.backend(0, "console", n, 0);
        dir(tx, consoleBack, ro);
        tx.write(consoleBack + "/frontend", consoleFront);
        tx.write(consoleBack + "/frontend-id", Integer.toString(n));
        tx.write(consoleBack + "/online", "1");
        tx.write(consoleBack + "/state", "1");
        tx.write(consoleBack + "/protocol", "vt100");
        dir(tx, consoleFront, front);
        tx.write(consoleFront + "/backend", consoleBack);
        tx.write(consoleFront + "/backend-id", "0");
        tx.write(consoleFront + "/limit", CONSOLE_LIMIT);
        tx.write(consoleFront + "/type", "xenconsoled");
        tx.write(consoleFront + "/output", "pty");
        tx.write(consoleFront + "/tty", "");
        tx.write(consoleFront + "/state", "1");
        node(tx, consoleFront + "/ring-ref", Long.toString(r.consoleGfn()), ro);
        node(tx, consoleFront + "/port", Integer.toString(r.consolePort()), ro);

        int diskIndex = 0;
        for (DomainRecord.Device dev : r.devices()) {
            if (!dev.kind().equals("vbd")) {
                continue;
            }
            DiskSpec disk = cfg.disks().get(diskIndex++);
            writeVbdBackend(tx, n, dev, disk, XenbusState.INITIALISING);
            String fe = dev.frontend();
            dir(tx, fe, List.of("n" + n, "r" + dev.backendDomid()));
            tx.write(fe + "/backend", dev.backend());
            tx.write(fe + "/backend-id", Integer.toString(dev.backendDomid()));
            tx.write(fe + "/state", "1");
            tx.write(fe + "/virtual-device", Integer.toString(dev.devid()));
            tx.write(fe + "/device-type", disk.deviceType());
            tx.write(fe + "/trusted", "1");
        }
    }

    /**
     * The backend half of a vbd of guest {@code n}, owned by its backend domain and readable by
     * the guest, in {@code state}: Initialising at creation; Closed when a restarted driver
     * domain comes back (the half went with the dead domain's home), which tells a frontend that
     * never saw it vanish that nothing serves its ring now, so it keeps its requests and waits
     * for the new backend's InitWait.
     */
    static void writeVbdBackend(XenstoreOps tx, int n, DomainRecord.Device dev, DiskSpec disk,
                                XenbusState state) throws XenstoreException, IOException {
        String back = dev.backend();
        dir(tx, back, List.of("n" + dev.backendDomid(), "r" + n));
        tx.write(back + "/frontend", dev.frontend());
        tx.write(back + "/frontend-id", Integer.toString(n));
        tx.write(back + "/online", "1");
        tx.write(back + "/removable", disk.cdrom() ? "1" : "0");
        tx.write(back + "/bootable", "1");
        tx.write(back + "/state", Integer.toString(state.value()));
        tx.write(back + "/dev", disk.vdev().name());
        tx.write(back + "/type", disk.backendType());
        tx.write(back + "/mode", disk.mode());
        tx.write(back + "/device-type", disk.deviceType());
        tx.write(back + "/params", disk.target());
        tx.write(back + "/discard-enable", disk.discard() ? "1" : "0");
        if (disk.directIoSafe()) {
            tx.write(back + "/direct-io-safe", "1");
        }
        if (disk.script() != null) {
            tx.write(back + "/script", disk.script());
        }
    }

    private static void dir(XenstoreOps tx, String path, List<String> perms) throws XenstoreException, IOException {
        tx.write(path, "");
        tx.setPerms(path, perms);
    }

    private static void node(XenstoreOps tx, String path, String value, List<String> perms)
            throws XenstoreException, IOException {
        tx.write(path, value);
        tx.setPerms(path, perms);
    }
}
