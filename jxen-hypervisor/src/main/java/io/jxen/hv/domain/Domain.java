package io.jxen.hv.domain;

import io.jxen.abi.XenPage;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.StartInfoDescriptor;
import io.jxen.abi.xen.StartInfoFlags;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.XenLimits;
import io.jxen.hv.evtchn.EventChannels;
import io.jxen.hv.gnttab.GrantTable;
import io.jxen.hv.mm.GuestAccess;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hv.mm.PhysMap;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.P2mEntry;
import io.jxen.abi.OrderedAccess;
import io.jxen.memory.OutOfFramesException;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A domain: its memory, shared_info and start_info pages, vCPUs, event channels and grant
 * table, and its lifecycle state (paused, shut down, dying).
 *
 * <p>jxen guests are auto-translated ({@code XENFEAT_auto_translated_physmap}): every frame
 * number a guest sees, in start_info and in hypercall arguments, is a guest frame number.
 * The guest-physical space is laid out as:
 *
 * <pre>
 *  gfn 0 .. memoryPages-1                 RAM (start_info in its last page)
 *  gfn memoryPages .. special-1           room to balloon up to maxPages (unpopulated)
 *  gfn special = roundup(maxPages, 512)   shared_info (a hypervisor page, XENMAPSPACE_shared_info)
 *  gfn special+1 .. +maxGrantFrames       grant-table frames, mapped as the table grows
 *  then maxGrantFrames/8 (rounded up)     grant status frames of a v2 table
 * </pre>
 */
public final class Domain {

    /** Magic of a 64-bit PV start_info (xen.h: "xen-&lt;version&gt;-&lt;platform&gt;"). */
    public static final String START_INFO_MAGIC = "xen-3.0-x86_64";

    private final int domid;
    private final DomainConfig config;
    private final HostMemory host;
    private final HypervisorLock lock;
    private final PhysMap physMap;
    private final GuestAccess guest;
    private final long specialBaseGfn;
    private final long sharedInfoMfn;
    private final MemorySegment sharedInfo;
    private final long startInfoGfn;
    private final Vcpu[] vcpus;
    private final EventChannels eventChannels;
    private final GrantTable grantTable;
    private long doorbellMfn = -1;
    private int pauseCount = 1;
    private ShutdownReason shutdownReason;
    private boolean dying;
    private java.util.function.LongSupplier systemTime = () -> 0;
    private io.jxen.hv.timekeeping.DomainTimekeeping timekeeping;
    /** {@code d->shutdown_code}: -1 is {@code SHUTDOWN_CODE_INVALID}. */
    private int shutdownCode = -1;
    private final Watchdogs watchdogs = new Watchdogs();

