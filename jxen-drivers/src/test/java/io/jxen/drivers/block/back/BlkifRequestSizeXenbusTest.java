package io.jxen.drivers.block.back;

import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.xenbus.XenbusState;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.drivers.block.front.BlkfrontXenbusDriver;
import io.jxen.drivers.block.front.MultiQueueBlkfront;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.guest.xenbus.XenbusDriver;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FreeBSD's request-size extension negotiated over XenBus on an in-process xenstored, with
 * both generations of frontends: jxen's blkfront (the standard protocol, indirect segments) and
 * a frontend of FreeBSD's 2010-2012 generation ({@link SegmentBlockFrontend}), against blkback
 * with and without the extension. The extension is used when, and only when, the frontend
 * writes its keys; hostile values fail only their device.
 */
class BlkifRequestSizeXenbusTest {

    private static final String DEVID = "51712";
    private static final int DISK = 4 << 20;

    /** Both buses on one xenstored, blkback in dom0 driven by the test host. */
    private record Buses(BlkifTestHost host, GuestKernel guest, CoreXenbusStore dom0Store, CoreXenbusStore guestStore,
                         XenBus back, XenBus front, String fe, String be) implements AutoCloseable {
        @Override
        public void close() {
            front.close();
            back.close();
            guestStore.close();
            dom0Store.close();
        }
    }

    private static Buses buses(BlkifTestHost host, BlkbackXenbusDriver backDriver, XenbusDriver frontDriver)
            throws Exception {
        GuestKernel guest = host.boot(2048);
        int domU = guest.domid();
        XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        CoreXenbusStore dom0Store = new CoreXenbusStore(core, Caller.DOM0, "dom0");
        dom0Store.request(XsMessageTypes.INTRODUCE, 0, Integer.toString(domU), "0", "1");
        dom0Store.mkdir("/local/domain/" + domU);
        dom0Store.setPerms("/local/domain/" + domU, "n" + domU);
        dom0Store.mkdir("/local/domain/0/backend");
        CoreXenbusStore guestStore = new CoreXenbusStore(core, Caller.guest(domU), "guest");
        XenBus.Options options = new XenBus.Options(host.clock, TimeUnit.SECONDS.toNanos(30), 2);
        XenBus back = XenBus.back(dom0Store, 0, options);
        XenBus front = XenBus.front(guestStore, domU, options);
        back.register(backDriver);
        back.start();
        if (frontDriver != null) {
            front.register(frontDriver);
            front.start();
        }
        return new Buses(host, guest, dom0Store, guestStore, back, front, "/local/domain/" + domU + "/device/vbd/" + DEVID,
                "/local/domain/0/backend/vbd/" + domU + "/" + DEVID);
    }

    private static BlkbackXenbusDriver backDriver(BlkifTestHost host, FileEngine disk) {
        return new BlkbackXenbusDriver(host.dom0, host.dom0Grants, d -> disk, host.clock, host.window(8), 32,
                new BlkbackXenbusDriver.Listener() {
                    @Override
                    public void connected(Blkback back) {
                        host.drive(back);
                    }

                    @Override
                    public void disconnected(Blkback back) {
                        host.stopDriving(back);
                    }
                });
    }

