package io.jxen.guest.balloon;

import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.xenstore.XenstoreRig;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

class XenBalloonTest {

    @Test
    void givesPagesBackAndTakesThemAgain() throws Exception {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            Domain du = host.domain(600, 1);
            GuestKernel guest = host.boot(du);
            XenBalloon balloon = new XenBalloon(guest, null);
            long start = du.physMap().totPages();
            balloon.setTarget(600 - 500); // more than one hypercall batch
            assertThat(balloon.currentPages()).isEqualTo(100);
            assertThat(balloon.balloonedPages()).isEqualTo(500);
            assertThat(du.physMap().totPages()).isEqualTo(start - 500);

            // Asking for more than the guest has free is met partially and reported.
            long reached = balloon.adjust();
            assertThat(reached).isEqualTo(100);
            balloon.setTarget(10);
            assertThat(balloon.currentPages()).isGreaterThan(10);
            long lowest = balloon.currentPages();
            assertThat(du.physMap().totPages()).isEqualTo(start - (600 - lowest));

            balloon.setTarget(600);
            assertThat(balloon.currentPages()).isEqualTo(600);
            assertThat(balloon.balloonedPages()).isZero();
            assertThat(du.physMap().totPages()).isEqualTo(start);
            long page = guest.pages().allocPage(); // a repopulated page is usable again
            guest.memory().putLong(page << 12, 7);
            assertThat(guest.memory().getLong(page << 12)).isEqualTo(7);
        }
    }

    @Test
    void followsMemoryTargetInXenstore() throws Exception {
        ExecutorService xenwatch = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("xenwatch").unstarted(r));
        try (XenstoreRig rig = new XenstoreRig(9, xenwatch)) {
            try {
                rig.startLoop();
                XenBalloon balloon = new XenBalloon(rig.guest, rig.xs);
                CompletableFuture<Long> reached = new CompletableFuture<>();
                balloon.onAdjusted(pages -> {
                    if (pages == 192) {
                        reached.complete(pages);
                    }
                });
                long before = rig.du.physMap().totPages();
                rig.xenstored.dom0Write(rig.home + "/memory/target", Long.toString(192 * 4)); // KiB
                assertThat(reached.get()).isEqualTo(192);
                assertThat(rig.du.physMap().totPages()).isEqualTo(before - 64);
            } finally {
                xenwatch.shutdownNow(); // stop callbacks before the host goes away
                xenwatch.close();
            }
        }
    }
}
