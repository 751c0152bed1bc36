package io.jxen.cli;

import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.host.PvDisk;
import io.jxen.host.config.ConfigException;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.nbd.NbdServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jxen nbd IMAGE}: serves a raw disk image over NBD until interrupted, from the
 * backend's file engine directly. {@code jxen nbd --guest CONFIG}: boots a host and the guest
 * of an xl.cfg and serves the guest's first disk through the whole PV path (NBD client, the
 * guest's blkfront, the ring, dom0's blkback, the image file), see {@link PvDisk}.
 */
@Command(name = "nbd", mixinStandardHelpOptions = true,
        description = {"Serve a raw disk image over NBD (fixed newstyle, structured replies, base:allocation, multi-conn),",
            "or with --guest a guest's disk through blkfront -> ring -> dom0's blkback -> image file.",
            "Try it with: nbdinfo nbd://127.0.0.1:PORT/NAME"})
final class NbdCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE",
            description = "Raw image file (or block device) to export directly.")
    private Path image;

    @Option(names = "--guest", paramLabel = "CONFIG",
            description = "Boot the guest of this xl.cfg and export its first disk through the PV path.")
    private Path guestConfig;

    @Option(names = "--queues", defaultValue = "1",
            description = "With --guest: blkfront queues at most (default: ${DEFAULT-VALUE}).")
    private int queues;

    @Option(names = "--indirect", defaultValue = "32",
            description = "With --guest: blkfront's indirect segments at most, 0 for none (default: ${DEFAULT-VALUE},"
                    + " Linux's; ./jxen bench nbd uses 256).")
    private int indirect;

    @Option(names = "--ring-page-order", defaultValue = "0",
            description = "With --guest: ask for rings of up to 2^N pages (default: ${DEFAULT-VALUE}; ./jxen bench nbd"
                    + " uses 4 with --queues 2 and a guest of 64 MiB or more).")
    private int ringPageOrder;

    @Option(names = "--port", defaultValue = "10809", description = "TCP port on 127.0.0.1 (0 = any free port; default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--unix", paramLabel = "SOCKET", description = "Listen on this Unix socket instead of TCP.")
    private Path unixSocket;

    @Option(names = "--name", defaultValue = "disk", description = "Export name (default: ${DEFAULT-VALUE}).")
    private String exportName;

    @Option(names = {"-r", "--read-only"}, description = "Refuse writes, trims and flushes.")
    private boolean readOnly;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Counted down by the shutdown hook (Ctrl-C); tests count it down themselves. */
    final CountDownLatch stopped = new CountDownLatch(1);

    /** Told the server's URI once it listens; for tests. */
    java.util.function.Consumer<String> onServing = uri -> { };

    /** Counted down once the export is closed. */
    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        try {
            return serve();
        } finally {
            closed.countDown();
        }
    }

    private Integer serve() throws Exception {
        if ((image == null) == (guestConfig == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either IMAGE or --guest CONFIG");
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be 0..65535, was " + port);
        }
        if (guestConfig != null) {
            return serveGuest();
        }
        if (!Files.exists(image)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no such image: " + image + " (create one with: truncate -s 1G " + image + ")");
        }
        FileEngine.Options engineOptions = readOnly ? FileEngine.Options.async().asReadOnly() : FileEngine.Options.async();
        NbdServer.Options serverOptions = readOnly ? NbdServer.Options.defaults().asReadOnly() : NbdServer.Options.defaults();
        SocketAddress address = address();
        PrintWriter out = spec.commandLine().getOut();
        try (FileEngine engine = FileEngine.open(image, engineOptions);
             NbdServer server = NbdServer.start(engine, address, exportName, serverOptions)) {
            out.printf("jxen nbd: serving %s (%d bytes%s) at %s%n", image, engine.sizeBytes(),
                    readOnly ? ", read-only" : "", server.uri());
            serveUntilStopped(out, server);
        }
        return 0;
    }

    private int serveGuest() throws Exception {
        if (!Files.isRegularFile(guestConfig)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no such config: " + guestConfig);
        }
        if (queues < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--queues must be at least 1");
        }
        GuestConfig config;
        try {
            config = GuestConfig.load(guestConfig);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (config.disks().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), guestConfig + " has no disk");
        }
        PrintWriter out = spec.commandLine().getOut();
        PvDisk.Narrator narrator = (what, text) -> {
            out.printf("jxen nbd: %-8s %s%n", what, text.replace("\n", "\n                    "));
            out.flush();
        };
        PvDisk.Options options;
        try {
            options = new PvDisk.Options(queues, indirect, true, ringPageOrder);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--queues, --indirect, --ring-page-order: "
                    + e.getMessage());
        }
        try (PvDisk pv = PvDisk.boot(config, options, narrator);
             NbdServer server = NbdServer.start(pv.disk(), address(), exportName,
                     readOnly ? NbdServer.Options.defaults().asReadOnly() : NbdServer.Options.defaults(),
                     pv.payloadBuffers())) { // request data in the disk's registered buffers: no copy in blkfront
            out.printf("jxen nbd: serving domain %d's %s (%d bytes%s) through blkfront at %s%n", pv.domid(),
                    config.disks().getFirst().vdev().name(), pv.disk().sizeBytes(),
                    readOnly || pv.disk().readOnly() ? ", read-only" : "", server.uri());
            serveUntilStopped(out, server);
            out.printf("jxen nbd: unaligned writes done by read-modify-write: %d; flushing and shutting the guest down%n",
                    pv.disk().readModifyWrites());
            out.flush();
        }
        return 0;
    }

    private SocketAddress address() {
        return unixSocket != null
                ? UnixDomainSocketAddress.of(unixSocket)
                : new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private void serveUntilStopped(PrintWriter out, NbdServer server) throws InterruptedException {
        // On Ctrl-C the hook lets the server stop, then holds the JVM until the export is closed
        // (with --guest: the disk flushed, the guest shut down), or 30 s at most.
        Thread hook = new Thread(() -> {
            stopped.countDown();
            try {
                closed.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jxen-nbd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("jxen nbd: press Ctrl-C to stop");
        out.flush();
        onServing.accept(server.uri());
        stopped.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down (Ctrl-C): the hook has run
        }
    }
}
