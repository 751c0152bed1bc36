package io.jxen.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jxen xenbus list DOMAIN}: a running host's XenBus devices of a domain and their ivars. */
@Command(name = "xenbus", mixinStandardHelpOptions = true,
        description = "XenBus introspection on a running host (jxen run).",
        subcommands = XenbusCommand.ListCommand.class)
final class XenbusCommand implements Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code jxen xenbus list DOMAIN}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the domain's XenBus devices (frontends under device/, backends under backend/) with",
                "their ivars: node, type, id, end, state, other end, its domain and its state."})
    static final class ListCommand implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "Domain name or id (0 or Domain-0 for dom0's backends).")
        private String domain;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "The host's directory (default: $JXEN_HOST_DIR or <tmpdir>/jxen-<user>).")
        private Path dir;

        @picocli.CommandLine.Spec
        private picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (SocketChannel c = HostDirectory.request(dir != null ? dir : HostDirectory.defaultDir(),
                    "xenbus-list " + domain); InputStream in = Channels.newInputStream(c)) {
                out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            out.flush();
            return 0;
        }
    }
}
