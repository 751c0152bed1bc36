package io.jxen.host.console;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.console.XenconsInterfaceDescriptor;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.console.XenConsole;
import io.jxen.guest.intr.EventChannelOps;
import io.jxen.host.Host;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.control.ControlClient;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * dom0's console backend on a whole host: a guest writes to its xencons ring, the backend
 * serves it to a client of the host's control socket (what {@code jxen console} is), the
 * client's input reaches the guest, flow control holds over output larger than the ring, a
 * guest with impossible indexes loses only its console, and destroying the guest ends the
 * client's stream and closes dom0's port. {@link Timeout}s only guard against a hang.
 */
class ConsoleBackendTest {

    @TempDir
    Path dir;

    static GuestConfig config(String name) throws Exception {
        return GuestConfig.parse(name + ".cfg", "name = \"" + name + "\"\nmemory = 16\nvcpus = 1\n", Path.of("."));
    }

    @Test
    @Timeout(120)
    void guestOutputReachesTheControlSocketAndInputReachesTheGuest() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), true))) {
            int domid = host.toolstack().create(config("con"));
            GuestKernel guest = GuestKernel.boot(host.hypervisor().platform(domid),
                    GuestKernel.Options.defaults(new VirtualClock(0)));
            ControlClient client;
            int localPort;
            try (VcpuThreads vcpus = VcpuThreads.start(guest); XenConsole console = new XenConsole(guest)) {
                assertThat(vcpus).isNotNull();
                ByteArrayOutputStream typed = new ByteArrayOutputStream();
                CountDownLatch gotLine = new CountDownLatch(1);
                console.onInput(bytes -> {
                    synchronized (typed) {
                        typed.writeBytes(bytes);
                        if (typed.toString(StandardCharsets.ISO_8859_1).contains("\n")) {
                            gotLine.countDown();
                        }
                    }
                });
                console.writeAll("boot: before anyone attached\n".getBytes(StandardCharsets.ISO_8859_1));
                client = new ControlClient(host.control().socket(), "console con");
                // history first: output from before the client attached
                assertThat(client.readUntil("before anyone attached\n")).startsWith("ok\n");
                console.writeAll("live line\n".getBytes(StandardCharsets.ISO_8859_1));
                assertThat(client.readUntil("live line\n")).contains("live line\n");

                client.send("ls -l\n");
                gotLine.await();
                synchronized (typed) {
                    assertThat(typed.toString(StandardCharsets.ISO_8859_1)).isEqualTo("ls -l\n");
                }

                // Five times the ring: the writer waits for the backend to free out[].
                StringBuilder big = new StringBuilder();
                for (int i = 0; big.length() < 5 * XenconsInterfaceDescriptor.OUT_SIZE; i++) {
                    big.append("line ").append(i).append('\n');
                }
                big.append("END\n");
                assertThat(console.writeAll(big.toString().getBytes(StandardCharsets.ISO_8859_1)))
                        .isEqualTo(big.length());
                assertThat(client.readUntil("END\n")).endsWith("live line\n" + big);
                ConsoleRing ring = host.consoles().console(domid).orElseThrow();
                assertThat(ring.broken()).isFalse();
                localPort = ring.localPort();
                assertThat(guest.intr().count(XenConsole.IRQ_NAME)).isPositive();
            }
            try (client) {
                host.toolstack().destroy(domid);
                client.readAll(); // EOF: the console went with the domain
                Eventually.until("console detached", () -> host.consoles().domains().isEmpty());
                assertThat(host.hypervisor().byId(0).eventChannels().state(localPort))
                        .as("dom0's console port closed").isEqualTo(io.jxen.hv.evtchn.ChannelState.FREE);
            }
            assertThat(host.hypervisor().internalErrors()).isZero();
        }
    }

    /**
     * Output the guest left in its ring when it was destroyed (its event not serviced yet)
     * reaches the client before the end of its stream. It used to be dropped: `jxen console`
     * lost a guest's "poweroff: the guest powers off" once in a few runs when xenstore's
     * release came quickly.
     */
    @Test
    @Timeout(120)
    void outputLeftInTheRingWhenTheGuestIsDestroyedReachesTheClient() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), true))) {
            int domid = host.toolstack().create(config("last"));
            try (ControlClient client = attachThenLeave(host, domid, "last", "poweroff: the last words\n")) {
                host.toolstack().destroy(domid);
                assertThat(client.readAll()).endsWith("poweroff: the last words\n");
            }
            assertThat(host.hypervisor().internalErrors()).isZero();
        }
    }

    /**
     * A host that stops right after a guest wrote its last line (a guest that powered off, the
     * host stopping with it) still forwards that line to an attached console client: the
     * console backend is closed before the control socket, and the socket lets console sessions
     * forward what their console held before it drops them. It used to drop them first.
     */
    @Test
    @Timeout(120)
    void aStoppingHostForwardsTheLastOutputToItsConsoleClients() throws Exception {
        ControlClient client;
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), true))) {
            client = attachThenLeave(host, host.toolstack().create(config("stop")), "stop",
                    "poweroff: the guest powers off\n");
        }
        try (client) {
            assertThat(client.readAll()).endsWith("poweroff: the guest powers off\n");
        }
    }

    /**
     * Boots guest {@code domid}, attaches a console client to it, and has the guest leave
     * {@code lastWords} in out[] without an event (a last write whose event the backend has not
     * serviced when the domain or the host goes); its vCPUs and console driver are stopped.
     */
    private static ControlClient attachThenLeave(Host host, int domid, String name, String lastWords) throws Exception {
        GuestKernel guest = GuestKernel.boot(host.hypervisor().platform(domid),
                GuestKernel.Options.defaults(new VirtualClock(0)));
        try (VcpuThreads vcpus = VcpuThreads.start(guest); XenConsole console = new XenConsole(guest)) {
            assertThat(vcpus).isNotNull();
            console.writeAll("up\n".getBytes(StandardCharsets.ISO_8859_1));
            ControlClient client = new ControlClient(host.control().socket(), "console " + name);
            assertThat(client.readUntil("up\n")).startsWith("ok\n");
            writeWithoutEvent(guest, lastWords);
            return client;
        }
    }

    /** Puts text into the guest's out[] without an event: output the backend has not serviced yet. */
    private static void writeWithoutEvent(GuestKernel guest, String text) {
        MemorySegment page = guest.memory().page(guest.consoleGfn());
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        int prod = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET);
        for (int i = 0; i < bytes.length; i++) {
            page.set(OrderedAccess.BYTE, XenconsInterfaceDescriptor.OUT_OFFSET
                    + ((prod + i) & (XenconsInterfaceDescriptor.OUT_SIZE - 1)), bytes[i]);
        }
        OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET, prod + bytes.length);
    }

    @Test
    @Timeout(120)
    void aGuestWithImpossibleIndexesLosesOnlyItsConsole() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), true))) {
            int bad = host.toolstack().create(config("bad"));
            int good = host.toolstack().create(config("good"));
            GuestKernel badGuest = GuestKernel.boot(host.hypervisor().platform(bad),
                    GuestKernel.Options.defaults(new VirtualClock(0)));
            GuestKernel goodGuest = GuestKernel.boot(host.hypervisor().platform(good),
                    GuestKernel.Options.defaults(new VirtualClock(0)));
            try (VcpuThreads v1 = VcpuThreads.start(badGuest); VcpuThreads v2 = VcpuThreads.start(goodGuest);
                 XenConsole goodConsole = new XenConsole(goodGuest)) {
                assertThat(v1).isNotNull();
                assertThat(v2).isNotNull();
                Eventually.until("both consoles attached", () -> host.consoles().domains().size() == 2);
                MemorySegment page = badGuest.memory().page(badGuest.consoleGfn());
                OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET, 5000);
                assertThat(EventChannelOps.send(badGuest.vcpu(0), badGuest.consoleEvtchn())).isZero();
                ConsoleRing ring = host.consoles().console(bad).orElseThrow();
                Eventually.until("the bad console stops", ring::broken);
                assertThat(ring.outputBytes()).isZero();
                assertThat(ring.input("x".getBytes(StandardCharsets.ISO_8859_1))).isZero();

                try (ControlClient client = new ControlClient(host.control().socket(), "console good")) {
                    goodConsole.writeAll("still fine\n".getBytes(StandardCharsets.ISO_8859_1));
                    assertThat(client.readUntil("still fine\n")).isEqualTo("ok\nstill fine\n");
                }
            }
            try (ControlClient client = new ControlClient(host.control().socket(), "console nosuch")) {
                assertThat(client.readAll()).isEqualTo("error no domain nosuch\n");
            }
            assertThat(host.hypervisor().internalErrors()).isZero();
        }
    }
}
