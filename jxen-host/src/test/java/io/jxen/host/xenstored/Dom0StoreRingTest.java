package io.jxen.host.xenstored;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.host.Host;
import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * dom0's own xenstore ring (NetBSD's xsd_mfn/xsd_port path): the host writes the page and the
 * unbound port in dom0's start_info, xenstored serves them as C's {@code dom0_init} does, and
 * dom0's booted kernel talks xenstore over that ring with its ordinary ring client, privileged,
 * seeing what the toolstack's socket connection sees and the other way round.
 */
class Dom0StoreRingTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void dom0sKernelReadsWritesAndWatchesOverItsOwnRingPrivileged() throws Exception {
        try (Host host = Host.start(new Host.Options(dir, 16384, 256, new VirtualClock(0), true))) {
            XenstoreRingClient xs = XenstoreRingClient.open(host.dom0());
            java.util.concurrent.atomic.AtomicReference<Thread> watchThread = new java.util.concurrent.atomic.AtomicReference<>();
            try {
                assertThat(xs.ringGpa() >>> 12).isEqualTo(host.xsdMfn());
                // What the toolstack wrote over the socket (initDom0), read over the ring, also
                // relative to dom0's home.
                assertThat(xs.read("/local/domain/0/name")).isEqualTo("Domain-0");
                assertThat(xs.read("domid")).isEqualTo("0");
                // The rings' agent sleeps until a store port fires: xenstored's end of dom0's ring
                // has a handler in dom0's interrupt layer, which woke it for these requests.
                assertThat(host.dom0().intr().count("xenstored-d0")).as("xenstored's store-port interrupts").isPositive();
                // Written over the ring, seen over the socket.
                xs.write("/local/domain/0/ring-test", "from dom0's ring");
                assertThat(host.xenstore().read("/local/domain/0/ring-test")).isEqualTo("from dom0's ring");
                // Privileged: nodes only dom0 may touch, and privileged operations.
                xs.write("/tool/dom0-ring", "x");
                assertThat(host.xenstore().getPerms("/tool/dom0-ring")).containsExactly("n0");
                byte[] introduced = xs.submit(XsMessageTypes.IS_DOMAIN_INTRODUCED, 0, "0").get(30, TimeUnit.SECONDS);
                assertThat(new String(introduced, StandardCharsets.US_ASCII)).isEqualTo("T\0");
                assertThat(new String(xs.submit(XsMessageTypes.CONTROL, 0, "quota", "0").get(30, TimeUnit.SECONDS),
                        StandardCharsets.US_ASCII)).startsWith("Domain 0:");
                // Watches: a change over the socket reaches dom0's kernel through its ring.
                LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
                xs.watch("/local/domain/0/watched", "tok", (path, token) -> {
                    watchThread.set(Thread.currentThread());
                    events.add(path + " " + token);
                });
                assertThat(events.poll(30, TimeUnit.SECONDS)).isEqualTo("/local/domain/0/watched tok");
                host.xenstore().write("/local/domain/0/watched/x", "1");
                assertThat(events.poll(30, TimeUnit.SECONDS)).isEqualTo("/local/domain/0/watched/x tok");
                // Transactions over the ring.
                int tx = xs.transactionStart();
                assertThat(xs.transactionEnd(tx, true)).isTrue();
                assertThat(host.hypervisor().internalErrors()).isZero();
            } finally {
                xs.close();
            }
            // The watch thread open() made ends with the client (one was left per guest boot).
            Thread xenwatch = watchThread.get();
            assertThat(xenwatch.getName()).isEqualTo("xenwatch-d0");
            xenwatch.join(30_000);
            assertThat(xenwatch.isAlive()).as("xenwatch thread alive after close").isFalse();
        }
    }
}
