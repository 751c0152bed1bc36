package io.jxen.guest;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuRegisterVcpuInfoDescriptor;
import io.jxen.abi.version.XenFeatureInfoDescriptor;
import io.jxen.abi.version.XenVer;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.StartInfoDescriptor;
import io.jxen.abi.xen.StartInfoFlags;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.abi.xen.XenLimits;
import io.jxen.abi.xen.VcpuGuestContextDescriptor;
import io.jxen.abi.xen.VcpuGuestContextFlags;
import io.jxen.abi.XenErrno;
import io.jxen.guest.intr.XenIntr;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.abi.OrderedAccess;
import io.jxen.runtime.Clock;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A booted guest kernel: what Linux's {@code xen_start_kernel}/{@code xen_hvm_guest_init} and
 * FreeBSD's {@code hammer_time_xen}/{@code xen_hvm_init} do before drivers attach. Detects Xen
 * through the hypervisor CPUID leaves, reads the version and feature bits, maps shared_info,
 * registers a {@code vcpu_info} in guest RAM for every vCPU ({@code VCPUOP_register_vcpu_info},
 * so more than {@code XEN_LEGACY_MAX_VCPUS} work) and brings up {@link XenIntr}.
 *
 * <pre>{@code
 * GuestKernel kernel = GuestKernel.boot(platform, GuestKernel.Options.defaults(clock));
 * int irq = kernel.intr().bindVirq("xen_et:c0", Virq.TIMER, 0, IrqHandler.filter(() -> tick()));
 * kernel.vcpu(0).poll(); // a preemption point: pending events run their handlers
 * }</pre>
 */
public final class GuestKernel {

    /**
     * Boot options.
     *
     * @param cpuid       the CPUID instruction, or null for the platform's ({@link GuestPlatform#cpu}), or
     *                    {@link XenCpuid} built from the version hypercall on a platform without one
     * @param lowWaterGfn pages below this GFN are the guest's own (the allocator never uses them)
     * @param intrThreads where threaded interrupt handlers run
     * @param clock       the guest's source of real time (for logs and timeouts, never for guest time)
     * @param rdtsc       the vCPUs' time stamp counter ({@code rdtsc}), or null for the platform's
     *                    ({@link GuestPlatform#cpu}); a platform without one gives the clock's nanoseconds
     * @param grantTableVersion the grant-table ABI {@link io.jxen.guest.gnttab.GrantTableClient} asks for
     *                    ({@code GNTTABOP_set_version}): 1 (v1 entries) or 2 (v2 entries and status frames)
     * @param fifoEventChannels whether {@link XenIntr} uses the FIFO event-channel ABI
     *                    ({@code EVTCHNOP_init_control}) instead of the 2-level one
     */
    public record Options(Cpuid cpuid, long lowWaterGfn, Executor intrThreads, Clock clock, LongSupplier rdtsc,
                          int grantTableVersion, boolean fifoEventChannels) {
        /** Checks arguments. */
        public Options {
            Objects.requireNonNull(intrThreads, "intrThreads");
            Objects.requireNonNull(clock, "clock");
            if (lowWaterGfn < 1) {
                throw new IllegalArgumentException("lowWaterGfn must be at least 1");
            }
            if (grantTableVersion != 1 && grantTableVersion != 2) {
                throw new IllegalArgumentException("grantTableVersion must be 1 or 2, not " + grantTableVersion);
            }
        }

        /**
         * The platform's CPUID and TSC, low water at GFN 16, interrupt threads on the JVM's
         * shared platform threads ({@link io.jxen.guest.intr.InterruptThreads}: not virtual
         * threads, whose scheduler once left the xenstore ring's handler unmounted for 30 s).
         */
        public static Options defaults(Clock clock) {
            return new Options(null, 16, io.jxen.guest.intr.InterruptThreads.shared(), clock, null, 1, false);
        }

        /** The same options with another TSC. */
        public Options withRdtsc(LongSupplier tsc) {
            return new Options(cpuid, lowWaterGfn, intrThreads, clock, tsc, grantTableVersion, fifoEventChannels);
        }

        /** The same options with threaded handlers run by {@code executor}. */
        public Options withIntrThreads(Executor executor) {
            return new Options(cpuid, lowWaterGfn, executor, clock, rdtsc, grantTableVersion, fifoEventChannels);
        }

        /** The same options with grant-table ABI {@code version} (1 or 2). */
        public Options withGrantTableVersion(int version) {
            return new Options(cpuid, lowWaterGfn, intrThreads, clock, rdtsc, version, fifoEventChannels);
        }

        /** The same options with the FIFO event-channel ABI on or off. */
        public Options withFifoEventChannels(boolean on) {
            return new Options(cpuid, lowWaterGfn, intrThreads, clock, rdtsc, grantTableVersion, on);
        }

        /** The same options with another CPUID. */
        public Options withCpuid(Cpuid other) {
            return new Options(other, lowWaterGfn, intrThreads, clock, rdtsc, grantTableVersion, fifoEventChannels);
        }
    }

