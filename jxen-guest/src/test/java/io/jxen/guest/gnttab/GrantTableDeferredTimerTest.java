package io.jxen.guest.gnttab;

import io.jxen.abi.XenPage;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deferred grant releases come back on the timer, on a virtual clock, with no allocation and
 * no {@code processDeferred()} call: armed a second after the deferral (Linux's
 * {@code jiffies + HZ}), silent before, re-armed every second while the backend still maps the
 * page, released (reference free again, the page's callback run once) at the first tick after
 * the backend let go, then disarmed. Both grant-table ABIs.
 */
class GrantTableDeferredTimerTest {

    private static final long FRONT_GFN = 20;
    private static final long BACK_HOST_GPA = 300L << XenPage.SHIFT;
    private static final long SECOND = DeferredReleaseTimer.RETRY_INTERVAL_NANOS;

    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void aDeferredReleaseIsRetriedOnTheTimerWithoutAnyAllocation(int version) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), version);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, version);
            GrantTableClient front = domU.grantTable();
            GrantTableClient back = dom0.grantTable();
            DeferredReleaseTimer timer = front.deferredTimer();
            assertThat(timer.armed()).isFalse();
            assertThat(timer.doWork()).isZero();
            int freeBefore = front.freeCount();

            int[] ref = new int[1];
            assertThat(front.grantForeignAccess(0, FRONT_GFN, false, ref)).isZero();
            int handle = back.mapGrantRef(du.domid(), ref[0], BACK_HOST_GPA, false);
            AtomicInteger pageFreed = new AtomicInteger();
            long deferredAt = host.clock.nanoTime();
            assertThat(front.endForeignAccess(ref[0], pageFreed::incrementAndGet)).isFalse();
            assertThat(timer.armed()).isTrue();
            assertThat(timer.deadlineNanos()).isEqualTo(deferredAt + SECOND);

            // Not due yet: nothing happens, even though the backend lets go meanwhile below.
            host.clock.advance(SECOND - 1);
            assertThat(timer.doWork()).isZero();
            assertThat(timer.fired()).isZero();

            // Due while the backend still maps the page: retried, kept, re-armed a second later.
            host.clock.advance(1);
            assertThat(timer.doWork()).isZero();
            assertThat(timer.fired()).isEqualTo(1);
            assertThat(front.deferredRetries()).isEqualTo(1);
            assertThat(front.deferredCount()).isEqualTo(1);
            assertThat(pageFreed).hasValue(0);
            assertThat(timer.armed()).isTrue();
            assertThat(timer.deadlineNanos()).isEqualTo(deferredAt + 2 * SECOND);

            back.unmapGrantRef(BACK_HOST_GPA, handle);
            host.clock.advance(SECOND / 2);
            assertThat(timer.doWork()).isZero();
            assertThat(pageFreed).hasValue(0);

            // The next tick releases it: reference free, the page freed once, the timer idle.
            host.clock.advance(SECOND / 2);
            assertThat(timer.doWork()).isEqualTo(1);
            assertThat(pageFreed).hasValue(1);
            assertThat(front.deferredCount()).isZero();
            assertThat(front.freeCount()).isEqualTo(freeBefore);
            assertThat(timer.armed()).isFalse();
            host.clock.advance(10 * SECOND);
            assertThat(timer.doWork()).isZero();
            assertThat(timer.fired()).isEqualTo(2);
            assertThat(pageFreed).hasValue(1);
        }
    }

    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void aBatchDeferralArmsTheTimerOnceAndAnExplicitRetryLeavesItHarmless(int version) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), version);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, version);
            GrantTableClient front = domU.grantTable();
            GrantTableClient back = dom0.grantTable();
            DeferredReleaseTimer timer = front.deferredTimer();

            int[] refs = new int[3];
            int[] handles = new int[3];
            for (int i = 0; i < 3; i++) {
                int[] ref = new int[1];
                assertThat(front.grantForeignAccess(0, FRONT_GFN + i, false, ref)).isZero();
                refs[i] = ref[0];
                handles[i] = back.mapGrantRef(du.domid(), ref[0], BACK_HOST_GPA + ((long) i << XenPage.SHIFT), false);
            }
            long deferredAt = host.clock.nanoTime();
            assertThat(front.endForeignAccessReferences(2, refs)).isEqualTo(2);
            host.clock.advance(SECOND / 4);
            assertThat(front.endForeignAccess(refs[2], () -> { })).isFalse();
            assertThat(timer.deadlineNanos()).as("armed by the first deferral, not pushed back by the next")
                    .isEqualTo(deferredAt + SECOND);

            back.unmapGrantRef(BACK_HOST_GPA, handles[0]);
            assertThat(front.processDeferred()).isEqualTo(1); // an explicit retry takes one back now
            back.unmapGrantRef(BACK_HOST_GPA + XenPage.SIZE, handles[1]);
            back.unmapGrantRef(BACK_HOST_GPA + 2L * XenPage.SIZE, handles[2]);
            host.clock.advance(SECOND);
            assertThat(timer.doWork()).isEqualTo(2);
            assertThat(front.deferredCount()).isZero();
            assertThat(timer.armed()).isFalse();
        }
    }

    /**
     * The host closes (its machine memory with it) while a release is deferred: the timer's
     * next tick drops what is deferred and stops, where it used to fail on the closed memory
     * and log a warning a second after the host had gone.
     */
    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void aTickAfterTheHostClosedDropsWhatIsDeferredAndStops(int version) {
        DeferredReleaseTimer timer;
        GrantTableClient front;
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), version);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, version);
            front = domU.grantTable();
            timer = front.deferredTimer();
            int[] ref = new int[1];
            assertThat(front.grantForeignAccess(0, FRONT_GFN, false, ref)).isZero();
            dom0.grantTable().mapGrantRef(du.domid(), ref[0], BACK_HOST_GPA, false);
            assertThat(front.endForeignAccess(ref[0], () -> { })).isFalse();
            assertThat(timer.armed()).isTrue();
            host.clock.advance(SECOND); // due once the host has closed
        }
        assertThat(timer.doWork()).isZero();
        assertThat(front.deferredCount()).isZero();
        assertThat(timer.armed()).isFalse();
    }
}
