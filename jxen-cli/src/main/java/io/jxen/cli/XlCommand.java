package io.jxen.cli;

import io.jxen.host.control.DomainSample;
import io.jxen.host.control.XlList;
import io.jxen.host.control.HostInfo;
import io.jxen.host.control.VcpuSample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jxen xl SUBCOMMAND}: xl's verbs against a host that {@code jxen run} keeps alive
 * (found as {@code jxen console} finds it). The tables are xl's layouts; the numbers come from
 * the host's control socket ({@code domains}, {@code vcpus}, {@code info}), each reply line
 * validated ({@link DomainSample#parse}) so a garbled reply is an error, not a wrong table.
 * A domain is a name or an id; one the host does not know is xl's
 * "{@code X is an invalid domain identifier (rc=-6)}" and exit code 1.
 */
@Command(name = "xl", mixinStandardHelpOptions = true,
        description = "xl's verbs on a running host (jxen run): create, list, info, vcpu-list, top, shutdown, reboot, destroy,"
                + " pause, unpause, console.",
        subcommands = {XlCommand.CreateVerb.class, XlCommand.ListVerb.class, XlCommand.InfoVerb.class, XlCommand.VcpuListVerb.class, XlTop.class,
            XlCommand.ShutdownVerb.class, XlCommand.RebootVerb.class, XlCommand.DestroyVerb.class,
            XlCommand.PauseVerb.class, XlCommand.UnpauseVerb.class, ConsoleCommand.class})
final class XlCommand implements Runnable {

    /** libxl's ERROR_INVAL, which xl prints for a domain it cannot resolve. */
    static final int ERROR_INVAL = -6;

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What every verb shares: the host's directory and where output goes. */
    abstract static class Verb implements Callable<Integer> {

        @Option(names = "--dir", paramLabel = "DIR",
                description = "The host's directory (default: $JXEN_HOST_DIR or <tmpdir>/jxen-<user>).")
        Path dir;

        @Spec
        CommandSpec spec;

        Path hostDir() {
            return dir != null ? dir : HostDirectory.defaultDir();
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        List<DomainSample> domains() throws IOException {
            List<DomainSample> out = new ArrayList<>();
            for (String line : ControlReply.lines(hostDir(), "domains")) {
                try {
                    out.add(DomainSample.parse(line));
                } catch (IllegalArgumentException e) {
                    throw new IOException("the host's domains reply is garbled: " + e.getMessage(), e);
                }
            }
            return out;
        }

        /** A one-line request about {@code domain}; an unknown domain is xl's message and exit 1. */
        int onDomain(String verb, String domain) throws IOException {
            try {
                HostDirectory.request(hostDir(), verb + " " + domain).close();
                return 0;
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("no domain ")) {
                    return invalidDomain(domain);
                }
                throw e;
            }
        }

        int invalidDomain(String domain) {
            err().println(domain + " is an invalid domain identifier (rc=" + ERROR_INVAL + ")");
            err().flush();
            return 1;
        }
    }

    /** {@code xl create CONFIG}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create and start the guest of an xl.cfg on the running host (its kernel boots there).")
    static final class CreateVerb extends Verb {

        @Parameters(index = "0", paramLabel = "CONFIG", description = "The guest's xl.cfg.")
        Path config;

        @Override
        public Integer call() throws IOException {
            // The host reads the file: name it absolutely, in one request line.
            String path = config.toAbsolutePath().normalize().toString();
            if (path.indexOf('\n') >= 0 || path.indexOf('\r') >= 0) {
                throw new IOException("the config path has a line break");
            }
            if (("create " + path).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    > io.jxen.host.control.HostControl.MAX_LINE) {
                throw new IOException("the config path is longer than the control socket's "
                        + io.jxen.host.control.HostControl.MAX_LINE + "-byte request line");
            }
            err().println("Parsing config from " + config);
            err().flush();
            List<String> reply = ControlReply.lines(hostDir(), "create " + path);
            if (reply.size() != 1 || !reply.getFirst().matches("[0-9]{1,5}")) {
                throw new IOException("the host's create reply is garbled");
            }
            return 0;
        }
    }

    /** {@code xl list [DOMAIN...]}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List domains (xl's table).")
    static final class ListVerb extends Verb {

        @Parameters(paramLabel = "DOMAIN", arity = "0..*", description = "Only these domains (names or ids).")
        List<String> only = List.of();

        @Override
        public Integer call() throws IOException {
            List<DomainSample> all = domains();
            List<DomainSample> shown = new ArrayList<>();
            for (String want : only) {
                DomainSample d = find(all, want);
                if (d == null) {
                    return invalidDomain(want);
                }
                shown.add(d);
            }
            out().print(format(only.isEmpty() ? all : shown));
            out().flush();
            return 0;
        }

        static String format(List<DomainSample> domains) {
            return XlList.format(domains);
        }
    }

    static DomainSample find(List<DomainSample> all, String want) {
        for (DomainSample d : all) {
            if (d.name().equals(want) || Integer.toString(d.domid()).equals(want)) {
                return d;
            }
        }
        return null;
    }

    /** {@code xl info}. */
    @Command(name = "info", mixinStandardHelpOptions = true, description = "The host: memory, CPUs, Xen version.")
    static final class InfoVerb extends Verb {

        @Override
        public Integer call() throws IOException {
            List<String> lines = ControlReply.lines(hostDir(), "info");
            if (lines.size() != 1) {
                throw new IOException("the host's info reply has " + lines.size() + " lines, not 1");
            }
            HostInfo info;
            try {
                info = HostInfo.parse(lines.getFirst());
            } catch (IllegalArgumentException e) {
                throw new IOException("the host's info reply is garbled: " + e.getMessage(), e);
            }
            PrintWriter out = out();
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
            row(out, "host", host);
            row(out, "nr_cpus", info.nrCpus());
            row(out, "total_memory", info.totalMemKib() / 1024);
            row(out, "free_memory", info.freeMemKib() / 1024);
            row(out, "xen_major", info.xenMajor());
            row(out, "xen_minor", info.xenMinor());
            row(out, "xen_extra", info.xenExtra());
            row(out, "xen_version", info.xenMajor() + "." + info.xenMinor() + info.xenExtra());
            row(out, "xen_pagesize", io.jxen.abi.XenPage.SIZE);
            out.flush();
            return 0;
        }

        private static void row(PrintWriter out, String key, Object value) {
            out.printf(Locale.ROOT, "%-23s: %s%n", key, value);
        }
    }

    /** {@code xl vcpu-list [DOMAIN...]}. */
    @Command(name = "vcpu-list", mixinStandardHelpOptions = true, description = "List vCPUs (xl's table).")
    static final class VcpuListVerb extends Verb {

        @Parameters(paramLabel = "DOMAIN", arity = "0..*", description = "Only these domains (names or ids).")
        List<String> only = List.of();

        @Override
        public Integer call() throws IOException {
            List<VcpuSample> all = new ArrayList<>();
            for (String line : ControlReply.lines(hostDir(), "vcpus")) {
                try {
                    all.add(VcpuSample.parse(line));
                } catch (IllegalArgumentException e) {
                    throw new IOException("the host's vcpus reply is garbled: " + e.getMessage(), e);
                }
            }
            List<VcpuSample> shown = new ArrayList<>();
            for (String want : only) {
                List<VcpuSample> of = all.stream()
                        .filter(v -> v.name().equals(want) || Integer.toString(v.domid()).equals(want)).toList();
                if (of.isEmpty()) {
                    return invalidDomain(want);
                }
                shown.addAll(of);
            }
            out().print(format(only.isEmpty() ? all : shown));
            out().flush();
            return 0;
        }

        /**
         * xl vcpu-list's table. jxen's vCPUs are host threads with no physical CPU of their
         * own, so CPU is {@code -} and the affinity {@code all / all}.
         */
        static String format(List<VcpuSample> vcpus) {
            StringBuilder b = new StringBuilder("Name" + " ".repeat(32)
                    + "ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)\n");
            for (VcpuSample v : vcpus) {
                String state = (v.running() ? "r" : "-") + (v.blocked() ? "b" : "-") + (v.online() ? "-" : "p");
                b.append(String.format(Locale.ROOT, "%-32s %5d %5d %4s   %s  %8.1f  all / all%n", v.name(), v.domid(),
                        v.vcpu(), "-", state, v.cpuNanos() / 1e9));
            }
            return b.toString();
        }
    }

    /** {@code xl shutdown [-w] DOMAIN}. */
    @Command(name = "shutdown", mixinStandardHelpOptions = true,
            description = "Ask a guest to power off (control/shutdown = poweroff).")
    static final class ShutdownVerb extends Verb {

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "Domain name or id.")
        String domain;

        @Option(names = "-w", description = "Wait until the domain is gone.")
        boolean waitGone;

        @Override
        public Integer call() throws Exception {
            DomainSample before = waitGone ? find(domains(), domain) : null;
            int rc = onDomain("shutdown", domain);
            if (rc != 0 || !waitGone) {
                return rc;
            }
            out().println("Waiting for 1 domains");
            out().flush();
            // xl shutdown -w watches @releaseDomain; a client of the control socket polls the
            // host's list until that domain (by id: a restart gets a new one) is gone.
            // The host of jxen run stops with its guest: a host that went away took the domain.
            int domid = before.domid();
            while (stillThere(before)) {
                Thread.sleep(100);
            }
            out().println("Domain " + domid + " has been destroyed.");
            out().flush();
            return 0;
        }

        private boolean stillThere(DomainSample before) throws IOException {
            List<DomainSample> now;
            try {
                now = domains();
            } catch (IOException e) {
                if (e.getMessage() != null && (e.getMessage().startsWith("no jxen host runs")
                        || e.getMessage().startsWith("the host closed the connection"))) {
                    return false;
                }
                throw e;
            }
            return now.stream().anyMatch(d -> d.domid() == before.domid() && d.name().equals(before.name()));
        }
    }

    /** A verb whose one argument is a domain and whose request to the host is the verb itself. */
    abstract static class DomainVerb extends Verb {

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "Domain name or id.")
        String domain;

        /** The control socket request (the xl verb's name). */
        abstract String request();

        @Override
        public Integer call() throws IOException {
            return onDomain(request(), domain);
        }
    }

    /** {@code xl reboot DOMAIN}. */
    @Command(name = "reboot", mixinStandardHelpOptions = true,
            description = "Ask a guest to reboot (control/shutdown = reboot; on_reboot applies).")
    static final class RebootVerb extends DomainVerb {
        @Override
        String request() {
            return "reboot";
        }
    }

    /** {@code xl destroy DOMAIN}. */
    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Kill a guest at once.")
    static final class DestroyVerb extends DomainVerb {
        @Override
        String request() {
            return "destroy";
        }
    }

    /** {@code xl pause DOMAIN}. */
    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Pause a guest.")
    static final class PauseVerb extends DomainVerb {
        @Override
        String request() {
            return "pause";
        }
    }

    /** {@code xl unpause DOMAIN}. */
    @Command(name = "unpause", mixinStandardHelpOptions = true,
            description = "Unpause a guest.")
    static final class UnpauseVerb extends DomainVerb {
        @Override
        String request() {
            return "unpause";
        }
    }
}