    private final GuestPlatform platform;
    private final Options options;
    private final DomainType type;
    private final int cpuidBase;
    private final int version;
    private final int features;
    private final MemorySegment startInfo;
    private final MemorySegment sharedInfo;
    private final BootAllocator pages;
    private final GuestVcpu[] vcpus;
    private final XenIntr intr;
    private final Map<Class<?>, Object> devices = new ConcurrentHashMap<>();
    private final Map<Class<?>, Object> subsystems = new ConcurrentHashMap<>();
    private final Set<Class<?>> subsystemsBeingMade = new HashSet<>();
    private final ReentrantLock subsystemLock = new ReentrantLock();
    private final long bootNanos;

    private GuestKernel(GuestPlatform platform, Options options) {
        this.platform = platform;
        this.options = options;
        this.bootNanos = options.clock().nanoTime();
        GuestPhysicalMemory memory = platform.memory();
        io.jxen.hypercall.GuestCpu cpu0 = platform.cpu(0);
        Cpuid cpuid = options.cpuid() != null ? options.cpuid()
                : cpu0 != null ? cpu0::cpuid
                : XenCpuid.fromVersionHypercall(platform.hypercalls(0), false);
        this.cpuidBase = XenCpuid.findXenBase(cpuid);
        if (cpuidBase == 0) {
            throw new IllegalStateException("not running on Xen: no \"" + XenCpuid.XEN_SIGNATURE
                    + "\" in CPUID leaves 0x40000000..0x4000ff00");
        }
        this.startInfo = memory.page(platform.startInfoGpa() >>> XenPage.SHIFT);
        byte[] magic = new byte[StartInfoDescriptor.MAGIC_SIZE];
        MemorySegment.copy(startInfo, OrderedAccess.BYTE, StartInfoDescriptor.MAGIC_OFFSET, magic, 0, magic.length);
        this.type = new String(magic, StandardCharsets.US_ASCII).startsWith("xen-") ? DomainType.PV : DomainType.HVM;

        long v = platform.hypercalls(0).hypercall(Hypercall.XEN_VERSION, XenVer.VERSION, 0);
        this.version = (int) v;

        Set<Long> reserved = new HashSet<>();
        reserved.add(platform.startInfoGpa() >>> XenPage.SHIFT);
        reserved.add(storeGfn());
        reserved.add(consoleGfn());
        this.pages = new BootAllocator(nrPages(), options.lowWaterGfn(), reserved);

        long sharedInfoGpa = OrderedAccess.getLongPlain(startInfo, StartInfoDescriptor.SHARED_INFO_OFFSET);
        this.sharedInfo = memory.page(sharedInfoGpa >>> XenPage.SHIFT);

        int n = platform.vcpus();
        this.vcpus = new GuestVcpu[n];
        long infoPage = -1;
        for (int i = 0; i < n; i++) {
            long scratchGfn = pages.allocPage();
            int slot = i % (XenPage.SIZE / VcpuInfoDescriptor.SIZE);
            if (slot == 0) {
                infoPage = pages.allocPage();
            }
            vcpus[i] = registerVcpuInfo(i, scratchGfn, infoPage, slot * VcpuInfoDescriptor.SIZE);
        }
        int feat;
        try (Scratch s = vcpus[0].scratch()) {
            s.putInt(XenFeatureInfoDescriptor.SUBMAP_IDX_OFFSET, 0);
            long rc = s.call(Hypercall.XEN_VERSION, XenVer.GET_FEATURES);
            feat = rc < 0 ? 0 : s.getInt(XenFeatureInfoDescriptor.SUBMAP_OFFSET);
        }
        this.features = feat;
        this.intr = new XenIntr(this, options.intrThreads());
        for (GuestVcpu vcpu : vcpus) {
            vcpu.setUpcallHandler(() -> intr.upcall(vcpu));
        }
        bringUpSecondaryVcpus();
    }

