package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabMapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabUnmapGrantRefDescriptor;
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
 * {@code GNTTABOP_map_grant_ref} and {@code GNTTABOP_unmap_grant_ref} (grant_table.c
 * {@code map_grant_ref}, {@code unmap_common}, {@code unmap_common_complete}), and the teardown
 * of mappings when a domain is destroyed. A host mapping places the granter's frame in the
 * mapper's p2m at {@code host_addr} (read-only for {@code GNTMAP_readonly}), as Xen's
 * {@code create_grant_p2m_mapping} does for a translated guest; {@code dev_bus_addr} reports the
 * machine address, as for a PV guest, so an in-process backend may use {@code GNTMAP_device_map}.
 */
final class GrantMapping {

    private final DomainLookup domains;
    private final HostMemory host;

    GrantMapping(DomainLookup domains, HostMemory host) {
        this.domains = domains;
        this.host = host;
    }

    /** Xen's {@code map_grant_ref} (grant_table.c:1003-1380). */
    void map(Domain ld, MemorySegment op) {
        int flags = Fields.i32(op, GnttabMapGrantRefDescriptor.FLAGS_OFFSET);
        boolean readonly = (flags & Gntmap.READONLY) != 0;
        int pinIncr = 0;
        if ((flags & Gntmap.DEVICE_MAP) != 0) {
            pinIncr += readonly ? ActiveGrant.DEVR_INC : ActiveGrant.DEVW_INC;
        }
        if ((flags & Gntmap.HOST_MAP) != 0) {
            pinIncr += readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        }
        if (pinIncr == 0) {
            status(op, GnttabMapGrantRefDescriptor.STATUS_OFFSET, Gntst.BAD_GNTREF); // "Bad flags in grant map op"
            return;
        }
        if ((flags & (Gntmap.APPLICATION_MAP | Gntmap.CONTAINS_PTE)) != 0) {
            status(op, GnttabMapGrantRefDescriptor.STATUS_OFFSET, Gntst.GENERAL_ERROR); // no PV page tables in jxen
            return;
        }
        Domain rd = domains.byId(Fields.u16(op, GnttabMapGrantRefDescriptor.DOM_OFFSET));
        if (rd == null) {
            status(op, GnttabMapGrantRefDescriptor.STATUS_OFFSET, Gntst.BAD_DOMAIN);
            return;
        }
        Maptrack maptrack = ld.grantTable().maptrack();
        int handle = maptrack.allocate();
        if (handle < 0) {
            status(op, GnttabMapGrantRefDescriptor.STATUS_OFFSET, Gntst.NO_SPACE);
            return;
        }
        int rc = mapPinned(ld, rd, op, flags, readonly, pinIncr, handle);
        if (rc != Gntst.OKAY) {
            maptrack.release(handle);
        }
        status(op, GnttabMapGrantRefDescriptor.STATUS_OFFSET, rc);
    }

