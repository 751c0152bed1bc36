package io.jxen.cli.run;

import io.jxen.drivers.block.front.BlkfrontXenbusDriver;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.console.XenConsole;
import io.jxen.guest.control.XenControl;
import io.jxen.guest.xenbus.RingXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.Clock;
import io.jxen.runtime.ErrorHandler;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What runs in the guest of {@code jxen run}: the guest kernel (Xen detection, vCPU threads,
 * xenstore over its ring), the control driver (so {@code xl shutdown} works), blkfront for the
 * config's disks on a front XenBus, and a line shell on the PV console. It uses only what a
 * guest has ({@link GuestPlatform}), so it runs the same in the host's JVM or in one of its own.
 *
 * <p>Shell commands, one per line: {@code help}, {@code uname}, {@code vmstat} (the interrupt
 * counters), {@code read PATH} and {@code write PATH VALUE} (xenstore over the guest's ring),
 * {@code ls PATH}, {@code disk-write SECTOR TEXT} and {@code disk-read SECTOR} (the first disk
 * through blkfront), {@code poweroff}. Unknown commands say so. The console client's terminal
 * edits and echoes the line, so the shell does not echo.
 */
public final class GuestInit implements AutoCloseable {

    private final GuestKernel kernel;
    private final VcpuThreads vcpus;
    private final XenstoreRingClient xs;
    private final XenConsole console;
    private final XenControl control;
    private final XenBus bus;
    private final BlkfrontXenbusDriver blkfront;
    private final AgentRunner busRunner;
    private final ExecutorService shell = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("guest-shell").unstarted(r));
    private final StringBuilder line = new StringBuilder();
    private final CompletableFuture<String> poweredOff = new CompletableFuture<>();

    private GuestInit(GuestPlatform platform, Clock clock) throws XenstoreException, IOException {
        kernel = GuestKernel.boot(platform, GuestKernel.Options.defaults(clock));
        vcpus = VcpuThreads.start(kernel);
        xs = XenstoreRingClient.open(kernel);
        console = new XenConsole(kernel);
        control = new XenControl(kernel, xs, new XenControl.Actions() {
            @Override
            public void beforeShutdown(String request) {
                say("\n" + request + ": the guest powers off\n");
            }

            @Override
            public void afterShutdown(String request, long rc) {
                poweredOff.complete(request);
            }
        });
        bus = XenBus.front(new RingXenbusStore(xs), kernel.domid(), XenBus.Options.defaults(clock));
        blkfront = new BlkfrontXenbusDriver(kernel, kernel.grantTable(), 32, true,
                CompletionWaiter.blocking());
        bus.register(blkfront);
        // The bus agent only checks connect deadlines (seconds): long parks, no spinning.
        busRunner = AgentRunner.start(bus, BackoffIdleStrategy.deadlines(), ErrorHandler.printing());
        bus.start();
        console.onInput(bytes -> shell.execute(() -> typed(bytes)));
    }

    /**
     * Boots the guest on {@code platform} and greets on its console.
     *
     * @throws XenstoreException if xenstore refuses the control nodes or the bus's watches
     * @throws IOException       if the xenstore ring fails
     */
    public static GuestInit boot(GuestPlatform platform, Clock clock) throws XenstoreException, IOException {
        GuestInit init = new GuestInit(platform, clock);
        init.say(init.kernel.banner() + "\njxen guest init: domain " + init.kernel.domid() + ", " + init.kernel.vcpus()
                + " vCPUs, " + init.kernel.nrPages() + " pages. Type 'help'.\n> ");
        return init;
    }

    /** The guest kernel. */
    public GuestKernel kernel() {
        return kernel;
    }

    /** Completes with the request ({@code poweroff}, {@code reboot}) once the guest has shut down. */
    public CompletableFuture<String> poweredOff() {
        return poweredOff;
    }

    private void say(String text) {
        try {
            console.writeAll(text.getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void typed(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\r' || b == '\n') {
                String command = line.toString().trim();
                line.setLength(0);
                if (!command.isEmpty() || b == '\n') {
                    run(command);
                }
            } else if (line.length() < 1024) {
                line.append((char) (b & 0xff));
            }
        }
    }

    private void run(String command) {
        String[] words = command.split("\\s+", 3);
        String out;
        try {
            out = switch (words[0]) {
                case "" -> "";
                case "help" -> "help | uname | vmstat | read PATH | write PATH VALUE | ls PATH | disk-write SECTOR TEXT"
                        + " | disk-read SECTOR | poweroff\n";
                case "disk-write", "disk-read" -> disk(words);
                case "uname" -> kernel.banner() + "\n";
                case "vmstat" -> kernel.intr().vmstat();
                case "read" -> words.length < 2 ? "usage: read PATH\n" : xs.read(words[1]) + "\n";
                case "write" -> {
                    if (words.length < 3) {
                        yield "usage: write PATH VALUE\n";
                    }
                    xs.write(words[1], words[2]);
                    yield "";
                }
                case "ls" -> words.length < 2 ? "usage: ls PATH\n" : String.join("\n", xs.directory(words[1])) + "\n";
                case "poweroff" -> {
                    control.handle("poweroff");
                    yield null;
                }
                default -> words[0] + ": unknown command (try help)\n";
            };
        } catch (XenstoreException e) {
            out = words[0] + ": " + e.getMessage() + "\n";
        } catch (IOException e) {
            out = words[0] + ": xenstore: " + e.getMessage() + "\n";
        }
        if (out != null) {
            say(out + "> ");
        }
    }

    /**
     * {@code disk-write SECTOR TEXT} writes TEXT, zero-padded to a 512-byte sector, at SECTOR of
     * the first disk through blkfront; {@code disk-read SECTOR} prints that sector up to its
     * first zero byte.
     */
    private String disk(String[] words) throws XenstoreException, IOException {
        boolean write = words[0].equals("disk-write");
        if (words.length < (write ? 3 : 2)) {
            return write ? "usage: disk-write SECTOR TEXT\n" : "usage: disk-read SECTOR\n";
        }
        long sector;
        try {
            sector = Long.parseLong(words[1]);
        } catch (NumberFormatException e) {
            return words[0] + ": " + words[1] + " is not a sector number\n";
        }
        java.util.List<String> disks = xs.directory("device/vbd");
        var device = disks.isEmpty() ? java.util.Optional.<io.jxen.drivers.block.front.MultiQueueBlkfront>empty()
                : blkfront.device(disks.getFirst());
        if (device.isEmpty() || !device.get().connected()) {
            return words[0] + ": no connected disk\n";
        }
        int size = io.jxen.drivers.block.BlockDevice.SECTOR_SIZE_BYTES;
        if (sector < 0 || sector >= device.get().sizeBytes() / size) {
            return words[0] + ": sector " + sector + " is outside the disk\n";
        }
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(size);
        if (write) {
            byte[] text = words[2].getBytes(StandardCharsets.UTF_8);
            data.put(text, 0, Math.min(text.length, size)).clear();
            device.get().write(sector * size, data, false);
            return "wrote sector " + sector + "\n";
        }
        device.get().read(sector * size, data);
        int end = 0;
        while (end < size && data.get(end) != 0) {
            end++;
        }
        return new String(data.array(), 0, end, StandardCharsets.UTF_8) + "\n";
    }

    /**
     * Stops the threads of a guest whose domain is already gone, without talking to xenstore or
     * the hypervisor (nothing there answers any more).
     */
    public void abandon() {
        shell.shutdownNow();
        busRunner.close();
        xs.abandon(); // its watch thread too
        try {
            vcpus.close();
        } catch (RuntimeException e) {
            // the vCPUs' domain is destroyed: a last notification may fail
        }
    }

    /** Stops the guest's devices, bus and vCPU threads (the domain itself is the toolstack's). */
    @Override
    public void close() {
        shell.shutdownNow();
        try {
            bus.close();
        } finally {
            busRunner.close();
            console.close();
            xs.close();
            vcpus.close();
        }
    }
}
