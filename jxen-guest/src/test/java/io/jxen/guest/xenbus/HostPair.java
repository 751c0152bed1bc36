package io.jxen.guest.xenbus;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.EventChannelOps;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.hv.domain.Domain;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.server.XenstoredServer;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsPayload;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real in-process hypervisor with dom0 and a guest: xenstored runs on a Unix socket; dom0's
 * back bus talks to it with jxen-xenstore's {@link XenstoreClient}; the guest's front bus talks
 * over its store ring (start_info's page and port, bound through xen_intr) with
 * {@link XenstoreRingClient}, the ring served from the same xenstored core. One loop thread
 * is the guest's vCPU and the ring's server; the bus workers are threads of their own.
 */
final class HostPair implements AutoCloseable {

    static final long STORE_GFN = 200;

    final GuestHostAccess host = new GuestHostAccess();
    final Path dir;
    final XenstoredServer xenstored;
    final GuestKernel dom0;
    final Domain du;
    final GuestKernel guest;
    final SharedCoreRing ring;
    final XenstoreClient dom0xs;
    final XenstoreRingClient guestxs;
    final XenBus front;
    final XenBus back;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread loop;

    HostPair(long seed, long connectTimeoutNanos) throws Exception {
        dir = Files.createTempDirectory("jxen-xenbus");
        xenstored = XenstoredServer.start(dir.resolve("socket"));
        dom0 = host.boot(host.domain(256, 1));
        du = host.domain(256, 1);
        int port = (int) EventChannelOps.allocUnbound(dom0.vcpu(0), du.domid(), 0);
        assertThat(port).isPositive();
        du.setStore(STORE_GFN, port);
        guest = host.boot(du);
        dom0xs = XenstoreClient.connect(xenstored.socket());
        dom0xs.request(XsMessageTypes.INTRODUCE, 0,
                XsPayload.joinStrings(Integer.toString(du.domid()), Long.toString(STORE_GFN), Integer.toString(port)));
        dom0xs.mkdir(home(du.domid()));
        dom0xs.setPerms(home(du.domid()), List.of("n" + du.domid()));
        dom0xs.mkdir(home(0) + "/backend");
        ring = new SharedCoreRing(xenstored.core(), dom0, du.domid(), port, guest.memory().page(STORE_GFN), seed);
        guestxs = XenstoreRingClient.open(guest);
        loop = Thread.ofPlatform().name("vcpu0+ring").start(() -> {
            while (!stop.get()) {
                int work = ring.doWork();
                work += guest.vcpu(0).poll();
                work += host.threads.drain();
                if (work == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        XenBus.Options o = new XenBus.Options(host.clock, connectTimeoutNanos, 2);
        front = XenBus.front(new RingXenbusStore(guestxs), du.domid(), o);
        back = XenBus.back(new SocketXenbusStore(dom0xs), 0, o);
    }

    HostPair(long seed) throws Exception {
        this(seed, TimeUnit.SECONDS.toNanos(30));
    }

    static String home(int domid) {
        return "/local/domain/" + domid;
    }

    String frontNode(String type, int id) {
        return home(du.domid()) + "/device/" + type + "/" + id;
    }

    String backNode(String type, int id) {
        return home(0) + "/backend/" + type + "/" + du.domid() + "/" + id;
    }

    /** The toolstack's device nodes and permissions, in one transaction (as libxl writes them). */
    void addDevice(String type, int id) throws Exception {
        String g = Integer.toString(du.domid());
        String fe = frontNode(type, id);
        String be = backNode(type, id);
        dom0xs.inTransaction(tx -> {
            tx.mkdir(home(du.domid()) + "/device/" + type);
            tx.setPerms(home(du.domid()) + "/device", List.of("n" + g, "r0"));
            tx.setPerms(home(du.domid()) + "/device/" + type, List.of("n" + g, "r0"));
            tx.write(fe, "");
            tx.setPerms(fe, List.of("n" + g, "r0"));
            tx.write(fe + "/backend", be);
            tx.write(fe + "/backend-id", "0");
            tx.write(fe + "/state", "1");
            tx.write(be, "");
            tx.setPerms(be, List.of("n0", "r" + g));
            tx.write(be + "/frontend", fe);
            tx.write(be + "/frontend-id", g);
            tx.write(be + "/online", "1");
            tx.write(be + "/state", "1");
            return null;
        });
    }

    void removeDevice(String type, int id) throws Exception {
        dom0xs.inTransaction(tx -> {
            tx.rm(frontNode(type, id));
            tx.rm(backNode(type, id));
            return null;
        });
    }

    String readOrNull(String path) throws Exception {
        try {
            return dom0xs.read(path);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            front.close();
            back.close();
        } finally {
            stop.set(true);
            try {
                loop.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            guestxs.close();
            ring.close();
            dom0xs.close();
            xenstored.close();
            host.close();
            Files.deleteIfExists(dir);
        }
    }
}