    private int mapPinned(Domain ld, Domain rd, MemorySegment op, int flags, boolean readonly, int pinIncr,
                          int handle) {
        GrantTable rgt = rd.grantTable();
        long ref = Fields.u32(op, GnttabMapGrantRefDescriptor.REF_OFFSET);
        if (ref >= rgt.nrEntries()) {
            return Gntst.BAD_GNTREF;
        }
        int r = (int) ref;
        ActiveGrant act = rgt.active(r);
        if (act.pin != 0 && (act.domid != ld.domid() || act.wouldOverflow(pinIncr) || act.subPage)) {
            return Gntst.GENERAL_ERROR;
        }
        boolean firstPin = act.pin == 0;
        if (act.pin == 0 || (!readonly && !act.writePinned())) {
            int rc = GrantStatus.setStatus(rgt, r, act, readonly, true, ld.domid());
            if (rc != Gntst.OKAY) {
                return rc;
            }
            if (act.pin == 0) {
                long mfn = GrantStatus.pagedFrame(rd, rgt.entryFrame(rgt.entry(r)));
                if (mfn < 0) {
                    GrantStatus.reduceStatusForPin(rgt, r, act, readonly);
                    return Gntst.BAD_PAGE;
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
        long hostGfn = Fields.u64(op, GnttabMapGrantRefDescriptor.HOST_ADDR_OFFSET) >>> XenPage.SHIFT;
        if ((flags & Gntmap.HOST_MAP) != 0 && !ld.physMap().mapForeign(hostGfn, act.mfn, readonly)) {
            act.pin -= pinIncr; // undo_out
            if (firstPin) {
                rd.physMap().unpin(act.mfn);
            }
            GrantStatus.reduceStatusForPin(rgt, r, act, readonly);
            return Gntst.GENERAL_ERROR; // create_grant_p2m_mapping failed
        }
        ld.grantTable().maptrack().set(handle, flags & (Gntmap.DEVICE_MAP | Gntmap.HOST_MAP | Gntmap.READONLY),
                rd.domid(), r, hostGfn, act.mfn);
        Fields.put64(op, GnttabMapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET, act.mfn << XenPage.SHIFT);
        Fields.put32(op, GnttabMapGrantRefDescriptor.HANDLE_OFFSET, handle);
        return Gntst.OKAY;
    }

    /** Xen's {@code unmap_common} and {@code unmap_common_complete} (grant_table.c:1410-1680). */
    void unmap(Domain ld, MemorySegment op) {
        Maptrack maptrack = ld.grantTable().maptrack();
        long handle = Fields.u32(op, GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET);
        if (handle >= maptrack.limit() || maptrack.get((int) handle).flags == 0) {
            status(op, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET, Gntst.BAD_HANDLE);
            return;
        }
        Maptrack.Entry map = maptrack.get((int) handle);
        long devBusAddrIn = Fields.u64(op, GnttabUnmapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET);
        if (map.orphan) {
            // the granter was destroyed; only the device mapping (and the frame) remained
            if (devBusAddrIn != 0 && devBusAddrIn != map.mfn << XenPage.SHIFT) {
                status(op, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET, Gntst.BAD_DEV_ADDR);
                return;
            }
            if (devBusAddrIn != 0) {
                host.release(map.mfn);
                maptrack.release((int) handle);
            }
            status(op, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET, Gntst.OKAY);
            return;
        }
        Domain rd = domains.byId(map.domid);
        if (rd == null || map.ref >= rd.grantTable().nrEntries()) {
            status(op, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET, Gntst.BAD_HANDLE);
            return;
        }
        ActiveGrant act = rd.grantTable().active(map.ref);
        long devBusAddr = Fields.u64(op, GnttabUnmapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET);
        long hostAddr = Fields.u64(op, GnttabUnmapGrantRefDescriptor.HOST_ADDR_OFFSET);
        if (devBusAddr != 0 && (map.flags & Gntmap.DEVICE_MAP) != 0 && devBusAddr != act.mfn << XenPage.SHIFT) {
            status(op, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET, Gntst.BAD_DEV_ADDR);
            return;
        }
        int done = 0;
        if (hostAddr != 0 && (map.flags & Gntmap.HOST_MAP) != 0) {
            if (!ld.physMap().unmapForeign(hostAddr >>> XenPage.SHIFT, act.mfn)) {
                // replace_grant_p2m_mapping
                status(op, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET, Gntst.GENERAL_ERROR);
                return;
            }
            map.flags &= ~Gntmap.HOST_MAP;
            done |= Gntmap.HOST_MAP;
        }
        if (devBusAddr != 0 && (map.flags & Gntmap.DEVICE_MAP) != 0) {
            map.flags &= ~Gntmap.DEVICE_MAP;
            done |= Gntmap.DEVICE_MAP;
        }
        boolean readonly = (map.flags & Gntmap.READONLY) != 0;
        int ref = map.ref;
        if ((map.flags & (Gntmap.DEVICE_MAP | Gntmap.HOST_MAP)) == 0) {
            maptrack.release((int) handle);
        }
        complete(rd, ref, done, readonly);
        status(op, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET, Gntst.OKAY);
    }

    /** {@code unmap_common_complete}: drop the pins the unmap released, then the status bits. */
    private static void complete(Domain rd, int ref, int done, boolean readonly) {
        if (done == 0) {
            return;
        }
        ActiveGrant act = rd.grantTable().active(ref);
        if ((done & Gntmap.DEVICE_MAP) != 0) {
            act.pin -= readonly ? ActiveGrant.DEVR_INC : ActiveGrant.DEVW_INC;
        }
        if ((done & Gntmap.HOST_MAP) != 0) {
            act.pin -= readonly ? ActiveGrant.HSTR_INC : ActiveGrant.HSTW_INC;
        }
        if (act.pin == 0) {
            rd.physMap().unpin(act.mfn);
        }
        GrantStatus.reduceStatusForPin(rd.grantTable(), ref, act, readonly);
    }

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
                if ((map.flags & Gntmap.HOST_MAP) != 0) {
                    d.physMap().unmapForeign(map.hostGfn, act.mfn);
                }
                int ref = map.ref;
                int done = map.flags & (Gntmap.HOST_MAP | Gntmap.DEVICE_MAP);
                boolean readonly = (map.flags & Gntmap.READONLY) != 0;
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
                    if ((map.flags & Gntmap.HOST_MAP) != 0) {
                        other.physMap().unmapForeign(map.hostGfn, map.mfn);
                    }
                    if ((map.flags & Gntmap.DEVICE_MAP) != 0) {
                        // a backend may still be using the machine address: keep the frame
                        map.flags &= ~Gntmap.HOST_MAP;
                        map.orphan = true;
                        host.retain(map.mfn);
                    } else {
                        theirs.release(h);
                    }
                }
            }
        }
    }

    private static void status(MemorySegment op, long offset, int status) {
        Fields.put16(op, offset, status);
    }
}
