package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.hypercall.abi.GrantTableAbi;
import io.jxen.hypercall.abi.GrantTableLayouts.Copy;
import io.jxen.hypercall.abi.GrantTableLayouts.EntryV1;
import io.jxen.hypercall.abi.GrantTableLayouts.MapGrantRef;
import io.jxen.hypercall.abi.GrantTableLayouts.UnmapGrantRef;

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
        return (guest.domain().grantFrameGfn(ref / 512) << XenPage.SHIFT) + (long) (ref % 512) * EntryV1.SIZE;
    }

    long setVersion(int v) {
        mem.putInt(ARG, v);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.SET_VERSION, ARG, 1);
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
        mem.putShort(e, (short) (flags | GrantTableAbi.GTF_SUB_PAGE));
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
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.GET_STATUS_FRAMES, ARG, 1);
        return new long[] {rc != 0 ? rc : mem.getShort(ARG + 6), mem.getLong(TestHost.Guest.LIST)};
    }

    /** Publishes a grant as the header says: domid, frame, then flags. */
    void grant(int ref, int domid, long gfn, int flags) {
        long e = entryGpa(ref);
        mem.putShort(e + EntryV1.DOMID, (short) domid);
        mem.putInt(e + EntryV1.FRAME, (int) gfn);
        mem.putShort(e + EntryV1.FLAGS, (short) flags);
    }

    int flags(int ref) {
        return Short.toUnsignedInt(mem.getShort(entryGpa(ref) + EntryV1.FLAGS));
    }

    /** Maps: returns {status, handle, dev_bus_addr} and the hypercall's rc in [3]. */
    long[] map(int dom, int ref, long hostAddr, int flags) {
        mem.zero(ARG, MapGrantRef.SIZE);
        mem.putLong(ARG + MapGrantRef.HOST_ADDR, hostAddr);
        mem.putInt(ARG + MapGrantRef.FLAGS, flags);
        mem.putInt(ARG + MapGrantRef.REF, ref);
        mem.putShort(ARG + MapGrantRef.DOM, (short) dom);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.MAP_GRANT_REF, ARG, 1);
        return new long[] {mem.getShort(ARG + MapGrantRef.STATUS), mem.getInt(ARG + MapGrantRef.HANDLE),
            mem.getLong(ARG + MapGrantRef.DEV_BUS_ADDR), rc};
    }

    long mapStatus(int dom, int ref, long hostAddr, int flags) {
        long[] r = map(dom, ref, hostAddr, flags);
        return r[3] != 0 ? r[3] : r[0];
    }

    long unmap(long hostAddr, long devBusAddr, long handle) {
        mem.zero(ARG, UnmapGrantRef.SIZE);
        mem.putLong(ARG + UnmapGrantRef.HOST_ADDR, hostAddr);
        mem.putLong(ARG + UnmapGrantRef.DEV_BUS_ADDR, devBusAddr);
        mem.putInt(ARG + UnmapGrantRef.HANDLE, (int) handle);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.UNMAP_GRANT_REF, ARG, 1);
        return rc != 0 ? rc : mem.getShort(ARG + UnmapGrantRef.STATUS);
    }

    /** Writes one gnttab_copy at {@code at}. */
    void putCopy(long at, long src, int srcDom, int srcOff, long dst, int dstDom, int dstOff, int len, int flags) {
        mem.zero(at, Copy.SIZE);
        mem.putLong(at + Copy.SOURCE_U, src);
        mem.putShort(at + Copy.SOURCE_DOMID, (short) srcDom);
        mem.putShort(at + Copy.SOURCE_OFFSET, (short) srcOff);
        mem.putLong(at + Copy.DEST_U, dst);
        mem.putShort(at + Copy.DEST_DOMID, (short) dstDom);
        mem.putShort(at + Copy.DEST_OFFSET, (short) dstOff);
        mem.putShort(at + Copy.LEN, (short) len);
        mem.putShort(at + Copy.FLAGS, (short) flags);
    }

    long copy(long src, int srcDom, int srcOff, long dst, int dstDom, int dstOff, int len, int flags) {
        putCopy(ARG, src, srcDom, srcOff, dst, dstDom, dstOff, len, flags);
        long rc = hc.hypercall(Hypercall.GRANT_TABLE_OP, GrantTableAbi.COPY, ARG, 1);
        return rc != 0 ? rc : mem.getShort(ARG + Copy.STATUS);
    }
}
