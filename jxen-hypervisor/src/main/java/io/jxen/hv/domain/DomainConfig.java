package io.jxen.hv.domain;

import io.jxen.abi.evtchn.EvtchnLimits;

/**
 * What the toolstack asks for when it creates a domain (the subset of
 * {@code struct xen_domctl_createdomain} and xl.cfg jxen uses).
 *
 * @param memoryPages     initial RAM in 4 KiB pages, GFNs {@code 0..memoryPages-1}
 * @param maxPages        most pages the domain may own ({@code max_pages}, xl's {@code maxmem})
 * @param vcpus           number of vCPUs, 1..{@link #MAX_VCPUS}
 * @param maxGrantFrames  grant-table frames the domain may grow to ({@code max_grant_frames})
 * @param maxEvtchnPort   highest event-channel port ({@code max_evtchn_port}); the 2-level ABI
 *                        stops at 4095, FIFO at 131071
 * @param pvMmu           a PV-MMU domain (machine frames in page tables, mmu_update and friends;
 *                        see io.jxen.hv.mm.pv) rather than an auto-translated one
 * @param hvm             an HVM/PVH domain ({@code XEN_DOMCTL_CDF_hvm}): it gets the emulated
 *                        platform timers (PIT, RTC, PM timer, HPET) and {@code HVMOP_*_param}, and
 *                        its vCPUs do not start with the PV 100 Hz tick
 */
public record DomainConfig(long memoryPages, long maxPages, int vcpus, int maxGrantFrames, int maxEvtchnPort,
                           boolean pvMmu, boolean hvm) {

    /** An auto-translated domain (the default). */
    public DomainConfig(long memoryPages, long maxPages, int vcpus, int maxGrantFrames, int maxEvtchnPort) {
        this(memoryPages, maxPages, vcpus, maxGrantFrames, maxEvtchnPort, false, false);
    }

    /** A PV domain, PV-MMU or auto-translated. */
    public DomainConfig(long memoryPages, long maxPages, int vcpus, int maxGrantFrames, int maxEvtchnPort,
                        boolean pvMmu) {
        this(memoryPages, maxPages, vcpus, maxGrantFrames, maxEvtchnPort, pvMmu, false);
    }

    /** This configuration as a PV-MMU domain. */
    public DomainConfig withPvMmu() {
        return new DomainConfig(memoryPages, maxPages, vcpus, maxGrantFrames, maxEvtchnPort, true, hvm);
    }

    /** This configuration as an HVM/PVH domain (auto-translated, with platform timers). */
    public DomainConfig withHvm() {
        return new DomainConfig(memoryPages, maxPages, vcpus, maxGrantFrames, maxEvtchnPort, false, true);
    }

    /** vCPUs a jxen domain may have. */
    public static final int MAX_VCPUS = 128;
    /** Xen's default {@code gnttab_max_frames} (grant_table.c:108). */
    public static final int DEFAULT_MAX_GRANT_FRAMES = 64;

    /** Validates the request. */
    public DomainConfig {
        if (memoryPages < 1) {
            throw new IllegalArgumentException("memoryPages must be at least 1, was " + memoryPages);
        }
        if (maxPages < memoryPages) {
            throw new IllegalArgumentException("maxPages " + maxPages + " below memoryPages " + memoryPages);
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + MAX_VCPUS + ", was " + vcpus);
        }
        if (maxGrantFrames < 1 || maxGrantFrames > 1024) {
            throw new IllegalArgumentException("maxGrantFrames must be 1..1024, was " + maxGrantFrames);
        }
        if (pvMmu && hvm) {
            throw new IllegalArgumentException("an HVM domain has no PV MMU");
        }
        if (maxEvtchnPort < 1 || maxEvtchnPort >= io.jxen.abi.evtchn.EvtchnFifo.NR_CHANNELS) {
            throw new IllegalArgumentException("maxEvtchnPort must be 1.." + (io.jxen.abi.evtchn.EvtchnFifo.NR_CHANNELS - 1)
                    + " (above 4095 only the FIFO ABI reaches)");
        }
    }

    /** A domain of {@code memoryPages} pages and {@code vcpus} vCPUs with Xen's defaults otherwise. */
    public static DomainConfig of(long memoryPages, int vcpus) {
        return new DomainConfig(memoryPages, memoryPages, vcpus, DEFAULT_MAX_GRANT_FRAMES,
                EvtchnLimits.EVTCHN_2L_NR_CHANNELS - 1);
    }
}
