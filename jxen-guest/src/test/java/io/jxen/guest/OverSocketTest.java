package io.jxen.guest;

import io.jxen.abi.XenPage;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.transport.HypercallServer;
import io.jxen.hypercall.transport.RemoteGuestPlatform;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same guest kernel booted behind the Unix-socket transport (hypercalls as frames, memory
 * as the shared file), as a domain in its own JVM reaches the hypervisor; here in-JVM.
 */
class OverSocketTest {

    @Test
    void aGuestBehindTheSocketBootsTakesInterruptsAndGrants() throws Exception {
        try (GuestHost host = new GuestHost()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            dom0.vcpu(0).poll();
            Domain du = host.domain(256, 2);
            Path socket = host.dir.resolve("d" + du.domid() + ".sock");
            try (HypercallServer server = new HypercallServer(host.hv, du, socket);
                 RemoteGuestPlatform platform = RemoteGuestPlatform.connect(socket)) {
                assertThat(server).isNotNull();
                GuestKernel guest = GuestKernel.boot(platform,
                        GuestKernel.Options.defaults(host.clock).withIntrThreads(host.threads));
                assertThat(guest.xenPvDomain()).isTrue();
                assertThat(guest.versionMajor()).isEqualTo(4);
                guest.vcpu(0).poll();
                guest.vcpu(1).poll();

                AtomicInteger ipis = new AtomicInteger();
                int ipi = guest.intr().bindIpi("ipi:c1", 1, IrqHandler.filter(ipis::incrementAndGet));
                guest.intr().notify(ipi);
                guest.vcpu(1).poll();
                assertThat(ipis).hasValue(1);

                AtomicInteger front = new AtomicInteger();
                int fIrq = guest.intr().allocAndBindLocalPort("xbd0", 0, IrqHandler.filter(front::incrementAndGet));
                int bIrq = dom0.intr().bindInterdomain("blkback", du.domid(), guest.intr().port(fIrq),
                        IrqHandler.filter(() -> { }));
                dom0.intr().notify(bIrq);
                guest.vcpu(0).poll();
                assertThat(front).hasValue(1);

                GrantTableClient grants = guest.grantTable();
                int[] ref = new int[1];
                assertThat(grants.grantForeignAccess(0, 20, false, ref)).isZero();
                guest.memory().putLong(20L << XenPage.SHIFT, 0xCAFEL);
                GrantTableClient back = dom0.grantTable();
                int handle = back.mapGrantRef(du.domid(), ref[0], 300L << XenPage.SHIFT, true);
                assertThat(dom0.memory().getLong(300L << XenPage.SHIFT)).isEqualTo(0xCAFEL);
                back.unmapGrantRef(300L << XenPage.SHIFT, handle);
                assertThat(grants.endForeignAccess(ref[0], () -> { })).isTrue();
            }
        }
    }
}