    @Test
    void theStandardBlkfrontOnAnExtensionBackendGetsTheStandardProtocol() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            BlkbackXenbusDriver backDriver = backDriver(host, disk);
            GuestKernel[] guest = new GuestKernel[1];
            BlkfrontXenbusDriver[] frontDriver = new BlkfrontXenbusDriver[1];
            // The guest exists only once the buses do: register the front driver afterwards.
            try (Buses b = buses(host, backDriver, null)) {
                guest[0] = b.guest();
                frontDriver[0] = new BlkfrontXenbusDriver(b.guest(), b.guest().grantTable(), 32, host.waiter());
                b.front().register(frontDriver[0]);
                b.front().start();
                addVbd(b);
                MultiQueueBlkfront disk0 = until(host, frontDriver[0].whenConnected(DEVID));
                until(host, until(host, b.back().whenDevice(b.be())).whenState(XenbusState.CONNECTED));

                assertThat(b.dom0Store().read(b.be() + "/max-requests")).isEqualTo("32");
                assertThat(b.dom0Store().read(b.be() + "/max-request-segments")).isEqualTo("255");
                assertThat(b.dom0Store().read(b.be() + "/max-request-size")).isEqualTo(Long.toString(255L * 4096));
                assertThat(b.dom0Store().read(b.be() + "/max-ring-pages")).isEqualTo("1");
                assertThat(b.dom0Store().directory(b.fe())).doesNotContain("max-requests", "max-request-segments",
                        "max-request-size", "ring-pages");
                assertThat(backDriver.backends()).singleElement()
                        .satisfies(back -> assertThat(back.requestSizeExtension()).isNull());

                byte[] data = new byte[300 * 1024];
                new Random(1).nextBytes(data);
                disk0.write(8192, ByteBuffer.wrap(data), true);
                ByteBuffer read = ByteBuffer.allocate(data.length);
                disk0.read(8192, read);
                assertThat(read.array()).isEqualTo(data);
                assertThat(Arrays.copyOfRange(Files.readAllBytes(disk.path()), 8192, 8192 + data.length)).isEqualTo(data);
                assertThat(backDriver.backends().getFirst().metrics().errors()).isZero();
            }
        }
    }

    /**
     * A FreeBSD-generation frontend on this backend: it reads the backend's maxima, writes its
     * own, and requests of up to 255 segments run through the ring; with more than one ring page
     * it names the pages {@code ring-ref}, {@code ring-ref1}... under {@code ring-pages}.
     */
    @ParameterizedTest(name = "frontend segments {0}, ring pages {1}, backend max ring page order {2}")
    @CsvSource({"255,1,0", "255,4,2", "64,2,4", "11,1,0"})
    void anExtensionFrontendOnThisBackendUsesSegmentBlocks(int ownSegments, int ownPages, int backOrder)
            throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            BlkbackXenbusDriver backDriver = backDriver(host, disk).withMaxRingPageOrder(backOrder);
            try (Buses b = buses(host, backDriver, null)) {
                GrantTableClient grants = b.guest().grantTable();
                SegmentBlockFrontend front = new SegmentBlockFrontend(b.guest(), grants, ownSegments, ownPages);
                b.front().register(front);
                b.front().start();
                addVbd(b);
                assertThat(until(host, front.whenConnected())).isEqualTo(DISK / 512);
                until(host, until(host, b.back().whenDevice(b.be())).whenState(XenbusState.CONNECTED));

                int pages = Math.min(ownPages, 1 << backOrder);
                int requests = BlkifRequestSizeExtension.ringRequests(pages);
                List<String> keys = b.dom0Store().directory(b.fe());
                assertThat(b.dom0Store().read(b.fe() + "/ring-pages")).isEqualTo(Integer.toString(pages));
                assertThat(b.dom0Store().read(b.fe() + "/max-request-segments")).isEqualTo(Integer.toString(ownSegments));
                assertThat(b.dom0Store().read(b.fe() + "/max-requests")).isEqualTo(Integer.toString(requests));
                assertThat(keys).contains("ring-ref").doesNotContain("ring-ref0", "ring-page-order", "num-ring-pages");
                if (pages > 1) {
                    assertThat(keys).contains("ring-ref" + (pages - 1));
                }
                Blkback back = backDriver.backends().getFirst();
                assertThat(back.requestSizeExtension()).isEqualTo(
                        new BlkifRequestSizeExtension(requests, ownSegments, (long) ownSegments * XenPage.SIZE));
                assertThat(back.ringPages()).isEqualTo(pages);
                assertThat(front.maxSegments()).isEqualTo(ownSegments);

                Random random = new Random(ownSegments);
                long sector = 16;
                for (int n : new int[] {1, 11, Math.min(12, ownSegments), Math.min(40, ownSegments), ownSegments}) {
                    int[][] sects = new int[n][];
                    Arrays.setAll(sects, i -> new int[] {0, 7});
                    byte[] data = new byte[n * 4096];
                    random.nextBytes(data);
                    assertThat(until(host, front.submit(BlkifOp.WRITE, sector, sects, data))).isEqualTo(BlkifRsp.OKAY);
                    byte[] read = new byte[data.length];
                    assertThat(until(host, front.submit(BlkifOp.READ, sector, sects, read))).isEqualTo(BlkifRsp.OKAY);
                    assertThat(read).as("%d segments", n).isEqualTo(data);
                    assertThat(Arrays.copyOfRange(Files.readAllBytes(disk.path()), (int) sector * 512,
                            (int) sector * 512 + data.length)).isEqualTo(data);
                    sector += n * 8L;
                }
                assertThat(back.metrics().errors()).isZero();
                assertThat(front.failure()).isNull();
            }
        }
    }

    /**
     * Multi-queue on an extension backend: jxen's blkfront asking for two queues gets two rings
     * with the standard protocol (no segment blocks on either), and verified I/O striped over both.
     */
    @Test
    void theStandardMultiQueueBlkfrontOnAnExtensionBackendGetsStandardRings() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            BlkbackXenbusDriver backDriver = backDriver(host, disk).withMaxQueues(2);
            try (Buses b = buses(host, backDriver, null)) {
                BlkfrontXenbusDriver frontDriver = new BlkfrontXenbusDriver(b.guest(), b.guest().grantTable(), 32,
                        host.waiter()).withMaxQueues(2);
                b.front().register(frontDriver);
                b.front().start();
                addVbd(b);
                MultiQueueBlkfront disk0 = until(host, frontDriver.whenConnected(DEVID));
                until(host, until(host, b.back().whenDevice(b.be())).whenState(XenbusState.CONNECTED));

                assertThat(b.dom0Store().read(b.be() + "/max-request-segments")).isEqualTo("255");
                assertThat(b.dom0Store().read(b.fe() + "/multi-queue-num-queues")).isEqualTo("2");
                assertThat(b.dom0Store().directory(b.fe())).doesNotContain("max-requests", "max-request-segments",
                        "max-request-size", "ring-pages");
                assertThat(disk0.queues()).hasSize(2);
                assertThat(backDriver.backends()).hasSize(2)
                        .allSatisfy(back -> assertThat(back.requestSizeExtension()).isNull());

                byte[] data = new byte[512 * 1024]; // striped: a piece per queue
                new Random(2).nextBytes(data);
                disk0.write(4096, ByteBuffer.wrap(data), true);
                ByteBuffer read = ByteBuffer.allocate(data.length);
                disk0.read(4096, read);
                assertThat(read.array()).isEqualTo(data);
                assertThat(Arrays.copyOfRange(Files.readAllBytes(disk.path()), 4096, 4096 + data.length)).isEqualTo(data);
                assertThat(backDriver.backends()).allSatisfy(back -> {
                    assertThat(back.metrics().requests()).isPositive();
                    assertThat(back.metrics().errors()).isZero();
                });
            }
        }
    }

    /**
     * A frontend asking for the extension and for two or more queues is refused, clearly, before
     * anything is mapped: the device closes with the reason in its error node; the same keys
     * with one queue connect (the case above), and other devices are untouched.
     */
    @ParameterizedTest(name = "extension key {0}={1}, {2} queues")
    @CsvSource({"max-request-segments,255,2", "max-requests,32,2", "max-request-size,45056,2", "ring-pages,1,2",
        "max-request-segments,11,2"})
    void theExtensionAndMultiQueueTogetherAreRefused(String key, String value, int queues) throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            BlkbackXenbusDriver backDriver = backDriver(host, disk).withMaxQueues(queues);
            try (Buses b = buses(host, backDriver, null)) {
                addVbd(b);
                XenbusDevice backDevice = until(host, b.back().whenDevice(b.be()));
                until(host, backDevice.whenState(XenbusState.INIT_WAIT));
                int mappedBefore = host.hv.byId(b.guest().domid()).grantTable().pinnedFor(0);
                b.guestStore().write(b.fe() + "/multi-queue-num-queues", Integer.toString(queues));
                for (int q = 0; q < queues; q++) {
                    b.guestStore().write(b.fe() + "/queue-" + q + "/ring-ref", Integer.toString(8 + q));
                    b.guestStore().write(b.fe() + "/queue-" + q + "/event-channel", Integer.toString(5 + q));
                }
                b.guestStore().write(b.fe() + "/protocol", "x86_64-abi");
                b.guestStore().write(b.fe() + "/" + key, value);
                b.guestStore().write(b.fe() + "/state", "3");
                until(host, backDevice.whenState(XenbusState.CLOSED));
                assertThat(backDevice.lastError()).contains("request-size extension")
                        .contains("multi-queue-num-queues " + queues).contains("Unable to connect");
                assertThat(b.dom0Store().read("/local/domain/0/error/backend/vbd/" + b.guest().domid() + "/" + DEVID
                        + "/error")).contains("do not combine");
                assertThat(backDriver.backends()).isEmpty();
                assertThat(host.hv.byId(b.guest().domid()).grantTable().pinnedFor(0)).isEqualTo(mappedBefore);
            }
        }
    }

    /** The same frontend on a backend without the extension stays at 11 segments: the standard protocol. */
    @Test
    void anExtensionFrontendOnABackendWithoutItFallsBack() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            BlkbackXenbusDriver backDriver = backDriver(host, disk).withoutRequestSizeExtension();
            try (Buses b = buses(host, backDriver, null)) {
                SegmentBlockFrontend front = new SegmentBlockFrontend(b.guest(), b.guest().grantTable(), 255, 4);
                b.front().register(front);
                b.front().start();
                addVbd(b);
                until(host, front.whenConnected());
                until(host, until(host, b.back().whenDevice(b.be())).whenState(XenbusState.CONNECTED));

                assertThat(b.dom0Store().directory(b.be())).doesNotContain("max-requests", "max-request-segments",
                        "max-request-size");
                assertThat(b.dom0Store().read(b.fe() + "/max-request-segments")).isEqualTo("11");
                assertThat(b.dom0Store().read(b.fe() + "/ring-pages")).isEqualTo("1");
                assertThat(front.maxSegments()).isEqualTo(11);
                Blkback back = backDriver.backends().getFirst();
                assertThat(back.requestSizeExtension()).isNull();

                int[][] sects = new int[11][];
                Arrays.setAll(sects, i -> new int[] {0, 7});
                byte[] data = new byte[11 * 4096];
                new Random(4).nextBytes(data);
                assertThat(until(host, front.submit(BlkifOp.WRITE, 64, sects, data))).isEqualTo(BlkifRsp.OKAY);
                byte[] read = new byte[data.length];
                assertThat(until(host, front.submit(BlkifOp.READ, 64, sects, read))).isEqualTo(BlkifRsp.OKAY);
                assertThat(read).isEqualTo(data);
                assertThat(back.metrics().errors()).isZero();
            }
        }
    }

    /** Values over the backend's, malformed ring sizes, or segment blocks for a 32-bit frontend: that device closes. */
    @Test
    void hostileExtensionKeysFailOnlyTheirDevice() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            BlkbackXenbusDriver backDriver = backDriver(host, disk);
            try (Buses b = buses(host, backDriver, null)) {
                int domU = b.guest().domid();
                String[][] bad = {
                    {"51712", "max-request-segments", "256", "x86_64-abi"},
                    {"51728", "max-request-segments", "0", "x86_64-abi"},
                    {"51744", "max-requests", "33", "x86_64-abi"},
                    {"51760", "max-request-size", "1044481", "x86_64-abi"},
                    {"51776", "ring-pages", "3", "x86_64-abi"},
                    {"51792", "ring-pages", "2", "x86_64-abi"},
                    {"51808", "max-request-segments", "12", "x86_32-abi"},
                    {"51824", "max-requests", "18446744073709551615", "x86_64-abi"}};
                for (String[] k : bad) {
                    String fe = "/local/domain/" + domU + "/device/vbd/" + k[0];
                    String be = "/local/domain/0/backend/vbd/" + domU + "/" + k[0];
                    addVbd(b.dom0Store(), domU, fe, be, k[0]);
                    XenbusDevice backDevice = until(host, b.back().whenDevice(be));
                    until(host, backDevice.whenState(XenbusState.INIT_WAIT));
                    b.guestStore().write(fe + "/ring-ref", "8");
                    b.guestStore().write(fe + "/event-channel", "5");
                    b.guestStore().write(fe + "/protocol", k[3]);
                    b.guestStore().write(fe + "/" + k[1], k[2]);
                    b.guestStore().write(fe + "/state", "3");
                    until(host, backDevice.whenState(XenbusState.CLOSED));
                    assertThat(backDevice.lastError()).as(k[1] + "=" + k[2]).isNotNull();
                    if (!k[1].equals("ring-pages")) {
                        assertThat(backDevice.lastError()).as(k[1] + "=" + k[2]).contains("Unable to connect");
                    }
                }
                assertThat(backDriver.backends()).isEmpty();
            }
        }
    }

    private static final long HANG_GUARD_NANOS = TimeUnit.MINUTES.toNanos(2);

    /** Steps vCPUs and backends on this thread until the bus threads complete {@code future} (a hang guard, not a bound). */
    private static <T> T until(BlkifTestHost host, CompletableFuture<T> future) {
        long deadline = System.nanoTime() + HANG_GUARD_NANOS;
        while (!future.isDone()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the buses never got there");
            }
            host.step();
            Thread.onSpinWait();
        }
        return future.join();
    }

    private static void addVbd(Buses b) throws Exception {
        addVbd(b.dom0Store(), b.guest().domid(), b.fe(), b.be(), DEVID);
    }

    private static void addVbd(CoreXenbusStore dom0, int domU, String fe, String be, String devid) throws Exception {
        dom0.addLibxlVbd(domU, fe, be, devid);
    }
}
