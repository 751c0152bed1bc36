package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabCopyDescriptor;
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
 * {@code GNTTABOP_copy} (grant_table.c {@code gnttab_copy_one} without its buffer cache,
 * {@code acquire_grant_for_copy}, {@code release_grant_for_copy}): each side is a grant
 * reference or, for {@code DOMID_SELF} only, a frame of the caller; v2 sub-page grants bound the
 * copy, and a v2 transitive grant is followed one level deep.
 */
final class GrantCopy {

    private final DomainLookup domains;
    private final HostMemory host;

    GrantCopy(DomainLookup domains, HostMemory host) {
        this.domains = domains;
        this.host = host;
    }

    /** One side of a copy once claimed: its frame, and the grant to release afterwards. */
    private record Claimed(long mfn, Domain granter, int ref, boolean readonly, int start, int length) {
    }

    /** Xen's {@code gnttab_copy_one} without the buffer cache (grant_table.c:2890-3165). */
    void copy(Domain current, MemorySegment op) {
        int len = Fields.u16(op, GnttabCopyDescriptor.LEN_OFFSET);
        int flags = Fields.u16(op, GnttabCopyDescriptor.FLAGS_OFFSET);
        if (len == 0) {
            status(op, GnttabCopyDescriptor.STATUS_OFFSET, Gntst.OKAY);
            return;
        }
        boolean srcGref = (flags & Gntmap.GNTCOPY_SOURCE_GREF) != 0;
        boolean dstGref = (flags & Gntmap.GNTCOPY_DEST_GREF) != 0;
        int srcDomid = Fields.u16(op, GnttabCopyDescriptor.SOURCE_DOMID_OFFSET);
        int dstDomid = Fields.u16(op, GnttabCopyDescriptor.DEST_DOMID_OFFSET);
        // gnttab_copy_lock_domains: "Only DOMID_SELF may reference via frame."
        int rc = lockCheck(srcDomid, srcGref, current);
        if (rc == Gntst.OKAY) {
            rc = lockCheck(dstDomid, dstGref, current);
        }
        if (rc != Gntst.OKAY) {
            status(op, GnttabCopyDescriptor.STATUS_OFFSET, rc);
            return;
        }
        Domain src = domains.byAnyId(srcDomid, current);
        Domain dst = domains.byAnyId(dstDomid, current);
        Claimed[] claimed = new Claimed[2];
        rc = claim(current, src, Fields.u64(op, GnttabCopyDescriptor.SOURCE_U_OFFSET), srcGref, true, claimed, 0);
        if (rc == Gntst.OKAY) {
            rc = claim(current, dst, Fields.u64(op, GnttabCopyDescriptor.DEST_U_OFFSET), dstGref, false, claimed, 1);
        }
        if (rc == Gntst.OKAY) {
            int srcOff = Fields.u16(op, GnttabCopyDescriptor.SOURCE_OFFSET_OFFSET);
            int dstOff = Fields.u16(op, GnttabCopyDescriptor.DEST_OFFSET_OFFSET);
            if (srcOff + len > XenPage.SIZE || dstOff + len > XenPage.SIZE) {
                rc = Gntst.BAD_COPY_ARG; // "copy beyond page area"
            } else if (outside(srcOff, len, claimed[0]) || outside(dstOff, len, claimed[1])) {
                rc = Gntst.GENERAL_ERROR; // "copy source/dest out of bounds" of a sub-page grant
            } else {
                MemorySegment.copy(host.memory().frame(claimed[0].mfn()), srcOff,
                        host.memory().frame(claimed[1].mfn()), dstOff, len);
            }
        }
        for (Claimed c : claimed) {
            if (c != null && c.granter() != null) {
                releaseForCopy(c.granter(), c.ref(), c.readonly());
            }
        }
        status(op, GnttabCopyDescriptor.STATUS_OFFSET, rc);
    }

    private static boolean outside(int offset, int len, Claimed c) {
        return offset < c.start() || offset + len > c.start() + c.length();
    }

    private int lockCheck(int domid, boolean gref, Domain current) {
        if (domid != DomId.SELF && !gref) {
            return Gntst.PERMISSION_DENIED;
        }
        return domains.byAnyId(domid, current) == null ? Gntst.BAD_DOMAIN : Gntst.OKAY;
    }

    /** {@code gnttab_copy_claim_buf}: a grant ({@code acquire_grant_for_copy}) or an own frame. */
    private int claim(Domain current, Domain d, long refOrGfn, boolean gref, boolean readonly,
                             Claimed[] claimed, int index) {
        if (!gref) {
            long mfn = GrantStatus.pagedFrame(d, refOrGfn);
            if (mfn < 0) {
                return Gntst.BAD_PAGE;
            }
            claimed[index] = new Claimed(mfn, null, 0, readonly, 0, XenPage.SIZE);
            return Gntst.OKAY;
        }
        long[] out = new long[3];
        int rc = acquireForCopy(d, refOrGfn & 0xFFFF_FFFFL, current.domid(), readonly, true, out);
        if (rc == Gntst.OKAY) {
            claimed[index] = new Claimed(out[0], d, (int) (refOrGfn & 0xFFFF_FFFFL), readonly, (int) out[1],
                    (int) out[2]);
        }
        return rc;
    }

