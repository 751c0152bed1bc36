package io.jxen.xenstore.server;

import io.jxen.xenstore.store.Quotas;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Command line entry: {@code java -cp … io.jxen.xenstore.server.XenstoredMain [options]},
 * with C xenstored 4.17's quota options:
 * <pre>
 *   --socket PATH             socket (default $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket,
 *                             else /var/run/xenstored/socket: where libxenstore looks)
 *   --journal DIR             durable store: replay DIR at start, journal every committed
 *                             request there (forced before its reply)
 *   --journal-compact BYTES   journal size that triggers a snapshot (default 16 MiB)
 *   -E, --entry-nb N          nodes per domain           -S, --entry-size N   node size
 *   -W, --watch-nb N          watches per domain         -t, --transaction N  transactions
 *   -A, --perm-nb N           permissions per node       -M, --path-max N     path length
 *   -Q, --quota NAME=N        transaction-nodes, memory, outstanding (or any quota name)
 *   -q, --quota-soft memory=N soft memory quota per domain (only logged)
 *   -w, --timeout watch-event=SECONDS  how long a watch event waits for a domain (0: forever)
 *   --busy-poll MICROS        after serving, poll the sockets up to MICROS µs before blocking,
 *                             only while a core is spare (SpareCore; -Djxen.spareCore=
 *                             always|never|auto); default 50, 0: always block at once
 * </pre>
 * Runs until killed; SIGTERM removes the socket.
 */
public final class XenstoredMain {

    /** C xenstored's default socket path (libxenstore's default). */
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/xenstored/socket");

    private static final Map<String, String> QUOTA_FLAGS = Map.ofEntries(
            Map.entry("-E", "nodes"), Map.entry("--entry-nb", "nodes"),
            Map.entry("-S", "node-size"), Map.entry("--entry-size", "node-size"),
            Map.entry("-W", "watches"), Map.entry("--watch-nb", "watches"),
            Map.entry("-t", "transactions"), Map.entry("--transaction", "transactions"),
            Map.entry("-A", "permissions"), Map.entry("--perm-nb", "permissions"),
            Map.entry("-M", "path-max"), Map.entry("--path-max", "path-max"));

    private static final String USAGE = "usage: xenstored [--socket PATH] [--journal DIR] [--journal-compact BYTES] [-E N] [-S N] [-W N] [-t N] [-A N] [-M N]"
            + " [-Q name=N]... [-q memory=N] [-w watch-event=SECONDS] [--busy-poll MICROS]";

    /**
     * Parsed options.
     *
     * @param socket  the socket path
     * @param quotas  the quotas
     * @param journal        the journal directory, or null
     * @param journalCompact journal bytes that trigger compaction
     * @param busyPollMicros the longest busy-poll window of the socket loop (0: none)
     */
    public record Options(Path socket, Quotas quotas, Path journal, long journalCompact, int busyPollMicros) {
    }

    private XenstoredMain() {
    }

    /**
     * Parses the command line (the lead's CLI verb can reuse this).
     *
     * @param args arguments
     * @param env  environment ({@code XENSTORED_PATH}, {@code XENSTORED_RUNDIR})
     * @return the options
     * @throws IllegalArgumentException with a message for a bad argument
     */
    public static Options parse(String[] args, Map<String, String> env) {
        Path socket = null;
        Path journal = null;
        long journalCompact = io.jxen.xenstore.journal.Journal.DEFAULT_COMPACT_BYTES;
        Quotas quotas = Quotas.XEN_4_17;
        int busyPoll = XenstoredServer.DEFAULT_BUSY_POLL_MICROS;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--socket") || a.equals("--journal") || a.equals("--journal-compact") || a.equals("--busy-poll") || QUOTA_FLAGS.containsKey(a) || a.equals("-Q") || a.equals("--quota")
                    || a.equals("-q") || a.equals("--quota-soft") || a.equals("-w") || a.equals("--timeout")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                if (a.equals("--socket")) {
                    socket = Path.of(v);
                } else if (a.equals("--journal")) {
                    journal = Path.of(v);
                } else if (a.equals("--journal-compact")) {
                    journalCompact = number(a, v);
                    if (journalCompact < 1) {
                        throw new IllegalArgumentException(a + " must be positive: " + v);
                    }
                } else if (a.equals("--busy-poll")) {
                    busyPoll = number(a, v);
                    if (busyPoll < 0 || busyPoll > XenstoredServer.MAX_BUSY_POLL_MICROS) {
                        throw new IllegalArgumentException(a + " takes 0 to " + XenstoredServer.MAX_BUSY_POLL_MICROS + ": " + v);
                    }
                } else if (QUOTA_FLAGS.containsKey(a)) {
                    quotas = quotas.withOption(QUOTA_FLAGS.get(a), number(a, v));
                } else {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException(a + " takes name=value: " + v);
                    }
                    String name = v.substring(0, eq);
                    int n = number(a, v.substring(eq + 1));
                    quotas = switch (a) {
                        case "-q", "--quota-soft" -> quotas.withSoft(name, n);
                        case "-w", "--timeout" -> quotas.withTimeout(name, n);
                        default -> quotas.withOption(name, n);
                    };
                }
            } else {
                throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (socket == null) {
            String path = env.get("XENSTORED_PATH");
            String rundir = env.get("XENSTORED_RUNDIR");
            socket = path != null ? Path.of(path) : rundir != null ? Path.of(rundir, "socket") : DEFAULT_SOCKET;
        }
        return new Options(socket, quotas, journal, journalCompact, busyPoll);
    }

    private static int number(String flag, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a number: " + v, e);
        }
    }

    /**
     * Starts the daemon.
     *
     * @param args see the class comment
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            System.out.println(USAGE);
            return;
        }
        Options o;
        try {
            o = parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("xenstored: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        XenstoredServer server;
        try {
            server = XenstoredServer.start(o.socket(), o.quotas(), XenstoredServer.DEFAULT_OUTBOX_LIMIT_BYTES,
                    o.journal(), o.journalCompact());
            server.busyPoll(o.busyPollMicros());
        } catch (java.nio.file.FileAlreadyExistsException e) {
            System.err.println("xenstored: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
                // Whether the socket loop polled, and how often the spare-core gate kept it
                // from polling (benchmarks read this line from the daemon's output).
                System.out.println("xenstored: busy polling " + server.busyPollSummary());
                System.out.flush();
            } catch (Exception e) {
                // exiting anyway
            }
            stop.countDown();
        }));
        System.out.println("xenstored: listening on " + o.socket());
        System.out.flush();
        stop.await();
    }
}
