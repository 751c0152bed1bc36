package io.jxen.cli;

import io.jxen.drivers.block.back.engine.FileEngine;
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
 * {@code jxen nbd IMAGE}: serves a raw disk image over NBD until interrupted. Today the image
 * is served by the backend's file engine directly; once blkfront and blkback land, the
 * {@code --domain} form will serve a guest's disk through the whole PV path.
 */
@Command(name = "nbd", mixinStandardHelpOptions = true,
        description = {"Serve a raw disk image over NBD (fixed newstyle, structured replies, base:allocation, multi-conn).",
            "Try it with: nbdinfo nbd://127.0.0.1:PORT/NAME"})
final class NbdCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Raw image file (or block device) to export.")
    private Path image;

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

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(image)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no such image: " + image + " (create one with: truncate -s 1G " + image + ")");
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be 0..65535, was " + port);
        }
        FileEngine.Options engineOptions = readOnly ? FileEngine.Options.async().asReadOnly() : FileEngine.Options.async();
        NbdServer.Options serverOptions = readOnly ? NbdServer.Options.defaults().asReadOnly() : NbdServer.Options.defaults();
        SocketAddress address = unixSocket != null
                ? UnixDomainSocketAddress.of(unixSocket)
                : new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        PrintWriter out = spec.commandLine().getOut();
        try (FileEngine engine = FileEngine.open(image, engineOptions);
             NbdServer server = NbdServer.start(engine, address, exportName, serverOptions)) {
            Thread hook = new Thread(stopped::countDown, "jxen-nbd-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            out.printf("jxen nbd: serving %s (%d bytes%s) at %s%n", image, engine.sizeBytes(),
                    readOnly ? ", read-only" : "", server.uri());
            out.println("jxen nbd: press Ctrl-C to stop");
            out.flush();
            onServing.accept(server.uri());
            stopped.await();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        return 0;
    }
}