    /**
     * Builds a domain: populates its RAM, maps shared_info, fills start_info. Created paused,
     * as {@code XEN_DOMCTL_createdomain} leaves it for the toolstack to unpause.
     *
     * @throws OutOfFramesException if the host has too little memory (nothing is kept)
     */
    public Domain(int domid, DomainConfig config, HostMemory host, HypervisorLock lock) {
        this.domid = domid;
        this.lock = lock;
        this.config = config;
        this.host = host;
        this.specialBaseGfn = (config.maxPages() + P2mEntry.PER_FRAME - 1) / P2mEntry.PER_FRAME * P2mEntry.PER_FRAME;
        long gfnLimit = specialBaseGfn + 1 + config.maxGrantFrames() + GrantTable.statusFramesFor(config.maxGrantFrames());
        this.physMap = new PhysMap(host.memory(), host.allocator(), host.m2p(), domid, gfnLimit, config.maxPages());
        long sharedMfn = -1;
        try {
            for (long gfn = 0; gfn < config.memoryPages(); gfn++) {
                if (physMap.populate(gfn) < 0) {
                    throw new OutOfFramesException(1, host.allocator().freeFrames(), host.allocator().frames());
                }
            }
            sharedMfn = host.allocXenFrame();
            if (sharedMfn < 0) {
                throw new OutOfFramesException(1, 0, host.allocator().frames());
            }
            physMap.mapForeign(specialBaseGfn, sharedMfn, false);
        } catch (RuntimeException e) {
            if (sharedMfn >= 0) {
                host.freeXenFrame(sharedMfn);
            }
            physMap.releaseAll(mfn -> false);
            throw e;
        }
        this.sharedInfoMfn = sharedMfn;
        this.sharedInfo = host.memory().frame(sharedMfn);
        this.guest = new GuestAccess(host.memory(), physMap.p2m());
        this.startInfoGfn = config.memoryPages() - 1;
        this.vcpus = new Vcpu[config.vcpus()];
        for (int i = 0; i < vcpus.length; i++) {
            MemorySegment slot = i < XenLimits.XEN_LEGACY_MAX_VCPUS
                    ? sharedInfo.asSlice(SharedInfoDescriptor.VCPU_INFO_OFFSET + (long) i * VcpuInfoDescriptor.SIZE,
                    VcpuInfoDescriptor.SIZE)
                    : null;
            vcpus[i] = new Vcpu(this, i, slot, lock.newCondition(), lock);
        }
        this.eventChannels = new EventChannels(this, host.memory());
        this.grantTable = new GrantTable(this, host);
        if (!grantTable.grow(1)) { // INITIAL_NR_GRANT_FRAMES 1 (asm/grant_table.h:15)
            release();
            throw new OutOfFramesException(1, 0, host.allocator().frames());
        }
        writeStartInfo();
    }

