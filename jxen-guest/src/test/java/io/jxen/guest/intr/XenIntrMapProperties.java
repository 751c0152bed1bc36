package io.jxen.guest.intr;

import io.jxen.abi.xen.Virq;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The port to IRQ map against a model, on a real hypervisor: random binds (IPI, VIRQ, local
 * ports), unbinds, vCPU moves and notifications. After every step each IRQ maps to exactly one
 * port and back, IRQ numbers are the lowest free from {@link XenIntr#FIRST_EVTCHN_IRQ}, and
 * every notification is counted on exactly the IRQ it was sent to.
 */
class XenIntrMapProperties {

    @Provide
    Arbitrary<List<Integer>> ops() {
        return Arbitraries.integers().between(0, 999).list().ofMaxSize(60);
    }

    private record Bound(int port, int vcpu, boolean movable) {
    }

    private static int lowestFree(TreeMap<Integer, Bound> model) {
        int irq = XenIntr.FIRST_EVTCHN_IRQ;
        while (model.containsKey(irq)) {
            irq++;
        }
        return irq;
    }

    @Property(tries = 25)
    void theMapMatchesTheModel(@ForAll("ops") List<Integer> ops) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(64, 1);
            GuestKernel k = host.boot(host.domain(64, 2));
            k.vcpu(0).poll();
            k.vcpu(1).poll();
            XenIntr intr = k.intr();
            TreeMap<Integer, Bound> model = new TreeMap<>();
            Map<Integer, Long> expectedCounts = new HashMap<>();
            boolean[] virqDebugBound = new boolean[2];
            for (int op : ops) {
                int kind = op % 5;
                int arg = op / 5;
                switch (kind) {
                    case 0 -> {
                        int vcpu = arg % 2;
                        int lowestFree = lowestFree(model);
                        int irq = intr.bindIpi("ipi" + arg, vcpu, IrqHandler.filter(() -> { }));
                        assertThat(irq).isEqualTo(lowestFree);
                        model.put(irq, new Bound(intr.port(irq), vcpu, false));
                        expectedCounts.put(irq, 0L);
                    }
                    case 1 -> {
                        int vcpu = arg % 2;
                        if (!virqDebugBound[vcpu]) {
                            int lowestFree = lowestFree(model);
                        int irq = intr.bindVirq("debug" + vcpu, Virq.DEBUG, vcpu, IrqHandler.filter(() -> { }));
                            virqDebugBound[vcpu] = true;
                            assertThat(irq).isEqualTo(lowestFree);
                            model.put(irq, new Bound(intr.port(irq), vcpu, false));
                            expectedCounts.put(irq, 0L);
                        }
                    }
                    case 2 -> {
                        int lowestFree = lowestFree(model);
                        int irq = intr.allocAndBindLocalPort("local" + arg, k.domid(), IrqHandler.filter(() -> { }));
                        assertThat(irq).isEqualTo(lowestFree);
                        model.put(irq, new Bound(intr.port(irq), 0, true));
                        expectedCounts.put(irq, 0L);
                    }
                    case 3 -> {
                        if (!model.isEmpty()) {
                            int irq = List.copyOf(model.keySet()).get(arg % model.size());
                            Bound b = model.remove(irq);
                            expectedCounts.remove(irq);
                            if (!b.movable() && intr.stats().stream().anyMatch(s -> s.irq() == irq && s.name().startsWith("debug"))) {
                                virqDebugBound[b.vcpu()] = false;
                            }
                            intr.unbind(irq);
                        }
                    }
                    default -> {
                        if (!model.isEmpty()) {
                            int irq = List.copyOf(model.keySet()).get(arg % model.size());
                            Bound b = model.get(irq);
                            if (b.movable()) {
                                int to = 1 - b.vcpu();
                                intr.bindVcpu(irq, to);
                                model.put(irq, new Bound(b.port(), to, true));
                            }
                            if (intr.stats().stream().anyMatch(s -> s.irq() == irq && s.name().startsWith("ipi"))) {
                                // An IPI is raised by the guest itself (a send on an unbound port is dropped by Xen).
                                EventChannelOps.send(k.vcpu(0), b.port());
                                k.vcpu(0).poll();
                                k.vcpu(1).poll();
                                expectedCounts.merge(irq, 1L, Long::sum);
                            }
                        }
                    }
                }
                // The map and the model agree both ways.
                assertThat(intr.stats()).hasSize(model.size());
                for (IrqStat s : intr.stats()) {
                    Bound b = model.get(s.irq());
                    assertThat(b).as("irq %d in the model", s.irq()).isNotNull();
                    assertThat(s.port()).isEqualTo(b.port());
                    assertThat(s.vcpu()).isEqualTo(b.vcpu());
                    assertThat(intr.irqOfPort(b.port())).isEqualTo(s.irq());
                    assertThat(s.count()).isEqualTo(expectedCounts.get(s.irq()));
                }
            }
            assertThat(intr.strayEvents()).isZero();
        }
    }
}
