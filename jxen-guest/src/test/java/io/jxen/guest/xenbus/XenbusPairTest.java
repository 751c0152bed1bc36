package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import org.junit.jupiter.api.Test;

import static io.jxen.guest.xenbus.CorePair.backNode;
import static io.jxen.guest.xenbus.CorePair.frontNode;
import static io.jxen.guest.xenbus.Eventually.get;
import static org.assertj.core.api.Assertions.assertThat;

/** A front and a back bus on one xenstored core: the protocol's happy paths. */
class XenbusPairTest {

    @Test
    void aDevicePairNegotiatesBothWaysAndConnects() throws Exception {
        try (CorePair p = new CorePair()) {
            TestDriver fd = new TestDriver(true);
            TestDriver bd = new TestDriver(false);
            p.front.register(fd);
            p.back.register(bd);
            p.front.start();
            p.back.start();
            p.addDevice(TestDriver.TYPE, 0);

            XenbusDevice f = get(p.front.whenDevice(frontNode(TestDriver.TYPE, 0)));
            XenbusDevice b = get(p.back.whenDevice(backNode(TestDriver.TYPE, 0)));
            get(f.whenState(XenbusState.CONNECTED));
            get(b.whenState(XenbusState.CONNECTED));

            assertThat(fd.negotiated).containsEntry(f.nodename(), "b-0");
            assertThat(bd.negotiated).containsEntry(b.nodename(), "f-0");
            assertThat(p.dom0.read(f.nodename() + "/state")).isEqualTo("4");
            assertThat(p.dom0.read(b.nodename() + "/state")).isEqualTo("4");
            assertThat(f.otherEnd()).isEqualTo(b.nodename());
            assertThat(f.otherEndId()).isZero();
            assertThat(b.otherEnd()).isEqualTo(f.nodename());
            assertThat(b.otherEndId()).isEqualTo(CorePair.GUEST);
            assertThat(f.lastError()).isNull();
            assertThat(b.lastError()).isNull();
            assertThat(fd.calls()).startsWith("probe " + f.nodename());
            assertThat(fd.count("initialise")).isEqualTo(1);
            assertThat(bd.count("connect")).isEqualTo(1);
            assertThat(fd.overlaps.get() + bd.overlaps.get()).isZero();
            assertThat(f.ivars()).containsExactly(
                    java.util.Map.entry("node", f.nodename()),
                    java.util.Map.entry("type", TestDriver.TYPE),
                    java.util.Map.entry("id", "0"),
                    java.util.Map.entry("state", "4"),
                    java.util.Map.entry("other-end", b.nodename()),
                    java.util.Map.entry("other-end-id", "0"),
                    java.util.Map.entry("other-end-state", "4"),
                    java.util.Map.entry("phase", "active"));
            assertThat(p.back.devices()).extracting(XenbusDevice::nodename).containsExactly(b.nodename());
        }
    }
}
