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
     * domain under dom0 (those of its config and those listed in {@code /libxl/N/device}), in one
     * transaction; missing nodes are fine.
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
        try {
            for (String kind : xs.directory(XenstorePaths.libxl(domid) + "/device")) {
                paths.add(XenstorePaths.backends(0, kind, domid));
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
