package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;

import static io.jxen.guest.xenbus.CorePair.backNode;
import static io.jxen.guest.xenbus.CorePair.frontNode;
import static io.jxen.guest.xenbus.Eventually.get;
import static io.jxen.guest.xenbus.Eventually.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failure catalogue: each failure, local or of the other end, is published (an
 * {@code error} node and state Closed), and the bus stays usable. Where the test plays the
 * other end itself it writes that end's {@code state} through dom0's connection.
 */
class XenbusFailureTest {

    private static final String T = TestDriver.TYPE;

    @Test
    void aProbeThatThrowsIsPublishedAtBothEndsAndTheBusGoesOn() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            bd.failOnce.put("probe", new IllegalStateException("no such disk"));
            p.front.register(fd);
            p.back.register(bd);
            p.front.start();
            p.back.start();
            p.addDevice(T, 0);

            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            get(b.whenState(XenbusState.CLOSED));
            assertThat(p.error(0, b.nodename())).isEqualTo("5 probe: no such disk");
            assertThat(b.phase()).isEqualTo(XenbusDevice.Phase.FAILED);
            // The frontend saw its backend close before connecting: ECONNRESET, Closed.
            get(f.whenState(XenbusState.CLOSED));
            assertThat(p.error(CorePair.GUEST, f.nodename())).startsWith("104 other end " + b.nodename() + " went CLOSED");
            until("frontend disconnected", () -> fd.count("disconnect") > 0);

