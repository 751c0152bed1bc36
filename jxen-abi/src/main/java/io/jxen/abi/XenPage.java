package io.jxen.abi;

/**
 * The page Xen shares memory in. x86 Xen pages are 4 KiB; the public headers leave the
 * value to the architecture, and the toolstack's xenctrl.h names it {@code XC_PAGE_SIZE}.
 */
public final class XenPage {

    /** log2 of the page size. */
    @XenConstant("XC_PAGE_SHIFT")
    public static final int SHIFT = 12;

    /** Bytes in a page: frames, grants and ring pages all come in this unit. */
    @XenConstant("XC_PAGE_SIZE")
    public static final int SIZE = 1 << SHIFT;

    private XenPage() {
    }
}
