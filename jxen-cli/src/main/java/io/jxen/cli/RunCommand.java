package io.jxen.cli;

import io.jxen.cli.run.GuestInit;
import io.jxen.host.Host;
import io.jxen.host.config.GuestConfig;
import io.jxen.runtime.SystemClock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/**
 * {@code jxen run CONFIG}: starts a host in a directory, creates the guest of an xl.cfg, boots
 * its kernel with {@link GuestInit} (console shell, control driver, blkfront) and keeps running
 * until the domain is destroyed ({@code poweroff} in the guest's shell, {@code xl}-style
 * {@code on_poweroff}) or the process is stopped. Meanwhile {@code jxen console} and
 * {@code jxen xenbus list} reach it through the directory's control socket.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Start a host with the guest of an xl.cfg and keep it running until the guest is destroyed.",
            "Attach with: jxen console NAME; inspect with: jxen xenbus list NAME."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The guest's xl.cfg.")
    private Path config;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "The host's directory (default: $JXEN_HOST_DIR or <tmpdir>/jxen-<user>).")
    private Path dir;

    @Option(names = "--frames", defaultValue = "16384",
            description = "Machine memory in 4 KiB frames (default: ${DEFAULT-VALUE}).")
    private long frames;

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path hostDir = dir != null ? dir : HostDirectory.defaultDir();
        GuestConfig cfg = GuestConfig.load(config);
        Files.createDirectories(hostDir);
        // Refused before anything boots; a stale socket of a host that is gone is replaced.
        if (io.jxen.runtime.UnixSocketPath.answers(hostDir.resolve(Host.CONTROL_SOCKET))) {
            throw new IOException("a jxen host already runs in " + hostDir + "; use --dir for another");
        }
        try (Host host = Host.start(new Host.Options(hostDir, frames, 256, SystemClock.INSTANCE, true))) {
            CountDownLatch gone = new CountDownLatch(1);
            int[] domid = {-1};
            host.toolstack().setLog(line -> {
                out.println("  toolstack " + line);
                out.flush();
                if (line.startsWith("d" + domid[0] + " ") && line.endsWith("destroyed")) {
                    gone.countDown();
                }
            });
            domid[0] = host.toolstack().create(cfg);
            GuestInit init = GuestInit.boot(host.hypervisor().platform(domid[0]), SystemClock.INSTANCE);
            out.println("host in " + hostDir + ": domain " + domid[0] + " (" + cfg.name() + ") runs "
                    + init.kernel().banner());
            out.println("  jxen console " + cfg.name() + (dir != null ? " --dir " + hostDir : "")
                    + "        attach to its console (type help; Ctrl-D detaches)");
            out.println("  jxen xenbus list " + cfg.name() + (dir != null ? " --dir " + hostDir : "")
                    + "    its XenBus devices");
            out.flush();
            gone.await();
            init.abandon();
            out.println("domain " + domid[0] + " is gone; the host stops");
            out.flush();
        }
        return 0;
    }
}
