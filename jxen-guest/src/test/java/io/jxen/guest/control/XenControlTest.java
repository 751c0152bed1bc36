package io.jxen.guest.control;

import io.jxen.guest.xenstore.XenstoreRig;
import io.jxen.hv.domain.ShutdownReason;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

class XenControlTest {

    @Test
    void aPoweroffRequestIsAcknowledgedAndEndsInTheShutdownHypercall() throws Exception {
        ExecutorService xenwatch = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("xenwatch").unstarted(r));
        try (XenstoreRig rig = new XenstoreRig(5, xenwatch)) {
            try {
                rig.startLoop();
                CompletableFuture<Long> done = new CompletableFuture<>();
                CompletableFuture<String> before = new CompletableFuture<>();
                XenControl control = new XenControl(rig.guest, rig.xs, new XenControl.Actions() {
                    @Override
                    public void beforeShutdown(String request) {
                        before.complete(request);
                    }

                    @Override
                    public void afterShutdown(String request, long rc) {
                        done.complete(rc);
                    }
                });
                assertThat(rig.xenstored.dom0Read(rig.home + "/control/feature-poweroff")).isEqualTo("1");

                rig.xenstored.dom0Write(rig.home + "/control/shutdown", "bogus");
                rig.xenstored.dom0Write(rig.home + "/control/shutdown", "poweroff");
                assertThat(done.get()).isZero();
                assertThat(before.get()).isEqualTo("poweroff");
                assertThat(rig.du.shutdownReason()).isEqualTo(ShutdownReason.POWEROFF);
                assertThat(rig.xenstored.dom0Read(rig.home + "/control/shutdown")).isEmpty(); // acknowledged
            } finally {
                xenwatch.shutdownNow(); // stop callbacks before the host goes away
                xenwatch.close();
            }
        }
    }

    @Test
    void rebootAndUnknownRequests() {
        try (XenstoreRig rig = new XenstoreRig(6)) {
            rig.startLoop();
            CompletableFuture<Long> done = new CompletableFuture<>();
            XenControl control;
            try {
                control = new XenControl(rig.guest, rig.xs, new XenControl.Actions() {
                    @Override
                    public void afterShutdown(String request, long rc) {
                        done.complete(rc);
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            control.handle("sysrq");
            control.handle("suspend"); // not supported by the default actions: ignored
            assertThat(control.ignoredRequests()).isEqualTo(2);
            control.handle("reboot");
            assertThat(done.join()).isZero();
            assertThat(rig.du.shutdownReason()).isEqualTo(ShutdownReason.REBOOT);
        }
    }
}
