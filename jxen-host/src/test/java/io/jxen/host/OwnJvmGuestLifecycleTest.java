package io.jxen.host;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.guest.xenbus.SocketXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.host.config.GuestConfig;
import io.jxen.host.control.XenbusIvars;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.evtchn.ChannelState;
import io.jxen.hv.transport.HypercallServer;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.SystemClock;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 6's lifecycle with the guest in its own JVM: a host (hypervisor, dom0, xenstored,
 * toolstack, console backend) here, the guest kernel in a child JVM over its domain's
 * hypercall socket. The guest boots with two vCPUs, takes a timer VIRQ and an IPI on each,
 * reads and writes its xenstore home over its ring, connects a test device ({@link PingDevice})
 * to a backend in dom0 through XenBus (grant, event channel, both ways), takes the
 * toolstack's shutdown request and powers off; on_poweroff destroys it, and afterwards no
 * domain, no dom0 port, no xenstore node of it is left. {@link Timeout} only guards a hang.
 */
class OwnJvmGuestLifecycleTest {

    @TempDir
    Path dir;

    private static int openPorts(Host host) {
        var e = host.hypervisor().byId(0).eventChannels();
        int open = 0;
        for (int p = 1; p < e.validPorts(); p++) {
            if (e.state(p) != ChannelState.FREE && e.state(p) != ChannelState.RESERVED) {
                open++;
            }
        }
        return open;
    }

    private static void until(String what, java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean() && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    @Timeout(300)
    void aGuestInItsOwnJvmRunsItsWholeLifecycleAndLeavesNothingBehind() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, SystemClock.INSTANCE, true));
             XenstoreClient backXs = XenstoreClient.connect(host.xenstored().socket())) {
            CountDownLatch destroyed = new CountDownLatch(1);
            host.toolstack().setLog(line -> {
                if (line.endsWith("destroyed")) {
                    destroyed.countDown();
                }
            });
            PingDevice.Back back = new PingDevice.Back(host.dom0(), host.hypervisor().host().memory()::frame);
            // A dom0 driver domain's own connection (a second bus on dom0's shared one would
            // register the same watch token twice).
            XenBus backBus = XenBus.back(new SocketXenbusStore(backXs), 0, XenBus.Options.defaults(SystemClock.INSTANCE));
            backBus.register(back);
            try (AgentRunner backRunner = AgentRunner.start(backBus, BackoffIdleStrategy.defaults(), ErrorHandler.printing())) {
                assertThat(backRunner).isNotNull();
                backBus.start();
                int portsBefore = openPorts(host);

                int domid = host.toolstack().create(GuestConfig.parse("own.cfg",
                        "name = \"own\"\nmemory = 16\nvcpus = 2\non_poweroff = \"destroy\"\n", dir));
                String fe = "/local/domain/" + domid + "/device/" + PingDevice.TYPE + "/0";
                String be = "/local/domain/0/backend/" + PingDevice.TYPE + "/" + domid + "/0";
                // What libxl's device_add writes: both ends and the /libxl record, one transaction.
                host.xenstore().inTransaction(tx -> {
                    tx.write(be, "");
                    tx.setPerms(be, List.of("n0", "r" + domid));
                    tx.write(be + "/frontend", fe);
                    tx.write(be + "/frontend-id", Integer.toString(domid));
                    tx.write(be + "/online", "1");
                    tx.write(be + "/state", "1");
                    tx.write(fe, "");
                    tx.setPerms(fe, List.of("n" + domid, "r0"));
                    tx.write(fe + "/backend", be);
                    tx.write(fe + "/backend-id", "0");
                    tx.write(fe + "/state", "1");
                    tx.write("/libxl/" + domid + "/device/" + PingDevice.TYPE + "/0/frontend", fe);
                    tx.write("/libxl/" + domid + "/device/" + PingDevice.TYPE + "/0/backend", be);
                    return null;
                });

                Domain d = host.hypervisor().byId(domid);
                List<String> lines = new ArrayList<>();
                try (HypercallServer server = new HypercallServer(host.hypervisor(), d, dir.resolve("d" + domid + ".sock"))) {
                    List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                            "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                            OwnJvmGuest.class.getName(), server.socket().toString());
                    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
                    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = out.readLine()) != null && !line.equals("ready")) {
                            lines.add(line);
                        }
                        assertThat(line).as("the guest got ready: %s", lines).isEqualTo("ready");
                        assertThat(lines).contains("booted d" + domid + " vcpus=2 pv=true")
                                .anyMatch(l -> l.matches("interrupts xen_et:c0=[1-9]\\d* ipi:c0=1 xen_et:c1=[1-9]\\d* ipi:c1=1"))
                                .contains("ping answer=pong to d" + domid);
                        assertThat(lines.stream().filter(l -> l.startsWith("xenstore name=own data/child=pid ")))
                                .hasSize(1);
                        assertThat(back.ping.getNow(null)).isEqualTo("ping from d" + domid);
                        assertThat(host.xenstore().read("/local/domain/" + domid + "/data/child"))
                                .isEqualTo("pid " + child.pid());
                        until("both ends Connected", () -> {
                            try {
                                return XenbusIvars.list(host.xenstore(), domid).stream()
                                        .anyMatch(x -> x.node().equals(fe) && x.state() == XenbusState.CONNECTED
                                                && x.otherEndState() == XenbusState.CONNECTED);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        assertThat(openPorts(host)).as("store, console and ping bound in dom0").isEqualTo(portsBefore + 3);

                        host.toolstack().shutdown(domid);
                        while ((line = out.readLine()) != null) {
                            lines.add(line);
                        }
                    }
                    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(child.exitValue()).as("%s", lines).isZero();
                    assertThat(lines).contains("powered off rc=0");
                    assertThat(destroyed.await(60, TimeUnit.SECONDS)).isTrue();
                }

                // Nothing left: no domain, no dom0 port, no node of the guest or its devices.
                until("dom0's backend detached and unbound", () -> back.irq == -1 && back.mapping == null);
                until("dom0's ports back to what they were", () -> openPorts(host) == portsBefore);
                assertThat(host.hypervisor().domids()).containsExactly(0);
                assertThat(host.xenstore().directory("/local/domain")).containsExactly("0");
                assertThat(host.xenstore().directory("/libxl")).doesNotContain(Integer.toString(domid));
                assertThat(host.xenstore().directory("/vm")).isEmpty();
                for (String gone : List.of(fe, be, "/local/domain/0/backend/" + PingDevice.TYPE + "/" + domid,
                        "/local/domain/0/backend/console/" + domid)) {
                    assertThatThrownBy(() -> host.xenstore().read(gone)).as(gone)
                            .isInstanceOfSatisfying(XenstoreException.class, e -> assertThat(e.error()).isEqualTo(XsError.ENOENT));
                }
                assertThat(host.consoles().domains()).isEmpty();
                assertThat(host.hypervisor().internalErrors()).isZero();
                backBus.close();
            }
        }
    }
}
