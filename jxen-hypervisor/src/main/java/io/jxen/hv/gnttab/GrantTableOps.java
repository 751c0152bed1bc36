package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
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
import io.jxen.hypercall.abi.GrantTableAbi;
import io.jxen.hypercall.abi.GrantTableLayouts.Copy;
import io.jxen.hypercall.abi.GrantTableLayouts.EntryV1;
import io.jxen.hypercall.abi.GrantTableLayouts.MapGrantRef;
import io.jxen.hypercall.abi.GrantTableLayouts.QuerySize;
import io.jxen.hypercall.abi.GrantTableLayouts.SetupTable;
import io.jxen.hypercall.abi.GrantTableLayouts.UnmapGrantRef;
import io.jxen.memory.OrderedAccess;

import java.lang.foreign.MemorySegment;

import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_APPLICATION_MAP;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_CONTAINS_PTE;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_DEVICE_MAP;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_HOST_MAP;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTMAP_READONLY;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_COPY_ARG;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_DEV_ADDR;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_DOMAIN;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_GNTREF;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_HANDLE;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_BAD_PAGE;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_GENERAL_ERROR;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_NO_SPACE;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_OKAY;
import static io.jxen.hypercall.abi.GrantTableAbi.GNTST_PERMISSION_DENIED;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_PERMIT_ACCESS;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_READING;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_READONLY;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_SUB_PAGE;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_TYPE_MASK;
import static io.jxen.hypercall.abi.GrantTableAbi.GTF_WRITING;

/**
 * {@code __HYPERVISOR_grant_table_op} (xen/common/grant_table.c
 * {@code do_grant_table_op}) for v1 and v2 tables: map, unmap, copy, setup_table, query_size,
 * set_version, get_version and get_status_frames. A copy follows a v2 transitive grant one
 * level deep, as Xen does with transitive grants enabled (its default).
 *
 * <p>A mapping gives the mapper access to the granter's frame: with {@code GNTMAP_host_map}
 * the frame appears in the mapper's p2m at {@code host_addr} (read-only for
 * {@code GNTMAP_readonly}), as Xen's {@code create_grant_p2m_mapping} does for a translated
 * guest; {@code dev_bus_addr} reports the machine address, as for a PV guest, so an in-process
 * backend can also use {@code GNTMAP_device_map}. Batches report a {@code GNTST_*} status per
 * element; only a fault on the array itself ends a batch with {@code -EFAULT}.
 */
public final class GrantTableOps {

    /** {@code GNTTABOP_CMD_MASK}: the sub-op; bits above carry continuation state. */
    static final int GNTTABOP_CMD_MASK = (1 << 12) - 1;
    /** {@code GNTTABOP_cache_flush}, the one op allowed continuation bits. */
    static final int GNTTABOP_CACHE_FLUSH = 12;

    /** Xen retries the guest-shared cmpxchg at most this many extra times (grant_table.c:812). */
    static final int CMPXCHG_RETRIES = 4;

    private final DomainLookup domains;
    private final HostMemory host;
    private final Preemption preemption;

    /**
     * @param domains    how to find the domains named in operations
     * @param host       machine memory
     * @param preemption the preemption point between batch elements
     */
    public GrantTableOps(DomainLookup domains, HostMemory host, Preemption preemption) {
        this.domains = domains;
        this.host = host;
        this.preemption = preemption;
    }

    /** Dispatches {@code GNTTABOP cmd} over {@code count} structures at {@code uop}. */
    public long hypercall(Vcpu caller, long cmd, long uop, long count) {
        // do_grant_table_op(unsigned int cmd, uop, unsigned int count)
        int n = (int) count;
        if (n < 0) {
            return -XenErrno.EINVAL;
        }
        int sub = (int) cmd & GNTTABOP_CMD_MASK;
        if (sub != GNTTABOP_CACHE_FLUSH && ((int) cmd & ~GNTTABOP_CMD_MASK) != 0) {
            return -XenErrno.EINVAL; // continuation bits only for cache_flush
        }
        Domain d = caller.domain();
        count = n;
        return switch (sub) {
            case GrantTableAbi.MAP_GRANT_REF -> batch(caller, uop, (int) count, MapGrantRef.SIZE, op -> map(d, op));
            case GrantTableAbi.UNMAP_GRANT_REF -> batch(caller, uop, (int) count, UnmapGrantRef.SIZE, op -> unmap(d, op));
            case GrantTableAbi.COPY -> batch(caller, uop, (int) count, Copy.SIZE, op -> copy(d, op));
            case GrantTableAbi.SETUP_TABLE -> setupTable(d, uop, (int) count);
            case GrantTableAbi.QUERY_SIZE -> querySize(d, uop, (int) count);
            case GrantTableAbi.SET_VERSION -> setVersion(d, uop, (int) count);
            case GrantTableAbi.GET_VERSION -> getVersion(d, uop, (int) count);
            case GrantTableAbi.GET_STATUS_FRAMES -> getStatusFrames(d, uop, (int) count);
            default -> -XenErrno.ENOSYS;
        };
    }