    /**
     * Xen's {@code acquire_grant_for_copy} (grant_table.c:2599-2870): pins {@code ref} of
     * {@code rd} for {@code ldom}'s copy and yields {@code {mfn, start, length}}. A v2 transitive
     * entry is followed one level into the domain it names (the entry there must grant to
     * {@code rd}); the result then counts as a sub-page so it can never be mapped.
     */
    private int acquireForCopy(Domain rd, long ref, int ldom, boolean readonly, boolean allowTransitive,
                               long[] out) {
        GrantTable rgt = rd.grantTable();
        if (ref >= rgt.nrEntries()) {
            return Gntst.BAD_GNTREF;
        }
        int r = (int) ref;
        ActiveGrant act = rgt.active(r);
        int pinIncr = readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        if (act.pin != 0 && (act.domid != ldom || act.wouldOverflow(pinIncr))) {
            return Gntst.GENERAL_ERROR;
        }
        MemorySegment entry = rgt.entry(r);
        int flags = OrderedAccess.getIntVolatile(entry, 0) & 0xFFFF;
        boolean transitive = rgt.version() == 2 && (flags & Gtf.TYPE_MASK) == Gtf.TRANSITIVE;
        boolean needStatus = act.pin == 0 || (!readonly && !act.writePinned());
        if (needStatus) {
            int rc = GrantStatus.setStatus(rgt, r, act, readonly, false, ldom);
            if (rc != Gntst.OKAY) {
                return rc;
            }
        }
        if (transitive) {
            int rc = acquireTransitive(rd, r, act, entry, ldom, readonly, allowTransitive, out);
            if (rc != Gntst.OKAY) {
                GrantStatus.reduceStatusForPin(rgt, r, act, readonly);
                return rc;
            }
        } else if (needStatus) {
            boolean subPage = rgt.version() == 2 && (flags & Gtf.SUB_PAGE) != 0;
            int start = subPage ? Short.toUnsignedInt(OrderedAccess.getShortVolatile(entry, 4)) : 0;
            int length = subPage ? Short.toUnsignedInt(OrderedAccess.getShortVolatile(entry, 6)) : XenPage.SIZE;
            long mfn = GrantStatus.pagedFrame(rd, rgt.entryFrame(entry));
            if (mfn < 0) {
                GrantStatus.reduceStatusForPin(rgt, r, act, readonly);
                return Gntst.BAD_PAGE;
            }
            if (act.pin == 0) {
                act.domid = ldom;
                act.mfn = mfn;
                act.subPage = subPage;
                act.start = start;
                act.length = length;
                act.srcDomid = rd.domid();
                act.transGref = r;
            } else if (act.mfn != mfn || (act.subPage && (!subPage || act.start != start || act.length != length))) {
                GrantStatus.reduceStatusForPin(rgt, r, act, readonly);
                return Gntst.GENERAL_ERROR;
            }
        }
        act.pin += pinIncr;
        out[0] = act.mfn;
        out[1] = act.start;
        out[2] = act.length;
        return Gntst.OKAY;
    }

    /** The transitive branch of {@code acquire_grant_for_copy}; status already set by the caller. */
    private int acquireTransitive(Domain rd, int r, ActiveGrant act, MemorySegment entry, int ldom, boolean readonly,
                                  boolean allowTransitive, long[] out) {
        if (!allowTransitive) {
            return Gntst.GENERAL_ERROR; // "transitive grant when transitivity not allowed"
        }
        int transDomid = Short.toUnsignedInt(OrderedAccess.getShortVolatile(entry, 4));
        long transGref = Integer.toUnsignedLong(OrderedAccess.getIntVolatile(entry, 8));
        if (transDomid == rd.domid()) {
            return Gntst.GENERAL_ERROR; // "transitive grants cannot be self-referential"
        }
        Domain td = domains.byId(transDomid);
        if (td == null) {
            return Gntst.GENERAL_ERROR; // "transitive grant referenced bad domain"
        }
        long[] inner = new long[3];
        int rc = acquireForCopy(td, transGref, rd.domid(), readonly, false, inner);
        if (rc != Gntst.OKAY) {
            return rc;
        }
        if (act.pin == 0) {
            act.domid = ldom;
            act.mfn = inner[0];
            act.start = (int) inner[1];
            act.length = (int) inner[2];
            act.srcDomid = td.domid();
            act.transGref = (int) transGref;
            act.subPage = true; // blocks mapping of transitive grants
        } else if (act.mfn != inner[0] || act.start != inner[1] || act.length != inner[2]
                || act.srcDomid != td.domid() || act.transGref != transGref || !act.subPage) {
            releaseForCopy(td, (int) transGref, readonly);
            return Gntst.GENERAL_ERROR;
        }
        return Gntst.OKAY;
    }

    /** {@code release_grant_for_copy}. */
    private void releaseForCopy(Domain rd, int ref, boolean readonly) {
        if (rd.dying() || ref >= rd.grantTable().nrEntries()) {
            return;
        }
        ActiveGrant act = rd.grantTable().active(ref);
        act.pin -= readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        GrantStatus.reduceStatusForPin(rd.grantTable(), ref, act, readonly);
        if (act.srcDomid >= 0 && act.srcDomid != rd.domid()) {
            // a transitive grant: release the one level behind it too (bounded recursion)
            Domain td = domains.byId(act.srcDomid);
            if (td != null) {
                releaseForCopy(td, act.transGref, readonly);
            }
        }
    }

    private static void status(MemorySegment op, long offset, int status) {
        Fields.put16(op, offset, status);
    }
}
