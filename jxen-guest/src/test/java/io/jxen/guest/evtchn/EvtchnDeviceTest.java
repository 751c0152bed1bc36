package io.jxen.guest.evtchn;

import io.jxen.abi.xen.Virq;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvtchnDeviceTest {

    @Test
    void portsAreReadMaskedAndUnmaskedByWrite() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du);
            dom0.vcpu(0).poll();
            try (EvtchnDevice dev = new EvtchnDevice(dom0)) {
                int port = dev.bindUnboundPort(du.domid());
                AtomicInteger back = new AtomicInteger();
                int irq = domU.intr().bindInterdomain("peer", 0, port, IrqHandler.filter(back::incrementAndGet));
                int[] buf = new int[8];
                assertThat(dev.read(buf)).isZero();

                domU.intr().notify(irq);
                dom0.vcpu(0).poll();
                assertThat(dev.readable()).isTrue();
                assertThat(dev.read(buf)).isEqualTo(1);
                assertThat(buf[0]).isEqualTo(port);

                // Masked until written back: a second event waits.
                domU.intr().notify(irq);
                dom0.vcpu(0).poll();
                assertThat(dev.read(buf)).isZero();
                dev.write(port);
                dom0.vcpu(0).poll();
                assertThat(dev.read(buf)).isEqualTo(1);

                // Notify through the device reaches the peer.
                domU.vcpu(0).poll();
                int before = back.get();
                dev.notify(port);
                domU.vcpu(0).poll();
                assertThat(back).hasValue(before + 1);

                assertThatThrownBy(() -> dev.notify(port + 100)).isInstanceOf(IllegalArgumentException.class);
                dev.unbind(port);
                assertThat(dev.boundPorts()).isEmpty();
            }
        }
    }

    @Test
    void virqAndInterdomainBindingsAndOverflowUntilReset() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            Domain d0 = host.domain(256, 1);
            GuestKernel dom0 = host.boot(d0);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du);
            dom0.vcpu(0).poll();
            try (EvtchnDevice dev = new EvtchnDevice(dom0, 1)) {
                int virqPort = dev.bindVirq(Virq.DEBUG);
                int unbound = domU.intr().allocAndBindLocalPort("front", 0, IrqHandler.filter(() -> { }));
                int port = dev.bindInterdomain(du.domid(), domU.intr().port(unbound));
                dom0.vcpu(0).poll(); // the interdomain bind's own pending event fills the 1-slot ring
                host.hv.sendVcpuVirq(d0.domid(), 0, Virq.DEBUG);
                dom0.vcpu(0).poll();
                assertThat(dev.overflowed()).isTrue();
                assertThatThrownBy(() -> dev.read(new int[4])).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("EFBIG");
                dev.reset();
                assertThat(dev.read(new int[4])).isZero();
                dev.write(virqPort, port);
                assertThat(dev.boundPorts()).containsExactlyInAnyOrder(virqPort, port);
            }
            assertThat(dom0.intr().stats()).isEmpty(); // close unbound everything
        }
    }
}
