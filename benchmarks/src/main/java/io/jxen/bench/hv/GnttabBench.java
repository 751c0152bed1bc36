package io.jxen.bench.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabCopyDescriptor;
import io.jxen.abi.gnttab.GnttabMapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.GnttabUnmapGrantRefDescriptor;
import io.jxen.abi.gnttab.GrantEntryV1Descriptor;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xen.DomId;
import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.memory.MachineMemory;
import io.jxen.runtime.SystemClock;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@code gnttab}: grant-table throughput in process. Domain A grants pages to domain B (v1
 * entries written in A's grant frame); B, from its own memory, maps and unmaps a grant
 * (GNTTABOP_map_grant_ref with GNTMAP_host_map, then unmap_grant_ref: one op per hypercall, the
 * foreign page really appearing in B's physmap), and copies full pages out of grants into its
 * own frames (GNTTABOP_copy, one per hypercall and batches of 16). The floor in the same run: a
 * bare 4 KiB memory copy between two off-heap segments.
 */
public final class GnttabBench implements Bench {

    /** Where B maps a grant: an unpopulated GFN above its RAM (40 pages) and below its max (64). */
    private static final long HOST = 50L << XenPage.SHIFT;
    private static final int BATCH = 16;

    @Override
    public String name() {
        return "gnttab";
    }

    @Override
    public String description() {
        return "grant map+unmap and grant copy (4 KiB, single and batches of 16) per second, in process, vs a bare 4 KiB memcpy";
    }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        long budget = quick ? 300_000_000L : 3_000_000_000L;
        Path dir = Files.createTempDirectory("jxen-bench-gnt");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("host.mem"), 1024)) {
            Hypervisor hv = new Hypervisor(memory, SystemClock.INSTANCE);
            hv.createDomain(DomainConfig.of(16, 1));
            Domain a = hv.createDomain(new DomainConfig(40, 64, 1, 4, 4095));
            Domain b = hv.createDomain(new DomainConfig(40, 64, 1, 4, 4095));
            hv.unpause(a.domid());
            hv.unpause(b.domid());
            BenchGuest ga = new BenchGuest(hv.platform(a.domid()));
            BenchGuest gb = new BenchGuest(hv.platform(b.domid()));
            for (int ref = 10; ref < 10 + BATCH; ref++) {
                long e = (a.grantFrameGfn(0) << XenPage.SHIFT) + (long) ref * GrantEntryV1Descriptor.SIZE;
                ga.mem.putShort(e + GrantEntryV1Descriptor.DOMID_OFFSET, (short) b.domid());
                ga.mem.putInt(e + GrantEntryV1Descriptor.FRAME_OFFSET, ref - 6);
                ga.mem.putShort(e + GrantEntryV1Descriptor.FLAGS_OFFSET, (short) Gtf.PERMIT_ACCESS);
                ga.mem.putLong((ref - 6L) << XenPage.SHIFT, 0x6A78656E00000000L | ref);
            }
            int aDom = a.domid();

            // map+unmap: arguments at ARG (map) and ARG+256 (unmap)
            long map = BenchGuest.ARG;
            long unmap = BenchGuest.ARG + 256;
            gb.mem.zero(map, GnttabMapGrantRefDescriptor.SIZE);
            gb.mem.putLong(map + GnttabMapGrantRefDescriptor.HOST_ADDR_OFFSET, HOST);
            gb.mem.putInt(map + GnttabMapGrantRefDescriptor.FLAGS_OFFSET, Gntmap.HOST_MAP);
            gb.mem.putInt(map + GnttabMapGrantRefDescriptor.REF_OFFSET, 10);
            gb.mem.putShort(map + GnttabMapGrantRefDescriptor.DOM_OFFSET, (short) aDom);
            gb.mem.zero(unmap, GnttabUnmapGrantRefDescriptor.SIZE);
            gb.mem.putLong(unmap + GnttabUnmapGrantRefDescriptor.HOST_ADDR_OFFSET, HOST);
            Op mapUnmap = () -> {
                BenchGuest.check(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, map, 1), "map");
                if (gb.mem.getShort(map + GnttabMapGrantRefDescriptor.STATUS_OFFSET) != Gntst.OKAY) {
                    throw new IllegalStateException("map status " + gb.mem.getShort(map + GnttabMapGrantRefDescriptor.STATUS_OFFSET));
                }
                gb.mem.putInt(unmap + GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET,
                        gb.mem.getInt(map + GnttabMapGrantRefDescriptor.HANDLE_OFFSET));
                BenchGuest.check(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.UNMAP_GRANT_REF, unmap, 1), "unmap");
                if (gb.mem.getShort(unmap + GnttabUnmapGrantRefDescriptor.STATUS_OFFSET) != Gntst.OKAY) {
                    throw new IllegalStateException("unmap status");
                }
            };
            // the mapping is real: B reads A's page through it
            BenchGuest.check(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, map, 1), "map");
            if (gb.mem.getLong(HOST) != (0x6A78656E00000000L | 10)) {
                throw new IllegalStateException("the mapped grant does not show the granter's page");
            }
            gb.mem.putInt(unmap + GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET,
                    gb.mem.getInt(map + GnttabMapGrantRefDescriptor.HANDLE_OFFSET));
            BenchGuest.check(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.UNMAP_GRANT_REF, unmap, 1), "unmap");

            // copies: BATCH entries at LIST, grant ref 10+i of A -> B's gfn 20+i
            for (int i = 0; i < BATCH; i++) {
                long at = BenchGuest.LIST + (long) i * GnttabCopyDescriptor.SIZE;
                gb.mem.zero(at, GnttabCopyDescriptor.SIZE);
                gb.mem.putLong(at + GnttabCopyDescriptor.SOURCE_U_OFFSET, 10 + i);
                gb.mem.putShort(at + GnttabCopyDescriptor.SOURCE_DOMID_OFFSET, (short) aDom);
                gb.mem.putLong(at + GnttabCopyDescriptor.DEST_U_OFFSET, 20 + i);
                gb.mem.putShort(at + GnttabCopyDescriptor.DEST_DOMID_OFFSET, (short) DomId.SELF);
                gb.mem.putShort(at + GnttabCopyDescriptor.LEN_OFFSET, (short) XenPage.SIZE);
                gb.mem.putShort(at + GnttabCopyDescriptor.FLAGS_OFFSET, (short) Gntmap.GNTCOPY_SOURCE_GREF);
            }
            Op copyOne = () -> {
                BenchGuest.check(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.COPY, BenchGuest.LIST, 1), "copy");
                if (gb.mem.getShort(BenchGuest.LIST + GnttabCopyDescriptor.STATUS_OFFSET) != Gntst.OKAY) {
                    throw new IllegalStateException("copy status");
                }
            };
            Op copyBatch = () -> {
                BenchGuest.check(gb.hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.COPY, BenchGuest.LIST, BATCH), "copy");
                for (int i = 0; i < BATCH; i++) {
                    if (gb.mem.getShort(BenchGuest.LIST + (long) i * GnttabCopyDescriptor.SIZE
                            + GnttabCopyDescriptor.STATUS_OFFSET) != Gntst.OKAY) {
                        throw new IllegalStateException("copy status in batch entry " + i);
                    }
                }
            };
            copyBatch.run();
            if (gb.mem.getLong(25L << XenPage.SHIFT) != (0x6A78656E00000000L | 15)) {
                throw new IllegalStateException("the copy did not bring the granter's page");
            }
            double mapNs;
            double copyNs;
            double batchNs;
            double floorNs;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment src = arena.allocate(XenPage.SIZE, XenPage.SIZE);
                MemorySegment dst = arena.allocate(XenPage.SIZE, XenPage.SIZE);
                Op floor = () -> MemorySegment.copy(src, 0, dst, 0, XenPage.SIZE);
                // warm-up, then measure each
                for (Op op : new Op[] {mapUnmap, copyOne, copyBatch, floor}) {
                    time(op, budget / 4);
                }
                mapNs = time(mapUnmap, budget);
                copyNs = time(copyOne, budget);
                batchNs = time(copyBatch, budget) / BATCH;
                floorNs = time(floor, budget);
            }
            if (hv.internalErrors() != 0) {
                throw new IllegalStateException("hypervisor internal errors: " + hv.internalErrors());
            }
            out.printf("map+unmap (2 hypercalls): %.0f ns, %.0f per second%n", mapNs, 1e9 / mapNs);
            out.printf("copy 4 KiB, 1 per hypercall: %.0f ns, %.0f per second; in batches of %d: %.0f ns per copy, %.0f per second%n",
                    copyNs, 1e9 / copyNs, BATCH, batchNs, 1e9 / batchNs);
            out.printf("floor, bare 4 KiB memcpy: %.0f ns; copy/floor %.1fx (single), %.1fx (batched)%n",
                    floorNs, copyNs / floorNs, batchNs / floorNs);
            return new Figures()
                    .put("map_unmap_ns", mapNs)
                    .put("map_unmap_per_s", 1e9 / mapNs)
                    .put("copy_ns", copyNs)
                    .put("copy_per_s", 1e9 / copyNs)
                    .put("copy_batched_ns", batchNs)
                    .put("copy_batched_per_s", 1e9 / batchNs)
                    .put("floor_memcpy_4k_ns", floorNs)
                    .put("ratio_copy_to_floor", copyNs / floorNs)
                    .put("ratio_copy_batched_to_floor", batchNs / floorNs);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private interface Op {
        void run();
    }

    /** Runs {@code op} in chunks until {@code budgetNanos} elapsed; mean ns per run. */
    private static double time(Op op, long budgetNanos) {
        long n = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            for (int i = 0; i < 1000; i++) {
                op.run();
            }
            n += 1000;
            elapsed = System.nanoTime() - start;
        } while (elapsed < budgetNanos);
        return (double) elapsed / n;
    }
}
