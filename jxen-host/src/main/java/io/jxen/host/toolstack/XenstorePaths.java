package io.jxen.host.toolstack;

import java.util.UUID;

/** The paths of {@code docs/misc/xenstore-paths.pandoc} the toolstack writes. */
public final class XenstorePaths {

    private XenstorePaths() {
    }

    /** A domain's home, {@code /local/domain/$DOMID}. */
    public static String domain(int domid) {
        return "/local/domain/" + domid;
    }

    /** {@code /vm/$UUID}. */
    public static String vm(UUID uuid) {
        return "/vm/" + uuid;
    }

    /** libxl's private record of a domain, {@code /libxl/$DOMID}. */
    public static String libxl(int domid) {
        return "/libxl/" + domid;
    }

    /** A frontend, {@code /local/domain/$DOMID/device/$KIND/$DEVID}. */
    public static String frontend(int domid, String kind, int devid) {
        return domain(domid) + "/device/" + kind + "/" + devid;
    }

    /** The backends of one guest, {@code /local/domain/$BACKEND/backend/$KIND/$DOMID}. */
    public static String backends(int backendDomid, String kind, int domid) {
        return domain(backendDomid) + "/backend/" + kind + "/" + domid;
    }

    /** A backend, {@code /local/domain/$BACKEND/backend/$KIND/$DOMID/$DEVID}. */
    public static String backend(int backendDomid, String kind, int domid, int devid) {
        return backends(backendDomid, kind, domid) + "/" + devid;
    }
}
