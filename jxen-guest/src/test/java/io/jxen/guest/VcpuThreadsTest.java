package io.jxen.guest;

import io.jxen.guest.intr.IrqHandler;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class VcpuThreadsTest {

    @Test
    void blockedVcpusWakeForEventsAndRunHandlersOnTheirOwnThreads() throws Exception {
        try (GuestHost host = new GuestHost()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            dom0.vcpu(0).poll();
            Domain du = host.domain(256, 2);
            GuestKernel guest = GuestKernel.boot(host.hv.platform(du.domid()),
                    GuestKernel.Options.defaults(host.clock).withIntrThreads(Executors.newVirtualThreadPerTaskExecutor()));
            Set<String> filterThreads = ConcurrentHashMap.newKeySet();
            CountDownLatch filters = new CountDownLatch(2);
            CountDownLatch threaded = new CountDownLatch(1);
            int irq = guest.intr().allocAndBindLocalPort("xbd0", 0, IrqHandler.filter(() -> {
                filterThreads.add(Thread.currentThread().getName());
                filters.countDown();
            }));
            int net = guest.intr().allocAndBindLocalPort("xn0", 0, IrqHandler.thread(threaded::countDown));
            guest.intr().bindVcpu(net, 1);
            int back = dom0.intr().bindInterdomain("blkback", du.domid(), guest.intr().port(irq), IrqHandler.filter(() -> { }));
            int netback = dom0.intr().bindInterdomain("netback", du.domid(), guest.intr().port(net), IrqHandler.filter(() -> { }));
            try (VcpuThreads vcpus = VcpuThreads.start(guest)) {
                assertThat(vcpus).isNotNull();
                dom0.intr().notify(back);
                dom0.intr().notify(netback);
                threaded.await();
                // A second event after the first was handled: the vCPU blocked again and woke again.
                while (guest.intr().count(irq) < 1) {
                    Thread.onSpinWait();
                }
                dom0.intr().notify(back);
                filters.await();
                assertThat(filterThreads).containsExactly("guest-d" + du.domid() + "-vcpu0");
            }
            assertThat(guest.intr().stats()).noneMatch(s -> s.name().startsWith("resched"));
        }
    }
}
