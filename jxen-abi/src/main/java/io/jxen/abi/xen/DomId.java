package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Reserved domain ids (xen.h {@code DOMID_*}); {@code domid_t} is a {@code uint16_t}.
 */
public final class DomId {

    /** The first domain id that names no real domain: {@code DOMID_FIRST_RESERVED} (xen.h). */
    @XenConstant("DOMID_FIRST_RESERVED")
    public static final int FIRST_RESERVED = 0x7FF0;

    /** The calling domain: {@code DOMID_SELF} (xen.h). */
    @XenConstant("DOMID_SELF")
    public static final int SELF = 0x7FF0;

    /** The owner of I/O memory and privileged-for-I/O pages: {@code DOMID_IO} (xen.h). */
    @XenConstant("DOMID_IO")
    public static final int IO = 0x7FF1;

    /** Xen itself, owner of its own pages such as shared_info frames: {@code DOMID_XEN} (xen.h). */
    @XenConstant("DOMID_XEN")
    public static final int XEN = 0x7FF2;

    /** The owner of shared copy-on-write pages: {@code DOMID_COW} (xen.h). */
    @XenConstant("DOMID_COW")
    public static final int COW = 0x7FF3;

    /** No domain: {@code DOMID_INVALID} (xen.h). */
    @XenConstant("DOMID_INVALID")
    public static final int INVALID = 0x7FF4;

    /** The idle domain: {@code DOMID_IDLE} (xen.h). */
    @XenConstant("DOMID_IDLE")
    public static final int IDLE = 0x7FFF;

    /** Mask of the bits a domain id may use: {@code DOMID_MASK} (xen.h). */
    @XenConstant("DOMID_MASK")
    public static final int MASK = 0x7FFF;

    /** Bytes in a {@code domid_t}: {@code sizeof(domid_t)} (xen.h). */
    @XenConstant("sizeof(domid_t)")
    public static final int DOMID_SIZE = 2;

    private DomId() {
    }
}
