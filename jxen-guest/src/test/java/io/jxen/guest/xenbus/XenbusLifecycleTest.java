package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static io.jxen.guest.xenbus.CorePair.backNode;
import static io.jxen.guest.xenbus.CorePair.frontNode;
import static io.jxen.guest.xenbus.Eventually.get;
import static io.jxen.guest.xenbus.Eventually.until;
import static org.assertj.core.api.Assertions.assertThat;

/** Many devices, detach, close, reconnect from either end, and the allowed shortcuts. */
class XenbusLifecycleTest {

    private static final String T = TestDriver.TYPE;

    private static void startPair(CorePair p, TestDriver fd, TestDriver bd) throws Exception {
        p.front.register(fd);
        p.back.register(bd);
        p.front.start();
        p.back.start();
    }

    @Test
    void manyDevicesConnectInParallelOnABoundedPool() throws Exception {
        int parallelism = 3;
        int n = 24;
        try (CorePair p = new CorePair(parallelism)) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            // Two backend probes must meet: proof that devices really run at the same time.
            CyclicBarrier meet = new CyclicBarrier(2);
            java.util.concurrent.atomic.AtomicInteger tickets = new java.util.concurrent.atomic.AtomicInteger();
            bd.onProbe = () -> {
                try {
                    if (tickets.getAndIncrement() < 2) {
                        meet.await(Eventually.GUARD_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            startPair(p, fd, bd);
            for (int i = 0; i < n; i++) {
                p.addDevice(T, i);
            }
            List<XenbusDevice> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(get(p.front.whenDevice(frontNode(T, i))));
                all.add(get(p.back.whenDevice(backNode(T, i))));
            }
            for (XenbusDevice d : all) {
                get(d.whenState(XenbusState.CONNECTED));
            }
            for (int i = 0; i < n; i++) {
                assertThat(fd.negotiated).containsEntry(frontNode(T, i), "b-" + i);
                assertThat(bd.negotiated).containsEntry(backNode(T, i), "f-" + i);
            }
            assertThat(p.back.hooksRunningMax()).isBetween(2, parallelism);
            assertThat(p.front.hooksRunningMax()).isLessThanOrEqualTo(parallelism);
            assertThat(fd.overlaps.get() + bd.overlaps.get()).as("hooks of one device overlapped").isZero();
            assertThat(p.front.devices()).hasSize(n);
        }
    }

    @Test
    void detachPublishesClosedAndTheOtherEndClosesInOrder() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            startPair(p, fd, bd);
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(f.whenState(XenbusState.CONNECTED));
            get(b.whenState(XenbusState.CONNECTED));

            get(p.front.detach(f));
            assertThat(p.dom0.read(f.nodename() + "/state")).isEqualTo("6");
            assertThat(f.phase()).isEqualTo(XenbusDevice.Phase.GONE);
            assertThat(fd.calls()).endsWith("disconnect " + f.nodename(), "detach " + f.nodename());
            assertThat(p.front.devices()).isEmpty();
            // The backend saw its connected frontend close: an orderly close, no error.
            get(b.whenState(XenbusState.CLOSED));
            until("backend closed", () -> b.phase() == XenbusDevice.Phase.CLOSED);
            assertThat(b.lastError()).isNull();
            assertThat(p.error(0, b.nodename())).isNull();
            assertThat(bd.count("disconnect")).isEqualTo(1);
            // A detached device is not probed again while its node stays.
            assertThat(p.front.devices()).isEmpty();
            assertThat(fd.count("probe")).isEqualTo(1);
        }
    }

