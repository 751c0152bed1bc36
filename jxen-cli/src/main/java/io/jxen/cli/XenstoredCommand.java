package io.jxen.cli;

import io.jxen.xenstore.server.XenstoredMain;
import io.jxen.xenstore.server.XenstoredServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jxen xenstored}: jxen's xenstored on a Unix socket, a drop-in for Xen's C daemon:
 * Debian's xenstore-utils and pyxs reach it through {@code XENSTORED_PATH}. It takes C
 * xenstored 4.17's options (parsed by {@link XenstoredMain#parse}).
 */
@Command(name = "xenstored", mixinStandardHelpOptions = true,
        description = {"Run jxen's xenstored on a Unix socket (xenstore-utils and pyxs use it through XENSTORED_PATH).",
            "",
            "Options, as C xenstored 4.17 takes them:",
            "  --socket PATH       socket (default $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket,",
            "                      else /var/run/xenstored/socket)",
            "  -E, --entry-nb N    nodes per domain        -S, --entry-size N   node size",
            "  -W, --watch-nb N    watches per domain      -t, --transaction N  transactions",
            "  -A, --perm-nb N     permissions per node    -M, --path-max N     path length",
            "  -Q, --quota NAME=N  transaction-nodes, memory, outstanding (0 disables memory)",
            "  -q, --quota-soft memory=N          soft memory quota (logged only)",
            "  -w, --timeout watch-event=SECONDS  drop watch events a domain leaves unread this long",
            "",
            "Beyond C xenstored (which loses the store on a crash):",
            "  --journal DIR            append every committed change to DIR, fsynced before the reply;",
            "                           a restart replays it (a kill -9 loses no acknowledged write)",
            "  --journal-compact BYTES  compact the journal past this size (default 16 MiB)",
            "  --busy-poll MICROS       after serving, poll the sockets up to MICROS µs before sleeping,",
            "                           only while a core is spare (runnable tasks <= cores, the question",
            "                           KVM's halt-polling asks; -Djxen.spareCore=always|never|auto);",
            "                           default 50, 0 = always sleep at once"})
final class XenstoredCommand implements Callable<Integer> {

    @Unmatched
    private List<String> daemonArgs = new ArrayList<>();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Counted down by the shutdown hook (Ctrl-C or SIGTERM); tests count it down themselves. */
    final CountDownLatch stopped = new CountDownLatch(1);

    /** Told the socket path once the daemon listens; for tests. */
    java.util.function.Consumer<String> onListening = socket -> { };

    @Override
    public Integer call() throws Exception {
        XenstoredMain.Options options;
        try {
            options = XenstoredMain.parse(daemonArgs.toArray(String[]::new), System.getenv());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        XenstoredServer server;
        try {
            server = XenstoredServer.start(options.socket(), options.quotas(),
                    XenstoredServer.DEFAULT_OUTBOX_LIMIT_BYTES, options.journal(), options.journalCompact())
                    .busyPoll(options.busyPollMicros());
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // A live daemon or a user's file at the socket path: say so, touch nothing.
            spec.commandLine().getErr().println("jxen xenstored: " + e.getMessage());
            return 1;
        }
        try {
            Thread hook = new Thread(stopped::countDown, "jxen-xenstored-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("jxen xenstored: listening on " + options.socket()
                    + (options.journal() != null ? ", journal in " + options.journal() : ""));
            out.println("jxen xenstored: try  XENSTORED_PATH=" + options.socket() + " xenstore-ls /");
            out.flush();
            onListening.accept(options.socket().toString());
            stopped.await();
            Runtime.getRuntime().removeShutdownHook(hook);
        } finally {
            server.close();
        }
        return 0;
    }
}