    /**
     * Brings vCPUs 1..n-1 online as Linux's {@code cpu_initialize_context} + {@code VCPUOP_up}
     * (arch/x86/xen/smp_pv.c) and FreeBSD's PV AP start do: Xen builds a PV domain with only
     * vCPU 0 up, and a secondary vCPU runs once {@code VCPUOP_initialise} gave it a
     * {@code vcpu_guest_context} (kernel mode; jxen's vCPUs need no registers of their own) and
     * {@code VCPUOP_up} cleared its down flag. The context (5,168 bytes) is built in two
     * contiguous boot pages, returned afterwards.
     */
    private void bringUpSecondaryVcpus() {
        if (vcpus.length < 2) {
            return;
        }
        long high = pages.allocPage();
        long low = pages.allocPage();
        try {
            if (low != high - 1) {
                throw new IllegalStateException("no two contiguous boot pages for a vcpu_guest_context");
            }
            long ctx = BootAllocator.gpa(low);
            GuestPhysicalMemory memory = platform.memory();
            for (int id = 1; id < vcpus.length; id++) {
                memory.zero(ctx, VcpuGuestContextDescriptor.SIZE);
                memory.putLong(ctx + VcpuGuestContextDescriptor.FLAGS_OFFSET, VcpuGuestContextFlags.IN_KERNEL);
                long rc = vcpus[0].hypercalls().hypercall(Hypercall.VCPU_OP, VcpuOp.INITIALISE, id, ctx);
                if (rc == -XenErrno.EEXIST) {
                    rc = 0; // a context already set (a restored or rebooted kernel): just bring it up
                }
                if (rc == 0) {
                    rc = vcpus[0].hypercalls().hypercall(Hypercall.VCPU_OP, VcpuOp.UP, id, 0);
                }
                if (rc != 0) {
                    throw new IllegalStateException("bringing up vCPU " + id + " failed: " + XenErrors.name(rc));
                }
            }
        } finally {
            pages.freePage(low);
            pages.freePage(high);
        }
    }

    private GuestVcpu registerVcpuInfo(int id, long scratchGfn, long infoGfn, int offset) {
        GuestPhysicalMemory memory = platform.memory();
        MemorySegment scratch = memory.page(scratchGfn);
        GuestVcpu early = new GuestVcpu(id, platform.hypercalls(id), scratch, BootAllocator.gpa(scratchGfn),
                memory.page(infoGfn).asSlice(offset, VcpuInfoDescriptor.SIZE), platform.interruptLine(id));
        long rc;
        try (Scratch s = early.scratch()) {
            s.putLong(VcpuRegisterVcpuInfoDescriptor.MFN_OFFSET, infoGfn);
            s.putInt(VcpuRegisterVcpuInfoDescriptor.OFFSET_OFFSET, offset);
            rc = s.call3(Hypercall.VCPU_OP, VcpuOp.REGISTER_VCPU_INFO, id);
        }
        if (rc == 0) {
            return early;
        }
        if (id < XenLimits.XEN_LEGACY_MAX_VCPUS) {
            // Older hypervisors: the legacy slot in shared_info (vCPUs 0..31 only).
            return new GuestVcpu(id, platform.hypercalls(id), scratch, BootAllocator.gpa(scratchGfn),
                    sharedInfo.asSlice(SharedInfoDescriptor.VCPU_INFO_OFFSET + (long) id * VcpuInfoDescriptor.SIZE,
                            VcpuInfoDescriptor.SIZE), platform.interruptLine(id));
        }
        throw new IllegalStateException("VCPUOP_register_vcpu_info for vCPU " + id + " failed: "
                + XenErrors.name(rc));
    }

