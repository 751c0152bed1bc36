package io.jxen.guest.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.XenException;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every case runs with both grant-table ABIs: v1 entries, and v2 entries with status frames. */
class GrantTableClientTest {

    private static final long FRONT_GFN = 20;
    /** A GFN above dom0's RAM (the balloon hole), where a grant mapping may go. */
    private static final long BACK_HOST_GPA = 300L << XenPage.SHIFT;

    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void aGrantedPageIsSharedAndItsFreeIsDeferredWhileTheBackendMapsIt(int version) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), version);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, version);
            GrantTableClient front = domU.grantTable();
            GrantTableClient back = dom0.grantTable();
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

    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void batchesAreEndedUnderOneLockAndBusyOnesDeferred(int version) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), version);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, version);
            GrantTableClient front = domU.grantTable();
            GrantTableClient back = dom0.grantTable();
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

    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void theTableGrowsUntilXenSaysNoThenEnospc(int version) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            host.domain(256, 1);
            GuestKernel domU = host.boot(host.domain(256, 1), version);
            GrantTableClient gt = domU.grantTable();
            assertThat(gt.version()).isEqualTo(version);
            assertThat(gt.entriesPerFrame()).isEqualTo(version == 1 ? 512 : 256);
            assertThat(gt.frames()).isEqualTo(1);
            Set<Integer> seen = new HashSet<>();
            int[] ref = new int[1];
            int rc;
            while ((rc = gt.grantForeignAccess(0, FRONT_GFN, true, ref)) == 0) {
                assertThat(seen.add(ref[0])).as("reference handed out twice").isTrue();
            }
            assertThat(rc).isEqualTo(XenErrno.ENOSPC);
            assertThat(gt.frames()).isEqualTo(64); // DomainConfig's max grant frames
            assertThat(seen).hasSize(64 * gt.entriesPerFrame() - 8);
            GrantRefHead head = new GrantRefHead();
            assertThat(gt.allocGrantReferences(1, head)).isEqualTo(XenErrno.ENOSPC);
        }
    }

    /**
     * v2 specifics: the entry layout Xen reads (flags, domid at 2, u64 frame at 8), busy bits
     * only in the status frame (also for a reference past the first status frame), and ending
     * access clears the header at once, the free waiting for the status word to go quiet.
     */
    @Test
    void v2EntriesAndStatusFramesAreWhatXenReadsAndWrites() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), 2);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, 2);
            GrantTableClient front = domU.grantTable();
            GrantTableClient back = dom0.grantTable();
            GrantRefHead head = new GrantRefHead();
            assertThat(front.allocGrantReferences(2100, head)).isZero(); // grows past 2048: a second status frame
            int ref = GrantTableClient.LIST_END;
            for (int i = 0; i < 2100; i++) {
                int r = front.claimGrantReference(head);
                ref = Math.max(ref == GrantTableClient.LIST_END ? -1 : ref, r);
            }
            assertThat(ref).isGreaterThanOrEqualTo(2048);
            front.grantForeignAccessRef(ref, 0, FRONT_GFN, true);

            long entry = (du.grantFrameGfn(ref / 256) << XenPage.SHIFT) + (long) (ref % 256) * 16;
            assertThat(Short.toUnsignedInt(domU.memory().getShort(entry))).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READONLY);
            assertThat(Short.toUnsignedInt(domU.memory().getShort(entry + 2))).isZero();
            assertThat(domU.memory().getLong(entry + 8)).isEqualTo(FRONT_GFN);

            int handle = back.mapGrantRef(du.domid(), ref, BACK_HOST_GPA, true);
            long status = (du.statusFrameGfn(ref / 2048) << XenPage.SHIFT) + 2L * (ref % 2048);
            assertThat(Short.toUnsignedInt(domU.memory().getShort(status))).isEqualTo(Gtf.READING);
            assertThat(domU.memory().getShort(entry) & (Gtf.READING | Gtf.WRITING)).isZero();
            assertThat(front.inUse(ref)).isTrue();
            assertThat(front.flags(ref)).isEqualTo(Gtf.PERMIT_ACCESS | Gtf.READONLY | Gtf.READING);

            assertThat(front.endForeignAccess(ref, () -> { })).isFalse();
            assertThat(domU.memory().getShort(entry)).isZero();
            assertThat(front.processDeferred()).isZero();
            back.unmapGrantRef(BACK_HOST_GPA, handle);
            assertThat(front.inUse(ref)).isFalse();
            assertThat(front.processDeferred()).isEqualTo(1);
            // Revoked and idle: a fresh mapping reads the cleared header and is refused.
            int revoked = ref;
            assertThatThrownBy(() -> back.mapGrantRef(du.domid(), revoked, BACK_HOST_GPA, true))
                    .isInstanceOf(XenException.class);
        }
    }
}
