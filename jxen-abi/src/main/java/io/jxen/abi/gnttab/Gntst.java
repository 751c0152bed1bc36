package io.jxen.abi.gnttab;

import io.jxen.abi.XenConstant;

/**
 * Per-operation status codes of grant-table ops (grant_table.h {@code GNTST_*}), written to the
 * ops' {@code int16_t status} fields; the hypercall itself may still return 0.
 */
public final class Gntst {

    /** Success: {@code GNTST_okay} (grant_table.h). */
    @XenConstant("GNTST_okay")
    public static final int OKAY = 0;

    /** Undefined error: {@code GNTST_general_error} (grant_table.h). */
    @XenConstant("GNTST_general_error")
    public static final int GENERAL_ERROR = -1;

    /** Unrecognised domain id: {@code GNTST_bad_domain} (grant_table.h). */
    @XenConstant("GNTST_bad_domain")
    public static final int BAD_DOMAIN = -2;

    /** Unrecognised or inappropriate grant reference: {@code GNTST_bad_gntref} (grant_table.h). */
    @XenConstant("GNTST_bad_gntref")
    public static final int BAD_GNTREF = -3;

    /** Unrecognised or inappropriate handle: {@code GNTST_bad_handle} (grant_table.h). */
    @XenConstant("GNTST_bad_handle")
    public static final int BAD_HANDLE = -4;

    /** Inappropriate virtual address to map: {@code GNTST_bad_virt_addr} (grant_table.h). */
    @XenConstant("GNTST_bad_virt_addr")
    public static final int BAD_VIRT_ADDR = -5;

    /** Inappropriate device address to unmap: {@code GNTST_bad_dev_addr} (grant_table.h). */
    @XenConstant("GNTST_bad_dev_addr")
    public static final int BAD_DEV_ADDR = -6;

    /** Out of space in the I/O MMU: {@code GNTST_no_device_space} (grant_table.h). */
    @XenConstant("GNTST_no_device_space")
    public static final int NO_DEVICE_SPACE = -7;

    /** Not enough privilege: {@code GNTST_permission_denied} (grant_table.h). */
    @XenConstant("GNTST_permission_denied")
    public static final int PERMISSION_DENIED = -8;

    /** The page was invalid for the operation: {@code GNTST_bad_page} (grant_table.h). */
    @XenConstant("GNTST_bad_page")
    public static final int BAD_PAGE = -9;

    /** Copy arguments cross a page boundary: {@code GNTST_bad_copy_arg} (grant_table.h). */
    @XenConstant("GNTST_bad_copy_arg")
    public static final int BAD_COPY_ARG = -10;

    /** Transfer page address too large: {@code GNTST_address_too_big} (grant_table.h). */
    @XenConstant("GNTST_address_too_big")
    public static final int ADDRESS_TOO_BIG = -11;

    /** Not done; try again: {@code GNTST_eagain} (grant_table.h). */
    @XenConstant("GNTST_eagain")
    public static final int EAGAIN = -12;

    /** Out of space (handles etc.): {@code GNTST_no_space} (grant_table.h). */
    @XenConstant("GNTST_no_space")
    public static final int NO_SPACE = -13;

    private Gntst() {
    }
}
