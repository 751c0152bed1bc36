package io.jxen.cli;

import io.jxen.cli.run.GuestInit;
import io.jxen.host.Host;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.toolstack.Toolstack;
import io.jxen.runtime.SystemClock;
import io.jxen.xenstore.wire.XenstoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Callable;

/**
 * {@code jxen run CONFIG}: starts a host in a directory, creates the guest of an xl.cfg, boots
 * its kernel with {@link GuestInit} (console shell, control driver, blkfront) and keeps running
 * until no guest is left ({@code poweroff} in the guest's shell, {@code xl}-style
 * {@code on_poweroff}) or the process is stopped. Guests added by {@code jxen xl create} and
 * those {@code on_reboot = "restart"} builds again boot GuestInit the same way. Meanwhile {@code jxen console} and
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
            StopOnSignal stop = StopOnSignal.install(host, out);
            try {
                return serve(host, hostDir, cfg, out);
            } finally {
                stop.close();
            }
        }
    }

    /** The guest of the config and those xl create adds, until none is left. */
    private int serve(Host host, Path hostDir, GuestConfig cfg, PrintWriter out) throws Exception {
        // Every guest of this host (this one, those of xl create, restarts) boots GuestInit
        // in this process; the host runs until no guest is left.
        Map<Integer, GuestInit> inits = new ConcurrentHashMap<>();
        BlockingQueue<Integer> gone = new LinkedBlockingQueue<>();
        host.toolstack().setInProcessKernels(new Toolstack.InProcessKernels() {
            @Override
            public void boot(int domid) throws IOException {
                if (inits.containsKey(domid)) {
                    return;
                }
                try {
                    inits.put(domid, GuestInit.boot(host.hypervisor().platform(domid), SystemClock.INSTANCE));
                } catch (XenstoreException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public void stop(int domid) {
                GuestInit init = inits.remove(domid);
                if (init != null) {
                    init.abandon();
                    gone.add(domid);
                }
            }
        });
        host.toolstack().setLog(line -> {
            out.println("  toolstack " + line);
            out.flush();
        });
        int domid = host.toolstack().create(cfg);
        out.println("host in " + hostDir + ": domain " + domid + " (" + cfg.name() + ") runs "
                + inits.get(domid).kernel().banner());
        out.println("  jxen console " + cfg.name() + (dir != null ? " --dir " + hostDir : "")
                + "        attach to its console (type help; Ctrl-D detaches)");
        out.println("  jxen xenbus list " + cfg.name() + (dir != null ? " --dir " + hostDir : "")
                + "    its XenBus devices");
        out.println("  jxen xl list" + (dir != null ? " --dir " + hostDir : "")
                + "                 xl's verbs: list, top, create, shutdown, ...");
        out.flush();
        int last;
        do {
            last = gone.take();
        } while (!host.toolstack().guests().isEmpty()); // a restart is destroy and create in one step
        out.println("domain " + last + " is gone; the host stops");
        out.flush();
        return 0;
    }

    /**
     * Ctrl-C or SIGTERM stops the host as when its last guest goes (guests destroyed, sockets
     * and {@code host.mem} removed) instead of leaving its files to the next start. Bounded: a
     * close that hangs does not keep the process from exiting.
     */
    private static final class StopOnSignal implements AutoCloseable {
        private static final long CLOSE_WAIT_MILLIS = 10_000;
        private final Thread hook;

        private StopOnSignal(Thread hook) {
            this.hook = hook;
        }

        static StopOnSignal install(Host host, PrintWriter out) {
            Thread hook = new Thread(() -> {
                out.println("stopping the host (signal)");
                out.flush();
                Thread closer = Thread.ofPlatform().daemon().name("jxen-run-stop").start(() -> {
                    try {
                        host.close();
                    } catch (IOException | RuntimeException e) {
                        System.getLogger("jxen.run").log(System.Logger.Level.WARNING, "stopping the host: " + e);
                    }
                });
                try {
                    closer.join(CLOSE_WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "jxen-run-signal");
            Runtime.getRuntime().addShutdownHook(hook);
            return new StopOnSignal(hook);
        }

        /** The run ended by itself: the host closes through try-with-resources, not the hook. */
        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook is running or has run
            }
        }
    }
}
