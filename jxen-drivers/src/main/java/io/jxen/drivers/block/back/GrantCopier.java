package io.jxen.drivers.block.back;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.Gntmap;
import io.jxen.abi.gnttab.Gntst;
import io.jxen.abi.gnttab.GnttabCopyDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.xen.DomId;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.Scratch;

import java.lang.foreign.MemorySegment;

/**
 * Moves segment data with {@code GNTTABOP_copy} (grant_table.h {@code gnttab_copy}) through one
 * bounce page of the backend's own memory, as QEMU's qdisk and blktap3 do: the backend never maps
 * the frontend's pages, so it owns all I/O memory (no XSA-229 class, no unmap). Each call copies
 * one segment and checks its status.
 */
final class GrantCopier {

    private final GuestKernel kernel;
    private final int frontendDomid;
    private final long bounceGfn;
    private final MemorySegment bounce;

    /** @param bounceGfn a page of the backend's RAM used for nothing else */
    GrantCopier(GuestKernel kernel, int frontendDomid, long bounceGfn) {
        this.kernel = kernel;
        this.frontendDomid = frontendDomid;
        this.bounceGfn = bounceGfn;
        this.bounce = kernel.memory().page(bounceGfn);
    }

    /** Copies {@code length} bytes at {@code offset} of granted page {@code gref} into {@code dst} at {@code at}. */
    boolean pull(int gref, int offset, int length, MemorySegment dst, long at) {
        if (!copy(gref, offset, length, Gntmap.GNTCOPY_SOURCE_GREF)) {
            return false;
        }
        MemorySegment.copy(bounce, offset, dst, at, length);
        return true;
    }

    /** Copies {@code length} bytes of {@code src} at {@code at} to {@code offset} of granted page {@code gref}. */
    boolean push(MemorySegment src, long at, int gref, int offset, int length) {
        MemorySegment.copy(src, at, bounce, offset, length);
        return copy(gref, offset, length, Gntmap.GNTCOPY_DEST_GREF);
    }

    private boolean copy(int gref, int offset, int length, int flags) {
        boolean fromGrant = flags == Gntmap.GNTCOPY_SOURCE_GREF;
        try (Scratch s = kernel.vcpu(0).scratch()) {
            // The grant side names (ref, domid, offset); our side names (gmfn, DOMID_SELF, offset).
            long grantSide = fromGrant ? GnttabCopyDescriptor.SOURCE_OFFSET : GnttabCopyDescriptor.DEST_OFFSET;
            long localSide = fromGrant ? GnttabCopyDescriptor.DEST_OFFSET : GnttabCopyDescriptor.SOURCE_OFFSET;
            long domidAt = GnttabCopyDescriptor.SOURCE_DOMID_OFFSET - GnttabCopyDescriptor.SOURCE_OFFSET;
            long offsetAt = GnttabCopyDescriptor.SOURCE_OFFSET_OFFSET - GnttabCopyDescriptor.SOURCE_OFFSET;
            s.putInt(grantSide, gref)
                    .putShort(grantSide + domidAt, frontendDomid)
                    .putShort(grantSide + offsetAt, offset)
                    .putLong(localSide, bounceGfn)
                    .putShort(localSide + domidAt, DomId.SELF)
                    .putShort(localSide + offsetAt, offset)
                    .putShort(GnttabCopyDescriptor.LEN_OFFSET, length)
                    .putShort(GnttabCopyDescriptor.FLAGS_OFFSET, flags);
            long rc = s.call3(Hypercall.GRANT_TABLE_OP, GnttabOp.COPY, 1);
            return rc == 0 && s.getShort(GnttabCopyDescriptor.STATUS_OFFSET) == Gntst.OKAY;
        }
    }

    /** The bounce page's size. */
    static int pageBytes() {
        return XenPage.SIZE;
    }
}