    private void writeStartInfo() {
        MemorySegment si = startInfoPage();
        byte[] magic = START_INFO_MAGIC.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(magic), 0, si, StartInfoDescriptor.MAGIC_OFFSET, magic.length);
        OrderedAccess.setLongPlain(si, StartInfoDescriptor.NR_PAGES_OFFSET, config.memoryPages());
        // A translated guest addresses shared_info by its guest-physical address.
        OrderedAccess.setLongPlain(si, StartInfoDescriptor.SHARED_INFO_OFFSET, sharedInfoGfn() << XenPage.SHIFT);
        int flags = domid == 0 ? StartInfoFlags.PRIVILEGED | StartInfoFlags.INITDOMAIN : 0;
        OrderedAccess.setIntPlain(si, StartInfoDescriptor.FLAGS_OFFSET, flags);
    }

    private MemorySegment startInfoPage() {
        return host.memory().frame(P2mEntry.mfn(physMap.p2m().get(startInfoGfn)));
    }

    /**
     * Sets the xenstore ring page and port in start_info (the toolstack's job).
     *
     * @param gfn  guest frame of the ring
     * @param port the domain's event channel for it
     */
    public void setStore(long gfn, int port) {
        MemorySegment si = startInfoPage();
        OrderedAccess.setLongPlain(si, StartInfoDescriptor.STORE_MFN_OFFSET, gfn);
        OrderedAccess.setIntPlain(si, StartInfoDescriptor.STORE_EVTCHN_OFFSET, port);
    }

    /** Sets the console ring page and port in start_info. */
    public void setConsole(long gfn, int port) {
        MemorySegment si = startInfoPage();
        OrderedAccess.setLongPlain(si, StartInfoDescriptor.CONSOLE_DOMU_MFN_OFFSET, gfn);
        OrderedAccess.setIntPlain(si, StartInfoDescriptor.CONSOLE_DOMU_EVTCHN_OFFSET, port);
    }

    /** The domain id. */
    public int domid() {
        return domid;
    }

    /** What the domain was created with. */
    public DomainConfig config() {
        return config;
    }

    /** Whether the domain is privileged (jxen: dom0, the control and hardware domain). */
    public boolean privileged() {
        return domid == 0;
    }

    /** The domain's memory bookkeeping. */
    public PhysMap physMap() {
        return physMap;
    }

    /** copy_from_guest / copy_to_guest for this domain. */
    public GuestAccess guest() {
        return guest;
    }

    /** The guest's own view of its memory (what an in-process guest is handed at boot). */
    public GuestPhysicalMemory guestPhysicalMemory() {
        return new GuestPhysicalMemory(host.memory(), physMap.p2m().firstMfn(), physMap.p2m().gfnLimit());
    }

    /** The shared_info page (a hypervisor frame). */
    public MemorySegment sharedInfo() {
        return sharedInfo;
    }

    /** Machine frame of shared_info. */
    public long sharedInfoMfn() {
        return sharedInfoMfn;
    }

    /** Guest frame where shared_info is mapped. */
    public long sharedInfoGfn() {
        return specialBaseGfn;
    }

    /** Guest frame of grant-table frame {@code index}. */
    public long grantFrameGfn(int index) {
        return specialBaseGfn + 1 + index;
    }

    /** Guest frame of grant status frame {@code index} (v2 tables). */
    public long statusFrameGfn(int index) {
        return specialBaseGfn + 1 + config.maxGrantFrames() + index;
    }

    /** Guest frame of the start_info page (the guest's boot argument). */
    public long startInfoGfn() {
        return startInfoGfn;
    }

    /** Number of vCPUs. */
    public int vcpuCount() {
        return vcpus.length;
    }

    /** vCPU {@code id}, or null if there is none (Xen's {@code domain_vcpu}). */
    public Vcpu vcpu(long id) {
        return id >= 0 && id < vcpus.length ? vcpus[(int) id] : null;
    }

    /** The event channels. */
    public EventChannels eventChannels() {
        return eventChannels;
    }

    /** The grant table. */
    public GrantTable grantTable() {
        return grantTable;
    }

    /**
     * The machine frame of the domain's doorbell page (a hypervisor frame, one 8-byte
     * {@link io.jxen.memory.futex.Doorbell} per vCPU at {@code 8 * vcpu}), created on first use;
     * every vCPU's doorbell then rings with each upcall it is sent.
     *
     * @return the frame, or -1 if memory is exhausted
     */
    public long doorbellMfn() {
        if (doorbellMfn < 0) {
            long mfn = host.allocXenFrame();
            if (mfn < 0) {
                return -1;
            }
            doorbellMfn = mfn;
            for (Vcpu v : vcpus) {
                v.setDoorbell(new io.jxen.memory.futex.Doorbell(host.memory().frame(mfn),
                        (long) v.id() * io.jxen.memory.futex.Doorbell.SIZE_BYTES));
            }
        }
        return doorbellMfn;
    }

    /**
     * Connects the domain to host time (the hypervisor does this right after creation): runstate
     * bookkeeping starts at {@code systemTime}, and with a {@code timekeeping} the wallclock goes
     * into shared_info and each vCPU's {@code vcpu_time_info} into its {@code vcpu_info}.
     */
    public void attachTime(java.util.function.LongSupplier systemTime, io.jxen.hv.timekeeping.DomainTimekeeping timekeeping) {
        this.systemTime = java.util.Objects.requireNonNull(systemTime);
        this.timekeeping = timekeeping;
        if (timekeeping != null) {
            timekeeping.attachSharedInfo(sharedInfo, 0);
            for (Vcpu v : vcpus) {
                timekeeping.registerTimeArea(v.id(), v.vcpuInfo(), VcpuInfoDescriptor.TIME_OFFSET);
            }
        }
        long now = systemTime.getAsLong();
        for (Vcpu v : vcpus) {
            v.runstate().start(now);
        }
    }

    /** Xen system time in ns, as the hypervisor keeps it. */
    public long systemTime() {
        return systemTime.getAsLong();
    }

    /** The domain's time (pvclock, wallclock, vCPU timers), or null if the host keeps none. */
    public io.jxen.hv.timekeeping.DomainTimekeeping timekeeping() {
        return timekeeping;
    }

    /** vCPU {@code v}'s vcpu_info moved (VCPUOP_register_vcpu_info): its time info is published there too. */
    void vcpuInfoMoved(Vcpu v) {
        if (timekeeping != null) {
            timekeeping.registerTimeArea(v.id(), v.vcpuInfo(), VcpuInfoDescriptor.TIME_OFFSET);
        }
    }

    /** {@code d->shutdown_code}, -1 while unset ({@code SHUTDOWN_CODE_INVALID}). */
    public int shutdownCode() {
        return shutdownCode;
    }

    /** SCHEDOP_shutdown_code: the first code given sticks ({@code (u8)reason}). */
    public void setShutdownCode(int code) {
        if (shutdownCode < 0) {
            shutdownCode = code & 0xFF;
        }
    }

    /** The domain's SCHEDOP_watchdog timers. */
    public Watchdogs watchdogs() {
        return watchdogs;
    }

    private void updateRunstates() {
        for (Vcpu v : vcpus) {
            v.runstate().update();
        }
    }

    /** Pauses the domain (counted, {@code domain_pause_by_systemcontroller}). */
    public void pause() {
        pauseCount++;
        updateRunstates();
        if (timekeeping != null) {
            timekeeping.guestStopped(); // XEN_PVCLOCK_GUEST_STOPPED, for the guest's watchdogs
        }
    }

    /** Undoes one {@link #pause()}; false if the domain was not paused. */
    public boolean unpause() {
        if (pauseCount == 0) {
            return false;
        }
        pauseCount--;
        updateRunstates();
        return true;
    }

    /** Whether the toolstack holds the domain paused. */
    public boolean paused() {
        return pauseCount > 0;
    }

    /** The shutdown reason, or null if the domain has not shut down. */
    public ShutdownReason shutdownReason() {
        return shutdownReason;
    }

    /** Records the shutdown; false if it had already shut down (Xen keeps the first reason). */
    public boolean recordShutdown(ShutdownReason reason) {
        if (shutdownReason != null || dying) {
            return false;
        }
        shutdownReason = reason;
        updateRunstates();
        if (reason == ShutdownReason.SUSPEND && timekeeping != null) {
            timekeeping.guestStopped();
        }
        return true;
    }

    /** Whether destruction has begun ({@code d->is_dying}). */
    public boolean dying() {
        return dying;
    }

    /** Wakes every vCPU of the domain blocked in SCHEDOP_block or poll: it is dying or shutting down (hypervisor lock held). */
    public void wakeWaiters() {
        for (Vcpu v : vcpus) {
            v.unblock();
        }
    }

    /**
     * Xen's {@code evtchn_check_pollers}: a port became pending, so the domain's vCPUs in
     * SCHEDOP_poll look at their ports again (each re-checks its own list; Xen narrows by
     * {@code poll_evtchn} first, a refinement jxen does not need for correctness). vCPUs in
     * SCHEDOP_block are not woken here: their upcall is what wakes them (hypervisor lock held).
     */
    public void wakePollers() {
        for (Vcpu v : vcpus) {
            if (v.polling()) {
                v.unblock();
            }
        }
    }

    /** Wakes a doorbell's sleepers once the hypervisor lock is released ({@link HypervisorLock}). */
    void wakeOnUnlock(io.jxen.memory.futex.Doorbell bell) {
        lock.wakeOnUnlock(bell);
    }

    /**
     * Releases everything the domain holds. The caller has already closed its event channels
     * and torn down grant mappings in both directions.
     */
    public void release() {
        dying = true;
        watchdogs.stopAll();
        if (timekeeping != null) {
            timekeeping.close();
        }
        eventChannels.resetToTwoLevel();
        grantTable.releaseFrames();
        physMap.p2m().set(specialBaseGfn, P2mEntry.EMPTY);
        host.freeXenFrame(sharedInfoMfn);
        if (doorbellMfn >= 0) {
            for (Vcpu v : vcpus) {
                v.setDoorbell(null);
            }
            host.freeXenFrame(doorbellMfn);
            doorbellMfn = -1;
        }
        physMap.releaseAll(host::isRetained);
    }

    /** Marks the domain dying (first step of destruction). */
    public void markDying() {
        dying = true;
        updateRunstates();
    }

    @Override
    public String toString() {
        return "d" + domid;
    }
}
