package io.jxen.hv.hypercall;

import io.jxen.abi.XenErrno;
import io.jxen.abi.XenPage;
import io.jxen.abi.version.XenFeat;
import io.jxen.abi.version.XenVer;
import io.jxen.abi.xen.XenLimits;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.GuestAccess;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * {@code __HYPERVISOR_xen_version} (xen/common/kernel.c {@code do_xen_version}, with the dummy
 * XSM policy's {@code xsm_xen_version}): jxen answers as Xen 4.17 would for an auto-translated
 * guest. Version, platform parameters and features are for everyone; the informational strings
 * too; the command line and build id are for the privileged domain ({@code "<denied>"} and
 * {@code -EPERM} otherwise).
 */
public final class XenVersionOps {

    /** The Xen version jxen implements the interface of. */
    public static final int MAJOR = 4;
    /** Minor version. */
    public static final int MINOR = 17;
    /** What {@code XENVER_extraversion} reports. */
    public static final String EXTRAVERSION = "-jxen";
    /** Xen's {@code xen_deny()} string. */
    static final String DENIED = "<denied>";

    /** Dispatches {@code XENVER cmd} (an int in Xen's prototype). */
    public long hypercall(Vcpu caller, long cmd, long arg) {
        Domain d = caller.domain();
        GuestAccess guest = d.guest();
        return switch ((int) cmd) {
            case XenVer.VERSION -> (MAJOR << 16) | MINOR;
            case XenVer.EXTRAVERSION -> string(guest, arg, EXTRAVERSION, XenVer.EXTRAVERSION_LEN);
            case XenVer.COMPILE_INFO -> {
                MemorySegment info = MemorySegment.ofArray(new byte[XenVer.COMPILE_INFO_SIZE]);
                put(info, 0, "jxen (Java 25)", 64);
                put(info, 64, "jxen", 16);
                put(info, 80, "jxen.io", 32);
                put(info, 112, "", 32);
                guest.copyOut(arg, info);
                yield 0;
            }
            case XenVer.CAPABILITIES -> string(guest, arg, "xen-3.0-x86_64", XenVer.CAPABILITIES_INFO_LEN);
            case XenVer.CHANGESET -> string(guest, arg, "jxen", XenVer.CHANGESET_INFO_LEN);
            case XenVer.PLATFORM_PARAMETERS -> {
                guest.put64(arg, 0); // virt_start: 0 for a guest that is not a PV vCPU
                yield 0;
            }
            case XenVer.GET_FEATURES -> features(d, guest, arg);
            case XenVer.PAGESIZE -> arg != 0 ? -XenErrno.EINVAL : XenPage.SIZE;
            case XenVer.GUEST_HANDLE -> {
                guest.copyOut(arg, MemorySegment.ofArray(new byte[XenLimits.DOMAIN_HANDLE_SIZE]));
                yield 0;
            }
            case XenVer.COMMANDLINE -> d.privileged()
                    ? string(guest, arg, "", XenVer.COMMANDLINE_LEN)
                    : string(guest, arg, DENIED, DENIED.length() + 1);
            case XenVer.BUILD_ID -> d.privileged() ? -XenErrno.ENODATA : -XenErrno.EPERM;
            default -> -XenErrno.ENOSYS;
        };
    }

    /** {@code XENVER_get_features}: submap 0 only ({@code -EINVAL} otherwise). */
    private static long features(Domain d, GuestAccess guest, long arg) {
        long submapIdx = Integer.toUnsignedLong(guest.get32(arg));
        if (submapIdx != 0) {
            return -XenErrno.EINVAL;
        }
        // Xen: translated domains get writable_page_tables and auto_translated_physmap; PV ones
        // (jxen's PV-MMU domains) mmu_pt_update_preserve_ad instead.
        int submap = d.config().pvMmu()
                ? (1 << XenFeat.MMU_PT_UPDATE_PRESERVE_AD) | (1 << XenFeat.NOT_DIRECT_MAPPED)
                : (1 << XenFeat.WRITABLE_PAGE_TABLES)
                | (1 << XenFeat.AUTO_TRANSLATED_PHYSMAP)
                | (1 << XenFeat.NOT_DIRECT_MAPPED);
        if (d.privileged()) {
            submap |= 1 << XenFeat.DOM0;
        }
        guest.put32(arg + 4, submap);
        return 0;
    }

    private static long string(GuestAccess guest, long arg, String value, int size) {
        MemorySegment out = MemorySegment.ofArray(new byte[size]);
        put(out, 0, value, size);
        guest.copyOut(arg, out);
        return 0;
    }

    /** A NUL-padded, NUL-terminated copy of {@code value} into {@code size} bytes at {@code offset}. */
    private static void put(MemorySegment out, long offset, String value, int size) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(bytes.length, size - 1);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, out, offset, n);
    }
}