    /**
     * Boots a guest kernel on {@code platform}.
     *
     * @throws IllegalStateException if Xen is not detected or a vCPU's vcpu_info cannot be placed
     */
    public static GuestKernel boot(GuestPlatform platform, Options options) {
        return new GuestKernel(platform, options);
    }

    /** Linux's {@code xen_domain()}: running on Xen at all. */
    public boolean xenDomain() {
        return type != DomainType.NONE;
    }

    /** Linux's {@code xen_pv_domain()}. */
    public boolean xenPvDomain() {
        return type == DomainType.PV;
    }

    /** Linux's {@code xen_hvm_domain()}. */
    public boolean xenHvmDomain() {
        return type == DomainType.HVM;
    }

    /** Linux's {@code xen_initial_domain()}: start_info says this is the control domain. */
    public boolean xenInitialDomain() {
        return (startInfoFlags() & StartInfoFlags.INITDOMAIN) != 0;
    }

    /** Nanoseconds since boot on the options' clock (for interrupt rates). */
    public long uptimeNanos() {
        return options.clock().nanoTime() - bootNanos;
    }

    /** The domain type. */
    public DomainType type() {
        return type;
    }

    /** Where the Xen CPUID leaves were found ({@code 0x40000000} or above a Viridian block). */
    public int cpuidBase() {
        return cpuidBase;
    }

    /** {@code XENVER_version}: {@code major << 16 | minor}. */
    public int version() {
        return version;
    }

    /** Xen's major version. */
    public int versionMajor() {
        return version >>> 16;
    }

    /** Xen's minor version. */
    public int versionMinor() {
        return version & 0xFFFF;
    }

    /** Whether {@code XENFEAT_<bit>} (submap 0) is set; FreeBSD's {@code xen_feature()}. */
    public boolean feature(int bit) {
        return bit >= 0 && bit < 32 && (features & (1 << bit)) != 0;
    }

    /** Submap 0 of the feature bits. */
    public int features() {
        return features;
    }

    /** The platform this kernel booted on. */
    public GuestPlatform platform() {
        return platform;
    }

    /**
     * vCPU {@code vcpu}'s {@code rdtsc}: the one given in the options, else the platform's, else
     * (a platform that models no CPU) the clock's nanoseconds.
     */
    public LongSupplier rdtsc(int vcpu) {
        if (options.rdtsc() != null) {
            return options.rdtsc();
        }
        io.jxen.hypercall.GuestCpu cpu = platform.cpu(vcpu);
        return cpu != null ? cpu::rdtsc : options.clock()::nanoTime;
    }

    /** The boot options. */
    public Options options() {
        return options;
    }

    /** The guest's memory. */
    public GuestPhysicalMemory memory() {
        return platform.memory();
    }

    /** The domain id (from the platform; a real guest reads it from xenstore's {@code domid}). */
    public int domid() {
        return platform.domid();
    }

    /** The mapped shared_info page. */
    public MemorySegment sharedInfo() {
        return sharedInfo;
    }

    /** Number of vCPUs. */
    public int vcpus() {
        return vcpus.length;
    }

    /** vCPU {@code id}. */
    public GuestVcpu vcpu(int id) {
        return vcpus[id];
    }

    /** The interrupt layer. */
    public XenIntr intr() {
        return intr;
    }

