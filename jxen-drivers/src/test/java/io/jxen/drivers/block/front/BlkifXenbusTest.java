package io.jxen.drivers.block.front;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.drivers.block.back.BlkbackXenbusDriver;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.Blkback;
import io.jxen.drivers.block.back.CoreXenbusStore;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import org.junit.jupiter.api.Test;

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

    @Test
    void bothEndsConnectOverXenbusAndServeVerifiedIo() throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            int domU = guest.domid();
            XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
            try (CoreXenbusStore dom0Store = new CoreXenbusStore(core, Caller.DOM0, "dom0");
                 CoreXenbusStore guestStoreHolder = introduce(core, dom0Store, domU)) {
                XenBus.Options options = new XenBus.Options(host.clock, TimeUnit.SECONDS.toNanos(30), 2);
                BlkbackXenbusDriver backDriver = new BlkbackXenbusDriver(host.dom0, host.dom0Grants, d -> disk,
                        host.clock, host.window(8), 64, new BlkbackXenbusDriver.Listener() {
                            @Override
                            public void connected(Blkback back) {
                                host.drive(back);
                            }

                            @Override
                            public void disconnected(Blkback back) {
                                host.stopDriving(back);
                            }
                        });
                BlkfrontXenbusDriver frontDriver = new BlkfrontXenbusDriver(guest, new GrantTableClient(guest), 32,
                        host.waiter());
                try (XenBus back = XenBus.back(dom0Store, 0, options);
                     XenBus front = XenBus.front(guestStoreHolder, domU, options)) {
                    back.register(backDriver);
                    front.register(frontDriver);
                    back.start();
                    front.start();
                    String fe = "/local/domain/" + domU + "/device/vbd/" + DEVID;
                    String be = "/local/domain/0/backend/vbd/" + domU + "/" + DEVID;
                    addVbd(dom0Store, domU, fe, be);

                    Blkfront disk0 = until(host, frontDriver.whenConnected(DEVID));
                    XenbusDevice backDevice = until(host, back.whenDevice(be));
                    until(host, backDevice.whenState(XenbusState.CONNECTED));

                    assertThat(dom0Store.read(be + "/sectors")).isEqualTo(Long.toString(DISK / 512));
                    assertThat(dom0Store.read(be + "/sector-size")).isEqualTo("512");
                    assertThat(dom0Store.read(be + "/feature-flush-cache")).isEqualTo("1");
                    assertThat(dom0Store.read(be + "/feature-discard")).isEqualTo("1");
                    assertThat(dom0Store.read(be + "/feature-max-indirect-segments")).isEqualTo("64");
                    assertThat(dom0Store.read(be + "/max-ring-page-order")).isEqualTo("0");
                    assertThat(dom0Store.read(fe + "/protocol")).isEqualTo("x86_64-abi");
                    assertThat(dom0Store.read(fe + "/ring-ref")).matches("\\d+");
                    assertThat(dom0Store.read(fe + "/event-channel")).matches("\\d+");
                    assertThat(dom0Store.read(fe + "/state")).isEqualTo("4");
                    assertThat(disk0.maxIndirectSegments()).isEqualTo(32);
                    assertThat(disk0.sizeBytes()).isEqualTo(DISK);

                    byte[] data = new byte[200 * 1024];
                    new Random(11).nextBytes(data);
                    disk0.write(4096, ByteBuffer.wrap(data), true);
                    ByteBuffer readBack = ByteBuffer.allocate(data.length);
                    disk0.read(4096, readBack);
                    assertThat(readBack.array()).isEqualTo(data);
                    byte[] image = Files.readAllBytes(disk.path());
                    assertThat(java.util.Arrays.copyOfRange(image, 4096, 4096 + data.length)).isEqualTo(data);
                    assertThat(guest.intr().count("xbd0")).isPositive();
                }
            }
        }
    }

    /** Steps vCPUs and backends on this thread until the bus threads complete {@code future}. */
    private static <T> T until(BlkifTestHost host, CompletableFuture<T> future) {
        while (!future.isDone()) {
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
        dom0.transaction(tx -> {
            tx.write(fe + "/backend", be);
            tx.write(fe + "/backend-id", "0");
            tx.write(fe + "/virtual-device", DEVID);
            tx.write(fe + "/device-type", "disk");
            tx.write(fe + "/state", "1");
            tx.write(be + "/frontend", fe);
            tx.write(be + "/frontend-id", Integer.toString(domU));
            tx.write(be + "/online", "1");
            tx.write(be + "/mode", "w");
            tx.write(be + "/params", "disk0.img");
            tx.write(be + "/type", "file");
            tx.write(be + "/state", "1");
            return null;
        });
        String home = "/local/domain/" + domU;
        for (String n : new String[] {home + "/device", home + "/device/vbd", fe, fe + "/backend", fe + "/backend-id",
                fe + "/virtual-device", fe + "/device-type", fe + "/state"}) {
            dom0.setPerms(n, "n" + domU, "r0");
        }
        for (String n : new String[] {be, be + "/frontend", be + "/frontend-id", be + "/online", be + "/mode",
                be + "/params", be + "/type", be + "/state"}) {
            dom0.setPerms(n, "n0", "r" + domU);
        }
    }
}
