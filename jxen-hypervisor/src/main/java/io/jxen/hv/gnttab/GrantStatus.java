package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GrantEntryV1Descriptor;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xen.DomId;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.hypercall.Preemption;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.GuestAccess;
import io.jxen.hv.mm.GuestFault;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hypercall.P2mEntry;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;

/**
 * The shared-entry side of grant use (xen/common/grant_table.c): setting and reducing
 * {@code GTF_reading}/{@code GTF_writing} for v1 (a bounded cmpxchg on the guest's entry) and
 * v2 (the status frame, then a re-check of the header), and finding the granted frame.
 */
final class GrantStatus {

    /** Xen retries the guest-shared cmpxchg at most this many extra times (grant_table.c:812). */
    static final int CMPXCHG_RETRIES = 4;

    private GrantStatus() {
    }

    /** Xen's {@code _set_status}: by table version. */
    static int setStatus(GrantTable gt, int ref, ActiveGrant act, boolean readonly, boolean mapping,
                                 int ldomid) {
        return gt.version() == 1
                ? setStatusV1(gt.entry(ref), act, readonly, mapping, ldomid)
                : setStatusV2(gt.entry(ref), gt.status(ref), act, readonly, mapping, ldomid);
    }

    /**
     * Xen's {@code _set_status_v1} (grant_table.c:743-824): if not yet pinned the entry must be
     * {@code GTF_permit_access} (and, for a mapping, not sub-page) for {@code ldomid}; sets
     * {@code GTF_reading} and, for a writable use, {@code GTF_writing} (refused on a
     * {@code GTF_readonly} entry), with a bounded cmpxchg loop against the guest.
     */
    static int setStatusV1(MemorySegment entry, ActiveGrant act, boolean readonly, boolean mapping,
                                   int ldomid) {
        int mask = Gtf.TYPE_MASK | (mapping ? Gtf.SUB_PAGE : 0);
        int raw = OrderedAccess.getIntVolatile(entry, GrantEntryV1Descriptor.FLAGS_OFFSET);
        for (int retries = 0; ; retries++) {
            int flags = raw & 0xFFFF;
            int domid = raw >>> 16;
            if (act.pin == 0 && ((flags & mask) != Gtf.PERMIT_ACCESS || domid != ldomid)) {
                return Gntst.GENERAL_ERROR; // "Bad flags or dom"
            }
            int newFlags = flags | Gtf.READING;
            if (!readonly) {
                newFlags |= Gtf.WRITING;
                if ((flags & Gtf.READONLY) != 0) {
                    return Gntst.GENERAL_ERROR; // "Attempt to write-pin a r/o grant entry"
                }
            }
            int updated = (raw & 0xFFFF0000) | newFlags;
            if (OrderedAccess.compareAndSetInt(entry, GrantEntryV1Descriptor.FLAGS_OFFSET, raw, updated)) {
                return Gntst.OKAY;
            }
            if (retries == CMPXCHG_RETRIES) {
                return Gntst.GENERAL_ERROR; // "Shared grant entry is unstable"
            }
            raw = OrderedAccess.getIntVolatile(entry, GrantEntryV1Descriptor.FLAGS_OFFSET);
        }
    }

    /**
     * Xen's {@code _set_status_v2} (grant_table.c:826-910): the status lives in a frame only Xen
     * writes, so no cmpxchg: write it, full barrier, then re-read the header and back out if the
     * guest revoked or made the entry read-only meanwhile. A copy may use a transitive entry.
     */
    static int setStatusV2(MemorySegment entry, MemorySegment status, ActiveGrant act, boolean readonly,
                                   boolean mapping, int ldomid) {
        int mask = Gtf.TYPE_MASK | (mapping ? Gtf.SUB_PAGE : 0);
        int raw = OrderedAccess.getIntVolatile(entry, 0);
        if (act.pin == 0 && !acceptableV2(raw, mask, mapping, ldomid)) {
            return Gntst.GENERAL_ERROR;
        }
        int st = Short.toUnsignedInt(OrderedAccess.getShortVolatile(status, 0));
        if (readonly) {
            st |= Gtf.READING;
        } else {
            if ((raw & Gtf.READONLY) != 0) {
                return Gntst.GENERAL_ERROR; // "Attempt to write-pin a r/o grant entry"
            }
            st |= Gtf.READING | Gtf.WRITING;
        }
        OrderedAccess.setShortVolatile(status, 0, (short) st);
        OrderedAccess.fullFence(); // guest sees the status before we re-check its flags
        raw = OrderedAccess.getIntVolatile(entry, 0);
        if (act.pin == 0) {
            if (!acceptableV2(raw, mask, mapping, ldomid) || (!readonly && (raw & Gtf.READONLY) != 0)) {
                clearStatus(status, Gtf.WRITING | Gtf.READING);
                return Gntst.GENERAL_ERROR; // "Unstable flags or dom"
            }
        } else if ((raw & Gtf.READONLY) != 0) {
            clearStatus(status, Gtf.WRITING);
            return Gntst.GENERAL_ERROR; // "Unstable grant readonly flag"
        }
        return Gntst.OKAY;
    }

    static boolean acceptableV2(int raw, int mask, boolean mapping, int ldomid) {
        int flags = raw & 0xFFFF;
        boolean typeOk = (flags & mask) == Gtf.PERMIT_ACCESS
                || (!mapping && (flags & mask) == Gtf.TRANSITIVE);
        return typeOk && (raw >>> 16) == ldomid;
    }

    static void clearStatus(MemorySegment status, int bits) {
        OrderedAccess.setShortVolatile(status, 0,
                (short) (OrderedAccess.getShortVolatile(status, 0) & ~bits));
    }

    /** Xen's {@code reduce_status_for_pin}: drop GTF_reading/GTF_writing once no pin needs them. */
    static void reduceStatusForPin(GrantTable gt, int ref, ActiveGrant act, boolean readonly) {
        int clear = act.pin == 0 ? Gtf.READING : 0;
        if (!readonly && !act.writePinned()) {
            clear |= Gtf.WRITING;
        }
        if (clear == 0 || ref >= gt.nrEntries()) {
            return;
        }
        if (gt.version() == 2) {
            clearStatus(gt.status(ref), clear);
            return;
        }
        // gnttab_clear_flags: an atomic and on the 16-bit flags, done as a cmpxchg on the
        // 32-bit {flags, domid} word so the guest's domid is never touched.
        MemorySegment entry = gt.entry(ref);
        int old;
        do {
            old = OrderedAccess.getIntVolatile(entry, GrantEntryV1Descriptor.FLAGS_OFFSET);
        } while (!OrderedAccess.compareAndSetInt(entry, GrantEntryV1Descriptor.FLAGS_OFFSET, old, old & ~clear));
    }

    /**
     * Xen's {@code get_paged_frame}: the machine frame at {@code gfn} of {@code rd}, which
     * must be the domain's own RAM ({@code GNTST_bad_page} otherwise, including foreign pages).
     *
     * @return the MFN or -1
     */
    static long pagedFrame(Domain rd, long gfn) {
        long entry = rd.physMap().p2m().get(gfn);
        if (!P2mEntry.present(entry) || P2mEntry.foreign(entry) || !rd.physMap().owns(P2mEntry.mfn(entry))) {
            return -1;
        }
        return P2mEntry.mfn(entry);
    }

}