    /**
     * Attaches the one instance of a device class this guest may have (the time device registers
     * one event timer and one timecounter; a second attach is a bug).
     *
     * @throws IllegalStateException if an instance of {@code type} is already attached
     */
    public <T> T attachOnce(Class<T> type, Function<GuestKernel, T> factory) {
        Object[] created = new Object[1];
        Object existing = devices.computeIfAbsent(type, t -> created[0] = factory.apply(this));
        if (created[0] == null) {
            throw new IllegalStateException(type.getSimpleName() + " is already attached to domain " + domid()
                    + " (" + existing + ")");
        }
        return type.cast(existing);
    }

    /**
     * The kernel's one instance of a subsystem, made by {@code factory} on first use: Linux's and
     * FreeBSD's kernel-wide singletons (the grant table: {@link #grantTable()}). Concurrent first
     * callers wait for the one being made; a factory that fails leaves nothing behind, so the
     * next call tries again. The factory runs under a kernel lock, not a map lock, so it may make
     * hypercalls and ask for other subsystems; asking for its own type from inside it is a bug.
     *
     * @throws IllegalStateException if {@code factory} asks for {@code type} itself
     */
    public <T> T subsystem(Class<T> type, Function<GuestKernel, T> factory) {
        Object existing = subsystems.get(type);
        if (existing != null) {
            return type.cast(existing);
        }
        subsystemLock.lock();
        try {
            existing = subsystems.get(type);
            if (existing != null) {
                return type.cast(existing);
            }
            if (!subsystemsBeingMade.add(type)) {
                throw new IllegalStateException(type.getSimpleName() + " asked for while it is being made");
            }
            try {
                T made = Objects.requireNonNull(factory.apply(this), "factory result");
                subsystems.put(type, made);
                return made;
            } finally {
                subsystemsBeingMade.remove(type);
            }
        } finally {
            subsystemLock.unlock();
        }
    }

    /**
     * The grant table ({@code gnttab_init}): one client, so one free list of references, for
     * every driver of this kernel, set up on first use.
     */
    public io.jxen.guest.gnttab.GrantTableClient grantTable() {
        return io.jxen.guest.gnttab.GrantTableClient.of(this);
    }

    /** The early page allocator. */
    public BootAllocator pages() {
        return pages;
    }

    /** start_info {@code nr_pages}. */
    public long nrPages() {
        return OrderedAccess.getLongPlain(startInfo, StartInfoDescriptor.NR_PAGES_OFFSET);
    }

    /** start_info {@code flags}. */
    public int startInfoFlags() {
        return OrderedAccess.getIntPlain(startInfo, StartInfoDescriptor.FLAGS_OFFSET);
    }

    /** start_info {@code store_mfn} (a GFN: jxen guests are auto-translated). */
    public long storeGfn() {
        return OrderedAccess.getLongPlain(startInfo, StartInfoDescriptor.STORE_MFN_OFFSET);
    }

    /** start_info {@code store_evtchn}. */
    public int storeEvtchn() {
        return OrderedAccess.getIntPlain(startInfo, StartInfoDescriptor.STORE_EVTCHN_OFFSET);
    }

    /** start_info {@code console.domU.mfn}. */
    public long consoleGfn() {
        return OrderedAccess.getLongPlain(startInfo, StartInfoDescriptor.CONSOLE_DOMU_MFN_OFFSET);
    }

    /** start_info {@code console.domU.evtchn}. */
    public int consoleEvtchn() {
        return OrderedAccess.getIntPlain(startInfo, StartInfoDescriptor.CONSOLE_DOMU_EVTCHN_OFFSET);
    }

    /** A one-line boot banner, as guests log it. */
    public String banner() {
        return "Xen version " + versionMajor() + "." + versionMinor() + " (" + type + " domain " + domid()
                + ", " + vcpus.length + " vCPUs, CPUID base 0x" + Integer.toHexString(cpuidBase) + ")";
    }
}
