package io.jxen.xenstore.server;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Command line entry: {@code java -cp … io.jxen.xenstore.server.XenstoredMain [--socket PATH]}.
 * The default socket is C xenstored's, {@code /var/run/xenstored/socket}; clients find it
 * there, or through {@code XENSTORED_PATH}. Runs until killed.
 */
public final class XenstoredMain {

    /** C xenstored's default socket path (libxenstore's default). */
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/xenstored/socket");

    private XenstoredMain() {
    }

    /**
     * Starts the daemon.
     *
     * @param args {@code --socket PATH}
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        Path socket = DEFAULT_SOCKET;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--socket" -> {
                    if (i + 1 >= args.length) {
                        usage("--socket needs a path");
                    }
                    socket = Path.of(args[++i]);
                }
                case "-h", "--help" -> {
                    System.out.println("usage: xenstored [--socket PATH]");
                    return;
                }
                default -> usage("unknown option " + args[i]);
            }
        }
        XenstoredServer server = XenstoredServer.start(socket);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                // exiting anyway
            }
            stop.countDown();
        }));
        System.out.println("xenstored: listening on " + socket);
        System.out.flush();
        stop.await();
    }

    private static void usage(String problem) {
        System.err.println("xenstored: " + problem + "\nusage: xenstored [--socket PATH]");
        System.exit(2);
    }
}
