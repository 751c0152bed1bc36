package io.jxen.guest.gnttab;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabGetStatusFramesDescriptor;
import io.jxen.abi.gnttab.GnttabMapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.GnttabQuerySizeDescriptor;
import io.jxen.abi.gnttab.GnttabSetVersionDescriptor;
import io.jxen.abi.gnttab.GnttabSetupTableDescriptor;
import io.jxen.abi.gnttab.GnttabUnmapGrantRefDescriptor;
import io.jxen.abi.gnttab.GrantEntryHeaderDescriptor;
import io.jxen.abi.gnttab.GrantEntryV1Descriptor;
import io.jxen.abi.gnttab.GrantEntryV2Descriptor;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xen.DomId;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.Scratch;
import io.jxen.guest.XenException;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The guest's grant-table client (v1 or v2 entries, chosen at boot by
 * {@link GuestKernel.Options#grantTableVersion()}), as FreeBSD's sys/xen/gnttab.c and Linux's
 * drivers/xen/grant-table.c: a free list of references ({@link GrantFreeList}), granting a
 * frame to another domain, ending access, and private batches for drivers. A kernel has exactly
 * one ({@link #of}, {@link GuestKernel#grantTable()}), shared by all its drivers on any thread:
 * the free list, deferred list and table growth are under one lock, never held across a
 * callback; the frame arrays are republished whole when the table grows, so filling or revoking
 * an entry needs no lock.
 *
 * <p>Return conventions follow FreeBSD, not Linux: an operation that can fail returns 0 on
 * success or a positive errno ({@link XenErrno#ENOSPC}); a reference comes back through an
 * out argument, and {@link #claimGrantReference} returns {@link GrantFreeList#LIST_END} when the
 * batch is empty, never a negative number.
 *
 * <p>Publishing follows grant_table.h: {@code domid} and {@code frame} first, a write barrier,
 * then {@code flags}. Revoking is a compare-and-swap of {@code flags} to 0 that fails while Xen
 * has {@code GTF_reading}/{@code GTF_writing} set (the peer still maps or copies the frame):
 * {@link #endForeignAccess} then defers the free, and a timer one second later
 * ({@link #deferredTimer()}, Linux's {@code deferred_timer}), later allocations or
 * {@link #processDeferred} retry it (Linux's {@code gnttab_handle_deferred}), running the
 * caller's callback once the frame is really back.
 *
 * <p>With v2 (grant_table.h "Version 2 grant table entries") an entry is 16 bytes: the same
 * {@code flags}/{@code domid} header, then {@code full_page.frame} as a u64 at offset 8; Xen keeps
 * {@code GTF_reading}/{@code GTF_writing} in a separate, guest read-only status frame
 * ({@code grant_status_t}, 2 bytes per reference, found with {@code GNTTABOP_get_status_frames}).
 * Revoking then writes {@code flags = 0}, a full barrier, and reads the status word: busy means
 * the peer still holds the frame and the free is deferred as for v1 (Xen reads the cleared header
 * the next time it pins the entry afresh, so once the last mapping goes none can start again).
 */
public final class GrantTableClient {

    /** {@code GNTTAB_LIST_END}. */
    public static final int LIST_END = GrantFreeList.LIST_END;
    /** v1 entries per grant frame ({@link #entriesPerFrame()} for the table in use). */
    public static final int ENTRIES_PER_FRAME = XenPage.SIZE / GrantEntryV1Descriptor.SIZE;

    private record Deferred(int ref, Runnable onReleased) {
    }

    private final GuestKernel kernel;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * The grant frames: replaced (never changed in place) under {@link #lock} when the table
     * grows, so a driver filling or revoking an entry on another thread reads it without the lock.
     */
    private volatile MemorySegment[] frames = new MemorySegment[0];
    /** v2 only: the status frames, {@code grant_status_t} per reference; replaced as {@link #frames}. */
    private volatile MemorySegment[] statusFrames = new MemorySegment[0];
    private final int version;
    private final int entriesPerFrame;
    private final int entrySize;
    private final GrantFreeList freeList;
    private final Deque<Deferred> deferred = new ArrayDeque<>();
    private final int maxFrames;
    private long deferredRetries;
    private final DeferredReleaseTimer deferredTimer;
    /** Allocations since the deferred list was last retried. */
    private int allocsSinceRetry;

    /**
     * Allocations between two opportunistic retries of the deferred list, on top of the timer's
     * ({@link #deferredTimer()}): a driver allocating fast gets references back sooner than
     * once a second.
     */
    static final int DEFERRED_RETRY_INTERVAL = 32;

    /**
     * The kernel's one grant-table client ({@link GuestKernel#grantTable()}), set up on first use.
     * A kernel has one grant table and so one free list of references: two clients in one domain
     * would hand the same reference to two drivers, and a second v2 {@code GNTTABOP_set_version}
     * fails with {@code -EBUSY} once grants are in use.
     *
     * @throws XenException if Xen refuses the set-up (the next call tries again)
     */
    public static GrantTableClient of(GuestKernel kernel) {
        return kernel.subsystem(GrantTableClient.class, GrantTableClient::new);
    }

    /**
     * Sets up the grant table: {@code GNTTABOP_query_size}, for v2 {@code GNTTABOP_set_version},
     * then {@code GNTTABOP_setup_table} for the current frames, whose GFNs Xen returns (jxen
     * guests are auto-translated), and for v2 {@code GNTTABOP_get_status_frames}. Private: every
     * driver takes the kernel's one client ({@link #of}, {@link GuestKernel#grantTable()}).
     *
     * @throws XenException if Xen refuses
     */
    private GrantTableClient(GuestKernel kernel) {
        this.kernel = kernel;
        this.deferredTimer = new DeferredReleaseTimer(this, kernel.options().clock(), "gnttab-deferred-d" + kernel.domid());
        this.version = kernel.options().grantTableVersion();
        this.entrySize = version == 2 ? GrantEntryV2Descriptor.SIZE : GrantEntryV1Descriptor.SIZE;
        this.entriesPerFrame = XenPage.SIZE / entrySize;
        int current;
        try (Scratch s = kernel.vcpu(0).scratch()) {
            s.putShort(GnttabQuerySizeDescriptor.DOM_OFFSET, DomId.SELF);
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.QUERY_SIZE, 1);
            if (rc < 0 || s.getShort(GnttabQuerySizeDescriptor.STATUS_OFFSET) != Gntst.OKAY) {
                throw new XenException("GNTTABOP_query_size", rc < 0 ? rc : -XenErrno.EINVAL);
            }
            current = s.getInt(GnttabQuerySizeDescriptor.NR_FRAMES_OFFSET);
            maxFrames = s.getInt(GnttabQuerySizeDescriptor.MAX_NR_FRAMES_OFFSET);
        }
        if (version == 2) {
            setVersion2();
        }
        lock.lock();
        try {
            mapFrames(Math.max(1, current));
        } finally {
            lock.unlock();
        }
        this.freeList = new GrantFreeList(frames.length * entriesPerFrame);
    }

    /**
     * {@code GNTTABOP_set_version(2)}: Xen writes back the version in force, which must then be
     * 2 (grant_table.h: the reserved entries survive, all others are cleared).
     */
    private void setVersion2() {
        try (Scratch s = kernel.vcpu(0).scratch()) {
            s.putInt(GnttabSetVersionDescriptor.VERSION_OFFSET, 2);
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.SET_VERSION, 1);
            int now = s.getInt(GnttabSetVersionDescriptor.VERSION_OFFSET);
            if (rc < 0 || now != 2) {
                throw new XenException("GNTTABOP_set_version(2), version now " + now, rc < 0 ? rc : -XenErrno.EINVAL);
            }
        }
    }

    /** Xen's {@code grant_to_status_frames}: status frames covering {@code nrFrames} v2 frames. */
    private static int statusFramesFor(int nrFrames) {
        int perStatusFrame = XenPage.SIZE / GrantTableLimits.GRANT_STATUS_SIZE;
        return (nrFrames * (XenPage.SIZE / GrantEntryV2Descriptor.SIZE) + perStatusFrame - 1) / perStatusFrame;
    }

    /** {@code GNTTABOP_get_status_frames} for {@code nrStatus} frames, mapping the new ones; under the lock. */
    private void mapStatusFrames(int nrStatus) {
        long[] gfns = new long[nrStatus];
        try (Scratch s = kernel.vcpu(0).scratch()) {
            long listOffset = 256;
            s.putInt(GnttabGetStatusFramesDescriptor.NR_FRAMES_OFFSET, nrStatus)
                    .putShort(GnttabGetStatusFramesDescriptor.DOM_OFFSET, DomId.SELF)
                    .putLong(GnttabGetStatusFramesDescriptor.FRAME_LIST_OFFSET, s.gpa(listOffset));
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.GET_STATUS_FRAMES, 1);
            short status = s.getShort(GnttabGetStatusFramesDescriptor.STATUS_OFFSET);
            if (rc < 0 || status != Gntst.OKAY) {
                throw new XenException("GNTTABOP_get_status_frames(" + nrStatus + " frames), status " + status,
                        rc < 0 ? rc : -XenErrno.EINVAL);
            }
            for (int i = 0; i < nrStatus; i++) {
                gfns[i] = s.getLong(listOffset + 8L * i);
            }
        }
        MemorySegment[] grown = Arrays.copyOf(statusFrames, Math.max(nrStatus, statusFrames.length));
        for (int i = statusFrames.length; i < nrStatus; i++) {
            grown[i] = kernel.memory().page(gfns[i]);
        }
        statusFrames = grown;
    }

    /** {@code GNTTABOP_setup_table} for {@code nrFrames}, publishing the new frames; under the lock. */
    private void mapFrames(int nrFrames) {
        long[] gfns = new long[nrFrames];
        try (Scratch s = kernel.vcpu(0).scratch()) {
            long listOffset = 256;
            s.putShort(GnttabSetupTableDescriptor.DOM_OFFSET, DomId.SELF)
                    .putInt(GnttabSetupTableDescriptor.NR_FRAMES_OFFSET, nrFrames)
                    .putLong(GnttabSetupTableDescriptor.FRAME_LIST_OFFSET, s.gpa(listOffset));
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.SETUP_TABLE, 1);
            short status = s.getShort(GnttabSetupTableDescriptor.STATUS_OFFSET);
            if (rc < 0 || status != Gntst.OKAY) {
                throw new XenException("GNTTABOP_setup_table(" + nrFrames + " frames), status " + status,
                        rc < 0 ? rc : -XenErrno.ENOMEM);
            }
            for (int i = 0; i < nrFrames; i++) {
                gfns[i] = s.getLong(listOffset + 8L * i);
            }
        }
        if (version == 2) {
            mapStatusFrames(statusFramesFor(nrFrames));
        }
        MemorySegment[] grown = Arrays.copyOf(frames, Math.max(nrFrames, frames.length));
        for (int i = frames.length; i < nrFrames; i++) {
            grown[i] = kernel.memory().page(gfns[i]);
        }
        frames = grown;
    }

    /** Grows the table by one frame if Xen allows ({@code gnttab_expand}); under the lock. */
    private boolean expand() {
        if (frames.length >= maxFrames) {
            return false;
        }
        try {
            mapFrames(frames.length + 1);
        } catch (XenException e) {
            return false;
        }
        freeList.grow(frames.length * entriesPerFrame);
        return true;
    }

    /** Whether the grant frames' memory is closed (the guest's host has closed its machine memory). */
    private boolean memoryGone() {
        MemorySegment[] f = frames;
        return f.length > 0 && f[0] != null && !f[0].scope().isAlive();
    }

    private MemorySegment frameOf(int ref) {
        return frames[ref / entriesPerFrame];
    }

    private long offsetOf(int ref) {
        return (long) (ref % entriesPerFrame) * entrySize;
    }

    /** The v2 status word of {@code ref} ({@code grant_status_t}), as Xen last wrote it. */
    private int statusOf(int ref) {
        int perFrame = XenPage.SIZE / GrantTableLimits.GRANT_STATUS_SIZE;
        return Short.toUnsignedInt(OrderedAccess.getShortVolatile(statusFrames[ref / perFrame],
                (long) (ref % perFrame) * GrantTableLimits.GRANT_STATUS_SIZE));
    }

    /** The grant-table ABI in use, 1 or 2. */
    public int version() {
        return version;
    }

    /** Entries per grant frame: 512 for v1, 256 for v2. */
    public int entriesPerFrame() {
        return entriesPerFrame;
    }

    /**
     * Fills entry {@code ref}: the peer may map or copy {@code gfn} ({@code gnttab_grant_foreign_access_ref}).
     */
    public void grantForeignAccessRef(int ref, int domid, long gfn, boolean readonly) {
        MemorySegment f = frameOf(ref);
        long at = offsetOf(ref);
        if (version == 2) {
            OrderedAccess.setShortPlain(f, at + GrantEntryV2Descriptor.HDR_OFFSET + GrantEntryHeaderDescriptor.DOMID_OFFSET,
                    (short) domid);
            OrderedAccess.setLongPlain(f, at + GrantEntryV2Descriptor.FULL_PAGE_FRAME_OFFSET, gfn);
            // v2 keeps v1's rule: the header's flags last, after a write barrier (release).
            OrderedAccess.setShortRelease(f, at + GrantEntryV2Descriptor.HDR_OFFSET + GrantEntryHeaderDescriptor.FLAGS_OFFSET,
                    (short) (Gtf.PERMIT_ACCESS | (readonly ? Gtf.READONLY : 0)));
            return;
        }
        OrderedAccess.setShortPlain(f, at + GrantEntryV1Descriptor.DOMID_OFFSET, (short) domid);
        OrderedAccess.setIntPlain(f, at + GrantEntryV1Descriptor.FRAME_OFFSET, (int) gfn);
        // grant_table.h: "3. Write memory barrier (WMB). 4. Write ent->flags" - release orders both stores before it.
        OrderedAccess.setShortRelease(f, at + GrantEntryV1Descriptor.FLAGS_OFFSET,
                (short) (Gtf.PERMIT_ACCESS | (readonly ? Gtf.READONLY : 0)));
    }

    /**
     * Takes a free reference and grants {@code gfn} to {@code domid} ({@code gnttab_grant_foreign_access}).
     *
     * @param result receives the reference in {@code result[0]}
     * @return 0, or {@link XenErrno#ENOSPC} when the table is full and cannot grow
     */
    public int grantForeignAccess(int domid, long gfn, boolean readonly, int[] result) {
        int ref;
        List<Deferred> released;
        lock.lock();
        try {
            released = retryDeferredIfDue(1);
            ref = freeList.take();
            if (ref == LIST_END && expand()) {
                ref = freeList.take();
            }
        } finally {
            lock.unlock();
        }
        runReleased(released);
        if (ref == LIST_END) {
            return XenErrno.ENOSPC;
        }
        grantForeignAccessRef(ref, domid, gfn, readonly);
        result[0] = ref;
        return 0;
    }

    /**
     * The entry's current flags with what Xen set ({@code GTF_reading}, {@code GTF_writing}); for
     * v2 those two come from the status word.
     */
    public int flags(int ref) {
        // flags is at offset 0 of both the v1 entry and the v2 header.
        int flags = Short.toUnsignedInt(OrderedAccess.getShortVolatile(frameOf(ref),
                offsetOf(ref) + GrantEntryHeaderDescriptor.FLAGS_OFFSET));
        return version == 2 ? flags | (statusOf(ref) & (Gtf.READING | Gtf.WRITING)) : flags;
    }

    /** Whether the peer still maps or copies the frame ({@code gnttab_query_foreign_access}). */
    public boolean inUse(int ref) {
        int busy = version == 2 ? statusOf(ref) : flags(ref);
        return (busy & (Gtf.READING | Gtf.WRITING)) != 0;
    }

    /**
     * Revokes the entry if the peer no longer uses it ({@code gnttab_end_foreign_access_ref}):
     * {@code cmpxchg(flags, f, 0)} while {@code f} has neither {@code GTF_reading} nor
     * {@code GTF_writing}. The reference stays allocated. For v2 the header's flags are cleared
     * at once and the status word says whether the peer still holds the frame; a false return
     * is retried the same way.
     *
     * @return true if access ended, false if the entry is still in use
     */
    public boolean endForeignAccessRef(int ref) {
        MemorySegment f = frameOf(ref);
        long at = offsetOf(ref);
        if (version == 2) {
            // grant_table.h (get_status_frames): v2 "synchronization using barriers instead of
            // atomic cmpexch": a volatile store then load is the full barrier, so Xen either sees
            // flags == 0 or we see its GTF_reading/GTF_writing.
            OrderedAccess.setShortVolatile(f, at + GrantEntryHeaderDescriptor.FLAGS_OFFSET, (short) 0);
            return (statusOf(ref) & (Gtf.READING | Gtf.WRITING)) == 0;
        }
        // v1: flags (u16) and domid (u16) share the aligned 32-bit word at offset 0
        while (true) {
            int word = OrderedAccess.getIntVolatile(f, at);
            if ((word & (Gtf.READING | Gtf.WRITING)) != 0) {
                return false;
            }
            if (OrderedAccess.compareAndSetInt(f, at, word, word & 0xFFFF_0000)) {
                return true;
            }
        }
    }

    /**
     * Ends access and frees the reference ({@code gnttab_end_foreign_access}); if the peer still
     * uses the frame, both wait on the deferred list and {@code onReleased} (the page free)
     * runs once a retry succeeds: the timer's ({@link #deferredTimer()}), a later allocation's or
     * {@link #processDeferred}'s. It then runs on whichever thread retried (the timer's, or a
     * driver's), outside this client's lock, so it must be a leaf
     * (a page free), never something that waits for a driver's own lock.
     *
     * @return true if released at once, false if deferred
     */
    public boolean endForeignAccess(int ref, Runnable onReleased) {
        if (endForeignAccessRef(ref)) {
            lock.lock();
            try {
                freeList.put(ref);
            } finally {
                lock.unlock();
            }
            onReleased.run();
            return true;
        }
        lock.lock();
        try {
            deferred.add(new Deferred(ref, onReleased));
        } finally {
            lock.unlock();
        }
        deferredTimer.armIfIdle();
        return false;
    }

    /**
     * Ends access to {@code count} references and frees them, taking the list lock once for the
     * batch ({@code gnttab_end_foreign_access_references}); references still in use are deferred.
     *
     * @return how many were deferred
     */
    public int endForeignAccessReferences(int count, int[] refs) {
        boolean[] ended = new boolean[count];
        for (int i = 0; i < count; i++) {
            ended[i] = endForeignAccessRef(refs[i]);
        }
        int deferredNow = 0;
        lock.lock();
        try {
            for (int i = 0; i < count; i++) {
                if (ended[i]) {
                    freeList.put(refs[i]);
                } else {
                    deferred.add(new Deferred(refs[i], () -> { }));
                    deferredNow++;
                }
            }
        } finally {
            lock.unlock();
        }
        if (deferredNow > 0) {
            deferredTimer.armIfIdle();
        }
        return deferredNow;
    }

    /**
     * The timer that retries deferred releases a second after a deferral, and every second
     * while any remain. With the real clock it runs on a thread of its own; on a virtual clock
     * the caller stepping the clock runs it ({@link DeferredReleaseTimer#doWork()}).
     */
    public DeferredReleaseTimer deferredTimer() {
        return deferredTimer;
    }

    /**
     * The timer fired: one retry pass, the timer armed again if entries remain. When the
     * guest's memory is gone (its host closed: the grant frames' mapping is closed) nothing is
     * left to release and no one to tell: the deferred entries are dropped and the timer stops,
     * where the retry used to fail on the closed memory and log a warning a second after every
     * host that closed with grants still mapped.
     */
    int timerRetry() {
        List<Deferred> done;
        boolean remain;
        lock.lock();
        try {
            if (memoryGone()) {
                int dropped = deferred.size();
                deferred.clear();
                System.getLogger("gnttab").log(System.Logger.Level.DEBUG, () -> "d" + kernel.domid()
                        + ": guest memory closed; " + dropped + " deferred grant release(s) dropped");
                return 0;
            }
            done = retryDeferred();
            remain = !deferred.isEmpty();
        } finally {
            lock.unlock();
        }
        if (remain) {
            deferredTimer.armIfIdle();
        }
        runReleased(done);
        return done.size();
    }

    /**
     * Retries every deferred release once ({@code gnttab_handle_deferred}). The timer and
     * allocations also do this on their own (see {@link #deferredTimer()},
     * {@link #DEFERRED_RETRY_INTERVAL}); an explicit call gets pages back at once.
     *
     * @return releases completed
     */
    public int processDeferred() {
        List<Deferred> done;
        lock.lock();
        try {
            done = retryDeferred();
        } finally {
            lock.unlock();
        }
        runReleased(done);
        return done.size();
    }

    /**
     * Under the lock: retries the deferred list when an allocation of {@code wanted} references
     * would otherwise have to grow the table (or fail), or every {@link #DEFERRED_RETRY_INTERVAL}
     * allocations. The callers run the returned callbacks after unlocking, so a callback may
     * call back into this client.
     */
    private List<Deferred> retryDeferredIfDue(int wanted) {
        if (deferred.isEmpty()) {
            return List.of();
        }
        if (freeList.freeCount() < wanted || ++allocsSinceRetry >= DEFERRED_RETRY_INTERVAL) {
            return retryDeferred();
        }
        return List.of();
    }

    /** Under the lock: one pass over the deferred list; returns the entries released. */
    private List<Deferred> retryDeferred() {
        allocsSinceRetry = 0;
        List<Deferred> done = new ArrayList<>();
        int n = deferred.size();
        for (int i = 0; i < n; i++) {
            Deferred d = deferred.poll();
            if (endForeignAccessRef(d.ref())) {
                freeList.put(d.ref());
                done.add(d);
            } else {
                deferredRetries++;
                deferred.add(d);
            }
        }
        return done;
    }

    /** Runs released entries' callbacks (page frees), outside the lock. */
    private static void runReleased(List<Deferred> done) {
        for (Deferred d : done) {
            d.onReleased().run();
        }
    }

    /** References waiting for the peer to let go. */
    public int deferredCount() {
        lock.lock();
        try {
            return deferred.size();
        } finally {
            lock.unlock();
        }
    }

    /** Deferred releases retried without success so far. */
    public long deferredRetries() {
        lock.lock();
        try {
            return deferredRetries;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reserves {@code count} references as a private batch ({@code gnttab_alloc_grant_references}).
     *
     * @return 0, or {@link XenErrno#ENOSPC} if not enough are free (nothing is taken)
     */
    public int allocGrantReferences(int count, GrantRefHead head) {
        List<Deferred> released;
        int rc;
        lock.lock();
        try {
            released = retryDeferredIfDue(count);
            while (freeList.freeCount() < count && expand()) {
                // grow until enough or the maximum is reached
            }
            int first = freeList.allocBatch(count);
            if (first == LIST_END) {
                rc = XenErrno.ENOSPC;
            } else {
                head.head = first;
                rc = 0;
            }
        } finally {
            lock.unlock();
        }
        runReleased(released);
        return rc;
    }

    /**
     * Takes a reference from a private batch ({@code gnttab_claim_grant_reference}).
     *
     * @return the reference, or {@link #LIST_END} if the batch is empty
     */
    public int claimGrantReference(GrantRefHead head) {
        lock.lock();
        try {
            int ref = head.head;
            if (ref != LIST_END) {
                head.head = freeList.nextOf(ref);
            }
            return ref;
        } finally {
            lock.unlock();
        }
    }

    /** Gives a claimed reference back to its batch ({@code gnttab_release_grant_reference}). */
    public void releaseGrantReference(GrantRefHead head, int ref) {
        lock.lock();
        try {
            head.head = freeList.pushPrivate(head.head, ref);
        } finally {
            lock.unlock();
        }
    }

    /** Returns a whole private batch to the free list ({@code gnttab_free_grant_references}). */
    public void freeGrantReferences(GrantRefHead head) {
        lock.lock();
        try {
            freeList.putList(head.head);
            head.head = LIST_END;
        } finally {
            lock.unlock();
        }
    }

    /** Returns one reference whose access has ended ({@code gnttab_free_grant_reference}). */
    public void freeGrantReference(int ref) {
        lock.lock();
        try {
            freeList.put(ref);
        } finally {
            lock.unlock();
        }
    }

    /** Free references on the global list. */
    public int freeCount() {
        lock.lock();
        try {
            return freeList.freeCount();
        } finally {
            lock.unlock();
        }
    }

    /** Grant frames currently set up. */
    public int frames() {
        lock.lock();
        try {
            return frames.length;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Maps a peer's grant into this guest at {@code hostGpa} ({@code GNTTABOP_map_grant_ref} with
     * {@code GNTMAP_host_map}), as a backend does.
     *
     * @return the grant handle
     * @throws XenException naming the {@code GNTST_*} status when Xen refuses
     */
    public int mapGrantRef(int domid, int ref, long hostGpa, boolean readonly) {
        try (Scratch s = kernel.vcpu(0).scratch()) {
            s.putLong(GnttabMapGrantRefDescriptor.HOST_ADDR_OFFSET, hostGpa)
                    .putInt(GnttabMapGrantRefDescriptor.FLAGS_OFFSET, Gntmap.HOST_MAP | (readonly ? Gntmap.READONLY : 0))
                    .putInt(GnttabMapGrantRefDescriptor.REF_OFFSET, ref)
                    .putShort(GnttabMapGrantRefDescriptor.DOM_OFFSET, domid);
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, 1);
            short status = s.getShort(GnttabMapGrantRefDescriptor.STATUS_OFFSET);
            if (rc < 0 || status != Gntst.OKAY) {
                throw rc < 0 ? new XenException("GNTTABOP_map_grant_ref(d" + domid + " ref " + ref + ")", rc)
                        : new XenException("GNTTABOP_map_grant_ref(d" + domid + " ref " + ref + ") status GNTST " + status,
                        -XenErrno.EINVAL);
            }
            return s.getInt(GnttabMapGrantRefDescriptor.HANDLE_OFFSET);
        }
    }

    /**
     * Unmaps a grant mapped with {@link #mapGrantRef} ({@code GNTTABOP_unmap_grant_ref}).
     *
     * @throws XenException naming the {@code GNTST_*} status when Xen refuses
     */
    public void unmapGrantRef(long hostGpa, int handle) {
        try (Scratch s = kernel.vcpu(0).scratch()) {
            s.putLong(GnttabUnmapGrantRefDescriptor.HOST_ADDR_OFFSET, hostGpa)
                    .putInt(GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET, handle);
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.UNMAP_GRANT_REF, 1);
            short status = s.getShort(GnttabUnmapGrantRefDescriptor.STATUS_OFFSET);
            if (rc < 0 || status != Gntst.OKAY) {
                throw rc < 0 ? new XenException("GNTTABOP_unmap_grant_ref(handle " + handle + ")", rc)
                        : new XenException("GNTTABOP_unmap_grant_ref(handle " + handle + ") status GNTST " + status,
                        -XenErrno.EINVAL);
            }
        }
    }

    /**
     * A grant mapped for device access ({@code GNTMAP_device_map}): no guest frame of ours is
     * used, the hypervisor hands back the frame's bus address, as a backend doing DMA gets it.
     *
     * @param handle     the grant handle
     * @param busAddress {@code dev_bus_addr}: the machine address of the granted frame
     */
    public record DeviceMapping(int handle, long busAddress) {
        /** The machine frame number. */
        public long mfn() {
            return busAddress >>> XenPage.SHIFT;
        }
    }

    /**
     * Maps a peer's grant for device access ({@code GNTTABOP_map_grant_ref} with
     * {@code GNTMAP_device_map}): the frame stays pinned until {@link #unmapDeviceGrant}, even
     * if the peer dies, so a late access never touches a frame given to someone else.
     *
     * @throws XenException naming the {@code GNTST_*} status when Xen refuses
     */
    public DeviceMapping mapDeviceGrant(int domid, int ref, boolean readonly) {
        try (Scratch s = kernel.vcpu(0).scratch()) {
            s.putInt(GnttabMapGrantRefDescriptor.FLAGS_OFFSET, Gntmap.DEVICE_MAP | (readonly ? Gntmap.READONLY : 0))
                    .putInt(GnttabMapGrantRefDescriptor.REF_OFFSET, ref)
                    .putShort(GnttabMapGrantRefDescriptor.DOM_OFFSET, domid);
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, 1);
            short status = s.getShort(GnttabMapGrantRefDescriptor.STATUS_OFFSET);
            if (rc < 0 || status != Gntst.OKAY) {
                throw rc < 0 ? new XenException("GNTTABOP_map_grant_ref(d" + domid + " ref " + ref + ", device)", rc)
                        : new XenException("GNTTABOP_map_grant_ref(d" + domid + " ref " + ref + ", device) status GNTST "
                        + status, -XenErrno.EINVAL);
            }
            return new DeviceMapping(s.getInt(GnttabMapGrantRefDescriptor.HANDLE_OFFSET),
                    s.getLong(GnttabMapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET));
        }
    }

    /**
     * Unmaps a device mapping ({@code GNTTABOP_unmap_grant_ref} by {@code dev_bus_addr}).
     *
     * @throws XenException naming the {@code GNTST_*} status when Xen refuses
     */
    public void unmapDeviceGrant(DeviceMapping mapping) {
        try (Scratch s = kernel.vcpu(0).scratch()) {
            s.putLong(GnttabUnmapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET, mapping.busAddress())
                    .putInt(GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET, mapping.handle());
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.UNMAP_GRANT_REF, 1);
            short status = s.getShort(GnttabUnmapGrantRefDescriptor.STATUS_OFFSET);
            if (rc < 0 || status != Gntst.OKAY) {
                throw rc < 0 ? new XenException("GNTTABOP_unmap_grant_ref(handle " + mapping.handle() + ", device)", rc)
                        : new XenException("GNTTABOP_unmap_grant_ref(handle " + mapping.handle() + ", device) status GNTST "
                        + status, -XenErrno.EINVAL);
            }
        }
    }
}