            // The bus still works: a second device connects.
            p.addDevice(T, 1);
            get(get(p.front.whenDevice(frontNode(T, 1))).whenState(XenbusState.CONNECTED));
            get(get(p.back.whenDevice(backNode(T, 1))).whenState(XenbusState.CONNECTED));
        }
    }

    @Test
    void aDriverErrnoIsPublishedAsIs() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver bd = new TestDriver(false);
            p.back.register(bd);
            p.back.start();
            bd.failOnce.put("connect", new XenbusDriverException(XenbusErrno.EINVAL, "ring-page-order 9 exceeds 4"));
            p.addDevice(T, 0);
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(b.whenState(XenbusState.INIT_WAIT));
            p.dom0.write(frontNode(T, 0) + "/state", "3"); // the test is the frontend: Initialised
            get(b.whenState(XenbusState.CLOSED));
            assertThat(p.error(0, b.nodename())).isEqualTo("22 connect: ring-page-order 9 exceeds 4");
        }
    }

    @Test
    void anOtherEndThatNeverAppearsTimesOutOnTheVirtualClock() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            p.front.register(fd);
            p.front.start();
            p.addDevice(T, 0, false); // the backend directory never comes
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            until("probed", () -> fd.count("probe") == 1);
            p.clock.advance(CorePair.TIMEOUT_NANOS - 1);
            assertThat(p.front.doWork()).isZero();
            assertThat(f.state()).isEqualTo(XenbusState.INITIALISING);
            p.clock.advance(1);
            assertThat(p.front.doWork()).isOne();
            get(f.whenState(XenbusState.CLOSED));
            until("error published", () -> f.lastError() != null);
            assertThat(p.error(CorePair.GUEST, f.nodename())).startsWith("110 timed out after 30000 ms in state INITIALISING");
            until("disconnected", () -> fd.count("disconnect") == 1);
        }
    }

    @Test
    void aHookThatHangsTimesOutIsInterruptedAndIgnored() throws Exception {
        try (CorePair p = new CorePair(1)) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            CountDownLatch never = new CountDownLatch(1);
            fd.hangIn.put("initialise", never);
            p.front.register(fd);
            p.back.register(bd);
            p.front.start();
            p.back.start();
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(b.whenState(XenbusState.INIT_WAIT));
            until("initialise entered", () -> fd.count("initialise") == 1);

            java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.logging.Handler recorder = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord r) {
                    if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                        warnings.add(r.getMessage());
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger("xenbus");
            jul.addHandler(recorder);
            try {
                p.expireTimeouts();
                get(f.whenState(XenbusState.CLOSED));
            } finally {
                jul.removeHandler(recorder);
            }
            until("error published", () -> f.lastError() != null);
            assertThat(f.lastError()).startsWith("110 timed out");
            assertThat(warnings).as("the log says where the hook hung, taken before the interrupt")
                    .anySatisfy(w -> assertThat(w).contains("timed out").contains("its hook on thread")
                            .contains("CountDownLatch.await").contains("TestDriver"));
            // The hung hook was interrupted; the only worker is free again, the result ignored.
            until("disconnected after the hang", () -> fd.count("disconnect") == 1);
            assertThat(p.readOrNull(f.nodename() + "/front-key")).isNull();
            get(b.whenState(XenbusState.CLOSED)); // the backend saw us close before connecting
            fd.hangIn.clear();

            // A new device on the same single worker connects.
            p.addDevice(T, 1);
            get(get(p.front.whenDevice(frontNode(T, 1))).whenState(XenbusState.CONNECTED));
        }
    }

    @Test
    void anOtherEndThatClosesMidConnectIsPublished() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            p.front.register(fd);
            p.front.start();
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            p.dom0.write(backNode(T, 0) + "/state", "2"); // backend InitWait
            get(f.whenState(XenbusState.INITIALISED));
            p.dom0.write(backNode(T, 0) + "/state", "6"); // and gone before Connected
            get(f.whenState(XenbusState.CLOSED));
            assertThat(p.error(CorePair.GUEST, f.nodename()))
                    .isEqualTo("104 other end " + backNode(T, 0) + " went CLOSED while we were INITIALISED");
        }
    }

    @Test
    void aGarbageStateIsPublishedAsEinval() throws Exception {
        for (String garbage : new String[] {"banana", "99", "-1", "4x", ""}) {
            try (CorePair p = new CorePair()) {
                p.front.register(new TestDriver(true));
                p.front.start();
                p.addDevice(T, 0);
                XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
                p.dom0.write(backNode(T, 0) + "/state", "2");
                get(f.whenState(XenbusState.INITIALISED));
                p.dom0.write(backNode(T, 0) + "/state", garbage);
                get(f.whenState(XenbusState.CLOSED));
                assertThat(p.error(CorePair.GUEST, f.nodename()))
                        .as(garbage).isEqualTo("22 saw garbage state '" + garbage + "' at " + backNode(T, 0));
            }
        }
    }

    @Test
    void anOtherEndWhoseNodesVanishIsPublishedAsEnodev() throws Exception {
        try (CorePair p = new CorePair()) {
            p.front.register(new TestDriver(true));
            p.front.start();
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            p.dom0.write(backNode(T, 0) + "/state", "2");
            get(f.whenState(XenbusState.INITIALISED));
            p.dom0.rm(backNode(T, 0));
            get(f.whenState(XenbusState.CLOSED));
            assertThat(p.error(CorePair.GUEST, f.nodename())).isEqualTo("19 other end " + backNode(T, 0) + " vanished");
        }
    }

    /**
     * A driver domain that dies between InitWait and Connected (its backend directory removed,
     * as the toolstack does for a crashed domain) and comes back (libxl writes the backend half
     * again): the frontend starts again with the new backend, and both ends connect.
     */
    @org.junit.jupiter.api.RepeatedTest(20) // real threads: each repetition its own interleaving
    void aBackendThatDiesBetweenInitWaitAndConnectedIsFollowedByItsNextIncarnation() throws Exception {
        backendDiesBetweenInitWaitAndConnected(false);
    }

    /**
     * As above, the next incarnation written at once: it may find the frontend still
     * Initialised for the dead one and connect to that stale handshake, the back bus may never
     * see the old directory go, and the frontend may never see it go either or see the new
     * backend only after it followed our Closed. Both ends always ended Closed before session 8.
     * The rules that make it pass (docs/ARCHITECTURE.md, "XenBus"): a frontend whose backend
     * vanished starts again on any state of the next incarnation and counts nothing but its
     * InitWait as live until then; a Connected backend whose frontend starts over goes back to
     * InitWait; a backend whose directory the toolstack wrote again (Initialising) probes anew
     * instead of publishing into it, its failure's Closed included; a backend closed in order
     * whose frontend reads Initialised or Connected again goes back to InitWait; and a frontend
     * on a new incarnation that closes before connecting starts again once. Session 8 had the
     * first three and failed about 3 in 200 repetitions; session 9 added the fourth and failed
     * 1 in 200 in a clean-clone CI run. With random pauses at every bus step (a temporary
     * harness), the four failed 7 in 800 (the new backend connected to the dead handshake,
     * then followed our vanished-backend Closed); with all six, 0 in 1,760.
     */
    @org.junit.jupiter.api.RepeatedTest(200) // real threads: each repetition its own interleaving
    void aBackendThatDiesAndComesBackAtOnceBeforeConnectedIsFollowed() throws Exception {
        backendDiesBetweenInitWaitAndConnected(true);
    }

    /**
     * A frontend that started again on a new incarnation of its vanished backend, and sees that
     * backend close before connecting, starts again once more instead of failing: the new
     * backend may have connected to the dead handshake and followed our vanished-backend
     * Closed (the at-once reincarnation). It waits for the next InitWait and connects. The
     * test plays the backend.
     */
    @Test
    void aNewIncarnationThatClosesBeforeConnectingIsWaitedForOnce() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            XenbusDevice f = frontendOnANewIncarnationThatCloses(p, fd);
            until("started again, not failed", () -> f.state() == XenbusState.INITIALISING
                    || f.state() == XenbusState.CLOSED);
            assertThat(f.state()).isEqualTo(XenbusState.INITIALISING);

            p.dom0.write(backNode(T, 0) + "/state", "2"); // its InitWait, answering ours
            until("initialised again", () -> fd.count("initialise") == 3 && f.state() == XenbusState.INITIALISED);
            p.dom0.write(backNode(T, 0) + "/state", "4");
            get(f.whenState(XenbusState.CONNECTED));
            assertThat(fd.negotiated).containsEntry(f.nodename(), "b-0");
            assertThat(p.error(CorePair.GUEST, f.nodename())).isNull();
        }
    }

    /** Once only: a new incarnation that closes again before connecting is reported. */
    @Test
    void aNewIncarnationThatClosesTwiceBeforeConnectingIsPublished() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            XenbusDevice f = frontendOnANewIncarnationThatCloses(p, fd);
            until("started again", () -> f.state() == XenbusState.INITIALISING || f.state() == XenbusState.CLOSED);

            p.dom0.write(backNode(T, 0) + "/state", "2");
            until("initialised again", () -> fd.count("initialise") == 3 && f.state() == XenbusState.INITIALISED);
            p.dom0.write(backNode(T, 0) + "/state", "6");
            until("failed", () -> f.state() == XenbusState.CLOSED);
            assertThat(p.error(CorePair.GUEST, f.nodename()))
                    .isEqualTo("104 other end " + backNode(T, 0) + " went CLOSED while we were INITIALISED");
        }
    }

    /**
     * The frontend Initialised with the backend the test plays, that backend's directory
     * removed (ENODEV) and written again, the new one's InitWait answered, and then its Closed.
     */
    private static XenbusDevice frontendOnANewIncarnationThatCloses(CorePair p, TestDriver fd) throws Exception {
        p.front.register(fd);
        p.front.start();
        p.addDevice(T, 0);
        XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
        p.dom0.write(backNode(T, 0) + "/state", "2");
        get(f.whenState(XenbusState.INITIALISED));

        p.dom0.rm(backNode(T, 0)); // the driver domain died
        until("the frontend failed", () -> f.lastError() != null && f.state() == XenbusState.CLOSED);
        assertThat(f.lastError()).startsWith("19 other end");
        p.addBackend(T, 0); // and its next incarnation is written
        until("started again on it", () -> f.state() == XenbusState.INITIALISING);
        p.dom0.write(backNode(T, 0) + "/back-key", "b-0");
        p.dom0.write(backNode(T, 0) + "/state", "2");
        until("initialised for it", () -> fd.count("initialise") == 2 && f.state() == XenbusState.INITIALISED);
        p.dom0.write(backNode(T, 0) + "/state", "6"); // it closes before connecting
        return f;
    }

    /**
     * A backend that closed after its frontend's Closed and then reads that frontend Initialised
     * (its Initialising unseen: watch events coalesce) goes back to InitWait and connects to the
     * new handshake; waiting for the Initialising it missed left both ends Closed. The test
     * plays the frontend.
     */
    @Test
    void aClosedBackendWhoseFrontendIsInitialisedAgainConnectsAgain() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver bd = new TestDriver(false);
            p.back.register(bd);
            p.back.start();
            p.addDevice(T, 0);
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(b.whenState(XenbusState.INIT_WAIT));
            p.dom0.write(frontNode(T, 0) + "/front-key", "f-0");
            p.dom0.write(frontNode(T, 0) + "/state", "3");
            get(b.whenState(XenbusState.CONNECTED));

            p.dom0.write(frontNode(T, 0) + "/state", "6"); // the frontend closes
            until("the backend closed", () -> b.state() == XenbusState.CLOSED);
            p.dom0.write(frontNode(T, 0) + "/front-key", "f-0 again");
            p.dom0.write(frontNode(T, 0) + "/state", "3"); // and is back, Initialised
            until("connected again", () -> bd.count("connect") == 2 && b.state() == XenbusState.CONNECTED);
            assertThat(bd.negotiated).containsEntry(b.nodename(), "f-0 again");
            assertThat(b.lastError()).isNull();
        }
    }

    /**
     * A backend whose connect fails after the toolstack wrote its directory again (in one
     * transaction, so the bus never sees it go) leaves its Closed out of the new directory: the
     * toolstack's Initialising stays, so the device sees it was re-created, probes again (its
     * keys went with the old directory) and connects. Its Closed used to overwrite that
     * Initialising, which hid the re-creation: the frontend took it for its backend closing on
     * it and both ends stayed Closed.
     */
    @Test
    void aBackendThatFailsInADirectoryWrittenAgainProbesAnewInsteadOfClosingIt() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            CountDownLatch held = new CountDownLatch(1);
            bd.hangIn.put("connect", held);
            XenbusDevice f = startWithOneDevice(p, fd, bd);
            get(f.whenState(XenbusState.INITIALISED));
            until("the backend's connect entered", () -> bd.count("connect") == 1);

            p.recreateBackend(T, 0);
            bd.failOnce.put("connect", new XenbusDriverException(XenbusErrno.EIO, "the old handshake's connect failed"));
            bd.hangIn.clear();
            held.countDown();

            until("both ends connected", () -> p.back.device(backNode(T, 0))
                    .map(b -> b.state() == XenbusState.CONNECTED).orElse(false)
                    && f.state() == XenbusState.CONNECTED);
            XenbusDevice b = p.back.device(backNode(T, 0)).orElseThrow();
            assertThat(bd.count("probe")).isEqualTo(2);
            assertThat(fd.negotiated).containsEntry(f.nodename(), "b-0");
            assertThat(bd.negotiated).containsEntry(b.nodename(), "f-0");
            assertThat(f.lastError()).isNull();
        }
    }

    /** Registers and starts both drivers and adds device 0; its frontend. */
    private static XenbusDevice startWithOneDevice(CorePair p, TestDriver fd, TestDriver bd) throws Exception {
        p.front.register(fd);
        p.back.register(bd);
        p.front.start();
        p.back.start();
        p.addDevice(T, 0);
        return get(p.front.whenDevice(frontNode(T, 0)));
    }

    private void backendDiesBetweenInitWaitAndConnected(boolean atOnce) throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            CountDownLatch held = new CountDownLatch(1);
            bd.hangIn.put("connect", held); // the backend never gets past InitWait
            XenbusDevice f = startWithOneDevice(p, fd, bd);
            get(f.whenState(XenbusState.INITIALISED));
            until("the backend's connect entered", () -> bd.count("connect") == 1);

            p.dom0.rm(backNode(T, 0)); // the driver domain crashed
            if (!atOnce) {
                get(f.whenState(XenbusState.CLOSED));
                until("the frontend failed", () -> f.lastError() != null);
                assertThat(f.lastError()).startsWith("19 other end");
            }
            bd.hangIn.clear();
            held.countDown();
            if (!atOnce) {
                until("the dead backend's device left the bus", () -> p.back.device(backNode(T, 0)).isEmpty());
            }

            p.addBackend(T, 0); // its next incarnation
            until("both ends connected", () -> p.back.device(backNode(T, 0))
                    .map(b -> b.state() == XenbusState.CONNECTED).orElse(false)
                    && f.state() == XenbusState.CONNECTED);
            XenbusDevice b = p.back.device(backNode(T, 0)).orElseThrow();
            assertThat(fd.negotiated).containsEntry(f.nodename(), "b-0");
            assertThat(bd.negotiated).containsEntry(b.nodename(), "f-0");
        }
    }

    @Test
    void hotUnplugDetachesBothEndsWithoutErrorsOrLeftovers() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            p.front.register(fd);
            p.back.register(bd);
            p.front.start();
            p.back.start();
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            XenbusDevice b = get(p.back.whenDevice(backNode(T, 0)));
            get(f.whenState(XenbusState.CONNECTED));
            get(b.whenState(XenbusState.CONNECTED));

            p.removeDevice(T, 0);
            get(f.whenDetached());
            get(b.whenDetached());
            assertThat(fd.count("detach")).isEqualTo(1);
            assertThat(bd.count("detach")).isEqualTo(1);
            assertThat(p.front.devices()).isEmpty();
            assertThat(p.back.devices()).isEmpty();
            // Nothing was written under the removed nodes, and no error was published.
            assertThat(p.readOrNull(frontNode(T, 0))).isNull();
            assertThat(p.readOrNull(backNode(T, 0))).isNull();
            assertThat(p.readOrNull(CorePair.home(CorePair.GUEST) + "/error")).isNull();
            assertThat(p.readOrNull(CorePair.home(0) + "/error")).isNull();
            // Only the root watches are left.
            assertThat(p.guest.watchCount()).isOne();
            assertThat(p.dom0.watchCount()).isOne();

            // The same device plugged in again connects.
            p.addDevice(T, 0);
            until("re-plugged", () -> p.front.device(frontNode(T, 0)).isPresent());
            get(p.front.device(frontNode(T, 0)).orElseThrow().whenState(XenbusState.CONNECTED));
        }
    }

    @Test
    void aWatchFloodCoalescesIntoOnePendingEvent() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            p.front.register(fd);
            p.front.start();
            p.addDevice(T, 0);
            XenbusDevice f = get(p.front.whenDevice(frontNode(T, 0)));
            String backState = backNode(T, 0) + "/state";
            p.dom0.write(backNode(T, 0) + "/back-key", "b-0");
            p.dom0.write(backState, "2");
            get(f.whenState(XenbusState.INITIALISED));
            p.dom0.write(backState, "4");
            get(f.whenState(XenbusState.CONNECTED));

            // Hold the device's worker inside a hook, then flood.
            CountDownLatch hold = new CountDownLatch(1);
            fd.hangIn.put("otherEndChanged RECONFIGURING", hold);
            p.dom0.write(backState, "7");
            until("held", () -> fd.count("otherEndChanged RECONFIGURING") == 1);
            long before = f.watchEvents();
            int flood = 10_000;
            for (int i = 0; i < flood; i++) {
                p.dom0.write(backState, i % 2 == 0 ? "8" : "7");
            }
            p.dom0.write(backState, "4");
            until("all events arrived", () -> f.watchEvents() - before >= flood + 1);
            long readsBefore = f.stateReads();
            fd.hangIn.clear();
            hold.countDown();
            until("back to Connected", () -> f.otherEndState() == XenbusState.CONNECTED);
            until("drained", () -> !f.scheduled.get());

            // The flood was one pending event: one re-read, one notification, memory O(1).
            assertThat(f.coalescedEvents()).isGreaterThanOrEqualTo(flood);
            assertThat(f.stateReads() - readsBefore).isBetween(1L, 2L);
            assertThat(fd.count("otherEndChanged RECONFIGURED")).isZero();
            assertThat(fd.count("otherEndChanged CONNECTED")).isEqualTo(2);
            assertThat(f.state()).isEqualTo(XenbusState.CONNECTED);
            assertThat(f.lastError()).isNull();
        }
    }
}
