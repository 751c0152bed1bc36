package io.jxen.cli;

import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.server.XenstoredMain;
import io.jxen.xenstore.wire.XenstoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code jxen xenstore read|write|ls|rm|watch|chmod}: a xenstore client for any xenstored
 * (jxen's or Xen's) on a Unix socket, found as libxenstore finds it.
 */
@Command(name = "xenstore", mixinStandardHelpOptions = true,
        description = "Read and change a xenstore (jxen's xenstored or Xen's) over its Unix socket.",
        subcommands = {
            XenstoreCommand.Read.class, XenstoreCommand.Write.class, XenstoreCommand.Ls.class,
            XenstoreCommand.Rm.class, XenstoreCommand.Watch.class, XenstoreCommand.Chmod.class
        })
final class XenstoreCommand {

    @Option(names = "--socket", scope = CommandLine.ScopeType.INHERIT,
            description = "xenstored socket (default: $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket, else /var/run/xenstored/socket).")
    Path socket;

    /** The part every verb shares: find the socket, connect, map errors to messages. */
    abstract static class Verb implements Callable<Integer> {

        @CommandLine.ParentCommand
        XenstoreCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException;

        @Override
        public Integer call() throws IOException {
            Path path = parent.socket != null ? parent.socket
                    : XenstoredMain.parse(new String[0], System.getenv()).socket();
            PrintWriter out = spec.commandLine().getOut();
            XenstoreClient client;
            try {
                client = XenstoreClient.connect(path);
            } catch (IOException e) {
                throw new IOException("cannot reach xenstored at " + path + " (" + e.getMessage()
                        + "); start one with: jxen xenstored --socket " + path, e);
            }
            try (client) {
                run(client, out);
            } catch (XenstoreException e) {
                spec.commandLine().getErr().println("jxen xenstore " + spec.name() + ": " + e.getMessage());
                return 1;
            } finally {
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "read", description = "Print the value of each PATH.")
    static final class Read extends Verb {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            for (String path : paths) {
                out.println(client.read(path));
            }
        }
    }

    @Command(name = "write", description = "Write VALUE at PATH (creating parents), for each PATH VALUE pair.")
    static final class Write extends Verb {
        @Parameters(arity = "2..*", paramLabel = "PATH VALUE")
        List<String> pairs;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            if (pairs.size() % 2 != 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "write takes PATH VALUE pairs");
            }
            for (int i = 0; i < pairs.size(); i += 2) {
                client.write(pairs.get(i), pairs.get(i + 1));
            }
        }
    }

    @Command(name = "ls", description = "Print the tree under PATH (default /), as xenstore-ls does.")
    static final class Ls extends Verb {
        @Parameters(arity = "0..1", paramLabel = "PATH", defaultValue = "/")
        String path;

        @Option(names = "-p", description = "Also print each node's permissions.")
        boolean perms;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            tree(client, out, path, 0);
        }

        private void tree(XenstoreClient client, PrintWriter out, String node, int depth)
                throws XenstoreException, IOException {
            for (String child : client.directory(node)) {
                String childPath = node.endsWith("/") ? node + child : node + "/" + child;
                String value = client.read(childPath);
                String line = " ".repeat(depth) + child + " = \"" + value + "\"";
                if (perms) {
                    line += "  (" + String.join(",", client.getPerms(childPath)) + ")";
                }
                out.println(line);
                tree(client, out, childPath, depth + 1);
            }
        }
    }

    @Command(name = "rm", description = "Remove each PATH and everything under it.")
    static final class Rm extends Verb {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            for (String path : paths) {
                client.rm(path);
            }
        }
    }

    @Command(name = "chmod", description = "Set PATH's permissions, e.g. n0 r1 (owner 0, domain 1 may read).")
    static final class Chmod extends Verb {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "PERM")
        List<String> perms;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            client.setPerms(path, perms);
        }
    }

    @Command(name = "watch", description = "Print each watch event on PATH (path and token) until interrupted or -n events.")
    static final class Watch extends Verb {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Option(names = "-n", description = "Stop after this many events (the first is the initial event).")
        int count = Integer.MAX_VALUE;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
            client.watch(path, "jxen", (eventPath, token) -> events.add(eventPath + " " + token));
            try {
                for (int seen = 0; seen < count; seen++) {
                    String event = events.poll(365, TimeUnit.DAYS);
                    out.println(event);
                    out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