    @Test
    void closingTheBusDetachesEveryDevicePublishingClosed() throws Exception {
        CorePair p = new CorePair();
        try {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            startPair(p, fd, bd);
            for (int i = 0; i < 3; i++) {
                p.addDevice(T, i);
            }
            for (int i = 0; i < 3; i++) {
                get(get(p.back.whenDevice(backNode(T, i))).whenState(XenbusState.CONNECTED));
            }
            p.back.close();
            for (int i = 0; i < 3; i++) {
                assertThat(p.dom0.read(backNode(T, i) + "/state")).isEqualTo("6");
            }
            assertThat(bd.count("detach")).isEqualTo(3);
            assertThat(p.dom0.watchCount()).isZero();
            for (int i = 0; i < 3; i++) {
                get(p.front.device(frontNode(T, i)).orElseThrow().whenState(XenbusState.CLOSED));
            }
        } finally {
            p.close();
        }
    }

    @Test
    void aBackendThatReturnsToInitWaitLetsTheFrontendReconnect() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            startPair(p, fd, bd);
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(f.whenState(XenbusState.CONNECTED));
            get(b.whenState(XenbusState.CONNECTED));

            // The backend fails (say its worker found the ring corrupt): error, Closed.
            b.fatal(XenbusErrno.EIO, "ring corrupt");
            get(b.whenState(XenbusState.CLOSED));
            until("backend failed", () -> b.phase() == XenbusDevice.Phase.FAILED);
            assertThat(p.error(0, b.nodename())).isEqualTo("5 ring corrupt");
            // The connected frontend closes in order.
            get(f.whenState(XenbusState.CLOSED));
            until("frontend closed", () -> f.phase() == XenbusDevice.Phase.CLOSED);
            assertThat(f.lastError()).isNull();

