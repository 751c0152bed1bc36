package io.jxen.guest.intr;

import io.jxen.abi.XenErrno;
import io.jxen.abi.xen.Virq;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.XenException;
import io.jxen.guest.GuestHostAccess;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.evtchn.EvtchnSetPriorityDescriptor;
import io.jxen.guest.Scratch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every case runs on the 2-level ABI and on the FIFO ABI. */
class XenIntrTest {

    @ParameterizedTest(name = "fifo={0}")
    @ValueSource(booleans = {false, true})
    void interdomainNotificationsRunTheHandlerAndCount(boolean fifo) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), fifo);
            Domain du = host.domain(256, 2);
            GuestKernel domU = host.boot(du, fifo);
            assertThat(domU.intr().fifo()).isEqualTo(fifo);
            assertThat(dom0.intr().fifo()).isEqualTo(fifo);
            AtomicInteger front = new AtomicInteger();
            AtomicInteger back = new AtomicInteger();
            int fIrq = domU.intr().allocAndBindLocalPort("xbd0", 0, IrqHandler.filter(front::incrementAndGet));
            int bIrq = dom0.intr().bindInterdomain("blkback.1.51712", du.domid(), domU.intr().port(fIrq),
                    IrqHandler.filter(back::incrementAndGet));
            dom0.vcpu(0).poll(); // the bind leaves the local port pending (event_channel.h)
            int backBefore = back.get();
            assertThat(backBefore).isEqualTo(1);
            for (int i = 0; i < 3; i++) {
                dom0.intr().notify(bIrq);
                domU.vcpu(0).poll();
            }
            assertThat(front).hasValue(3);
            assertThat(domU.intr().count("xbd0")).isEqualTo(3);
            domU.intr().notify(fIrq);
            dom0.vcpu(0).poll();
            assertThat(back).hasValue(backBefore + 1);
            host.clock.advance(3_000_000_000L);
            assertThat(domU.intr().vmstat()).containsPattern("irq256: xbd0 +3 +1\\n").contains("Total");
        }
    }

    @ParameterizedTest(name = "fifo={0}")
    @ValueSource(booleans = {false, true})
    void eventsWhileMaskedAreDeliveredOnSti(boolean fifo) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel k = host.boot(host.domain(256, 1), fifo);
            k.vcpu(0).poll();
            AtomicInteger hits = new AtomicInteger();
            int irq = k.intr().bindIpi("ipi", 0, IrqHandler.filter(hits::incrementAndGet));
            k.vcpu(0).cli();
            k.intr().notify(irq);
            assertThat(k.vcpu(0).poll()).isZero();      // interrupts off: nothing runs
            assertThat(hits).hasValue(0);
            assertThat(k.vcpu(0).sti()).isEqualTo(1);   // sti: unmask, then check pending
            assertThat(hits).hasValue(1);
        }
    }

    @ParameterizedTest(name = "fifo={0}")
    @ValueSource(booleans = {false, true})
    void threadHandlersRunOffTheUpcallWithThePortMaskedMeanwhile(boolean fifo) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel k = host.boot(host.domain(256, 1), fifo);
            k.vcpu(0).poll();
            AtomicInteger level = new AtomicInteger();
            AtomicInteger edge = new AtomicInteger();
            int lIrq = k.intr().bindIpi("level", 0, IrqHandler.thread(level::incrementAndGet));
            int eIrq = k.intr().bindIpi("edge", 0, IrqHandler.edgeThread(edge::incrementAndGet));
            k.intr().notify(lIrq);
            k.intr().notify(eIrq);
            k.vcpu(0).poll();
            assertThat(level).hasValue(0);
            assertThat(edge).hasValue(0);
            // Second events: the level port is masked (no upcall), the edge one re-schedules only.
            k.intr().notify(lIrq);
            k.intr().notify(eIrq);
            k.vcpu(0).poll();
            assertThat(k.intr().count(lIrq)).isEqualTo(1);
            assertThat(k.intr().count(eIrq)).isEqualTo(2);
            assertThat(host.threads.drain()).isEqualTo(2);
            assertThat(edge).hasValue(1); // both edges before the thread ran: coalesced into one run (ithread it_need)
            assertThat(level).hasValue(1);
            // The unmask after the thread re-delivers the event that waited behind the mask.
            k.vcpu(0).poll();
            assertThat(k.intr().count(lIrq)).isEqualTo(2);
            host.threads.drain();
            assertThat(level).hasValue(2);
        }
    }

    @ParameterizedTest(name = "fifo={0}")
    @ValueSource(booleans = {false, true})
    void virqsPerVcpuAndRebinding(boolean fifo) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), fifo);
            Domain du = host.domain(256, 2);
            GuestKernel k = host.boot(du, fifo);
            k.vcpu(0).poll();
            k.vcpu(1).poll();
            AtomicInteger t0 = new AtomicInteger();
            AtomicInteger t1 = new AtomicInteger();
            k.intr().bindVirq("xen_et:c0", Virq.TIMER, 0, IrqHandler.filter(t0::incrementAndGet));
            int t1Irq = k.intr().bindVirq("xen_et:c1", Virq.TIMER, 1, IrqHandler.filter(t1::incrementAndGet));
            assertThatThrownBy(() -> k.intr().bindVirq("dup", Virq.TIMER, 1, IrqHandler.filter(() -> { })))
                    .isInstanceOf(XenException.class).hasMessageContaining("-EEXIST");
            host.hv.sendVcpuVirq(du.domid(), 1, Virq.TIMER);
            k.vcpu(0).poll();
            assertThat(t1).hasValue(0);
            k.vcpu(1).poll();
            assertThat(t1).hasValue(1);
            assertThat(k.intr().count("xen_et:c1")).isEqualTo(1);
            assertThatThrownBy(() -> k.intr().bindVcpu(t1Irq, 0)).isInstanceOf(XenException.class)
                    .satisfies(e -> assertThat(((XenException) e).errno()).isEqualTo(-XenErrno.EINVAL));

            // An interdomain port moves between vCPUs; spreading walks them round robin.
            AtomicInteger hits = new AtomicInteger();
            int irq = k.intr().allocAndBindLocalPort("net0", 0, IrqHandler.filter(hits::incrementAndGet));
            int bIrq = dom0.intr().bindInterdomain("netback", du.domid(), k.intr().port(irq), IrqHandler.filter(() -> { }));
            k.intr().bindVcpu(irq, 1);
            assertThat(k.intr().vcpuOf(irq)).isEqualTo(1);
            dom0.intr().notify(bIrq);
            k.vcpu(0).poll();
            assertThat(hits).hasValue(0);
            k.vcpu(1).poll();
            assertThat(hits).hasValue(1);
            assertThat(k.intr().spread(irq)).isEqualTo(0);
            assertThat(k.intr().spread(irq)).isEqualTo(1);
            assertThat(k.intr().vcpuOf(irq)).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "fifo={0}")
    @ValueSource(booleans = {false, true})
    void pirqIsAClearUnsupportedErrorAndUnbindClosesThePort(boolean fifo) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel k = host.boot(host.domain(256, 1), fifo);
            assertThatThrownBy(() -> k.intr().bindPirq("ahci", 16, IrqHandler.filter(() -> { })))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("PIRQ");
            int irq = k.intr().bindIpi("ipi", 0, IrqHandler.filter(() -> { }));
            int port = k.intr().port(irq);
            k.intr().unbind(irq);
            assertThat(k.intr().irqOfPort(port)).isEqualTo(-1);
            assertThat(k.intr().stats()).isEmpty();
            // Closed: sending on it is refused by Xen.
            assertThat(EventChannelOps.send(k.vcpu(0), port)).isEqualTo(-XenErrno.EINVAL);
            assertThatThrownBy(() -> k.intr().unbind(irq)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest(name = "fifo={0}")
    @ValueSource(booleans = {false, true})
    void busyPortsDoNotStarveOthers(boolean fifo) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel k = host.boot(host.domain(256, 1), fifo);
            k.vcpu(0).poll();
            int[] irqs = new int[3];
            AtomicInteger[] hits = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
            for (int i = 0; i < 3; i++) {
                int n = i;
                // Each handler immediately raises its own IPI again: a port that is always busy.
                irqs[i] = k.intr().bindIpi("busy" + i, 0, IrqHandler.filter(() -> {
                    hits[n].incrementAndGet();
                    k.intr().notify(irqs[n]);
                }));
            }
            for (int i = 0; i < 3; i++) {
                k.intr().notify(irqs[i]);
            }
            for (int round = 0; round < 10; round++) {
                k.vcpu(0).poll();
            }
            int min = Math.min(hits[0].get(), Math.min(hits[1].get(), hits[2].get()));
            int max = Math.max(hits[0].get(), Math.max(hits[1].get(), hits[2].get()));
            assertThat(min).isGreaterThan(10);
            assertThat(max - min).isLessThanOrEqualTo(1);
        }
    }

    @ParameterizedTest(name = "fifo={0}")
    @ValueSource(booleans = {false, true})
    void aLowerPortOfTheWordWhereTheLastScanStoppedIsNotLeftBehind(boolean fifo) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel k = host.boot(host.domain(256, 1), fifo);
            k.vcpu(0).poll();
            AtomicInteger low = new AtomicInteger();
            AtomicInteger high = new AtomicInteger();
            int lowIrq = k.intr().bindIpi("low", 0, IrqHandler.filter(low::incrementAndGet));
            int highIrq = k.intr().bindIpi("high", 0, IrqHandler.filter(high::incrementAndGet));
            assertThat(k.intr().port(lowIrq) / 64).isEqualTo(k.intr().port(highIrq) / 64);
            assertThat(k.intr().port(lowIrq)).isLessThan(k.intr().port(highIrq));
            k.intr().notify(highIrq);
            k.vcpu(0).poll(); // the next scan resumes after the high port
            assertThat(high).hasValue(1);
            k.intr().notify(lowIrq);
            k.vcpu(0).poll(); // the starting word is scanned again from bit 0
            assertThat(low).hasValue(1);
        }
    }

    /**
     * FIFO specifics: a port past the first event-array page makes the array grow before the
     * bind unmasks it, and a port raised to a higher priority ({@code EVTCHNOP_set_priority})
     * is consumed before earlier events of the default priority.
     */
    @Test
    void fifoGrowsTheEventArrayAndServesHigherPrioritiesFirst() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel k = host.boot(host.domain(256, 1), true);
            k.vcpu(0).poll();
            List<Integer> order = new ArrayList<>();
            int first = k.intr().bindIpi("first", 0, IrqHandler.filter(() -> order.add(0)));
            int urgent = k.intr().bindIpi("urgent", 0, IrqHandler.filter(() -> order.add(1)));
            try (Scratch s = k.vcpu(0).scratch()) {
                s.putInt(EvtchnSetPriorityDescriptor.PORT_OFFSET, k.intr().port(urgent))
                        .putInt(EvtchnSetPriorityDescriptor.PRIORITY_OFFSET, 2);
                assertThat(s.call(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SET_PRIORITY)).isZero();
            }
            k.vcpu(0).cli();
            k.intr().notify(first);
            k.intr().notify(urgent);
            k.vcpu(0).sti();
            assertThat(order).containsExactly(1, 0);

            // Ports up to past 1024: the second event-array page is added on the way.
            int port = 0;
            int irq = -1;
            while (port < 1100) {
                irq = k.intr().bindIpi("ipi" + port, 0, IrqHandler.filter(() -> order.add(2)));
                port = k.intr().port(irq);
            }
            k.intr().notify(irq);
            k.vcpu(0).poll();
            assertThat(order).containsExactly(1, 0, 2);
            assertThat(k.intr().count(irq)).isEqualTo(1);
        }
    }
}
