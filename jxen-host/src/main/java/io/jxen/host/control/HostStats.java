package io.jxen.host.control;

import io.jxen.abi.vcpu.Runstate;
import io.jxen.abi.vcpu.VcpuRunstateInfoDescriptor;
import io.jxen.abi.XenPage;
import io.jxen.host.backend.VbdBackends;
import io.jxen.host.toolstack.DomainRecord;
import io.jxen.host.toolstack.Toolstack;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.hv.hypercall.XenVersionOps;
import io.jxen.hv.mm.Fields;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Samples the counters {@code xl list}, {@code xl vcpu-list}, {@code xl info} and
 * {@code xl top} print, from what the host really keeps: each vCPU's runstate times (taken
 * under the hypervisor's lock), the domains' page counts, and dom0's blkback counters by
 * frontend domain. Guests a driver domain serves have no VBD counters here (its blkback runs in
 * its own process).
 */
public final class HostStats {

    private final Hypervisor hv;
    private final Toolstack toolstack;
    private final Supplier<Map<Integer, VbdBackends.Statistics>> vbds;

    /**
     * @param vbds dom0's blkback counters by frontend domain ({@link VbdBackends#statistics()})
     */
    public HostStats(Hypervisor hv, Toolstack toolstack, Supplier<Map<Integer, VbdBackends.Statistics>> vbds) {
        this.hv = Objects.requireNonNull(hv);
        this.toolstack = Objects.requireNonNull(toolstack);
        this.vbds = Objects.requireNonNull(vbds);
    }

    private String name(int domid) {
        if (domid == 0) {
            return Toolstack.DOM0_NAME;
        }
        DomainRecord r = toolstack.record(domid);
        return r == null ? null : r.config().name();
    }

    private static int runstate(MemorySegment info) {
        return (int) Fields.u32(info, VcpuRunstateInfoDescriptor.STATE_OFFSET);
    }

    private static long running(MemorySegment info) {
        return Fields.u64(info, VcpuRunstateInfoDescriptor.TIME_OFFSET + 8L * Runstate.RUNNING);
    }

    /** dom0 and every guest the toolstack manages, by id (domains being built or torn down are left out). */
    public List<DomainSample> domains() {
        Map<Integer, VbdBackends.Statistics> blk = vbds.get();
        List<DomainSample> out = new ArrayList<>();
        for (Domain d : hv.all()) {
            String name = name(d.domid());
            if (name == null) {
                continue;
            }
            List<MemorySegment> vcpus = hv.runstates(d.domid());
            long cpu = 0;
            boolean anyRunning = false;
            boolean allBlocked = true;
            int online = 0;
            for (int i = 0; i < vcpus.size(); i++) {
                MemorySegment v = vcpus.get(i);
                cpu += running(v);
                // getdomaininfo (xen/common/domctl.c) looks only at vCPUs without VPF_down:
                // a down vCPU neither runs nor keeps the domain from counting as blocked.
                if (d.vcpu(i).isUp()) {
                    anyRunning |= runstate(v) == Runstate.RUNNING;
                    allBlocked &= runstate(v) == Runstate.BLOCKED;
                    online++;
                }
            }
            ShutdownReason reason = d.shutdownReason();
            // getdomaininfo: running if an online vCPU runs, blocked if every online vCPU is
            // blocked (XEN_DOMINF_blocked starts set, so a domain with none online is blocked).
            String state = (anyRunning ? "r" : "-") + (allBlocked ? "b" : "-") + (d.paused() ? "p" : "-")
                    + (reason != null && reason != ShutdownReason.CRASH ? "s" : "-")
                    + (reason == ShutdownReason.CRASH ? "c" : "-") + (d.dying() ? "d" : "-");
            DomainRecord r = toolstack.record(d.domid());
            int disks = r == null ? 0 : (int) r.devices().stream().filter(dev -> dev.kind().equals("vbd")).count();
            VbdBackends.Statistics s = blk.getOrDefault(d.domid(), new VbdBackends.Statistics(0, 0, 0, 0));
            long kib = XenPage.SIZE / 1024;
            out.add(new DomainSample(d.domid(), name, state, cpu, d.physMap().totPages() * kib,
                    d.physMap().maxPages() * kib, vcpus.size(), online, disks, s.readRequests(), s.writeRequests(),
                    s.readSectors(), s.writeSectors()));
        }
        return out;
    }

    /** Every vCPU of dom0 and the guests. */
    public List<VcpuSample> vcpus() {
        List<VcpuSample> out = new ArrayList<>();
        for (Domain d : hv.all()) {
            String name = name(d.domid());
            if (name == null) {
                continue;
            }
            List<MemorySegment> vcpus = hv.runstates(d.domid());
            for (int i = 0; i < vcpus.size(); i++) {
                MemorySegment v = vcpus.get(i);
                out.add(new VcpuSample(d.domid(), name, i, runstate(v) == Runstate.RUNNING,
                        runstate(v) == Runstate.BLOCKED, d.vcpu(i).isUp(), running(v)));
            }
        }
        return out;
    }

    /** The host. */
    public HostInfo info() {
        var memory = hv.host().memory();
        long kib = XenPage.SIZE / 1024;
        return new HostInfo(memory.frames() * kib, memory.allocator().freeFrames() * kib,
                Runtime.getRuntime().availableProcessors(), XenVersionOps.MAJOR, XenVersionOps.MINOR,
                XenVersionOps.EXTRAVERSION);
    }
}
