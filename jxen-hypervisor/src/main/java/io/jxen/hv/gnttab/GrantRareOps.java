package io.jxen.hv.gnttab;

import io.jxen.abi.XenErrno;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabCacheFlushDescriptor;
import io.jxen.abi.gnttab.GnttabUnmapGrantRefDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hypercall.P2mEntry;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The grant-table ops guests rarely use, answered as Xen HEAD answers a translated guest
 * (xen/common/grant_table.c): {@code transfer}, {@code swap_grant_ref},
 * {@code unmap_and_replace} and {@code cache_flush}. ({@code dump_table} is gone from Xen's
 * dispatcher: {@code -ENOSYS}.)
 */
final class GrantRareOps {

    private final DomainLookup domains;
    private final HostMemory host;
    private final GrantMapping mapping;

    GrantRareOps(DomainLookup domains, HostMemory host, GrantMapping mapping) {
        this.domains = domains;
        this.host = host;
        this.mapping = mapping;
    }

    /**
     * One {@code gnttab_transfer} element: a GFN with no page is {@code GNTST_bad_page};
     * otherwise {@code steal_page} refuses a translated domain ({@code -EOPNOTSUPP}), which
     * Xen reports as {@code GNTST_general_error}.
     */
    void transfer(Domain d, MemorySegment op) {
        long gfn = Fields.u64(op, 0);
        long e = d.physMap().p2m().inRange(gfn) ? d.physMap().p2m().get(gfn) : P2mEntry.EMPTY;
        boolean valid = P2mEntry.present(e) && !P2mEntry.foreign(e);
        Fields.put16(op, 16, valid ? Gntst.GENERAL_ERROR : Gntst.BAD_PAGE);
    }

    /**
     * One {@code swap_grant_ref}: a ref beyond the table is {@code GNTST_bad_gntref}; equal refs
     * are a no-op; a ref in use (pinned) is {@code GNTST_eagain}; otherwise the two shared
     * entries (and v2 status words) change places.
     */
    void swap(Domain d, MemorySegment op) {
        GrantTable gt = d.grantTable();
        long a = Fields.u32(op, 0);
        long b = Fields.u32(op, 4);
        int status;
        if (a >= gt.nrEntries() || b >= gt.nrEntries()) {
            status = Gntst.BAD_GNTREF;
        } else if (a == b) {
            status = Gntst.OKAY;
        } else if (gt.active((int) a).pin != 0 || gt.active((int) b).pin != 0) {
            status = Gntst.EAGAIN;
        } else {
            swapBytes(gt.entry((int) a), gt.entry((int) b));
            if (gt.version() == 2) {
                swapBytes(gt.status((int) a), gt.status((int) b));
            }
            status = Gntst.OKAY;
        }
        Fields.put16(op, 8, status);
    }

    private static void swapBytes(MemorySegment x, MemorySegment y) {
        byte[] tmp = x.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        MemorySegment.copy(y, 0, x, 0, x.byteSize());
        MemorySegment.copy(MemorySegment.ofArray(tmp), 0, y, 0, y.byteSize());
    }

    /**
     * One {@code unmap_and_replace}: for a translated guest Xen's
     * {@code replace_grant_p2m_mapping} refuses any {@code new_addr} ({@code GNTST_general_error});
     * with {@code new_addr} 0 it is an unmap of the host mapping.
     */
    void unmapAndReplace(Domain d, MemorySegment op) {
        if (Fields.u64(op, 8) != 0) {
            Fields.put16(op, 20, Gntst.GENERAL_ERROR);
            return;
        }
        MemorySegment unmap = Arena.ofAuto().allocate(GnttabUnmapGrantRefDescriptor.SIZE, 8);
        Fields.put64(unmap, GnttabUnmapGrantRefDescriptor.HOST_ADDR_OFFSET, Fields.u64(op, 0));
        Fields.put32(unmap, GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET, (int) Fields.u32(op, 16));
        mapping.unmap(d, unmap);
        Fields.put16(op, 20, Fields.u16(unmap, GnttabUnmapGrantRefDescriptor.STATUS_OFFSET));
    }

    /**
     * {@code gnttab_cache_flush}: per element, a range beyond the page or an op with other bits
     * than clean/invalidate is {@code -EINVAL}; an empty one does nothing (or {@code -EILSEQ}
     * when resuming a continuation); a frame beyond memory is {@code -EINVAL}; one not owned by a
     * domain {@code -EPERM}; another domain's frame the caller has no grant mapping of
     * {@code -EINVAL}. Caches are coherent here, so a permitted flush does nothing more. The
     * first error ends the call.
     */
    long cacheFlush(Domain d, long uop, int count, long curRef) {
        for (int i = 0; i < count; i++) {
            MemorySegment op = d.guest().copyIn(uop + (long) i * GnttabCacheFlushDescriptor.SIZE, GnttabCacheFlushDescriptor.SIZE);
            long rc = flushOne(d, op, curRef);
            if (rc < 0) {
                return rc;
            }
            curRef = 0;
        }
        return 0;
    }

    private long flushOne(Domain d, MemorySegment op, long curRef) {
        int offset = Fields.u16(op, 8);
        int length = Fields.u16(op, 10);
        long flags = Fields.u32(op, 12);
        if (offset >= 4096 || length > 4096 || offset + length > 4096 || (flags & ~(long) (Gntmap.GNTTAB_CACHE_CLEAN | Gntmap.GNTTAB_CACHE_INVAL)) != 0) {
            return -XenErrno.EINVAL;
        }
        if (length == 0 || flags == 0) {
            return curRef == 0 ? 0 : -XenErrno.EILSEQ;
        }
        long mfn = Fields.u64(op, 0) >>> 12;
        if (mfn >= host.memory().frames()) {
            return -XenErrno.EINVAL;
        }
        Domain owner = domains.byId(host.m2p().owner(mfn));
        if (owner == null || owner.dying()) {
            return -XenErrno.EPERM;
        }
        if (owner != d) {
            Maptrack mt = d.grantTable().maptrack();
            for (int h = 0; h < mt.limit(); h++) {
                Maptrack.Entry e = mt.get(h);
                if (e.flags != 0 && e.domid == owner.domid() && e.mfn == mfn) {
                    return 0;
                }
            }
            return -XenErrno.EINVAL; // grant_map_exists found no mapping
        }
        return 0;
    }
}
