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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code jxen xenstore read|write|ls|list|exists|rm|watch|chmod}: a xenstore client for any
 * xenstored (jxen's or Xen's) on a Unix socket, found as libxenstore finds it, with the flags
 * and output of Xen 4.17's xenstore-utils ({@code tools/xenstore/xenstore_client.c}):
 * values are printed escaped as {@code sanitise_value} does unless {@code -R}, {@code exists}
 * answers only through its exit status, and the verbs that are transactional there
 * ({@code exists}, {@code list}, {@code rm}, {@code chmod}) run in one transaction, retried on
 * EAGAIN.
 */
@Command(name = "xenstore", mixinStandardHelpOptions = true,
        description = "Read and change a xenstore (jxen's xenstored or Xen's) over its Unix socket.",
        subcommands = {
            XenstoreCommand.Read.class, XenstoreCommand.Write.class, XenstoreCommand.Ls.class,
            XenstoreCommand.ListCmd.class, XenstoreCommand.Exists.class, XenstoreCommand.Rm.class,
            XenstoreCommand.Watch.class, XenstoreCommand.Chmod.class
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

        @Option(names = "-s", description = "Socket only (xenstore-utils' flag; jxen always uses the socket).")
        boolean socketOnly;

        /** Set by a verb that fails without an error message (exists). */
        int exitCode;

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
            return exitCode;
        }
    }

    /**
     * xs_lib.c's {@code sanitise_value}: printable ASCII as is, {@code \t \n \r \\}, other
     * bytes below 010 as three octal digits, the rest as {@code \xNN}.
     */
    static String sanitise(byte[] v) {
        StringBuilder b = new StringBuilder(v.length);
        for (byte x : v) {
            int c = x & 0xff;
            if (c >= ' ' && c <= '~' && c != '\\') {
                b.append((char) c);
                continue;
            }
            b.append('\\');
            switch (c) {
                case '\t' -> b.append('t');
                case '\n' -> b.append('n');
                case '\r' -> b.append('r');
                case '\\' -> b.append('\\');
                default -> b.append(c < 010 ? String.format("%03o", c) : String.format("x%02x", c));
            }
        }
        return b.toString();
    }

    /** xs_lib.c's {@code unsanitise_value}, the inverse, for {@code write} without {@code -R}. */
    static byte[] unsanitise(String in) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length());
        byte[] s = in.getBytes(StandardCharsets.ISO_8859_1);
        int i = 0;
        while (i < s.length) {
            int c = s[i++] & 0xff;
            if (c == '\\' && i < s.length) {
                c = s[i++] & 0xff;
                switch (c) {
                    case 't' -> c = '\t';
                    case 'n' -> c = '\n';
                    case 'r' -> c = '\r';
                    case 'x' -> {
                        int n = 0;
                        int v = 0;
                        while (n < 2 && i < s.length && Character.digit(s[i], 16) >= 0) {
                            v = v * 16 + Character.digit(s[i++], 16);
                            n++;
                        }
                        c = n == 0 ? 'x' : v;
                    }
                    case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                        int v = c - '0';
                        for (int n = 1; n < 3 && i < s.length && s[i] >= '0' && s[i] <= '7'; n++) {
                            v = v * 8 + (s[i++] - '0');
                        }
                        c = v & 0xff;
                    }
                    default -> {
                        // "\\" and any other escaped byte stand for themselves
                    }
                }
            }
            out.write(c);
        }
        return out.toByteArray();
    }

    @Command(name = "read", description = "Print the value of each PATH (escaped as xenstore-read does).")
    static final class Read extends Verb {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Option(names = "-p", description = "Prefix each value with its path.")
        boolean prefix;

        @Option(names = "-R", description = "Raw: print the bytes as they are, without newline.")
        boolean raw;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            for (String path : paths) {
                byte[] v = client.ops().readBytes(path);
                if (prefix) {
                    out.print(path + ": ");
                }
                if (raw) {
                    out.print(new String(v, StandardCharsets.ISO_8859_1));
                } else {
                    out.println(sanitise(v));
                }
            }
        }
    }

    @Command(name = "write", description = "Write VALUE at PATH (creating parents), for each PATH VALUE pair; "
            + "backslash escapes (\\n, \\t, \\xNN, \\NNN) are decoded unless -R.")
    static final class Write extends Verb {
        @Parameters(arity = "2..*", paramLabel = "PATH VALUE")
        List<String> pairs;

        @Option(names = "-R", description = "Raw: write VALUE as given, no escape decoding.")
        boolean raw;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            if (pairs.size() % 2 != 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "write takes PATH VALUE pairs");
            }
            for (int i = 0; i < pairs.size(); i += 2) {
                String v = pairs.get(i + 1);
                client.ops().writeBytes(pairs.get(i), raw ? v.getBytes(StandardCharsets.UTF_8) : unsanitise(v));
            }
        }
    }

    @Command(name = "ls", description = "Print the tree under PATH (default /), recursively, as xenstore-ls does.")
    static final class Ls extends Verb {
        @Parameters(arity = "0..1", paramLabel = "PATH", defaultValue = "/")
        String path;

        @Option(names = "-p", description = "Also print each node's permissions.")
        boolean perms;

        @Option(names = "-f", description = "Print each node's full path instead of an indented name.")
        boolean fullPath;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            tree(client, out, path, 0);
        }

        private void tree(XenstoreClient client, PrintWriter out, String node, int depth)
                throws XenstoreException, IOException {
            List<String> children;
            try {
                children = client.directory(node);
            } catch (XenstoreException e) {
                if (depth > 0 && e.error() == io.jxen.xenstore.wire.XsError.ENOENT) {
                    return; // removed while we walk, as xenstore-ls tolerates
                }
                throw e;
            }
            for (String child : children) {
                String childPath = node.endsWith("/") ? node + child : node + "/" + child;
                String line = fullPath ? childPath : " ".repeat(depth) + child;
                try {
                    line += " = \"" + sanitise(client.ops().readBytes(childPath)) + "\"";
                } catch (XenstoreException e) {
                    line += ":";
                }
                if (perms) {
                    line += "  (" + String.join(",", client.getPerms(childPath)) + ")";
                }
                out.println(line);
                tree(client, out, childPath, depth + 1);
            }
        }
    }

    @Command(name = "list", description = "Print the children of each PATH, one a line, as xenstore-list does.")
    static final class ListCmd extends Verb {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Option(names = "-p", description = "Prefix each child with its parent's path.")
        boolean prefix;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            String text = client.inTransaction(tx -> {
                StringBuilder b = new StringBuilder();
                for (String path : paths) {
                    for (String child : tx.directory(path)) {
                        b.append(prefix ? path + "/" : "").append(child).append('\n');
                    }
                }
                return b.toString();
            });
            out.print(text);
        }
    }

    @Command(name = "exists", description = "Exit 0 if every PATH exists (and may be read), 1 otherwise; prints nothing.")
    static final class Exists extends Verb {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            boolean all = client.inTransaction(tx -> {
                for (String path : paths) {
                    try {
                        tx.readBytes(path);
                    } catch (XenstoreException e) {
                        return false;
                    }
                }
                return true;
            });
            exitCode = all ? 0 : 1;
        }
    }

    @Command(name = "rm", description = "Remove each PATH and everything under it.")
    static final class Rm extends Verb {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Option(names = "-t", description = "Tidy: also remove parents left empty (no value, no children), up the tree.")
        boolean tidy;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            client.inTransaction(tx -> {
                for (String path : paths) {
                    String p = path;
                    while (true) {
                        tx.rm(p);
                        int slash = p.lastIndexOf('/');
                        if (!tidy || slash <= 0) {
                            break;
                        }
                        p = p.substring(0, slash);
                        try {
                            if (tx.readBytes(p).length != 0 || !tx.directory(p).isEmpty()) {
                                break;
                            }
                        } catch (XenstoreException e) {
                            break;
                        }
                    }
                }
                return null;
            });
        }
    }

    @Command(name = "chmod", description = "Set PATH's permissions, e.g. n0 r1 (owner 0, domain 1 may read).")
    static final class Chmod extends Verb {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "PERM")
        List<String> perms;

        @Option(names = "-r", description = "Recursive: apply to every node below PATH too.")
        boolean recurse;

        @Option(names = "-u", description = "Up: apply to every parent of PATH too.")
        boolean upto;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            client.inTransaction(tx -> {
                tx.setPerms(path, perms);
                if (upto) {
                    for (String p = path; p.lastIndexOf('/') > 0; ) {
                        p = p.substring(0, p.lastIndexOf('/'));
                        tx.setPerms(p, perms);
                    }
                }
                if (recurse) {
                    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
                    todo.push(path);
                    while (!todo.isEmpty()) {
                        String p = todo.pop();
                        for (String child : tx.directory(p)) {
                            String c = p + "/" + child;
                            tx.setPerms(c, perms);
                            todo.push(c);
                        }
                    }
                }
                return null;
            });
        }
    }

    @Command(name = "watch", description = "Print the path of each watch event on PATH (as xenstore-watch does) "
            + "until interrupted or -n events.")
    static final class Watch extends Verb {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Option(names = "-n", description = "Stop after this many events (the first is the initial event).")
        int count = Integer.MAX_VALUE;

        @Override
        void run(XenstoreClient client, PrintWriter out) throws XenstoreException, IOException {
            LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
            // xenstore-watch uses the path as its token.
            client.watch(path, path, (eventPath, token) -> events.add(eventPath));
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