            // The backend starts again: InitWait; the frontend follows from Initialising.
            var fConnected = f.whenState(XenbusState.CONNECTED);
            var bConnected = b.whenState(XenbusState.CONNECTED);
            b.reconnect();
            get(fConnected);
            get(bConnected);
            assertThat(fd.count("initialise")).isEqualTo(2); // the ring is replayed here
            assertThat(bd.count("connect")).isEqualTo(2);
            assertThat(bd.count("probe")).isEqualTo(1);
            assertThat(p.error(0, b.nodename())).as("error node cleared on connect").isNull();
        }
    }

    /**
     * A backend whose process died with its domain (a driver domain destroyed and created again
     * under the same id): its directory vanishes, the frontend publishes the failure and Closed;
     * the toolstack writes the backend directory again and a fresh back bus starts. The
     * frontend's Closed is its predecessor's affair, not a reason to fail: the new backend waits
     * in InitWait, the frontend follows from Initialising, both connect.
     */
    @Test
    void aFreshBackendFindingItsFrontendClosedAfterItsPredecessorDiedReconnectsIt() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            p.front.register(fd);
            p.front.start();
            p.addDevice(T, 0);
            String be = backNode(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            // The first backend, played by hand: InitWait, then Connected.
            p.dom0.write(be + "/back-key", "b-0");
            p.dom0.write(be + "/state", "2");
            get(f.whenState(XenbusState.INITIALISED));
            p.dom0.write(be + "/state", "4");
            get(f.whenState(XenbusState.CONNECTED));

            // It dies with its domain: its directory goes.
            p.dom0.rm(be);
            get(f.whenState(XenbusState.CLOSED));
            assertThat(p.error(CorePair.GUEST, f.nodename())).startsWith("19 other end " + be + " vanished");

            // Created again: the toolstack's backend half (the directory's permissions first, so
            // its nodes inherit them), then a fresh back bus.
            p.dom0.mkdir(be);
            p.dom0.setPerms(be, "n0", "r" + CorePair.GUEST);
            p.dom0.transaction(tx -> {
                tx.write(be + "/frontend", frontNode(T, 0));
                tx.write(be + "/frontend-id", Integer.toString(CorePair.GUEST));
                tx.write(be + "/online", "1");
                tx.write(be + "/state", "1");
                return null;
            });
            TestDriver bd = new TestDriver(false);
            var fConnected = f.whenState(XenbusState.CONNECTED);
            p.back.register(bd);
            p.back.start();
            XenbusDevice b = get(p.back.whenDevice(be));
            get(b.whenState(XenbusState.CONNECTED));
            get(fConnected);
            assertThat(b.lastError()).isNull();
            assertThat(p.error(0, be)).isNull();
            assertThat(fd.count("initialise")).isEqualTo(2); // the ring is replayed here
            assertThat(p.error(CorePair.GUEST, f.nodename())).as("error node cleared on connect").isNull();
        }
    }

    @Test
    void aFrontendThatReturnsToInitialisingLetsTheBackendReconnect() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            startPair(p, fd, bd);
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(f.whenState(XenbusState.CONNECTED));
            get(b.whenState(XenbusState.CONNECTED));

            // The frontend fails (its grant table ran out, say): error, Closed.
            f.fatal(XenbusErrno.EIO, "out of grant references");
            get(f.whenState(XenbusState.CLOSED));
            // The connected backend closes in order.
            get(b.whenState(XenbusState.CLOSED));
            until("backend closed", () -> b.phase() == XenbusDevice.Phase.CLOSED);
            assertThat(b.lastError()).isNull();

            // A resumed frontend returns to Initialising; the backend goes to InitWait again
            // (as Linux's blkback does), and both connect.
            var fConnected = f.whenState(XenbusState.CONNECTED);
            var bConnected = b.whenState(XenbusState.CONNECTED);
            f.reconnect();
            get(fConnected);
            get(bConnected);
            assertThat(fd.count("initialise")).isEqualTo(2);
            assertThat(bd.count("connect")).isEqualTo(2);
            assertThat(p.error(CorePair.GUEST, f.nodename())).isNull();
        }
    }

    @Test
    void libxlsRemovalProtocolClosesBothEndsInOrder() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            startPair(p, fd, bd);
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(f.whenState(XenbusState.CONNECTED));
            get(b.whenState(XenbusState.CONNECTED));

            // libxl: online=0 and state=5 on the backend, then wait for the backend's Closed.
            var bClosed = b.whenState(XenbusState.CLOSED);
            p.dom0.write(b.nodename() + "/online", "0");
            p.dom0.write(b.nodename() + "/state", "5");
            get(f.whenState(XenbusState.CLOSED));
            get(bClosed);
            assertThat(f.lastError()).isNull();
            assertThat(b.lastError()).isNull();
            until("both closed in order", () -> f.phase() == XenbusDevice.Phase.CLOSED
                    && b.phase() == XenbusDevice.Phase.CLOSED);
            // Then it removes the nodes: both detach.
            p.removeDevice(T, 0);
            get(f.whenDetached());
            get(b.whenDetached());
        }
    }

    @Test
    void aBackendToleratesAFrontendThatSkipsInitWait() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver bd = new TestDriver(false);
            p.back.register(bd);
            p.addDevice(T, 0);
            // The test is a frontend that published its transport before the backend probed.
            p.dom0.write(frontNode(T, 0) + "/front-key", "f-0");
            p.dom0.write(frontNode(T, 0) + "/state", "3");
            p.back.start();
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(b.whenState(XenbusState.CONNECTED));
            assertThat(bd.negotiated).containsEntry(b.nodename(), "f-0");
        }
    }

    @Test
    void aFrontendToleratesABackendThatSkipsInitWait() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            p.front.register(fd);
            p.addDevice(T, 0);
            p.dom0.write(backNode(T, 0) + "/back-key", "b-0");
            p.dom0.write(backNode(T, 0) + "/state", "4"); // straight to Connected
            p.front.start();
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            get(f.whenState(XenbusState.CONNECTED));
            assertThat(fd.calls()).containsSubsequence("probe " + f.nodename(), "initialise " + f.nodename(),
                    "connect " + f.nodename());
        }
    }

    /**
     * A backend restarted while this frontend's bus had not run: by the time it reads the
     * backend's state the backend is back at InitWait (watch events coalesce; the bus reads the
     * state as it is then), so the Closed between was never seen. The frontend starts again
     * from that InitWait as it would after the Closed: disconnect (blkfront queues its in-flight
     * requests for replay), Initialising, initialise (a new ring), Initialised.
     */
    @Test
    void aConnectedFrontendThatMissedItsBackendsClosedStartsAgainAtItsInitWait() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            p.front.register(fd);
            p.front.start();
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            String back = backNode(T, 0);
            p.dom0.write(back + "/back-key", "b-0");
            p.dom0.write(back + "/state", "2");
            get(f.whenState(XenbusState.INITIALISED));
            p.dom0.write(back + "/state", "4");
            get(f.whenState(XenbusState.CONNECTED));

            var initialisedAgain = f.whenState(XenbusState.INITIALISED);
            p.dom0.write(back + "/state", "2"); // the restarted backend's InitWait; its Closed went unseen
            get(initialisedAgain);
            assertThat(fd.count("disconnect")).isEqualTo(1);
            assertThat(fd.count("initialise")).isEqualTo(2);
            var connectedAgain = f.whenState(XenbusState.CONNECTED);
            p.dom0.write(back + "/state", "4");
            get(connectedAgain);
            assertThat(fd.count("connect")).isEqualTo(2);
            assertThat(f.lastError()).isNull();
        }
    }

    /**
     * A backend that starts again (here after a fatal error; a restarted driver domain's is new)
     * finds the frontend still Connected: connected to its predecessor, whose Closed it has not
     * seen yet. That ring is not for us (blkback would start consuming it at index 0), so the
     * backend waits in InitWait; the frontend's late Closed on the way is no peer closing on it;
     * the frontend's new Initialised connects it.
     */
    @Test
    void aRestartedBackendDoesNotConnectToAFrontendStillConnectedToItsPredecessor() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver bd = new TestDriver(false);
            p.back.register(bd);
            p.back.start();
            p.addDevice(T, 0);
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            String front = frontNode(T, 0);
            get(b.whenState(XenbusState.INIT_WAIT));
            p.dom0.write(front + "/front-key", "f-0");
            p.dom0.write(front + "/state", "3");
            get(b.whenState(XenbusState.CONNECTED));
            p.dom0.write(front + "/state", "4");
            until("front Connected seen", () -> b.otherEndState() == XenbusState.CONNECTED);

            b.fatal(5, "backend restarted");
            until("failed", () -> b.phase() == XenbusDevice.Phase.FAILED);
            var initWait = b.whenState(XenbusState.INIT_WAIT);
            b.reconnect();
            get(initWait);
            // The frontend's Connected, read and acted on after our InitWait.
            showAndSettle(p, b, front + "/state", "4");
            assertThat(b.state()).isEqualTo(XenbusState.INIT_WAIT);
            assertThat(bd.count("connect")).isEqualTo(1);

            // The frontend sees the old Closed at last and closes; then starts over.
            showAndSettle(p, b, front + "/state", "6");
            assertThat(b.state()).isEqualTo(XenbusState.INIT_WAIT);
            assertThat(b.phase()).isEqualTo(XenbusDevice.Phase.ACTIVE);
            var connected = b.whenState(XenbusState.CONNECTED);
            p.dom0.write(front + "/state", "1");
            p.dom0.write(front + "/state", "3");
            get(connected);
            assertThat(bd.count("connect")).isEqualTo(2);
            assertThat(p.error(0, b.nodename())).as("error node cleared").isNull();
        }
    }

    /**
     * Writes the other end's state and waits until {@code d}'s bus has read it and finished the
     * step that read it: a second write made after the first read is read by a later step.
     */
    private static void showAndSettle(CorePair p, XenbusDevice d, String path, String state) throws Exception {
        for (int i = 0; i < 2; i++) {
            long reads = d.stateReads();
            p.dom0.write(path, state);
            until("state read", () -> d.stateReads() > reads);
        }
    }
}
