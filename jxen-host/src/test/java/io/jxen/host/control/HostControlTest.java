package io.jxen.host.control;

import io.jxen.drivers.block.front.BlkfrontXenbusDriver;
import io.jxen.drivers.block.front.CompletionWaiter;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.xenbus.RingXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.host.Host;
import io.jxen.host.config.GuestConfig;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.ErrorHandler;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control socket of a running host: {@code xenbus-list} shows each XenBus device's ivars
 * (node, type, end, state, other end and its state) for a guest and for dom0, before and after
 * blkfront connects to dom0's blkback; {@code list}, {@code shutdown} and bad requests.
 */
class HostControlTest {

    @TempDir
    Path dir;

    private String request(Host host, String line) throws Exception {
        try (ControlClient c = new ControlClient(host.control().socket(), line)) {
            return c.readAll();
        }
    }

    @Test
    @Timeout(120)
    void xenbusListShowsTheIvarsOfBothEndsAsTheDeviceConnects() throws Exception {
        Path cfg = dir.resolve("guest.cfg");
        Files.copy(Path.of("..", "examples", "guest.cfg"), cfg);
        try (var image = new java.io.RandomAccessFile(dir.resolve("guest.img").toFile(), "rw")) {
            image.setLength(1 << 20);
        }
        VirtualClock clock = new VirtualClock(0);
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, clock, true))) {
            int domid = host.toolstack().create(GuestConfig.load(cfg));
            assertThat(Files.getPosixFilePermissions(host.control().socket()))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            assertThat(request(host, "list")).startsWith("ok\nName").contains("guest");

            String front = "/local/domain/" + domid + "/device/vbd/51712";
            String back = "/local/domain/0/backend/vbd/" + domid + "/51712";
            Eventually.until("dom0's blkback waits for the frontend", () -> {
                try {
                    return request(host, "xenbus-list guest").contains("2 InitWait");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String before = request(host, "xenbus-list guest");
            assertThat(before.lines().toList()).hasSize(3); // ok, header, one device
            assertThat(before.lines().toList().get(2).split("\\s+"))
                    .containsExactly(front, "vbd", "51712", "front", "1", "Initialising", back, "0", "2", "InitWait");

            GuestKernel guest = GuestKernel.boot(host.hypervisor().platform(domid), GuestKernel.Options.defaults(clock));
            try (VcpuThreads vcpus = VcpuThreads.start(guest)) {
                assertThat(vcpus).isNotNull();
                XenstoreRingClient xs = XenstoreRingClient.open(guest);
                XenBus bus = XenBus.front(new RingXenbusStore(xs), domid, XenBus.Options.defaults(clock));
                BlkfrontXenbusDriver driver = new BlkfrontXenbusDriver(guest, guest.grantTable(), 32, true,
                        CompletionWaiter.blocking());
                bus.register(driver);
                try (AgentRunner runner = AgentRunner.start(bus, BackoffIdleStrategy.defaults(), ErrorHandler.printing())) {
                    assertThat(runner).isNotNull();
                    bus.start();
                    try {
                        driver.whenConnected("51712").get(60, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        // Seen once in CI (session 7) and not since: say where everything was.
                        throw new AssertionError("blkfront did not connect in 60 s; xenbus-list: "
                                + request(host, "xenbus-list " + domid) + "\n" + io.jxen.runtime.ThreadDumps.now(), e);
                    }
                    // the bus publishes Connected after the driver's connect hook returns
                    Eventually.until("the frontend publishes Connected", () -> {
                        try {
                            return request(host, "xenbus-list " + domid).contains("front 4 Connected");
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    String guestView = request(host, "xenbus-list " + domid);
                    assertThat(guestView.lines().toList().get(2).split("\\s+"))
                            .containsExactly(front, "vbd", "51712", "front", "4", "Connected", back, "0", "4", "Connected");
                    String dom0View = request(host, "xenbus-list Domain-0");
                    assertThat(dom0View).contains(back + " ").contains("/local/domain/0/backend/console/" + domid + "/0 ");
                    assertThat(dom0View.lines().filter(l -> l.startsWith(back + " ")).findFirst().orElseThrow()
                            .split("\\s+")).containsExactly(back, "vbd", "51712", "back", "4", "Connected", front,
                            Integer.toString(domid), "4", "Connected");
                    bus.close();
                }
                xs.close();
            }

            assertThat(request(host, "shutdown guest")).isEqualTo("ok\n");
            assertThat(host.xenstore().read("/local/domain/" + domid + "/control/shutdown")).isEqualTo("poweroff");
            assertThat(request(host, "xenbus-list nosuch")).isEqualTo("error no domain nosuch\n");
            assertThat(request(host, "frobnicate")).startsWith("error unknown request 'frobnicate'");
            assertThat(request(host, "x".repeat(HostControl.MAX_LINE + 10))).startsWith("error request longer than");
        }
    }
}
