package io.jxen.guest.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One grant table per kernel, as Linux's drivers/xen/grant-table.c and FreeBSD's
 * sys/xen/gnttab.c: every driver of a guest takes the same client, so two drivers granting on
 * different threads never hold the same reference, and deferred frees come back without the
 * drivers calling {@link GrantTableClient#processDeferred}. Both grant-table ABIs.
 */
class GrantTableOneClientPerKernelTest {

    private static final long FRONT_GFN = 20;
    /** A GFN above dom0's RAM (the balloon hole), where a grant mapping may go. */
    private static final long BACK_HOST_GPA = 300L << XenPage.SHIFT;
    /** Hang guard for the driver threads, not a timing assertion. */
    private static final long HANG_GUARD_SECONDS = 120;

    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void everyDriverOfAKernelGetsTheSameClientSetUpOnce(int version) throws InterruptedException {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel domU = host.boot(host.domain(256, 1), version);
            int drivers = 4;
            GrantTableClient[] got = new GrantTableClient[drivers];
            List<Throwable> failures = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < drivers; i++) {
                int d = i;
                Thread t = Thread.ofPlatform().daemon().name("driver-" + d).start(() -> {
                    try {
                        start.await();
                        got[d] = d % 2 == 0 ? domU.grantTable() : GrantTableClient.of(domU);
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                });
                threads.add(t);
            }
            start.countDown();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(HANG_GUARD_SECONDS));
                assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
            }
            // A second set-up would fail for v2 once grants are in use (GNTTABOP_set_version: -EBUSY)
            // and would have a free list of its own: none was made.
            assertThat(failures).isEmpty();
            for (GrantTableClient c : got) {
                assertThat(c).isSameAs(domU.grantTable());
            }
            assertThat(domU.grantTable().version()).isEqualTo(version);
        }
    }

    /**
     * Two drivers of one guest on two threads: one grants and ends single references, the other
     * reserves batches, claims from them, gives some back and ends the rest together. Each keeps
     * up to {@code window} references live, so together they outgrow the first grant frame and
     * the table grows while the other thread uses it. A reference must never be live twice.
     */
    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void twoDriversGrantingConcurrentlyNeverShareALiveReference(int version) throws InterruptedException {
        long seed = System.nanoTime();
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel domU = host.boot(host.domain(256, 1), version);
            Set<Integer> live = ConcurrentHashMap.newKeySet();
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger handedOut = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            // Each driver alone outgrows the first frame; together they grow the table while both use it.
            int window = domU.grantTable().entriesPerFrame() + 100;
            int rounds = 4000;

            Runnable single = () -> {
                GrantTableClient gt = domU.grantTable();
                Random random = new Random(seed);
                List<Integer> mine = new ArrayList<>();
                int[] out = new int[1];
                for (int i = 0; i < rounds; i++) {
                    if (mine.size() < window && (mine.isEmpty() || random.nextInt(3) != 0)) {
                        if (gt.grantForeignAccess(0, FRONT_GFN, true, out) != 0) {
                            failures.add("single: no reference free");
                            return;
                        }
                        handedOut.incrementAndGet();
                        if (!live.add(out[0])) {
                            failures.add("single: reference " + out[0] + " handed out while live");
                        }
                        mine.add(out[0]);
                    } else {
                        int ref = mine.remove(random.nextInt(mine.size()));
                        live.remove(ref); // before the free: from then on the other driver may get it
                        if (!gt.endForeignAccess(ref, () -> { })) {
                            failures.add("single: reference " + ref + " busy without a peer");
                        }
                    }
                }
                mine.forEach(live::remove);
                for (int ref : mine) {
                    gt.endForeignAccess(ref, () -> { });
                }
            };
            Runnable batches = () -> {
                GrantTableClient gt = domU.grantTable();
                Random random = new Random(seed + 1);
                List<Integer> mine = new ArrayList<>();
                for (int i = 0; i < rounds / 10; i++) {
                    if (mine.size() < window) {
                        int count = 1 + random.nextInt(32);
                        GrantRefHead head = new GrantRefHead();
                        if (gt.allocGrantReferences(count, head) != 0) {
                            failures.add("batch: no " + count + " references free");
                            return;
                        }
                        List<Integer> claimed = new ArrayList<>();
                        int ref;
                        while ((ref = gt.claimGrantReference(head)) != GrantTableClient.LIST_END) {
                            handedOut.incrementAndGet();
                            if (!live.add(ref)) {
                                failures.add("batch: reference " + ref + " handed out while live");
                            }
                            claimed.add(ref);
                        }
                        if (claimed.size() != count) {
                            failures.add("batch: claimed " + claimed.size() + " of " + count);
                        }
                        // Give a few back to the batch, then the batch back to the global list.
                        for (int k = random.nextInt(claimed.size() + 1); k > 0; k--) {
                            int back = claimed.removeLast();
                            live.remove(back);
                            gt.releaseGrantReference(head, back);
                        }
                        gt.freeGrantReferences(head);
                        for (int r : claimed) {
                            gt.grantForeignAccessRef(r, 0, FRONT_GFN, false);
                            mine.add(r);
                        }
                    } else {
                        int n = 1 + random.nextInt(mine.size());
                        int[] refs = new int[n];
                        for (int k = 0; k < n; k++) {
                            refs[k] = mine.removeLast();
                            live.remove(refs[k]);
                        }
                        if (gt.endForeignAccessReferences(n, refs) != 0) {
                            failures.add("batch: references busy without a peer");
                        }
                    }
                }
                int[] rest = mine.stream().mapToInt(Integer::intValue).toArray();
                mine.forEach(live::remove);
                gt.endForeignAccessReferences(rest.length, rest);
            };

            List<Thread> threads = new ArrayList<>();
            for (Runnable driver : List.of(single, batches)) {
                threads.add(Thread.ofPlatform().daemon().name("driver").start(() -> {
                    try {
                        start.await();
                        driver.run();
                    } catch (Throwable e) {
                        failures.add(e.toString());
                    }
                }));
            }
            start.countDown();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(HANG_GUARD_SECONDS));
                assertThat(t.isAlive()).as("driver finished (seed %d)", seed).isFalse();
            }
            GrantTableClient gt = domU.grantTable();
            assertThat(failures).as("seed %d", seed).isEmpty();
            assertThat(live).isEmpty();
            assertThat(handedOut.get()).isGreaterThan(gt.entriesPerFrame());
            assertThat(gt.frames()).as("the table grew while both drivers used it (seed %d)", seed).isGreaterThan(1);
            // Everything came back once: the free list holds every unreserved reference.
            assertThat(gt.freeCount()).isEqualTo(gt.frames() * gt.entriesPerFrame() - 8);
        }
    }

    /**
     * A frontend whose backend kept a grant mapped (persistent grants) and never calls
     * {@link GrantTableClient#processDeferred}: once the backend lets go, its own allocations
     * bring the reference and the page back.
     */
    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void deferredReferencesComeBackWithoutAnExplicitCall(int version) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), version);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, version);
            GrantTableClient front = domU.grantTable();
            GrantTableClient back = dom0.grantTable();
            int freeBefore = front.freeCount();

            int[] ref = new int[1];
            assertThat(front.grantForeignAccess(0, FRONT_GFN, false, ref)).isZero();
            int handle = back.mapGrantRef(du.domid(), ref[0], BACK_HOST_GPA, false);
            AtomicInteger pageFreed = new AtomicInteger();
            assertThat(front.endForeignAccess(ref[0], pageFreed::incrementAndGet)).isFalse();
            back.unmapGrantRef(BACK_HOST_GPA, handle);

            // The frontend goes on with its I/O: grant, end, grant, end...
            int[] other = new int[1];
            for (int i = 0; i < GrantTableClient.DEFERRED_RETRY_INTERVAL; i++) {
                assertThat(front.grantForeignAccess(0, FRONT_GFN + 1, true, other)).isZero();
                assertThat(front.endForeignAccess(other[0], () -> { })).isTrue();
            }
            assertThat(pageFreed).hasValue(1);
            assertThat(front.deferredCount()).isZero();
            assertThat(front.freeCount()).isEqualTo(freeBefore);
            assertThat(front.flags(ref[0]) & ~(Gtf.READING | Gtf.WRITING)).isEqualTo(Gtf.INVALID);
        }
    }

    /**
     * The table is at its maximum and the one reference left is deferred: the next allocation
     * retries the deferred list before giving up, and gets it.
     */
    @ParameterizedTest(name = "grant table v{0}")
    @ValueSource(ints = {1, 2})
    void aFullTableRetriesDeferredFreesBeforeEnospc(int version) {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1), version);
            Domain du = host.domain(256, 1);
            GuestKernel domU = host.boot(du, version);
            GrantTableClient front = domU.grantTable();
            GrantTableClient back = dom0.grantTable();
            int[] ref = new int[1];
            assertThat(front.grantForeignAccess(0, FRONT_GFN, false, ref)).isZero();
            int handle = back.mapGrantRef(du.domid(), ref[0], BACK_HOST_GPA, false);
            AtomicInteger pageFreed = new AtomicInteger();
            assertThat(front.endForeignAccess(ref[0], pageFreed::incrementAndGet)).isFalse();
            int[] other = new int[1];
            int taken = 0;
            while (front.grantForeignAccess(0, FRONT_GFN + 1, true, other) == 0) {
                taken++;
            }
            assertThat(taken).isEqualTo(front.frames() * front.entriesPerFrame() - 8 - 1);
            assertThat(front.deferredCount()).isEqualTo(1); // still mapped: retried, not freed
            assertThat(front.allocGrantReferences(1, new GrantRefHead())).isEqualTo(XenErrno.ENOSPC);

            back.unmapGrantRef(BACK_HOST_GPA, handle);
            assertThat(front.grantForeignAccess(0, FRONT_GFN + 2, true, other)).isZero();
            assertThat(other[0]).isEqualTo(ref[0]);
            assertThat(pageFreed).hasValue(1);
            assertThat(front.deferredCount()).isZero();
        }
    }
}
