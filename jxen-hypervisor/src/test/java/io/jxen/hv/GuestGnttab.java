package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.GnttabCopyDescriptor;
import io.jxen.abi.gnttab.GnttabMapGrantRefDescriptor;
import io.jxen.abi.gnttab.GnttabOp;
import io.jxen.abi.gnttab.GnttabUnmapGrantRefDescriptor;
import io.jxen.abi.gnttab.GrantEntryV1Descriptor;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;

/** The guest side of grant tables, as a test guest writes it. */
final class GuestGnttab {

    static final long ARG = TestHost.Guest.ARG;

    final Hypercalls hc;
    final GuestPhysicalMemory mem;
    final TestHost.Guest guest;

    GuestGnttab(TestHost.Guest g) {
        this.hc = g.hc();
        this.mem = g.mem();
        this.guest = g;
    }

    int version = 1;

    long entryGpa(int ref) {
        if (version == 2) {
            return (guest.domain().grantFrameGfn(ref / 256) << XenPage.SHIFT) + (long) (ref % 256) * 16;
        }
        return (guest.domain().grantFrameGfn(ref / 512) << XenPage.SHIFT)
                + (long) (ref % 512) * GrantEntryV1Descriptor.SIZE;
    }

    long setVersion(int v) {
        mem.putInt(ARG, v);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.SET_VERSION, ARG, 1);
        version = mem.getInt(ARG);
        return rc;
    }

    /** A v2 full-page grant: domid and frame, then flags. */
    void grantV2(int ref, int domid, long gfn, int flags) {
        long e = entryGpa(ref);
        mem.putShort(e + 2, (short) domid);
        mem.putLong(e + 8, gfn);
        mem.putShort(e, (short) flags);
    }

    /** A v2 sub-page grant of {@code [offset, offset + length)}. */
    void grantSubPage(int ref, int domid, long gfn, int offset, int length, int flags) {
        long e = entryGpa(ref);
        mem.putShort(e + 2, (short) domid);
        mem.putShort(e + 4, (short) offset);
        mem.putShort(e + 6, (short) length);
        mem.putLong(e + 8, gfn);
        mem.putShort(e, (short) (flags | Gtf.SUB_PAGE));
    }

    /** The v2 status word of {@code ref}, read through the guest's mapping of the status frame. */
    int statusV2(int ref) {
        long gpa = (guest.domain().statusFrameGfn(ref / 2048) << XenPage.SHIFT) + 2L * (ref % 2048);
        return Short.toUnsignedInt(mem.getShort(gpa));
    }

    /** get_status_frames: {status, first frame} or the hypercall's rc. */
    long[] statusFrames(int dom, int nrFrames) {
        mem.zero(ARG, 16);
        mem.putInt(ARG, nrFrames);
        mem.putShort(ARG + 4, (short) dom);
        mem.putLong(ARG + 8, TestHost.Guest.LIST);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.GET_STATUS_FRAMES, ARG, 1);
        return new long[] {rc != 0 ? rc : mem.getShort(ARG + 6), mem.getLong(TestHost.Guest.LIST)};
    }

    /** Publishes a grant as the header says: domid, frame, then flags. */
    void grant(int ref, int domid, long gfn, int flags) {
        long e = entryGpa(ref);
        mem.putShort(e + GrantEntryV1Descriptor.DOMID_OFFSET, (short) domid);
        mem.putInt(e + GrantEntryV1Descriptor.FRAME_OFFSET, (int) gfn);
        mem.putShort(e + GrantEntryV1Descriptor.FLAGS_OFFSET, (short) flags);
    }

    int flags(int ref) {
        return Short.toUnsignedInt(mem.getShort(entryGpa(ref) + GrantEntryV1Descriptor.FLAGS_OFFSET));
    }

    /** Maps: returns {status, handle, dev_bus_addr} and the hypercall's rc in [3]. */
    long[] map(int dom, int ref, long hostAddr, int flags) {
        mem.zero(ARG, GnttabMapGrantRefDescriptor.SIZE);
        mem.putLong(ARG + GnttabMapGrantRefDescriptor.HOST_ADDR_OFFSET, hostAddr);
        mem.putInt(ARG + GnttabMapGrantRefDescriptor.FLAGS_OFFSET, flags);
        mem.putInt(ARG + GnttabMapGrantRefDescriptor.REF_OFFSET, ref);
        mem.putShort(ARG + GnttabMapGrantRefDescriptor.DOM_OFFSET, (short) dom);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.MAP_GRANT_REF, ARG, 1);
        return new long[] {mem.getShort(ARG + GnttabMapGrantRefDescriptor.STATUS_OFFSET),
            mem.getInt(ARG + GnttabMapGrantRefDescriptor.HANDLE_OFFSET),
            mem.getLong(ARG + GnttabMapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET), rc};
    }

    long mapStatus(int dom, int ref, long hostAddr, int flags) {
        long[] r = map(dom, ref, hostAddr, flags);
        return r[3] != 0 ? r[3] : r[0];
    }

    long unmap(long hostAddr, long devBusAddr, long handle) {
        mem.zero(ARG, GnttabUnmapGrantRefDescriptor.SIZE);
        mem.putLong(ARG + GnttabUnmapGrantRefDescriptor.HOST_ADDR_OFFSET, hostAddr);
        mem.putLong(ARG + GnttabUnmapGrantRefDescriptor.DEV_BUS_ADDR_OFFSET, devBusAddr);
        mem.putInt(ARG + GnttabUnmapGrantRefDescriptor.HANDLE_OFFSET, (int) handle);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.UNMAP_GRANT_REF, ARG, 1);
        return rc != 0 ? rc : mem.getShort(ARG + GnttabUnmapGrantRefDescriptor.STATUS_OFFSET);
    }

    /** Writes one gnttab_copy at {@code at}. */
    void putCopy(long at, long src, int srcDom, int srcOff, long dst, int dstDom, int dstOff, int len, int flags) {
        mem.zero(at, GnttabCopyDescriptor.SIZE);
        mem.putLong(at + GnttabCopyDescriptor.SOURCE_U_OFFSET, src);
        mem.putShort(at + GnttabCopyDescriptor.SOURCE_DOMID_OFFSET, (short) srcDom);
        mem.putShort(at + GnttabCopyDescriptor.SOURCE_OFFSET_OFFSET, (short) srcOff);
        mem.putLong(at + GnttabCopyDescriptor.DEST_U_OFFSET, dst);
        mem.putShort(at + GnttabCopyDescriptor.DEST_DOMID_OFFSET, (short) dstDom);
        mem.putShort(at + GnttabCopyDescriptor.DEST_OFFSET_OFFSET, (short) dstOff);
        mem.putShort(at + GnttabCopyDescriptor.LEN_OFFSET, (short) len);
        mem.putShort(at + GnttabCopyDescriptor.FLAGS_OFFSET, (short) flags);
    }

    long copy(long src, int srcDom, int srcOff, long dst, int dstDom, int dstOff, int len, int flags) {
        putCopy(ARG, src, srcDom, srcOff, dst, dstDom, dstOff, len, flags);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GnttabOp.COPY, ARG, 1);
        return rc != 0 ? rc : mem.getShort(ARG + GnttabCopyDescriptor.STATUS_OFFSET);
    }
}
