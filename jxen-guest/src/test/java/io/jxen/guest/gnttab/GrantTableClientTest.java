package io.jxen.guest.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.XenException;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GrantTableClientTest {

    private static final long FRONT_GFN = 20;
    /** A GFN above dom0's RAM (the balloon hole), where a grant mapping may go. */
    private static final long BACK_HOST_GPA = 300L << XenPage.SHIFT;

    @Test
    void aGrantedPageIsSharedAndItsFreeIsDeferredWhileTheBackendMapsIt() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du);
            GrantTableClient front = new GrantTableClient(domU);
            GrantTableClient back = new GrantTableClient(dom0);
            int freeBefore = front.freeCount();

            int[] ref = new int[1];
            assertThat(front.grantForeignAccess(0, FRONT_GFN, false, ref)).isZero();
            assertThat(ref[0]).isGreaterThanOrEqualTo(8); // reserved entries are never handed out
            domU.memory().putLong(FRONT_GFN << XenPage.SHIFT, 0x1122_3344_5566_7788L);

            int handle = back.mapGrantRef(du.domid(), ref[0], BACK_HOST_GPA, false);
            assertThat(dom0.memory().getLong(BACK_HOST_GPA)).isEqualTo(0x1122_3344_5566_7788L);
            dom0.memory().putLong(BACK_HOST_GPA + 8, 42);
            assertThat(domU.memory().getLong((FRONT_GFN << XenPage.SHIFT) + 8)).isEqualTo(42);
            assertThat(front.inUse(ref[0])).isTrue();

            AtomicInteger pageFreed = new AtomicInteger();
            assertThat(front.endForeignAccess(ref[0], pageFreed::incrementAndGet)).isFalse();
            assertThat(front.deferredCount()).isEqualTo(1);
            assertThat(front.processDeferred()).isZero();
            assertThat(pageFreed).hasValue(0);
            assertThat(front.freeCount()).isEqualTo(freeBefore - 1);

            back.unmapGrantRef(BACK_HOST_GPA, handle);
            assertThat(front.processDeferred()).isEqualTo(1);
            assertThat(pageFreed).hasValue(1);
            assertThat(front.deferredCount()).isZero();
            assertThat(front.freeCount()).isEqualTo(freeBefore);
            assertThat(front.flags(ref[0])).isEqualTo(Gtf.INVALID);
            // Revoked: the backend can no longer map it.
            assertThatThrownBy(() -> back.mapGrantRef(du.domid(), ref[0], BACK_HOST_GPA, false))
                    .isInstanceOf(XenException.class);
        }
    }

    @Test
    void batchesAreEndedUnderOneLockAndBusyOnesDeferred() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du);
            GrantTableClient front = new GrantTableClient(domU);
            GrantTableClient back = new GrantTableClient(dom0);
            GrantRefHead head = new GrantRefHead();
            assertThat(front.allocGrantReferences(4, head)).isZero();
            int[] refs = new int[4];
            for (int i = 0; i < 4; i++) {
                refs[i] = front.claimGrantReference(head);
                front.grantForeignAccessRef(refs[i], 0, FRONT_GFN + i, true);
            }
            assertThat(head.empty()).isTrue();
            assertThat(front.claimGrantReference(head)).isEqualTo(GrantTableClient.LIST_END);
            int handle = back.mapGrantRef(du.domid(), refs[2], BACK_HOST_GPA, true);
            int free = front.freeCount();
            assertThat(front.endForeignAccessReferences(4, refs)).isEqualTo(1);
            assertThat(front.freeCount()).isEqualTo(free + 3);
            back.unmapGrantRef(BACK_HOST_GPA, handle);
            assertThat(front.processDeferred()).isEqualTo(1);
            assertThat(front.freeCount()).isEqualTo(free + 4);
        }
    }

    @Test
    void theTableGrowsUntilXenSaysNoThenEnospc() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel domU = host.boot(host.domain(256, 1));
            GrantTableClient gt = new GrantTableClient(domU);
            assertThat(gt.frames()).isEqualTo(1);
            Set<Integer> seen = new HashSet<>();
            int[] ref = new int[1];
            int rc;
            while ((rc = gt.grantForeignAccess(0, FRONT_GFN, true, ref)) == 0) {
                assertThat(seen.add(ref[0])).as("reference handed out twice").isTrue();
            }
            assertThat(rc).isEqualTo(XenErrno.ENOSPC);
            assertThat(gt.frames()).isEqualTo(64); // DomainConfig's max grant frames
            assertThat(seen).hasSize(64 * GrantTableClient.ENTRIES_PER_FRAME - 8);
            GrantRefHead head = new GrantRefHead();
            assertThat(gt.allocGrantReferences(1, head)).isEqualTo(XenErrno.ENOSPC);
        }
    }
}
