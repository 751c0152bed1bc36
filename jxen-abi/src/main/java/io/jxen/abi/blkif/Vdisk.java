package io.jxen.abi.blkif;

import io.jxen.abi.XenConstant;

/**
 * Bits of the backend's {@code info} xenstore key (io/blkif.h {@code VDISK_*}).
 */
public final class Vdisk {

    /** The device is a CD-ROM: {@code VDISK_CDROM} (io/blkif.h). */
    @XenConstant("VDISK_CDROM")
    public static final int CDROM = 0x1;

    /** The medium is removable: {@code VDISK_REMOVABLE} (io/blkif.h). */
    @XenConstant("VDISK_REMOVABLE")
    public static final int REMOVABLE = 0x2;

    /** The device is read-only: {@code VDISK_READONLY} (io/blkif.h). */
    @XenConstant("VDISK_READONLY")
    public static final int READONLY = 0x4;

    private Vdisk() {
    }
}
