package io.jxen.host.toolstack;

import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.transport.HypercallServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Boots the domains whose xl.cfg says {@code kernel = "jvm:<main class>"}: their kernel is a
 * Java program in a JVM of its own (a driver domain's {@code io.jxen.host.backend.DriverDomain},
 * say), started with the domain's hypercall socket as its one argument and reaching the
 * hypervisor only through it and the shared memory file. This is the step a boot loader takes
 * on Xen, done by the toolstack at {@code xl create} (and so at an {@code on_crash = "restart"}).
 * The socket's server crashes the domain when the process dies
 * ({@link HypercallServer#crashWhenAbandoned()}), so {@code on_crash} applies to a killed JVM.
 * The process's output goes to {@code d<domid>-<n>.log} in the host's directory.
 */
public final class JvmKernels implements AutoCloseable {

    /** The {@code kernel} prefix naming a Java main class. */
    public static final String PREFIX = "jvm:";

    private static final Pattern MAIN_CLASS = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");

    /**
     * A domain's kernel process.
     *
     * @param domid   the domain
     * @param domain  the domain object it boots (an id may be reused later)
     * @param server  its hypercall socket
     * @param process the JVM
     * @param log     where its output goes
     */
    public record Running(int domid, Domain domain, HypercallServer server, Process process, Path log) {
    }

    private final Hypervisor hv;
    private final Path directory;
    private final Map<Integer, Running> running = new ConcurrentHashMap<>();
    private final AtomicLong launches = new AtomicLong();

    /**
     * @param hv        the hypervisor
     * @param directory where sockets and logs go (the host's directory)
     */
    public JvmKernels(Hypervisor hv, Path directory) {
        this.hv = hv;
        this.directory = directory;
    }

    /** The main class a config's {@code kernel} names, or null if it is not a {@code jvm:} kernel. */
    public static String mainClass(String kernel) {
        return kernel != null && kernel.startsWith(PREFIX) ? kernel.substring(PREFIX.length()) : null;
    }

    /**
     * Starts {@code mainClass} for domain {@code domid} on a fresh hypercall socket.
     *
     * @throws IOException if the name is not a class name or the JVM cannot be started
     */
    Running launch(int domid, String mainClass) throws IOException {
        if (!MAIN_CLASS.matcher(mainClass).matches() || mainClass.length() > 512) {
            throw new IOException("kernel: '" + mainClass + "' is not a Java class name");
        }
        Domain d = hv.byId(domid);
        if (d == null) {
            throw new IOException("no domain " + domid);
        }
        long n = launches.incrementAndGet();
        HypercallServer server = new HypercallServer(hv, d, directory.resolve("d" + domid + "-" + n + ".sock"))
                .crashWhenAbandoned();
        Path log = directory.resolve("d" + domid + "-" + n + ".log");
        List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx256m"));
        command.addAll(hv.haltPoll().jvmOptions()); // the guest's vCPUs wait as this host's do
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass, server.socket().toString()));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            server.close();
            throw e;
        }
        Running r = new Running(domid, d, server, process, log);
        Running previous = running.put(domid, r);
        if (previous != null) {
            end(previous);
        }
        return r;
    }

    /** The domain's kernel process, if one runs for it. */
    public Optional<Running> running(int domid) {
        return Optional.ofNullable(running.get(domid));
    }

    /** What the domain's kernel printed so far ("" if none runs for it). */
    public String output(int domid) {
        Running r = running.get(domid);
        if (r == null) {
            return "";
        }
        try {
            return Files.readString(r.log());
        } catch (IOException e) {
            return "";
        }
    }

    /** The domain is gone: its socket closes and its process, if still alive, is killed. */
    void stop(int domid) {
        Running r = running.remove(domid);
        if (r != null) {
            end(r);
        }
    }

    private static void end(Running r) {
        r.server().close(); // first: a process ended on purpose crashes nothing
        r.process().destroyForcibly();
        try {
            r.process().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills every kernel process and closes their sockets. */
    @Override
    public void close() {
        for (Integer domid : List.copyOf(running.keySet())) {
            stop(domid);
        }
    }
}
