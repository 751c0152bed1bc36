package io.jxen.bench.blk;

import io.jxen.bench.Bench;
import io.jxen.bench.Figures;
import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.BlkbackConnection;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.BackendFeatures;
import io.jxen.drivers.block.front.Blkfront;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.drivers.block.front.FrontendRing;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.memory.MachineMemory;
import io.jxen.runtime.SystemClock;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code blkif-grants}: how blkback should move data, measured. One process, one thread: a
 * guest's blkfront and dom0's blkback over a real ring, grants and event channels of the
 * in-process hypervisor, the backend stepped right after each submit (queue depth 1, no thread
 * hand-off, so the figures are the data path's cost, not scheduling). The same file image is
 * served three ways: grant map (map, copy, unmap each segment page, as MirageOS), grant copy
 * ({@code GNTTABOP_copy} through a bounce page, as QEMU and blktap3) and persistent grants
 * (pages mapped once, LRU, as Linux). Reads and writes of 4 KiB, 44 KiB (11 segments, the
 * largest direct request) and 128 KiB (indirect). The floor in the same run: the same request
 * straight on the {@link FileEngine}.
 */
public final class BlkifGrantModesBench implements Bench {

    private static final int DISK = 8 << 20;
    private static final int[] SIZES = {4096, 11 * 4096, 128 * 1024};

    @Override
    public String name() {
        return "blkif-grants";
    }

    @Override
    public String description() {
        return "blkfront->blkback QD1 requests per second by grant map, grant copy and persistent grants"
                + " (4K, 44K, 128K reads and writes), in process, vs the same I/O straight on the file engine";
    }

    private enum Mode { MAP, COPY, PERSISTENT }

    @Override
    public Figures run(boolean quick, PrintStream out) throws Exception {
        long budget = quick ? 150_000_000L : 1_500_000_000L;
        Figures figures = new Figures();
        Path dir = Files.createTempDirectory("jxen-bench-blkif");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("host.mem"), 8192);
             FileEngine disk = FileEngine.create(dir.resolve("disk.img"), DISK, FileEngine.Options.sync())) {
            disk.write(0, ByteBuffer.allocate(DISK), false); // allocated, not holes: reads touch data
            Hypervisor hv = new Hypervisor(memory, SystemClock.INSTANCE);
            GuestKernel dom0 = boot(hv, 513);
            GuestKernel guest = boot(hv, 2048);
            GrantTableClient dom0Grants = dom0.grantTable();
            long window = dom0.nrPages() + 16;
            for (int size : SIZES) {
                double floorRead = opsPerSecond(budget, () -> disk.read(0, ByteBuffer.allocate(size)));
                double floorWrite = opsPerSecond(budget, () -> disk.write(0, ByteBuffer.allocate(size), false));
                String k = size / 1024 + "k";
                figures.put("floor_read_" + k + "_per_s", round(floorRead));
                figures.put("floor_write_" + k + "_per_s", round(floorWrite));
                double mapRead = 0;
                double mapWrite = 0;
                for (Mode mode : Mode.values()) {
                    int persistent = mode == Mode.PERSISTENT ? 64 : 0;
                    Blkback back = new Blkback(dom0, dom0Grants, disk, BlkifDeviceProfile.of(disk, 32), window,
                            persistent, SystemClock.INSTANCE, "blkback.bench." + mode);
                    window += Blkback.windowPages(persistent) + 1;
                    if (mode == Mode.COPY) {
                        back.withGrantCopy(dom0.pages().allocPage());
                    }
                    Blkback[] served = {back};
                    CompletionWaiter step = future -> {
                        while (!future.isDone()) {
                            served[0].doWork();
                            guest.vcpu(0).poll();
                            dom0.vcpu(0).poll();
                        }
                    };
                    Blkfront front = new Blkfront(guest, guest.grantTable(), 0, "xbd-" + mode, 32,
                            mode == Mode.PERSISTENT, step);
                    BackendFeatures features = new BackendFeatures(DISK / 512, 512, 512, false, true, true,
                            true, false, 32, mode == Mode.PERSISTENT);
                    FrontendRing ring = front.connect(features);
                    if (!back.connect(new BlkbackConnection(guest.domid(), ring.ringRefs(), ring.eventChannel(),
                            ring.abi(), mode == Mode.PERSISTENT))) {
                        throw new IllegalStateException(back.error());
                    }
                    front.deviceProperties(features); // the backend is Connected
                    ByteBuffer buffer = ByteBuffer.allocate(size);
                    double read = opsPerSecond(budget, () -> front.read(0, buffer.clear()));
                    double write = opsPerSecond(budget, () -> front.write(0, buffer.clear(), false));
                    if (back.metrics().errors() != 0) {
                        throw new IllegalStateException(mode + ": backend errors " + back.metrics());
                    }
                    String m = mode.name().toLowerCase(java.util.Locale.ROOT);
                    figures.put(m + "_read_" + k + "_per_s", round(read));
                    figures.put(m + "_write_" + k + "_per_s", round(write));
                    figures.put(m + "_read_" + k + "_ratio_to_floor", ratio(read, floorRead));
                    if (mode == Mode.MAP) {
                        mapRead = read;
                        mapWrite = write;
                    } else {
                        figures.put(m + "_read_" + k + "_ratio_to_map", ratio(read, mapRead));
                        figures.put(m + "_write_" + k + "_ratio_to_map", ratio(write, mapWrite));
                    }
                    out.printf("%-10s %6s  read %10.0f/s  write %10.0f/s  (floor read %10.0f/s write %10.0f/s)%n",
                            m, k, read, write, floorRead, floorWrite);
                    front.backendGone();
                    back.disconnect();
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return figures;
    }

    private static GuestKernel boot(Hypervisor hv, long pages) {
        Domain d = hv.createDomain(DomainConfig.of(pages, 1));
        hv.unpause(d.domid());
        return GuestKernel.boot(hv.platform(d.domid()),
                GuestKernel.Options.defaults(SystemClock.INSTANCE).withIntrThreads(Runnable::run));
    }

    @FunctionalInterface
    private interface Op {
        void run() throws IOException;
    }

    /** Warms up for a quarter of the budget, then counts operations in the rest. */
    private static double opsPerSecond(long budgetNanos, Op op) throws IOException {
        long warm = System.nanoTime() + budgetNanos / 4;
        while (System.nanoTime() < warm) {
            op.run();
        }
        long start = System.nanoTime();
        long end = start + budgetNanos;
        long n = 0;
        long now;
        do {
            op.run();
            n++;
            now = System.nanoTime();
        } while (now < end);
        return n * 1e9 / (now - start);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : Math.round(a / b * 1000) / 1000.0;
    }
}
