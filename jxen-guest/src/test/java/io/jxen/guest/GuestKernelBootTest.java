package io.jxen.guest;

import io.jxen.abi.Hypercall;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.version.XenFeat;
import io.jxen.abi.xen.Virq;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuestKernelBootTest {

    @Test
    void bootsDetectsXenAndReadsVersionAndFeatures() {
        try (GuestHost host = new GuestHost()) {
            host.domain(256, 1); // dom0
            Domain d = host.domain(256, 2);
            GuestKernel k = host.boot(d);
            assertThat(k.xenDomain()).isTrue();
            assertThat(k.xenPvDomain()).isTrue();
            assertThat(k.xenHvmDomain()).isFalse();
            assertThat(k.xenInitialDomain()).isFalse();
            assertThat(k.cpuidBase()).isEqualTo(0x4000_0000);
            assertThat(k.versionMajor()).isEqualTo(4);
            assertThat(k.versionMinor()).isEqualTo(17);
            assertThat(k.feature(XenFeat.AUTO_TRANSLATED_PHYSMAP)).isTrue();
            assertThat(k.feature(XenFeat.DOM0)).isFalse();
            assertThat(k.nrPages()).isEqualTo(256);
            assertThat(k.banner()).contains("Xen version 4.17");
            // vcpu_info moved out of shared_info into guest RAM
            assertThat(k.vcpu(1).vcpuInfo().address()).isNotEqualTo(k.sharedInfo().address() + 64);
            // the builder brings up vCPU 0 only; the kernel initialised and brought up vCPU 1
            assertThat(d.vcpu(1).initialised()).isTrue();
            assertThat(d.vcpu(1).isUp()).isTrue();
            assertThat(k.vcpu(0).hypercalls().hypercall(Hypercall.VCPU_OP, VcpuOp.IS_UP, 1, 0)).isEqualTo(1);
        }
    }

    @Test
    void dom0IsTheInitialDomain() {
        try (GuestHost host = new GuestHost()) {
            GuestKernel k = host.boot(host.domain(256, 1));
            assertThat(k.xenInitialDomain()).isTrue();
            assertThat(k.feature(XenFeat.DOM0)).isTrue();
        }
    }

    @Test
    void findsXenAboveAViridianBlock() {
        assertThat(XenCpuid.findXenBase(XenCpuid.of(0x4000_0100, 0x4_0011))).isEqualTo(0x4000_0100);
        assertThat(XenCpuid.findXenBase(XenCpuid.of(0x4000_0000, 0x4_0011))).isEqualTo(0x4000_0000);
        assertThat(XenCpuid.of(0x4000_0100, 1).cpuid(0x4000_0000, 0)[1]).isNotZero(); // "Micr"
        assertThat(XenCpuid.findXenBase((leaf, sub) -> new int[4])).isZero();
        try (GuestHost host = new GuestHost()) {
            Domain d = host.domain(256, 1);
            GuestKernel k = GuestKernel.boot(host.hv.platform(d.domid()), GuestKernel.Options.defaults(host.clock)
                    .withIntrThreads(host.threads)
                    .withCpuid(XenCpuid.fromVersionHypercall(host.hv.platform(d.domid()).hypercalls(0), true)));
            assertThat(k.cpuidBase()).isEqualTo(0x4000_0100);
            assertThat(k.version()).isEqualTo(4 << 16 | 17);
        }
    }

    @Test
    void refusesToBootWithoutXen() {
        try (GuestHost host = new GuestHost()) {
            Domain d = host.domain(256, 1);
            assertThatThrownBy(() -> GuestKernel.boot(host.hv.platform(d.domid()),
                    GuestKernel.Options.defaults(host.clock).withCpuid((leaf, sub) -> new int[4])))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not running on Xen");
        }
    }

    @Test
    void moreThan32VcpusGetEvents() {
        try (GuestHost host = new GuestHost()) {
            Domain d = host.domain(512, 40);
            GuestKernel k = host.boot(d);
            AtomicInteger hits = new AtomicInteger();
            int irq = k.intr().bindIpi("ipi:c37", 37, IrqHandler.filter(hits::incrementAndGet));
            k.intr().notify(irq);
            k.vcpu(0).poll(); // only the spurious upcall of register_vcpu_info
            assertThat(hits).hasValue(0);
            assertThat(k.vcpu(37).poll()).isEqualTo(1);
            assertThat(hits).hasValue(1);
            assertThat(k.intr().count("ipi:c37")).isEqualTo(1);
            int timer = k.intr().bindVirq("xen_et:c39", Virq.TIMER, 39, IrqHandler.filter(hits::incrementAndGet));
            host.hv.sendVcpuVirq(d.domid(), 39, Virq.TIMER);
            k.vcpu(39).poll();
            assertThat(k.intr().count(timer)).isEqualTo(1);
        }
    }
}
