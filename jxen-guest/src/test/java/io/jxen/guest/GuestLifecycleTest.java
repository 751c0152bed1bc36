package io.jxen.guest;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.evtchn.EvtchnStat;
import io.jxen.abi.evtchn.EvtchnStatusDescriptor;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.Virq;
import io.jxen.guest.control.XenControl;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.guest.intr.IrqStat;
import io.jxen.guest.time.XenTimeDevice;
import io.jxen.guest.xenstore.XenstoreRig;
import io.jxen.hv.domain.ShutdownReason;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6's guest story end to end on one in-process host: a 2-vCPU guest boots, binds a timer
 * VIRQ per vCPU ({@code xen_et:c0}, {@code xen_et:c1}) and an IPI, runs its vCPUs on threads,
 * reads and writes its xenstore home, takes a poweroff request and shuts down, and after it
 * unbinds, none of the ports it bound is left open in the hypervisor.
 */
class GuestLifecycleTest {

    private static long portStatus(GuestKernel k, int port) {
        try (Scratch s = k.vcpu(0).scratch()) {
            s.putShort(EvtchnStatusDescriptor.DOM_OFFSET, DomId.SELF).putInt(EvtchnStatusDescriptor.PORT_OFFSET, port);
            long rc = s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.STATUS);
            return rc < 0 ? rc : s.getInt(EvtchnStatusDescriptor.STATUS_OFFSET);
        }
    }

    @Test
    void bootInterruptsXenstoreShutdownAndNothingLeftBehind() throws Exception {
        ExecutorService xenwatch = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("xenwatch").unstarted(r));
        try (XenstoreRig rig = new XenstoreRig(21, xenwatch, 2)) {
            try {
                GuestKernel guest = rig.guest;
                assertThat(guest.xenDomain()).isTrue();
                assertThat(guest.vcpus()).isEqualTo(2);
                rig.startLoop();
                XenTimeDevice time = XenTimeDevice.attach(guest);
                CountDownLatch ticks = new CountDownLatch(2);
                time.eventTimer().onEvent(vcpu -> ticks.countDown());
                CountDownLatch ipi = new CountDownLatch(1);
                int ipiIrq = guest.intr().bindIpi("ipi:c1", 1, IrqHandler.filter(ipi::countDown));
                try (VcpuThreads vcpus = VcpuThreads.start(guest)) {
                    assertThat(vcpus).isNotNull();
                    rig.host.hv.sendVcpuVirq(rig.du.domid(), 0, Virq.TIMER);
                    rig.host.hv.sendVcpuVirq(rig.du.domid(), 1, Virq.TIMER);
                    guest.intr().notify(ipiIrq);
                    ticks.await();
                    ipi.await();
                    assertThat(guest.intr().count("xen_et:c0")).isEqualTo(1);
                    assertThat(guest.intr().count("xen_et:c1")).isEqualTo(1);

                    rig.xs.write(rig.home + "/data/greeting", "hello");
                    assertThat(rig.xs.read(rig.home + "/data/greeting")).isEqualTo("hello");

                    CompletableFuture<Long> off = new CompletableFuture<>();
                    new XenControl(guest, rig.xs, new XenControl.Actions() {
                        @Override
                        public void afterShutdown(String request, long rc) {
                            off.complete(rc);
                        }
                    });
                    rig.xenstored.dom0Write(rig.home + "/control/shutdown", "poweroff");
                    assertThat(off.get()).isZero();
                    assertThat(rig.du.shutdownReason()).isEqualTo(ShutdownReason.POWEROFF);
                }
                String vmstat = guest.intr().vmstat();
                assertThat(vmstat).contains("xen_et:c0").contains("xen_et:c1").contains("ipi:c1").contains("xenstore");

                xenwatch.shutdownNow();
                xenwatch.close();
                // Unbinding closes every port the guest bound (the toolstack's store port stays, as it owns it).
                List<IrqStat> bound = guest.intr().stats();
                rig.xs.close();
                for (IrqStat s : bound) {
                    if (!s.name().equals("xenstore")) {
                        guest.intr().unbind(s.irq());
                    }
                }
                assertThat(guest.intr().stats()).isEmpty();
                for (IrqStat s : bound) {
                    long status = portStatus(guest, s.port());
                    if (s.name().equals("xenstore")) {
                        assertThat(status).isEqualTo(EvtchnStat.INTERDOMAIN);
                    } else {
                        assertThat(status).as("port %d (%s)", s.port(), s.name()).isEqualTo(EvtchnStat.CLOSED);
                    }
                }
            } finally {
                xenwatch.shutdownNow();
                xenwatch.close();
            }
        }
    }
}
