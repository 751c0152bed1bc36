package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.jxen.guest.xenbus.CorePair.backNode;
import static io.jxen.guest.xenbus.CorePair.frontNode;
import static io.jxen.guest.xenbus.Eventually.get;
import static io.jxen.guest.xenbus.Eventually.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The other end dies or writes a bad state in every phase of the state machine, for a
 * frontend and for a backend under test (the test plays the other end through dom0's
 * connection): the bus publishes the failure (or closes in order where the protocol says so),
 * and a reconnect of the other end succeeds.
 */
class XenbusPeerFaultTest {

    private static final String T = TestDriver.TYPE;

    enum Phase { BEFORE_INIT_WAIT, INITIALISED, CONNECTED }

    enum Fault {
        CLOSED("6"), UNKNOWN("0"), GARBAGE("7x"), VANISH(null);

        final String write;

        Fault(String write) {
            this.write = write;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (boolean frontUnderTest : new boolean[] {true, false}) {
            for (Phase phase : Phase.values()) {
                if (!frontUnderTest && phase == Phase.INITIALISED) {
                    continue; // a backend connects as soon as its frontend is Initialised
                }
                for (Fault fault : Fault.values()) {
                    all.add(Arguments.of(frontUnderTest ? "frontend" : "backend", phase, fault));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void theFailureIsPublishedAndTheOtherEndCanReconnect(String side, Phase phase, Fault fault) throws Exception {
        boolean front = side.equals("frontend");
        try (CorePair p = new CorePair()) {
            TestDriver driver = new TestDriver(front);
            XenBus bus = front ? p.front : p.back;
            bus.register(driver);
            bus.start();
            p.addDevice(T, 0);
            String ours = front ? frontNode(T, 0) : backNode(T, 0);
            String peer = front ? backNode(T, 0) : frontNode(T, 0);
            int ourDomain = front ? CorePair.GUEST : 0;
            XenbusDevice d = get(bus.whenDevice(ours));

            // Drive the device to the phase, playing the peer.
            if (front) {
                get(d.whenState(XenbusState.INITIALISING));
                until("probed", () -> driver.count("probe") == 1);
                p.dom0.write(peer + "/back-key", "b-0");
                if (phase != Phase.BEFORE_INIT_WAIT) {
                    p.dom0.write(peer + "/state", "2");
                    get(d.whenState(XenbusState.INITIALISED));
                }
                if (phase == Phase.CONNECTED) {
                    p.dom0.write(peer + "/state", "4");
                    get(d.whenState(XenbusState.CONNECTED));
                }
            } else {
                get(d.whenState(XenbusState.INIT_WAIT));
                if (phase == Phase.CONNECTED) {
                    p.dom0.write(peer + "/front-key", "f-0");
                    p.dom0.write(peer + "/state", "3");
                    get(d.whenState(XenbusState.CONNECTED));
                    p.dom0.write(peer + "/state", "4");
                }
            }
            until("peer state seen", () -> d.otherEndState() != null);

            // The fault.
            var closed = d.whenState(XenbusState.CLOSED);
            if (fault == Fault.VANISH) {
                p.dom0.rm(peer);
            } else {
                p.dom0.write(peer + "/state", fault.write);
            }
            get(closed);
            boolean orderly = phase == Phase.CONNECTED && (fault == Fault.CLOSED || fault == Fault.UNKNOWN);
            String expected = switch (fault) {
                case CLOSED, UNKNOWN -> "104 other end " + peer + " went ";
                case GARBAGE -> "22 saw garbage state '7x' at " + peer;
                case VANISH -> "19 other end " + peer + " vanished";
            };
            if (orderly) {
                until("closed in order", () -> d.phase() == XenbusDevice.Phase.CLOSED);
                assertThat(p.error(ourDomain, ours)).isNull();
            } else {
                until("failed", () -> d.phase() == XenbusDevice.Phase.FAILED && d.lastError() != null);
                assertThat(p.error(ourDomain, ours)).startsWith(expected);
            }
            until("disconnected", () -> driver.count("disconnect") >= 1);

            // The peer comes back and starts again; we follow and connect.
            if (fault == Fault.VANISH) {
                p.dom0.write(peer, "");
                p.dom0.setPerms(peer, front ? "n0" : "n" + CorePair.GUEST, front ? "r" + CorePair.GUEST : "r0");
            }
            var connected = d.whenState(XenbusState.CONNECTED);
            if (front) {
                p.dom0.write(peer + "/back-key", "b-0");
                p.dom0.write(peer + "/state", "2");
                get(d.whenState(XenbusState.INITIALISED));
                p.dom0.write(peer + "/state", "4");
            } else {
                p.dom0.write(peer + "/state", "1");
                get(d.whenState(XenbusState.INIT_WAIT));
                p.dom0.write(peer + "/front-key", "f-0");
                p.dom0.write(peer + "/state", "3");
            }
            get(connected);
            assertThat(p.error(ourDomain, ours)).as("error node cleared").isNull();
            assertThat(d.phase()).isEqualTo(XenbusDevice.Phase.ACTIVE);
            assertThat(driver.overlaps.get()).isZero();
        }
    }
}
