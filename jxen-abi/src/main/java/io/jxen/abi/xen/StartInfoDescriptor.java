package io.jxen.abi.xen;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * The start-info page, {@code struct start_info} of xen.h (x86_64), which the domain builder
 * hands a PV guest in {@code %rsi} at boot and rewrites on resume.
 *
 * <pre>
 *  offset                                                        size
 *       0 +--------------------------------------------------+
 *         | magic[32]        "xen-&lt;version&gt;-&lt;platform&gt;"        |   32
 *      32 | nr_pages         pages allocated                   |    8
 *      40 | shared_info      machine address of shared_info    |    8
 *      48 | flags (SIF_*)    | (pad)                         |    8
 *      56 | store_mfn        xenstore ring frame               |    8
 *      64 | store_evtchn     | (pad)                         |    8
 *      72 | console: domU.mfn          | dom0.info_off,        |    8
 *      80 |          domU.evtchn (pad) |      .info_size       |    8
 *      88 | pt_base          VA of the page directory          |    8
 *      96 | nr_pt_frames                                       |    8
 *     104 | mfn_list         VA of the p2m                     |    8
 *     112 | mod_start        VA (or PFN) of the module         |    8
 *     120 | mod_len                                            |    8
 *     128 | cmd_line[MAX_GUEST_CMDLINE = 1024]                 | 1024
 *    1152 | first_p2m_pfn                                      |    8
 *    1160 | nr_p2m_frames                                      |    8
 *    1168 +--------------------------------------------------+
 * </pre>
 *
 * <p>Fields up to {@code console} are filled on boot and on resume; the rest on boot only.
 */
public final class StartInfoDescriptor {

    /**
     * Offset of {@code magic}: {@code "xen-<version>-<platform>"}, NUL padded; see
     * {@link #MAGIC_SIZE} (xen.h).
     */
    @XenOffsetof(type = "struct start_info", member = "magic")
    public static final int MAGIC_OFFSET = 0;

    /** Offset of {@code nr_pages}: total pages allocated to the domain (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "nr_pages")
    public static final int NR_PAGES_OFFSET = 32;

    /** Offset of {@code shared_info}: machine address of the shared-info page (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "shared_info")
    public static final int SHARED_INFO_OFFSET = 40;

    /** Offset of {@code flags}: {@code SIF_*} flags; see {@link StartInfoFlags} (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "flags")
    public static final int FLAGS_OFFSET = 48;

    /** Offset of {@code store_mfn}: machine frame of the xenstore ring page (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "store_mfn")
    public static final int STORE_MFN_OFFSET = 56;

    /** Offset of {@code store_evtchn}: event channel of the xenstore ring (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "store_evtchn")
    public static final int STORE_EVTCHN_OFFSET = 64;

    /** Offset of {@code console}: the {@code console} union (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "console")
    public static final int CONSOLE_OFFSET = 72;

    /** Offset of {@code console.domU.mfn}: domU: machine frame of the console ring page (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "console.domU.mfn")
    public static final int CONSOLE_DOMU_MFN_OFFSET = 72;

    /** Offset of {@code console.domU.evtchn}: domU: event channel of the console ring (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "console.domU.evtchn")
    public static final int CONSOLE_DOMU_EVTCHN_OFFSET = 80;

    /**
     * Offset of {@code console.dom0.info_off}: dom0: offset of the {@code dom0_vga_console_info}
     * in this page (xen.h).
     */
    @XenOffsetof(type = "struct start_info", member = "console.dom0.info_off")
    public static final int CONSOLE_DOM0_INFO_OFF_OFFSET = 72;

    /** Offset of {@code console.dom0.info_size}: dom0: size of that console info (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "console.dom0.info_size")
    public static final int CONSOLE_DOM0_INFO_SIZE_OFFSET = 76;

    /** Offset of {@code pt_base}: virtual address of the bootstrap page directory (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "pt_base")
    public static final int PT_BASE_OFFSET = 88;

    /** Offset of {@code nr_pt_frames}: number of bootstrap page-table frames (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "nr_pt_frames")
    public static final int NR_PT_FRAMES_OFFSET = 96;

    /** Offset of {@code mfn_list}: virtual address of the page-frame list (p2m) (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "mfn_list")
    public static final int MFN_LIST_OFFSET = 104;

    /**
     * Offset of {@code mod_start}: virtual address (or PFN with {@code SIF_MOD_START_PFN}) of the
     * pre-loaded module (xen.h).
     */
    @XenOffsetof(type = "struct start_info", member = "mod_start")
    public static final int MOD_START_OFFSET = 112;

    /** Offset of {@code mod_len}: bytes of the pre-loaded module (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "mod_len")
    public static final int MOD_LEN_OFFSET = 120;

    /**
     * Offset of {@code cmd_line}: the kernel command line, NUL terminated;
     * {@code MAX_GUEST_CMDLINE} bytes (xen.h).
     */
    @XenOffsetof(type = "struct start_info", member = "cmd_line")
    public static final int CMD_LINE_OFFSET = 128;

    /** Offset of {@code first_p2m_pfn}: first PFN of the initial p2m table (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "first_p2m_pfn")
    public static final int FIRST_P2M_PFN_OFFSET = 1152;

    /** Offset of {@code nr_p2m_frames}: number of PFNs forming the initial p2m table (xen.h). */
    @XenOffsetof(type = "struct start_info", member = "nr_p2m_frames")
    public static final int NR_P2M_FRAMES_OFFSET = 1160;

    /** Bytes in {@code struct start_info} (xen.h). */
    @XenSizeof("struct start_info")
    public static final int SIZE = 1168;

    /** The C alignment of {@code struct start_info}: where a view of it may start (xen.h). */
    @XenConstant(value = "_Alignof(struct start_info)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 8;

    /** Bytes of {@code magic} (xen.h). */
    @XenConstant(value = "sizeof(((struct start_info *)0)->magic)", abi = XenAbi.X86_64)
    public static final int MAGIC_SIZE = 32;

    private StartInfoDescriptor() {
    }
}
