package io.jxen.host.control;

import io.jxen.abi.xenbus.XenbusState;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The XenBus devices of a domain and their ivars, read from xenstore where the buses keep them
 * (xenstore-paths: a frontend at {@code /local/domain/N/device/TYPE/ID} with {@code backend},
 * {@code backend-id}, {@code state}; a backend at {@code /local/domain/N/backend/TYPE/FE/ID}
 * with {@code frontend}, {@code frontend-id}, {@code state}). Reading the store rather than one
 * process's bus objects lists the same devices whichever JVM runs the domain's kernel, as
 * FreeBSD's ivars are the nodes its xenbus read.
 */
public final class XenbusIvars {

    /**
     * One device.
     *
     * @param node          its xenstore directory
     * @param type          device type ({@code vbd}, {@code console}, …)
     * @param id            device id
     * @param frontend      whether this end is the frontend
     * @param state         its {@code state} node, or null if missing or unreadable
     * @param otherEnd      the other end's directory, or null
     * @param otherEndId    the other end's domain, or -1
     * @param otherEndState the other end's state, or null
     */
    public record Device(String node, String type, String id, boolean frontend, XenbusState state, String otherEnd,
                         int otherEndId, XenbusState otherEndState) {
    }

    private XenbusIvars() {
    }

    /** Every frontend and backend device of {@code domid}, frontends first, in store order. */
    public static List<Device> list(XenstoreClient xs, int domid) throws XenstoreException, IOException {
        String home = "/local/domain/" + domid;
        List<Device> out = new ArrayList<>();
        for (String type : dir(xs, home + "/device")) {
            for (String id : dir(xs, home + "/device/" + type)) {
                add(out, device(xs, home + "/device/" + type + "/" + id, type, id, true));
            }
        }
        for (String type : dir(xs, home + "/backend")) {
            for (String fe : dir(xs, home + "/backend/" + type)) {
                for (String id : dir(xs, home + "/backend/" + type + "/" + fe)) {
                    add(out, device(xs, home + "/backend/" + type + "/" + fe + "/" + id, type, id, false));
                }
            }
        }
        return out;
    }

    /** Skips what sits in a device directory without being a device (libxl's device/suspend/event-channel). */
    private static void add(List<Device> out, Device d) {
        if (d.state() != null || d.otherEnd() != null) {
            out.add(d);
        }
    }

    private static Device device(XenstoreClient xs, String node, String type, String id, boolean frontend)
            throws XenstoreException, IOException {
        String otherEnd = read(xs, node + (frontend ? "/backend" : "/frontend"));
        int otherEndId = -1;
        String otherId = read(xs, node + (frontend ? "/backend-id" : "/frontend-id"));
        if (otherId != null) {
            try {
                otherEndId = Integer.parseInt(otherId.trim());
            } catch (NumberFormatException e) {
                otherEndId = -1;
            }
        }
        return new Device(node, type, id, frontend, state(xs, node), otherEnd, otherEndId,
                otherEnd == null ? null : state(xs, otherEnd));
    }

    private static XenbusState state(XenstoreClient xs, String node) throws XenstoreException, IOException {
        String s = read(xs, node + "/state");
        if (s == null) {
            return null;
        }
        try {
            return XenbusState.of(Integer.parseInt(s.trim()));
        } catch (IllegalArgumentException e) {
            return null; // a peer's garbage is shown as unknown, not trusted
        }
    }

    private static List<String> dir(XenstoreClient xs, String path) throws XenstoreException, IOException {
        try {
            return xs.directory(path);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return List.of();
            }
            throw e;
        }
    }

    private static String read(XenstoreClient xs, String path) throws XenstoreException, IOException {
        try {
            return xs.read(path);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT || e.error() == XsError.EACCES) {
                return null;
            }
            throw e;
        }
    }

    /** The table {@code jxen xenbus list} prints. */
    public static String format(List<Device> devices) {
        StringBuilder b = new StringBuilder();
        String row = "%-44s %-8s %-6s %-5s %-16s %-44s %5s  %s%n";
        b.append(String.format(Locale.ROOT, row, "node", "type", "id", "end", "state", "other-end", "oe-id",
                "other-end-state"));
        for (Device d : devices) {
            b.append(String.format(Locale.ROOT, row, d.node(), d.type(), d.id(), d.frontend() ? "front" : "back",
                    name(d.state()), d.otherEnd() == null ? "-" : d.otherEnd(), d.otherEndId(), name(d.otherEndState())));
        }
        return b.toString();
    }

    private static String name(XenbusState s) {
        if (s == null) {
            return "-";
        }
        String[] words = s.name().toLowerCase(Locale.ROOT).split("_");
        StringBuilder b = new StringBuilder().append(s.value()).append(' ');
        for (String w : words) {
            b.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return b.toString();
    }
}