    private interface Element {
        void run(MemorySegment op);
    }

    /** The loop of {@code gnttab_map_grant_ref} and friends: copy in, run, copy out, per element. */
    private long batch(Vcpu caller, long uop, int count, int size, Element element) {
        GuestAccess guest = caller.domain().guest();
        for (int i = 0; i < count; i++) {
            if (i > 0 && !preemption.point(caller)) {
                return -XenErrno.ESRCH;
            }
            long at = uop + (long) i * size;
            MemorySegment op;
            try {
                op = guest.copyIn(at, size);
            } catch (GuestFault fault) {
                return -XenErrno.EFAULT;
            }
            element.run(op);
            try {
                guest.copyOut(at, op);
            } catch (GuestFault fault) {
                return -XenErrno.EFAULT;
            }
        }
        return 0;
    }

    // ---- shared entry helpers -------------------------------------------------------------

    /** Xen's {@code _set_status}: by table version. */
    private static int setStatus(GrantTable gt, int ref, ActiveGrant act, boolean readonly, boolean mapping,
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
    private static int setStatusV1(MemorySegment entry, ActiveGrant act, boolean readonly, boolean mapping,
                                   int ldomid) {
        int mask = GTF_TYPE_MASK | (mapping ? GTF_SUB_PAGE : 0);
        int raw = OrderedAccess.getIntVolatile(entry, EntryV1.FLAGS);
        for (int retries = 0; ; retries++) {
            int flags = raw & 0xFFFF;
            int domid = raw >>> 16;
            if (act.pin == 0 && ((flags & mask) != GTF_PERMIT_ACCESS || domid != ldomid)) {
                return GNTST_GENERAL_ERROR; // "Bad flags or dom"
            }
            int newFlags = flags | GTF_READING;
            if (!readonly) {
                newFlags |= GTF_WRITING;
                if ((flags & GTF_READONLY) != 0) {
                    return GNTST_GENERAL_ERROR; // "Attempt to write-pin a r/o grant entry"
                }
            }
            int updated = (raw & 0xFFFF0000) | newFlags;
            if (OrderedAccess.compareAndSetInt(entry, EntryV1.FLAGS, raw, updated)) {
                return GNTST_OKAY;
            }
            if (retries == CMPXCHG_RETRIES) {
                return GNTST_GENERAL_ERROR; // "Shared grant entry is unstable"
            }
            raw = OrderedAccess.getIntVolatile(entry, EntryV1.FLAGS);
        }
    }

    /**
     * Xen's {@code _set_status_v2} (grant_table.c:826-910): the status lives in a frame only Xen
     * writes, so no cmpxchg: write it, full barrier, then re-read the header and back out if the
     * guest revoked or made the entry read-only meanwhile. A copy may use a transitive entry.
     */
    private static int setStatusV2(MemorySegment entry, MemorySegment status, ActiveGrant act, boolean readonly,
                                   boolean mapping, int ldomid) {
        int mask = GTF_TYPE_MASK | (mapping ? GTF_SUB_PAGE : 0);
        int raw = OrderedAccess.getIntVolatile(entry, 0);
        if (act.pin == 0 && !acceptableV2(raw, mask, mapping, ldomid)) {
            return GNTST_GENERAL_ERROR;
        }
        int st = Short.toUnsignedInt(OrderedAccess.getShortVolatile(status, 0));
        if (readonly) {
            st |= GTF_READING;
        } else {
            if ((raw & GTF_READONLY) != 0) {
                return GNTST_GENERAL_ERROR; // "Attempt to write-pin a r/o grant entry"
            }
            st |= GTF_READING | GTF_WRITING;
        }
        OrderedAccess.setShortVolatile(status, 0, (short) st);
        OrderedAccess.fullFence(); // guest sees the status before we re-check its flags
        raw = OrderedAccess.getIntVolatile(entry, 0);
        if (act.pin == 0) {
            if (!acceptableV2(raw, mask, mapping, ldomid) || (!readonly && (raw & GTF_READONLY) != 0)) {
                clearStatus(status, GTF_WRITING | GTF_READING);
                return GNTST_GENERAL_ERROR; // "Unstable flags or dom"
            }
        } else if ((raw & GTF_READONLY) != 0) {
            clearStatus(status, GTF_WRITING);
            return GNTST_GENERAL_ERROR; // "Unstable grant readonly flag"
        }
        return GNTST_OKAY;
    }

    private static boolean acceptableV2(int raw, int mask, boolean mapping, int ldomid) {
        int flags = raw & 0xFFFF;
        boolean typeOk = (flags & mask) == GTF_PERMIT_ACCESS
                || (!mapping && (flags & mask) == GrantTableAbi.GTF_TRANSITIVE);
        return typeOk && (raw >>> 16) == ldomid;
    }

    private static void clearStatus(MemorySegment status, int bits) {
        OrderedAccess.setShortVolatile(status, 0,
                (short) (OrderedAccess.getShortVolatile(status, 0) & ~bits));
    }

    /** Xen's {@code reduce_status_for_pin}: drop GTF_reading/GTF_writing once no pin needs them. */
    private static void reduceStatusForPin(GrantTable gt, int ref, ActiveGrant act, boolean readonly) {
        int clear = act.pin == 0 ? GTF_READING : 0;
        if (!readonly && !act.writePinned()) {
            clear |= GTF_WRITING;
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
            old = OrderedAccess.getIntVolatile(entry, EntryV1.FLAGS);
        } while (!OrderedAccess.compareAndSetInt(entry, EntryV1.FLAGS, old, old & ~clear));
    }

    /**
     * Xen's {@code get_paged_frame}: the machine frame at {@code gfn} of {@code rd}, which
     * must be the domain's own RAM ({@code GNTST_bad_page} otherwise, including foreign pages).
     *
     * @return the MFN or -1
     */
    private static long pagedFrame(Domain rd, long gfn) {
        long entry = rd.physMap().p2m().get(gfn);
        if (!P2mEntry.present(entry) || P2mEntry.foreign(entry) || !rd.physMap().owns(P2mEntry.mfn(entry))) {
            return -1;
        }
        return P2mEntry.mfn(entry);
    }

    // ---- map / unmap ----------------------------------------------------------------------

    /** Xen's {@code map_grant_ref} (grant_table.c:1003-1380). */
    void map(Domain ld, MemorySegment op) {
        int flags = Fields.i32(op, MapGrantRef.FLAGS);
        boolean readonly = (flags & GNTMAP_READONLY) != 0;
        int pinIncr = 0;
        if ((flags & GNTMAP_DEVICE_MAP) != 0) {
            pinIncr += readonly ? ActiveGrant.DEVR_INC : ActiveGrant.DEVW_INC;
        }
        if ((flags & GNTMAP_HOST_MAP) != 0) {
            pinIncr += readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        }
        if (pinIncr == 0) {
            status(op, MapGrantRef.STATUS, GNTST_BAD_GNTREF); // "Bad flags in grant map op"
            return;
        }
        if ((flags & (GNTMAP_APPLICATION_MAP | GNTMAP_CONTAINS_PTE)) != 0) {
            status(op, MapGrantRef.STATUS, GNTST_GENERAL_ERROR); // no PV page tables in jxen
            return;
        }
        Domain rd = domains.byId(Fields.u16(op, MapGrantRef.DOM));
        if (rd == null) {
            status(op, MapGrantRef.STATUS, GNTST_BAD_DOMAIN);
            return;
        }
        Maptrack maptrack = ld.grantTable().maptrack();
        int handle = maptrack.allocate();
        if (handle < 0) {
            status(op, MapGrantRef.STATUS, GNTST_NO_SPACE);
            return;
        }
        int rc = mapPinned(ld, rd, op, flags, readonly, pinIncr, handle);
        if (rc != GNTST_OKAY) {
            maptrack.release(handle);
        }
        status(op, MapGrantRef.STATUS, rc);
    }

    private int mapPinned(Domain ld, Domain rd, MemorySegment op, int flags, boolean readonly, int pinIncr,
                          int handle) {
        GrantTable rgt = rd.grantTable();
        long ref = Fields.u32(op, MapGrantRef.REF);
        if (ref >= rgt.nrEntries()) {
            return GNTST_BAD_GNTREF;
        }
        int r = (int) ref;
        ActiveGrant act = rgt.active(r);
        if (act.pin != 0 && (act.domid != ld.domid() || act.wouldOverflow(pinIncr) || act.subPage)) {
            return GNTST_GENERAL_ERROR;
        }
        boolean firstPin = act.pin == 0;
        if (act.pin == 0 || (!readonly && !act.writePinned())) {
            int rc = setStatus(rgt, r, act, readonly, true, ld.domid());
            if (rc != GNTST_OKAY) {
                return rc;
            }
            if (act.pin == 0) {
                long mfn = pagedFrame(rd, rgt.entryFrame(rgt.entry(r)));
                if (mfn < 0) {
                    reduceStatusForPin(rgt, r, act, readonly);
                    return GNTST_BAD_PAGE;
                }
                act.domid = ld.domid();
                act.mfn = mfn;
                act.srcDomid = rd.domid();
                act.transGref = r;
                act.subPage = false;
                act.start = 0;
                act.length = XenPage.SIZE;
                rd.physMap().pin(mfn); // the mapping holds a page reference
            }
        }
        act.pin += pinIncr;
        long hostGfn = Fields.u64(op, MapGrantRef.HOST_ADDR) >>> XenPage.SHIFT;
        if ((flags & GNTMAP_HOST_MAP) != 0 && !ld.physMap().mapForeign(hostGfn, act.mfn, readonly)) {
            act.pin -= pinIncr; // undo_out
            if (firstPin) {
                rd.physMap().unpin(act.mfn);
            }
            reduceStatusForPin(rgt, r, act, readonly);
            return GNTST_GENERAL_ERROR; // create_grant_p2m_mapping failed
        }
        ld.grantTable().maptrack().set(handle, flags & (GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP | GNTMAP_READONLY),
                rd.domid(), r, hostGfn, act.mfn);
        Fields.put64(op, MapGrantRef.DEV_BUS_ADDR, act.mfn << XenPage.SHIFT);
        Fields.put32(op, MapGrantRef.HANDLE, handle);
        return GNTST_OKAY;
    }

    /** Xen's {@code unmap_common} and {@code unmap_common_complete} (grant_table.c:1410-1680). */
    void unmap(Domain ld, MemorySegment op) {
        Maptrack maptrack = ld.grantTable().maptrack();
        long handle = Fields.u32(op, UnmapGrantRef.HANDLE);
        if (handle >= maptrack.limit() || maptrack.get((int) handle).flags == 0) {
            status(op, UnmapGrantRef.STATUS, GNTST_BAD_HANDLE);
            return;
        }
        Maptrack.Entry map = maptrack.get((int) handle);
        long devBusAddrIn = Fields.u64(op, UnmapGrantRef.DEV_BUS_ADDR);
        if (map.orphan) {
            // the granter was destroyed; only the device mapping (and the frame) remained
            if (devBusAddrIn != 0 && devBusAddrIn != map.mfn << XenPage.SHIFT) {
                status(op, UnmapGrantRef.STATUS, GNTST_BAD_DEV_ADDR);
                return;
            }
            if (devBusAddrIn != 0) {
                host.release(map.mfn);
                maptrack.release((int) handle);
            }
            status(op, UnmapGrantRef.STATUS, GNTST_OKAY);
            return;
        }
        Domain rd = domains.byId(map.domid);
        if (rd == null || map.ref >= rd.grantTable().nrEntries()) {
            status(op, UnmapGrantRef.STATUS, GNTST_BAD_HANDLE);
            return;
        }
        ActiveGrant act = rd.grantTable().active(map.ref);
        long devBusAddr = Fields.u64(op, UnmapGrantRef.DEV_BUS_ADDR);
        long hostAddr = Fields.u64(op, UnmapGrantRef.HOST_ADDR);
        if (devBusAddr != 0 && (map.flags & GNTMAP_DEVICE_MAP) != 0 && devBusAddr != act.mfn << XenPage.SHIFT) {
            status(op, UnmapGrantRef.STATUS, GNTST_BAD_DEV_ADDR);
            return;
        }
        int done = 0;
        if (hostAddr != 0 && (map.flags & GNTMAP_HOST_MAP) != 0) {
            if (!ld.physMap().unmapForeign(hostAddr >>> XenPage.SHIFT, act.mfn)) {
                status(op, UnmapGrantRef.STATUS, GNTST_GENERAL_ERROR); // replace_grant_p2m_mapping
                return;
            }
            map.flags &= ~GNTMAP_HOST_MAP;
            done |= GNTMAP_HOST_MAP;
        }
        if (devBusAddr != 0 && (map.flags & GNTMAP_DEVICE_MAP) != 0) {
            map.flags &= ~GNTMAP_DEVICE_MAP;
            done |= GNTMAP_DEVICE_MAP;
        }
        boolean readonly = (map.flags & GNTMAP_READONLY) != 0;
        int ref = map.ref;
        if ((map.flags & (GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP)) == 0) {
            maptrack.release((int) handle);
        }
        complete(rd, ref, done, readonly);
        status(op, UnmapGrantRef.STATUS, GNTST_OKAY);
    }

    /** {@code unmap_common_complete}: drop the pins the unmap released, then the status bits. */
    private static void complete(Domain rd, int ref, int done, boolean readonly) {
        if (done == 0) {
            return;
        }
        ActiveGrant act = rd.grantTable().active(ref);
        if ((done & GNTMAP_DEVICE_MAP) != 0) {
            act.pin -= readonly ? ActiveGrant.DEVR_INC : ActiveGrant.DEVW_INC;
        }
        if ((done & GNTMAP_HOST_MAP) != 0) {
            act.pin -= readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        }
        if (act.pin == 0) {
            rd.physMap().unpin(act.mfn);
        }
        reduceStatusForPin(rd.grantTable(), ref, act, readonly);
    }

    // ---- copy -----------------------------------------------------------------------------

    /** One side of a copy once claimed: its frame, and the grant to release afterwards. */
    private record Claimed(long mfn, Domain granter, int ref, boolean readonly, int start, int length) {
    }

    /** Xen's {@code gnttab_copy_one} without the buffer cache (grant_table.c:2890-3165). */
    void copy(Domain current, MemorySegment op) {
        int len = Fields.u16(op, Copy.LEN);
        int flags = Fields.u16(op, Copy.FLAGS);
        if (len == 0) {
            status(op, Copy.STATUS, GNTST_OKAY);
            return;
        }
        boolean srcGref = (flags & GrantTableAbi.GNTCOPY_SOURCE_GREF) != 0;
        boolean dstGref = (flags & GrantTableAbi.GNTCOPY_DEST_GREF) != 0;
        int srcDomid = Fields.u16(op, Copy.SOURCE_DOMID);
        int dstDomid = Fields.u16(op, Copy.DEST_DOMID);
        // gnttab_copy_lock_domains: "Only DOMID_SELF may reference via frame."
        int rc = lockCheck(srcDomid, srcGref, current);
        if (rc == GNTST_OKAY) {
            rc = lockCheck(dstDomid, dstGref, current);
        }
        if (rc != GNTST_OKAY) {
            status(op, Copy.STATUS, rc);
            return;
        }
        Domain src = domains.byAnyId(srcDomid, current);
        Domain dst = domains.byAnyId(dstDomid, current);
        Claimed[] claimed = new Claimed[2];
        rc = claim(current, src, Fields.u64(op, Copy.SOURCE_U), srcGref, true, claimed, 0);
        if (rc == GNTST_OKAY) {
            rc = claim(current, dst, Fields.u64(op, Copy.DEST_U), dstGref, false, claimed, 1);
        }
        if (rc == GNTST_OKAY) {
            int srcOff = Fields.u16(op, Copy.SOURCE_OFFSET);
            int dstOff = Fields.u16(op, Copy.DEST_OFFSET);
            if (srcOff + len > XenPage.SIZE || dstOff + len > XenPage.SIZE) {
                rc = GNTST_BAD_COPY_ARG; // "copy beyond page area"
            } else if (outside(srcOff, len, claimed[0]) || outside(dstOff, len, claimed[1])) {
                rc = GNTST_GENERAL_ERROR; // "copy source/dest out of bounds" of a sub-page grant
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
        status(op, Copy.STATUS, rc);
    }

    private static boolean outside(int offset, int len, Claimed c) {
        return offset < c.start() || offset + len > c.start() + c.length();
    }

    private int lockCheck(int domid, boolean gref, Domain current) {
        if (domid != DomId.SELF && !gref) {
            return GNTST_PERMISSION_DENIED;
        }
        return domains.byAnyId(domid, current) == null ? GNTST_BAD_DOMAIN : GNTST_OKAY;
    }

    /** {@code gnttab_copy_claim_buf}: a grant ({@code acquire_grant_for_copy}) or an own frame. */
    private int claim(Domain current, Domain d, long refOrGfn, boolean gref, boolean readonly,
                             Claimed[] claimed, int index) {
        if (!gref) {
            long mfn = pagedFrame(d, refOrGfn);
            if (mfn < 0) {
                return GNTST_BAD_PAGE;
            }
            claimed[index] = new Claimed(mfn, null, 0, readonly, 0, XenPage.SIZE);
            return GNTST_OKAY;
        }
        long[] out = new long[3];
        int rc = acquireForCopy(d, refOrGfn & 0xFFFF_FFFFL, current.domid(), readonly, true, out);
        if (rc == GNTST_OKAY) {
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
            return GNTST_BAD_GNTREF;
        }
        int r = (int) ref;
        ActiveGrant act = rgt.active(r);
        int pinIncr = readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        if (act.pin != 0 && (act.domid != ldom || act.wouldOverflow(pinIncr))) {
            return GNTST_GENERAL_ERROR;
        }
        MemorySegment entry = rgt.entry(r);
        int flags = OrderedAccess.getIntVolatile(entry, 0) & 0xFFFF;
        boolean transitive = rgt.version() == 2 && (flags & GTF_TYPE_MASK) == GrantTableAbi.GTF_TRANSITIVE;
        boolean needStatus = act.pin == 0 || (!readonly && !act.writePinned());
        if (needStatus) {
            int rc = setStatus(rgt, r, act, readonly, false, ldom);
            if (rc != GNTST_OKAY) {
                return rc;
            }
        }
        if (transitive) {
            int rc = acquireTransitive(rd, r, act, entry, ldom, readonly, allowTransitive, out);
            if (rc != GNTST_OKAY) {
                reduceStatusForPin(rgt, r, act, readonly);
                return rc;
            }
        } else if (needStatus) {
            boolean subPage = rgt.version() == 2 && (flags & GTF_SUB_PAGE) != 0;
            int start = subPage ? Short.toUnsignedInt(OrderedAccess.getShortVolatile(entry, 4)) : 0;
            int length = subPage ? Short.toUnsignedInt(OrderedAccess.getShortVolatile(entry, 6)) : XenPage.SIZE;
            long mfn = pagedFrame(rd, rgt.entryFrame(entry));
            if (mfn < 0) {
                reduceStatusForPin(rgt, r, act, readonly);
                return GNTST_BAD_PAGE;
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
                reduceStatusForPin(rgt, r, act, readonly);
                return GNTST_GENERAL_ERROR;
            }
        }
        act.pin += pinIncr;
        out[0] = act.mfn;
        out[1] = act.start;
        out[2] = act.length;
        return GNTST_OKAY;
    }

    /** The transitive branch of {@code acquire_grant_for_copy}; status already set by the caller. */
    private int acquireTransitive(Domain rd, int r, ActiveGrant act, MemorySegment entry, int ldom, boolean readonly,
                                  boolean allowTransitive, long[] out) {
        if (!allowTransitive) {
            return GNTST_GENERAL_ERROR; // "transitive grant when transitivity not allowed"
        }
        int transDomid = Short.toUnsignedInt(OrderedAccess.getShortVolatile(entry, 4));
        long transGref = Integer.toUnsignedLong(OrderedAccess.getIntVolatile(entry, 8));
        if (transDomid == rd.domid()) {
            return GNTST_GENERAL_ERROR; // "transitive grants cannot be self-referential"
        }
        Domain td = domains.byId(transDomid);
        if (td == null) {
            return GNTST_GENERAL_ERROR; // "transitive grant referenced bad domain"
        }
        long[] inner = new long[3];
        int rc = acquireForCopy(td, transGref, rd.domid(), readonly, false, inner);
        if (rc != GNTST_OKAY) {
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
            return GNTST_GENERAL_ERROR;
        }
        return GNTST_OKAY;
    }

    /** {@code release_grant_for_copy}. */
    private void releaseForCopy(Domain rd, int ref, boolean readonly) {
        if (rd.dying() || ref >= rd.grantTable().nrEntries()) {
            return;
        }
        ActiveGrant act = rd.grantTable().active(ref);
        act.pin -= readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        reduceStatusForPin(rd.grantTable(), ref, act, readonly);
        if (act.srcDomid >= 0 && act.srcDomid != rd.domid()) {
            // a transitive grant: release the one level behind it too (bounded recursion)
            Domain td = domains.byId(act.srcDomid);
            if (td != null) {
                releaseForCopy(td, act.transGref, readonly);
            }
        }
    }

    // ---- table management -----------------------------------------------------------------

    /**
     * {@code gnttab_setup_table} (grant_table.c:2079-2160): {@code count != 1} is
     * {@code -EINVAL}; grows the table to {@code nr_frames} and writes its frame numbers (GFNs,
     * jxen guests being translated) to {@code frame_list}; errors go to {@code status}.
     */
    long setupTable(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.guest();
        MemorySegment op = guest.copyIn(uop, SetupTable.SIZE);
        long nrFrames = Fields.u32(op, SetupTable.NR_FRAMES);
        long frameList = Fields.u64(op, SetupTable.FRAME_LIST);
        // guest_handle_okay() always holds for a translated guest: a bad list shows per frame.
        int status;
        Domain d = domains.byAnyId(Fields.u16(op, SetupTable.DOM), caller);
        if (d == null) {
            status = GNTST_BAD_DOMAIN;
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            status = GNTST_PERMISSION_DENIED;
        } else if (nrFrames > d.grantTable().maxFrames()
                || (nrFrames > d.grantTable().nrFrames() && !d.grantTable().grow((int) nrFrames))) {
            status = GNTST_GENERAL_ERROR;
        } else {
            status = GNTST_OKAY;
            for (int i = 0; i < nrFrames; i++) {
                try {
                    guest.put64(frameList + 8L * i, d.grantFrameGfn(i));
                } catch (GuestFault fault) {
                    status = GrantTableAbi.GNTST_BAD_VIRT_ADDR;
                    break;
                }
            }
        }
        guest.put16(uop + SetupTable.STATUS, status);
        return 0;
    }

    /** {@code gnttab_query_size} (grant_table.c:2163-2207). */
    long querySize(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.guest();
        MemorySegment op = guest.copyIn(uop, QuerySize.SIZE);
        Domain d = domains.byAnyId(Fields.u16(op, QuerySize.DOM), caller);
        if (d == null) {
            status(op, QuerySize.STATUS, GNTST_BAD_DOMAIN);
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            status(op, QuerySize.STATUS, GNTST_PERMISSION_DENIED);
        } else {
            Fields.put32(op, QuerySize.NR_FRAMES, d.grantTable().nrFrames());
            Fields.put32(op, QuerySize.MAX_NR_FRAMES, d.grantTable().maxFrames());
            status(op, QuerySize.STATUS, GNTST_OKAY);
        }
        guest.copyOut(uop, op);
        return 0;
    }

    /**
     * {@code gnttab_set_version} ({@code struct gnttab_set_version {u32 version}},
     * grant_table.c:3225-3383): a version other than 1 or 2 is {@code -EINVAL}; switching
     * while entries above the 8 reserved ones are pinned {@code -EBUSY}; reserved v2 entries
     * not representable in v1 {@code -ERANGE}. The current version is always written back.
     */
    long setVersion(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        int version = caller.guest().get32(uop);
        long rc = version == 1 || version == 2 ? caller.grantTable().setVersion(version) : -XenErrno.EINVAL;
        caller.guest().put32(uop, caller.grantTable().version());
        return rc;
    }

    /** {@code gnttab_get_version} ({@code {domid_t dom; u16 pad; u32 version}}). */
    long getVersion(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        Domain d = domains.byAnyId(caller.guest().get16(uop), caller);
        if (d == null) {
            return -XenErrno.ESRCH;
        }
        int rc = DomainLookup.xsmTarget(caller, d);
        if (rc != 0) {
            return rc;
        }
        caller.guest().put32(uop + 4, d.grantTable().version());
        return 0;
    }

    /**
     * {@code gnttab_get_status_frames} ({@code {u32 nr_frames; domid_t dom; OUT int16 status;
     * frame_list}}, grant_table.c:3387-3450): asking for more frames than the table has (none
     * for v1) is {@code GNTST_general_error}.
     */
    long getStatusFrames(Domain caller, long uop, int count) {
        if (count != 1) {
            return -XenErrno.EINVAL;
        }
        GuestAccess guest = caller.guest();
        MemorySegment op = guest.copyIn(uop, 16);
        long nrFrames = Fields.u32(op, 0);
        long frameList = Fields.u64(op, 8);
        int status;
        Domain d = domains.byAnyId(Fields.u16(op, 4), caller);
        if (d == null) {
            status = GNTST_BAD_DOMAIN;
        } else if (DomainLookup.xsmTarget(caller, d) != 0) {
            status = GNTST_PERMISSION_DENIED;
        } else if (nrFrames > d.grantTable().nrStatusFrames()) {
            status = GNTST_GENERAL_ERROR;
        } else {
            status = GNTST_OKAY;
            for (int i = 0; i < nrFrames; i++) {
                try {
                    guest.put64(frameList + 8L * i, d.statusFrameGfn(i));
                } catch (GuestFault fault) {
                    status = GrantTableAbi.GNTST_BAD_VIRT_ADDR;
                    break;
                }
            }
        }
        guest.put16(uop + 6, status);
        return 0;
    }

    private static void status(MemorySegment op, long offset, int status) {
        Fields.put16(op, offset, status);
    }

    // ---- domain destruction ---------------------------------------------------------------

    /**
     * Tears down grant mappings in both directions when {@code d} is destroyed: the mappings
     * {@code d} made of others' grants are unmapped (their pins and status bits released, as
     * Xen's {@code gnttab_release_mappings}); other domains' host mappings of {@code d}'s grants
     * are removed from their p2m (a later unmap of a handle that had only that is
     * {@code GNTST_bad_handle}). A device mapping cannot be revoked (the mapper holds a machine
     * address), so, as Xen keeps a referenced page, the frame is kept out of the allocator until
     * the mapper unmaps it or is destroyed itself.
     */
    public void teardown(Domain d) {
        Maptrack own = d.grantTable().maptrack();
        for (int h = 0; h < own.limit(); h++) {
            Maptrack.Entry map = own.get(h);
            if (map.flags == 0) {
                continue;
            }
            if (map.orphan) {
                host.release(map.mfn);
                own.release(h);
                continue;
            }
            Domain rd = domains.byId(map.domid);
            if (rd != null && rd != d && map.ref < rd.grantTable().nrEntries()) {
                ActiveGrant act = rd.grantTable().active(map.ref);
                if ((map.flags & GNTMAP_HOST_MAP) != 0) {
                    d.physMap().unmapForeign(map.hostGfn, act.mfn);
                }
                int ref = map.ref;
                int done = map.flags & (GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP);
                boolean readonly = (map.flags & GNTMAP_READONLY) != 0;
                own.release(h);
                complete(rd, ref, done, readonly);
            } else {
                own.release(h);
            }
        }
        for (Domain other : domains.all()) {
            if (other == d) {
                continue;
            }
            Maptrack theirs = other.grantTable().maptrack();
            for (int h = 0; h < theirs.limit(); h++) {
                Maptrack.Entry map = theirs.get(h);
                if (map.flags != 0 && !map.orphan && map.domid == d.domid()) {
                    if ((map.flags & GNTMAP_HOST_MAP) != 0) {
                        other.physMap().unmapForeign(map.hostGfn, map.mfn);
                    }
                    if ((map.flags & GNTMAP_DEVICE_MAP) != 0) {
                        // a backend may still be using the machine address: keep the frame
                        map.flags &= ~GNTMAP_HOST_MAP;
                        map.orphan = true;
                        host.retain(map.mfn);
                    } else {
                        theirs.release(h);
                    }
                }
            }
        }
    }
}
