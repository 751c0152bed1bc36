package io.jxen.drivers.block.front;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.drivers.block.back.BlkbackXenbusDriver;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.CoreXenbusStore;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * blkfront and blkback negotiate over XenBus on an in-process xenstored, as libxl lays the
 * device out: the backend publishes its limits before InitWait and its device properties
 * before Connected, the frontend its ring, port and protocol before Initialised; then verified
 * I/O runs through the ring, and the keys each side wrote are the ones io/blkif.h names.
 */
class BlkifXenbusTest {

    private static final String DEVID = "51712";
    private static final int DISK = 1 << 20;

    /** Old and new generations of each end: indirect segments and persistent grants or not. */
    @ParameterizedTest(name = "frontend indirect {0} persistent {1} queues {4}, backend indirect {2} persistent {3} queues {5}")
    @CsvSource({"32,true,64,true,1,1", "0,false,64,true,1,1", "32,true,0,false,1,1", "0,false,0,false,1,1",
        "512,false,256,true,1,1", "32,true,64,true,4,2", "32,false,64,false,1,4", "0,false,0,false,3,4"})
    void bothEndsConnectOverXenbusAndServeVerifiedIo(int frontIndirect, boolean frontPersistent, int backIndirect,
                                                     boolean backPersistent, int frontQueues, int backQueues)
            throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            int domU = guest.domid();
            XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
            try (CoreXenbusStore dom0Store = new CoreXenbusStore(core, Caller.DOM0, "dom0");
                 CoreXenbusStore guestStoreHolder = introduce(core, dom0Store, domU)) {
                XenBus.Options options = new XenBus.Options(host.clock, TimeUnit.SECONDS.toNanos(30), 2);
                BlkbackXenbusDriver backDriver = new BlkbackXenbusDriver(host.dom0, host.dom0Grants, d -> disk,
                        host.clock, host.window(8), backIndirect, backPersistent ? 32 : 0,
                        new BlkbackXenbusDriver.Listener() {
                            @Override
                            public void connected(Blkback back) {
                                host.drive(back);
                            }

                            @Override
                            public void disconnected(Blkback back) {
                                host.stopDriving(back);
                            }
                        }).withMaxQueues(backQueues);
                BlkfrontXenbusDriver frontDriver = new BlkfrontXenbusDriver(guest, guest.grantTable(),
                        frontIndirect, frontPersistent, host.waiter()).withMaxQueues(frontQueues);
                int queues = Math.min(frontQueues, backQueues);
                try (XenBus back = XenBus.back(dom0Store, 0, options);
                     XenBus front = XenBus.front(guestStoreHolder, domU, options)) {
                    back.register(backDriver);
                    front.register(frontDriver);
                    back.start();
                    front.start();
                    String fe = "/local/domain/" + domU + "/device/vbd/" + DEVID;
                    String be = "/local/domain/0/backend/vbd/" + domU + "/" + DEVID;
                    addVbd(dom0Store, domU, fe, be);

                    MultiQueueBlkfront disk0 = until(host, frontDriver.whenConnected(DEVID));
                    XenbusDevice backDevice = until(host, back.whenDevice(be));
                    until(host, backDevice.whenState(XenbusState.CONNECTED));
                    // The bus publishes Connected after the driver's connect() returned (and
                    // completed whenConnected), so the front's state node is awaited too.
                    until(host, until(host, front.whenDevice(fe)).whenState(XenbusState.CONNECTED));

                    assertThat(dom0Store.read(be + "/sectors")).isEqualTo(Long.toString(DISK / 512));
                    assertThat(dom0Store.read(be + "/sector-size")).isEqualTo("512");
                    assertThat(dom0Store.read(be + "/feature-flush-cache")).isEqualTo("1");
                    assertThat(dom0Store.read(be + "/feature-discard")).isEqualTo("1");
                    if (backIndirect > 0) {
                        assertThat(dom0Store.read(be + "/feature-max-indirect-segments"))
                                .isEqualTo(Integer.toString(backIndirect));
                    }
                    assertThat(dom0Store.read(be + "/feature-persistent")).isEqualTo(backPersistent ? "1" : "0");
                    assertThat(dom0Store.read(fe + "/feature-persistent")).isEqualTo(frontPersistent ? "1" : "0");
                    assertThat(dom0Store.read(be + "/max-ring-page-order")).isEqualTo("0");
                    assertThat(dom0Store.read(fe + "/protocol")).isEqualTo("x86_64-abi");
                    assertThat(dom0Store.read(be + "/multi-queue-max-queues")).isEqualTo(Integer.toString(backQueues));
                    String ringKeys = queues == 1 ? fe : fe + "/queue-" + (queues - 1);
                    assertThat(dom0Store.read(ringKeys + "/ring-ref")).matches("\\d+");
                    assertThat(dom0Store.read(ringKeys + "/event-channel")).matches("\\d+");
                    if (queues > 1) {
                        assertThat(dom0Store.read(fe + "/multi-queue-num-queues")).isEqualTo(Integer.toString(queues));
                    }
                    assertThat(disk0.queues()).hasSize(queues);
                    assertThat(backDriver.backends()).hasSize(queues);
                    assertThat(dom0Store.read(fe + "/state")).isEqualTo("4");
                    assertThat(disk0.queues().getFirst().maxIndirectSegments())
                            .isEqualTo(backIndirect <= 11 ? 0 : Math.min(frontIndirect, backIndirect));
                    assertThat(disk0.queues().getFirst().persistentGrants()).isEqualTo(frontPersistent && backPersistent);
                    // Chosen by measurement (BENCHMARKS.md, blkif-grants): persistent, else grant copy.
                    assertThat(backDriver.backends()).allSatisfy(b -> {
                        assertThat(b.persistentGrants()).isEqualTo(frontPersistent && backPersistent);
                        assertThat(b.grantCopy()).isEqualTo(!(frontPersistent && backPersistent));
                    });
                    assertThat(disk0.sizeBytes()).isEqualTo(DISK);

                    byte[] data = new byte[200 * 1024];
                    new Random(11).nextBytes(data);
                    disk0.write(4096, ByteBuffer.wrap(data), true);
                    ByteBuffer readBack = ByteBuffer.allocate(data.length);
                    disk0.read(4096, readBack);
                    assertThat(readBack.array()).isEqualTo(data);
                    byte[] image = Files.readAllBytes(disk.path());
                    assertThat(java.util.Arrays.copyOfRange(image, 4096, 4096 + data.length)).isEqualTo(data);
                    for (int q = 0; q < queues; q++) {
                        assertThat(guest.intr().count(queues == 1 ? "xbd0" : "xbd0-q" + q)).isPositive();
                    }
                }
            }
        }
    }

    /**
     * Multi-page rings over XenBus: the backend offers {@code max-ring-page-order} and legacy
     * {@code max-ring-pages}, the frontend takes the lesser of both ends, publishes
     * {@code ring-page-order}, {@code num-ring-pages} and {@code ring-ref0..N-1} (no
     * {@code ring-ref}) for more than one page, per queue with several queues, and verified I/O
     * runs over rings of that size.
     */
    @ParameterizedTest(name = "frontend order {0}, backend max order {1}, queues {2}")
    @CsvSource({"0,0,1", "2,4,1", "4,2,1", "3,0,1", "0,3,1", "4,4,1", "1,2,2"})
    void multiPageRingsAreNegotiatedAndServeVerifiedIo(int frontOrder, int backOrder, int queues) throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            int domU = guest.domid();
            XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
            try (CoreXenbusStore dom0Store = new CoreXenbusStore(core, Caller.DOM0, "dom0");
                 CoreXenbusStore guestStore = introduce(core, dom0Store, domU)) {
                XenBus.Options options = new XenBus.Options(host.clock, TimeUnit.SECONDS.toNanos(30), 2);
                BlkbackXenbusDriver backDriver = new BlkbackXenbusDriver(host.dom0, host.dom0Grants, d -> disk,
                        host.clock, host.window(8), 32, new BlkbackXenbusDriver.Listener() {
                            @Override
                            public void connected(Blkback back) {
                                host.drive(back);
                            }

                            @Override
                            public void disconnected(Blkback back) {
                                host.stopDriving(back);
                            }
                        }).withMaxQueues(queues).withMaxRingPageOrder(backOrder);
                BlkfrontXenbusDriver frontDriver = new BlkfrontXenbusDriver(guest, guest.grantTable(), 32,
                        host.waiter()).withMaxQueues(queues).withMaxRingPageOrder(frontOrder);
                try (XenBus back = XenBus.back(dom0Store, 0, options);
                     XenBus front = XenBus.front(guestStore, domU, options)) {
                    back.register(backDriver);
                    front.register(frontDriver);
                    back.start();
                    front.start();
                    String fe = "/local/domain/" + domU + "/device/vbd/" + DEVID;
                    String be = "/local/domain/0/backend/vbd/" + domU + "/" + DEVID;
                    addVbd(dom0Store, domU, fe, be);
                    MultiQueueBlkfront disk0 = until(host, frontDriver.whenConnected(DEVID));
                    XenbusDevice backDevice = until(host, back.whenDevice(be));
                    until(host, backDevice.whenState(XenbusState.CONNECTED));

                    int order = Math.min(frontOrder, backOrder);
                    int pages = 1 << order;
                    assertThat(dom0Store.read(be + "/max-ring-page-order")).isEqualTo(Integer.toString(backOrder));
                    assertThat(dom0Store.read(be + "/max-ring-pages")).isEqualTo(Integer.toString(1 << backOrder));
                    if (pages > 1) {
                        assertThat(dom0Store.read(fe + "/ring-page-order")).isEqualTo(Integer.toString(order));
                        assertThat(dom0Store.read(fe + "/num-ring-pages")).isEqualTo(Integer.toString(pages));
                    } else {
                        assertThat(dom0Store.directory(fe)).doesNotContain("ring-page-order", "num-ring-pages");
                    }
                    for (int q = 0; q < queues; q++) {
                        String dir = queues == 1 ? fe : fe + "/queue-" + q;
                        java.util.List<String> keys = dom0Store.directory(dir);
                        if (pages == 1) {
                            assertThat(keys).contains("ring-ref").doesNotContain("ring-ref0");
                        } else {
                            assertThat(keys).doesNotContain("ring-ref").contains("ring-ref0", "ring-ref" + (pages - 1))
                                    .doesNotContain("ring-ref" + pages);
                        }
                    }
                    assertThat(backDriver.backends()).hasSize(queues)
                            .allSatisfy(b -> assertThat(b.ringEntries()).isEqualTo(32 << order));
                    assertThat(disk0.queues()).allSatisfy(q -> assertThat(q.ringEntries()).isEqualTo(32 << order));

                    byte[] data = new byte[300 * 1024];
                    new Random(order).nextBytes(data);
                    java.util.List<CompletableFuture<Void>> writes = new java.util.ArrayList<>();
                    for (int i = 0; i < data.length / 4096; i++) {
                        writes.add(disk0.submitWrite((long) i * 4096, ByteBuffer.wrap(data, i * 4096, 4096), false));
                    }
                    until(host, CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
                    disk0.flush();
                    ByteBuffer readBack = ByteBuffer.allocate(data.length);
                    disk0.read(0, readBack);
                    assertThat(readBack.array()).isEqualTo(data);
                    assertThat(java.util.Arrays.copyOfRange(Files.readAllBytes(disk.path()), 0, data.length))
                            .isEqualTo(data);
                }
            }
        }
    }

    @Test
    void aBackendRestartedOverXenbusGetsTheInFlightRequestsReplayed() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            int domU = guest.domid();
            XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
            try (CoreXenbusStore dom0Store = new CoreXenbusStore(core, Caller.DOM0, "dom0");
                 CoreXenbusStore guestStore = introduce(core, dom0Store, domU)) {
                XenBus.Options options = new XenBus.Options(host.clock, TimeUnit.SECONDS.toNanos(30), 2);
                BlkfrontXenbusDriver[] frontDrivers = new BlkfrontXenbusDriver[1];
                java.util.List<String> whileReconnecting = new java.util.concurrent.CopyOnWriteArrayList<>();
                BlkbackXenbusDriver backDriver = new BlkbackXenbusDriver(host.dom0, host.dom0Grants, d -> disk,
                        host.clock, host.window(8), 32, new BlkbackXenbusDriver.Listener() {
                            @Override
                            public void connected(Blkback back) {
                                // The frontend is Initialised on its new ring but has not read
                                // this backend's properties yet: what its disk says meanwhile.
                                try {
                                    MultiQueueBlkfront d = frontDrivers[0].device(DEVID).orElseThrow();
                                    whileReconnecting.add(d.sizeBytes() + " " + d.capabilities());
                                } catch (RuntimeException e) {
                                    whileReconnecting.add(e.toString());
                                }
                                host.drive(back);
                            }

                            @Override
                            public void disconnected(Blkback back) {
                                host.stopDriving(back);
                            }
                        });
                frontDrivers[0] = new BlkfrontXenbusDriver(guest, guest.grantTable(), 32, host.waiter());
                BlkfrontXenbusDriver frontDriver = frontDrivers[0];
                try (XenBus back = XenBus.back(dom0Store, 0, options);
                     XenBus front = XenBus.front(guestStore, domU, options)) {
                    back.register(backDriver);
                    front.register(frontDriver);
                    back.start();
                    front.start();
                    String fe = "/local/domain/" + domU + "/device/vbd/" + DEVID;
                    String be = "/local/domain/0/backend/vbd/" + domU + "/" + DEVID;
                    addVbd(dom0Store, domU, fe, be);
                    MultiQueueBlkfront disk0;
                    try {
                        disk0 = until(host, frontDriver.whenConnected(DEVID));
                    } catch (AssertionError e) {
                        throw new AssertionError(whileReconnecting.toString(), e);
                    }
                    XenbusDevice backDevice = until(host, back.whenDevice(be));
                    until(host, backDevice.whenState(XenbusState.CONNECTED));
                    XenbusDevice frontDevice = until(host, front.whenDevice(fe));
                    Blkback first = backDriver.backends().getFirst();

                    byte[] expected = new byte[40 * 4096];
                    new Random(5).nextBytes(expected);
                    java.util.List<CompletableFuture<Void>> writes = new java.util.ArrayList<>();
                    for (int i = 0; i < 40; i++) {
                        writes.add(disk0.submitWrite((long) i * 4096, ByteBuffer.wrap(expected, i * 4096, 4096), false));
                    }
                    // The backend dies before serving any of them (it stops at once, as a killed
                    // process does), its bus end goes Closed, then it comes back through InitWait.
                    assertThat(first.metrics().requests()).isZero();
                    first.disconnect();
                    backDevice.fatal(5, "backend restarted");
                    spin(backDevice.whenState(XenbusState.CLOSED));
                    // The frontend must see that Closed before the backend comes back: a backend
                    // that restarts first finds the frontend still Connected on its old ring
                    // (the frontend's bus thread had not run yet on a loaded machine) and, as
                    // Linux's blkback does for a rebind, connects to that ring and serves the 32
                    // requests itself, so nothing is replayed (seen once: 0 of 32 replayed).
                    spin(frontDevice.whenState(XenbusState.CLOSED));
                    spin(CompletableFuture.runAsync(() -> {
                        while (!backDriver.backends().isEmpty()) {
                            Thread.onSpinWait();
                        }
                    }));
                    backDevice.reconnect();
                    until(host, CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
                    // The old backend may serve part of the ring before the bus stops it: those answers
                    // are taken off the old ring, the rest is replayed; each write is done once.
                    long servedByFirst = first.metrics().requests();
                    assertThat(disk0.queues().getFirst().replayedRequests()).isEqualTo(32 - servedByFirst);
                    Blkback second = backDriver.backends().getFirst();
                    assertThat(second).isNotSameAs(first);
                    assertThat(second.metrics().requests()).isEqualTo(40 - servedByFirst);
                    // Across the reconnect the disk kept its size and its flush: a write issued
                    // then was not refused as out of range, nor a flush answered at once without
                    // reaching a backend.
                    assertThat(whileReconnecting).containsExactly("0 []", DISK + " " + disk0.capabilities());
                    assertThat(disk0.capabilities()).contains(io.jxen.drivers.block.BlockCapability.FLUSH);
                    disk0.flush();
                    byte[] image = Files.readAllBytes(disk.path());
                    assertThat(java.util.Arrays.copyOfRange(image, 0, expected.length)).isEqualTo(expected);
                }
            }
        }
    }

    /**
     * The race the test above excludes: the backend restarts before the frontend's bus has run,
     * so the frontend never sees its Closed and finds it back at InitWait (here the frontend's
     * watch events are held until then). The restarted backend must not take the frontend's old
     * ring, which is past index 0 from earlier traffic (it did, and failed the device: "producer
     * 34 ahead of consumer 0", every write stuck); it waits, the frontend starts again from its
     * InitWait and replays the 32 requests of the old ring onto a new one.
     */
    @Test
    void aBackendRestartedBeforeTheFrontendSawItGoWaitsForANewRingAndGetsTheRequestsReplayed() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            int domU = guest.domid();
            XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
            try (CoreXenbusStore dom0Store = new CoreXenbusStore(core, Caller.DOM0, "dom0");
                 CoreXenbusStore guestCore = introduce(core, dom0Store, domU)) {
                HeldWatches guestStore = new HeldWatches(guestCore);
                XenBus.Options options = new XenBus.Options(host.clock, TimeUnit.SECONDS.toNanos(30), 2);
                java.util.List<Boolean> connectedWhileHeld = new java.util.concurrent.CopyOnWriteArrayList<>();
                BlkbackXenbusDriver backDriver = new BlkbackXenbusDriver(host.dom0, host.dom0Grants, d -> disk,
                        host.clock, host.window(8), 32, new BlkbackXenbusDriver.Listener() {
                            @Override
                            public void connected(Blkback back) {
                                connectedWhileHeld.add(guestStore.holding());
                                host.drive(back);
                            }

                            @Override
                            public void disconnected(Blkback back) {
                                host.stopDriving(back);
                            }
                        });
                BlkfrontXenbusDriver frontDriver = new BlkfrontXenbusDriver(guest, guest.grantTable(), 32, host.waiter());
                try (XenBus back = XenBus.back(dom0Store, 0, options);
                     XenBus front = XenBus.front(guestStore, domU, options)) {
                    back.register(backDriver);
                    front.register(frontDriver);
                    back.start();
                    front.start();
                    String fe = "/local/domain/" + domU + "/device/vbd/" + DEVID;
                    String be = "/local/domain/0/backend/vbd/" + domU + "/" + DEVID;
                    addVbd(dom0Store, domU, fe, be);
                    MultiQueueBlkfront disk0 = until(host, frontDriver.whenConnected(DEVID));
                    XenbusDevice backDevice = until(host, back.whenDevice(be));
                    until(host, backDevice.whenState(XenbusState.CONNECTED));
                    XenbusDevice frontDevice = until(host, front.whenDevice(fe));
                    until(host, frontDevice.whenState(XenbusState.CONNECTED));
                    byte[] earlier = new byte[5 * 4096];
                    new Random(6).nextBytes(earlier);
                    disk0.write(512 * 1024, ByteBuffer.wrap(earlier), true); // the ring's indices move past 0
                    Blkback first = backDriver.backends().getFirst();
                    long servedBefore = first.metrics().requests();

                    byte[] expected = new byte[40 * 4096];
                    new Random(5).nextBytes(expected);
                    java.util.List<CompletableFuture<Void>> writes = new java.util.ArrayList<>();
                    for (int i = 0; i < 40; i++) {
                        writes.add(disk0.submitWrite((long) i * 4096, ByteBuffer.wrap(expected, i * 4096, 4096), false));
                    }
                    guestStore.hold();
                    first.disconnect();
                    backDevice.fatal(5, "backend restarted");
                    spin(backDevice.whenState(XenbusState.CLOSED));
                    spin(CompletableFuture.runAsync(() -> {
                        while (!backDriver.backends().isEmpty()) {
                            Thread.onSpinWait();
                        }
                    }));
                    backDevice.reconnect();
                    spin(backDevice.whenState(XenbusState.INIT_WAIT));
                    assertThat(frontDevice.state()).isEqualTo(XenbusState.CONNECTED);
                    guestStore.release();
                    until(host, CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));

                    assertThat(first.metrics().requests()).isEqualTo(servedBefore);
                    assertThat(connectedWhileHeld).containsExactly(false, false);
                    assertThat(disk0.queues().getFirst().replayedRequests()).isEqualTo(32);
                    Blkback second = backDriver.backends().getFirst();
                    assertThat(second).isNotSameAs(first);
                    assertThat(second.metrics().requests()).isEqualTo(40);
                    disk0.flush();
                    byte[] image = Files.readAllBytes(disk.path());
                    assertThat(java.util.Arrays.copyOfRange(image, 0, expected.length)).isEqualTo(expected);
                    assertThat(java.util.Arrays.copyOfRange(image, 512 * 1024, 512 * 1024 + earlier.length))
                            .isEqualTo(earlier);
                }
            }
        }
    }

    /** A guest's store whose watch events are held back while {@link #hold()} is on: a bus thread that has not run. */
    private static final class HeldWatches implements io.jxen.guest.xenbus.XenbusStore {
        private final io.jxen.guest.xenbus.XenbusStore store;
        private final java.util.List<Runnable> held = new java.util.ArrayList<>();
        private boolean holding;

        HeldWatches(io.jxen.guest.xenbus.XenbusStore store) {
            this.store = store;
        }

        synchronized void hold() {
            holding = true;
        }

        synchronized boolean holding() {
            return holding;
        }

        void release() {
            java.util.List<Runnable> events;
            synchronized (this) {
                holding = false;
                events = java.util.List.copyOf(held);
                held.clear();
            }
            events.forEach(Runnable::run);
        }

        @Override
        public io.jxen.xenstore.client.XsNodeOps ops() {
            return store.ops();
        }

        @Override
        public void watch(String path, String token, io.jxen.xenstore.client.WatchListener listener)
                throws io.jxen.xenstore.wire.XenstoreException, java.io.IOException {
            store.watch(path, token, (p, t) -> {
                synchronized (this) {
                    if (holding) {
                        held.add(() -> listener.onEvent(p, t));
                        return;
                    }
                }
                listener.onEvent(p, t);
            });
        }

        @Override
        public void unwatch(String path, String token) throws io.jxen.xenstore.wire.XenstoreException, java.io.IOException {
            store.unwatch(path, token);
        }

        @Override
        public <T> T transaction(TransactionBody<T> body) throws io.jxen.xenstore.wire.XenstoreException, java.io.IOException {
            return store.transaction(body);
        }
    }

    @Test
    void aFrontendNamingAnUnknownProtocolOrTooManyRingPagesFailsOnlyItsDevice() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(512);
            int domU = guest.domid();
            XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
            try (CoreXenbusStore dom0Store = new CoreXenbusStore(core, Caller.DOM0, "dom0");
                 CoreXenbusStore guestStore = introduce(core, dom0Store, domU)) {
                XenBus.Options options = new XenBus.Options(host.clock, TimeUnit.SECONDS.toNanos(30), 2);
                BlkbackXenbusDriver backDriver = new BlkbackXenbusDriver(host.dom0, host.dom0Grants, d -> disk,
                        host.clock, host.window(8), 32, host::drive);
                try (XenBus back = XenBus.back(dom0Store, 0, options)) {
                    back.register(backDriver);
                    back.start();
                    String[][] bad = {{"51712", "protocol", "sparc-abi"}, {"51728", "ring-page-order", "3"},
                        {"51744", "multi-queue-num-queues", "9"},
                        {"51760", "num-ring-pages", "3"}, {"51776", "ring-page-order", "18446744073709551615"}};
                    for (String[] b : bad) {
                        String fe = "/local/domain/" + domU + "/device/vbd/" + b[0];
                        String be = "/local/domain/0/backend/vbd/" + domU + "/" + b[0];
                        addVbd(dom0Store, domU, fe, be, b[0]);
                        XenbusDevice backDevice = until(host, back.whenDevice(be));
                        until(host, backDevice.whenState(XenbusState.INIT_WAIT));
                        // A hand-written frontend: sane transport keys but one hostile value.
                        guestStore.write(fe + "/ring-ref", "8");
                        guestStore.write(fe + "/event-channel", "5");
                        guestStore.write(fe + "/" + b[1], b[2]);
                        guestStore.write(fe + "/state", "3");
                        until(host, backDevice.whenState(XenbusState.CLOSED));
                        assertThat(backDevice.lastError()).as(b[1]).isNotNull();
                    }
                    assertThat(backDriver.backends()).isEmpty();
                }
            }
        }
    }

    /**
     * A hang guard, not a performance bound: the bus threads are real threads, so on a loaded
     * machine they may wait long for a core; a count of turns ran out there, a generous wall-clock
     * limit does not.
     */
    private static final long HANG_GUARD_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(2);

    /** Waits for the bus threads without stepping anything here. */
    private static void spin(CompletableFuture<?> future) {
        long deadline = System.nanoTime() + HANG_GUARD_NANOS;
        while (!future.isDone()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the buses never got there");
            }
            Thread.onSpinWait();
        }
    }

    /** Steps vCPUs and backends on this thread until the bus threads complete {@code future}. */
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

    private static CoreXenbusStore introduce(XenstoredCore core, CoreXenbusStore dom0, int domid) throws Exception {
        dom0.request(XsMessageTypes.INTRODUCE, 0, Integer.toString(domid), "0", "1");
        dom0.mkdir("/local/domain/" + domid);
        dom0.setPerms("/local/domain/" + domid, "n" + domid);
        dom0.mkdir("/local/domain/0/backend");
        return new CoreXenbusStore(core, Caller.guest(domid), "guest");
    }

    /** libxl's vbd nodes (libxl_disk.c, libxl_device.c), with their permissions. */
    private static void addVbd(CoreXenbusStore dom0, int domU, String fe, String be) throws Exception {
        addVbd(dom0, domU, fe, be, DEVID);
    }

    private static void addVbd(CoreXenbusStore dom0, int domU, String fe, String be, String devid) throws Exception {
        dom0.addLibxlVbd(domU, fe, be, devid);
    }
}
