package io.jxen.bench.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.GnttabSetupTableDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.memory.MachineMemory;
import io.jxen.runtime.SystemClock;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@code domain-cycles}: issue 4's "10,000 create/destroy cycles leave nothing behind". Each
 * cycle creates a domain (64 pages, 2 vCPUs, 2 grant frames), unpauses it, has it allocate an
 * unbound port to dom0 and set up its grant table, then destroys it. Measured: µs per cycle,
 * and the leak figures before and after (free machine frames, live domains, heap after GC, open
 * file descriptors, live threads). The floor in the same run: allocating and freeing the same
 * number of machine frames with the bare frame allocator.
 */
public final class DomainCycleBench implements Bench {

    private static final int PAGES = 64;

    @Override
    public String name() {
        return "domain-cycles";
    }

    @Override
    public String description() {
        return "create/unpause/hypercalls/destroy cycles (10,000; leak check of frames, heap, fds, threads) vs bare frame alloc/free";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        int cycles = quick ? 1_000 : 10_000;
        Path dir = Files.createTempDirectory("jxen-bench-hv");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("host.mem"), 8192)) {
            Hypervisor hv = new Hypervisor(memory, SystemClock.INSTANCE);
            Domain dom0 = hv.createDomain(DomainConfig.of(16, 1));
            hv.unpause(dom0.domid());
            cycle(hv, cycles / 10); // warm-up
            long frames0 = hv.host().allocator().freeFrames();
            long heap0 = heapAfterGc();
            long fds0 = openFds();
            int threads0 = ManagementFactory.getThreadMXBean().getThreadCount();

            long start = System.nanoTime();
            cycle(hv, cycles);
            double cycleUs = (System.nanoTime() - start) / 1e3 / cycles;

            long frames1 = hv.host().allocator().freeFrames();
            long heap1 = heapAfterGc();
            long fds1 = openFds();
            int threads1 = ManagementFactory.getThreadMXBean().getThreadCount();
            int domains = hv.domids().size();

            long floorStart = System.nanoTime();
            for (int i = 0; i < cycles; i++) {
                long[] got = new long[PAGES];
                for (int p = 0; p < PAGES; p++) {
                    got[p] = hv.host().allocator().alloc();
                }
                for (long mfn : got) {
                    hv.host().allocator().free(mfn);
                }
            }
            double floorUs = (System.nanoTime() - floorStart) / 1e3 / cycles;

            out.printf("%d cycles: %.1f µs per create/unpause/hypercalls/destroy; floor (alloc+free %d frames) %.1f µs (%.1fx)%n",
                    cycles, cycleUs, PAGES, floorUs, cycleUs / floorUs);
            out.printf("left behind: %d frames, %d domains besides dom0, heap %+d KiB after GC, %+d fds, %+d threads, %d internal errors%n",
                    frames0 - frames1, domains - 1, (heap1 - heap0) / 1024, fds1 - fds0, threads1 - threads0, hv.internalErrors());
            return new Figures()
                    .put("cycles", cycles)
                    .put("cycle_us", cycleUs)
                    .put("floor_alloc_free_us", floorUs)
                    .put("ratio_cycle_to_floor", cycleUs / floorUs)
                    .put("leaked_frames", frames0 - frames1)
                    .put("leaked_domains", domains - 1)
                    .put("heap_delta_kib", (heap1 - heap0) / 1024)
                    .put("fd_delta", fds1 - fds0)
                    .put("thread_delta", threads1 - threads0)
                    .put("internal_errors", hv.internalErrors());
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void cycle(Hypervisor hv, int n) {
        for (int i = 0; i < n; i++) {
            Domain d = hv.createDomain(new DomainConfig(PAGES, PAGES, 2, 4, 4095));
            hv.unpause(d.domid());
            Hypercalls hc = hv.hypercalls(d.domid(), 0);
            GuestPhysicalMemory mem = d.guestPhysicalMemory();
            long arg = 0x1000;
            mem.zero(arg, EvtchnAllocUnboundDescriptor.SIZE);
            mem.putShort(arg + EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) DomId.SELF);
            mem.putShort(arg + EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET, (short) 0);
            if (hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.ALLOC_UNBOUND, arg) != 0) {
                throw new IllegalStateException("alloc_unbound failed in cycle " + i);
            }
            mem.zero(arg, GnttabSetupTableDescriptor.SIZE);
            mem.putShort(arg + GnttabSetupTableDescriptor.DOM_OFFSET, (short) DomId.SELF);
            mem.putInt(arg + GnttabSetupTableDescriptor.NR_FRAMES_OFFSET, 2);
            mem.putLong(arg + GnttabSetupTableDescriptor.FRAME_LIST_OFFSET, 0x2000);
            if (hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, arg, 1) != 0
                    || mem.getShort(arg + GnttabSetupTableDescriptor.STATUS_OFFSET) != 0) {
                throw new IllegalStateException("setup_table failed in cycle " + i);
            }
            if (!hv.destroyDomain(d.domid())) {
                throw new IllegalStateException("destroy failed in cycle " + i);
            }
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long openFds() throws IOException {
        Path fd = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fd)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fd)) {
            return s.count();
        }
    }
}
