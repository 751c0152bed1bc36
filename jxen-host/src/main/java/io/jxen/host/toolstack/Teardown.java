package io.jxen.host.toolstack;

import io.jxen.host.config.DiskSpec;
import io.jxen.host.config.GuestConfig;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.client.XenstoreOps;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/** Removes what the toolstack wrote for a domain, as {@code libxl__destroy_domid} does. */
final class Teardown {

    private Teardown() {
    }

    /**
     * Removes {@code /local/domain/N}, {@code /vm/UUID}, {@code /libxl/N} and every backend directory of the
     * domain under dom0 (those of its config and those listed in {@code /libxl/N/device}) or under
     * the driver domain a device's recorded backend path names, in one transaction; missing
     * nodes are fine.
     */
    static void removeNodes(XenstoreClient xs, int domid, GuestConfig cfg) throws XenstoreException, IOException {
        Set<String> paths = new LinkedHashSet<>();
        paths.add(XenstorePaths.domain(domid));
        paths.add(XenstorePaths.vm(cfg.uuid()));
        paths.add(XenstorePaths.libxl(domid));
        paths.add(XenstorePaths.backends(0, "console", domid));
        for (DiskSpec d : cfg.disks()) {
            paths.add(XenstorePaths.backends(0, d.backendKind(), domid));
        }
        // Every device recorded under /libxl/N/device (libxl__devices_destroy walks that list):
        // devices added after creation go too. Only dom0 writes /libxl, so the kinds are trusted.
        // A device served by a driver domain has its backend under that domain's home: its
        // recorded backend path names it, and the guest's directory there goes with it.
        try {
            for (String kind : xs.directory(XenstorePaths.libxl(domid) + "/device")) {
                paths.add(XenstorePaths.backends(0, kind, domid));
                for (String devid : children(xs, XenstorePaths.libxl(domid) + "/device/" + kind)) {
                    String backend = readOrNull(xs, XenstorePaths.libxl(domid) + "/device/" + kind + "/" + devid
                            + "/backend");
                    String suffix = "/backend/" + kind + "/" + domid + "/" + devid;
                    if (backend != null && backend.startsWith("/local/domain/") && backend.endsWith(suffix)) {
                        paths.add(backend.substring(0, backend.length() - devid.length() - 1));
                    }
                }
            }
        } catch (XenstoreException e) {
            if (e.error() != XsError.ENOENT) {
                throw e;
            }
        }
        xs.inTransaction(tx -> {
            for (String p : paths) {
                rmIfPresent(tx, p);
            }
            return null;
        });
    }

    private static java.util.List<String> children(XenstoreClient xs, String path) throws XenstoreException, IOException {
        try {
            return xs.directory(path);
        } catch (XenstoreException e) {
            if (e.error() != XsError.ENOENT) {
                throw e;
            }
            return java.util.List.of();
        }
    }

    private static String readOrNull(XenstoreClient xs, String path) throws XenstoreException, IOException {
        try {
            return xs.read(path);
        } catch (XenstoreException e) {
            if (e.error() != XsError.ENOENT) {
                throw e;
            }
            return null;
        }
    }

    private static void rmIfPresent(XenstoreOps tx, String path) throws XenstoreException, IOException {
        try {
            tx.rm(path);
        } catch (XenstoreException e) {
            if (e.error() != XsError.ENOENT) {
                throw e;
            }
        }
    }
}
