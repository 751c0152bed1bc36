package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.jxen.guest.xenbus.Eventually.get;
import static io.jxen.guest.xenbus.Eventually.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * XenBus end to end on a real in-process hypervisor: the guest's front bus over its store
 * ring, dom0's back bus over the xenstored socket, a "jxentest" driver pair. The ring server
 * splits messages at seeded points.
 */
class XenbusOnHypervisorTest {

    private static final String T = TestDriver.TYPE;

    @Test
    void aTestDevicePairConnectsThroughTheRingAndTheSocketAndFailuresArePublished() {
        Seeds.run(seed -> {
            try (HostPair h = new HostPair(seed)) {
                TestDriver fd = new TestDriver(true);
                TestDriver bd = new TestDriver(false);
                h.front.register(fd);
                h.back.register(bd);
                h.front.start();
                h.back.start();
                h.addDevice(T, 0);
                h.addDevice(T, 1);
                for (int id = 0; id < 2; id++) {
                    XenbusDevice f = get(h.front.whenDevice(h.frontNode(T, id)));
                    XenbusDevice b = get(h.back.whenDevice(h.backNode(T, id)));
                    get(f.whenState(XenbusState.CONNECTED));
                    get(b.whenState(XenbusState.CONNECTED));
                    assertThat(fd.negotiated).containsEntry(f.nodename(), "b-" + id);
                    assertThat(bd.negotiated).containsEntry(b.nodename(), "f-" + id);
                    assertThat(f.otherEndId()).isZero();
                    assertThat(b.otherEndId()).isEqualTo(h.du.domid());
                    assertThat(h.readOrNull(f.nodename() + "/state")).isEqualTo("4");
                }

                // A backend whose probe fails: published at both ends, the others unaffected.
                bd.failOnce.put("probe", new XenbusDriverException(XenbusErrno.ENODEV, "no such image"));
                h.addDevice(T, 2);
                XenbusDevice b2 = get(h.back.whenDevice(h.backNode(T, 2)));
                XenbusDevice f2 = get(h.front.whenDevice(h.frontNode(T, 2)));
                get(b2.whenState(XenbusState.CLOSED));
                get(f2.whenState(XenbusState.CLOSED));
                until("frontend error published", () -> f2.lastError() != null);
                assertThat(h.readOrNull("/local/domain/0/error/backend/" + T + "/" + h.du.domid() + "/2/error"))
                        .isEqualTo("19 probe: no such image");
                assertThat(h.readOrNull(HostPair.home(h.du.domid()) + "/error/device/" + T + "/2/error"))
                        .startsWith("104 ");

                // Hot-unplug device 0, detach device 1 from the guest side.
                XenbusDevice f0 = h.front.device(h.frontNode(T, 0)).orElseThrow();
                XenbusDevice b0 = h.back.device(h.backNode(T, 0)).orElseThrow();
                h.removeDevice(T, 0);
                get(f0.whenDetached());
                get(b0.whenDetached());
                XenbusDevice f1 = h.front.device(h.frontNode(T, 1)).orElseThrow();
                XenbusDevice b1 = h.back.device(h.backNode(T, 1)).orElseThrow();
                get(h.front.detach(f1));
                assertThat(h.readOrNull(f1.nodename() + "/state")).isEqualTo("6");
                get(b1.whenState(XenbusState.CLOSED));
                assertThat(b1.lastError()).isNull();
                assertThat(fd.overlaps.get() + bd.overlaps.get()).isZero();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aBackendThatNeverConnectsTimesOutOnTheHypervisorsVirtualClock() {
        Seeds.run(seed -> {
            try (HostPair h = new HostPair(seed, TimeUnit.SECONDS.toNanos(5))) {
                TestDriver fd = new TestDriver(true);
                h.front.register(fd);
                h.front.start(); // no back bus runs: the backend stays in Initialising
                h.addDevice(T, 0);
                XenbusDevice f = get(h.front.whenDevice(h.frontNode(T, 0)));
                until("probed", () -> fd.count("probe") == 1);
                h.host.clock.advance(TimeUnit.SECONDS.toNanos(5));
                assertThat(h.front.doWork()).isOne();
                get(f.whenState(XenbusState.CLOSED));
                until("error published", () -> f.lastError() != null);
                assertThat(h.readOrNull(HostPair.home(h.du.domid()) + "/error/device/" + T + "/0/error"))
                        .startsWith("110 timed out after 5000 ms in state INITIALISING");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }
}
