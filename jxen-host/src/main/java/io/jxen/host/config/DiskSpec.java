package io.jxen.host.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of {@code disk = [ ... ]}, in the syntax of {@code docs/misc/xl-disk-configuration.txt}:
 * comma-separated {@code key=value} pairs, flags and positional parameters
 * ({@code target, format, vdev, access} in that order), each given at most once; an empty value
 * means the default; {@code target=} swallows the rest of the spec, commas included. The
 * deprecated forms are accepted too: {@code raw:}/{@code qcow2:}/{@code vhd:} format prefixes,
 * ignored {@code phy: file: tap: tap2: aio: ioemu: tapdisk:} prefixes, {@code hdc:cdrom} vdevs.
 *
 * @param target      image file or device (may be empty only for a cdrom)
 * @param format      image format; jxen serves {@code raw} only
 * @param vdev        the guest's device name and number
 * @param readOnly    {@code access=r|ro} (cdroms default to read-only)
 * @param cdrom       {@code devtype=cdrom}
 * @param backendType {@code phy} (jxen's kernel-style blkback, xenstore kind {@code vbd}) or
 *                    {@code qdisk}
 * @param backend     the backend domain's name, or null for dom0
 * @param script      hotplug script, or null
 * @param discard     whether the backend should offer discard ({@code discard}/{@code no-discard})
 * @param directIoSafe the {@code direct-io-safe} flag
 */
public record DiskSpec(String target, String format, Vdev vdev, boolean readOnly, boolean cdrom,
                       String backendType, String backend, String script, boolean discard, boolean directIoSafe) {

    private static final String[] POSITIONAL = {"target", "format", "vdev", "access"};
    private static final List<String> FORMATS = List.of("raw", "qcow", "qcow2", "vhd", "qed");
    private static final List<String> IGNORED_PREFIXES = List.of("phy", "file", "tap", "tap2", "aio", "ioemu", "tapdisk");
    private static final List<String> SCRIPT_PREFIXES = List.of("iscsi", "nbd", "enbd", "drbd");

    /** {@code mode} in the backend: {@code r} or {@code w}. */
    public String mode() {
        return readOnly ? "r" : "w";
    }

    /** {@code device-type}: {@code cdrom} or {@code disk}. */
    public String deviceType() {
        return cdrom ? "cdrom" : "disk";
    }

    /** The xenstore backend kind: {@code vbd} for {@code phy}, {@code qdisk} for qdisk. */
    public String backendKind() {
        return backendType.equals("qdisk") ? "qdisk" : "vbd";
    }

    /**
     * Parses one disk spec.
     *
     * @param spec  the text of the list item
     * @param index 1-based position in the {@code disk} list, for messages ("disk spec 2: …")
     * @throws IllegalArgumentException with a message starting "disk spec N: "
     */
    public static DiskSpec parse(String spec, int index) {
        return new Builder(index).parse(spec);
    }

    private static final class Builder {
        private final int index;
        private final String[] named = new String[POSITIONAL.length];
        private final boolean[] given = new boolean[POSITIONAL.length];
        private String devtype;
        private String backendType;
        private String backend;
        private String script;
        private Boolean discard;
        private boolean directIoSafe;
        private String prefixFormat;
        private boolean deprecatedSyntax;

        Builder(int index) {
            this.index = index;
        }

        private IllegalArgumentException fail(String problem) {
            return new IllegalArgumentException("disk spec " + index + ": " + problem);
        }

        DiskSpec parse(String spec) {
            int nextPositional = 0;
            int pos = 0;
            List<String> parts = new ArrayList<>();
            while (true) {
                while (pos < spec.length() && (spec.charAt(pos) == ' ' || spec.charAt(pos) == '\t')) {
                    pos++;
                }
                if (spec.startsWith("target=", pos)) {
                    parts.add(spec.substring(pos));
                    break;
                }
                int comma = spec.indexOf(',', pos);
                parts.add(comma < 0 ? spec.substring(pos) : spec.substring(pos, comma));
                if (comma < 0) {
                    break;
                }
                pos = comma + 1;
            }
            for (String raw : parts) {
                int eq = raw.indexOf('=');
                if (eq >= 0 && isKeyword(raw.substring(0, eq))) {
                    keyValue(raw.substring(0, eq), raw.substring(eq + 1));
                } else if (eq < 0 && flag(raw)) {
                    // a flag such as cdrom or discard
                } else {
                    String value = raw.strip();
                    while (nextPositional < POSITIONAL.length && given[nextPositional]) {
                        nextPositional++;
                    }
                    if (nextPositional >= POSITIONAL.length) {
                        if (value.isEmpty()) {
                            continue;
                        }
                        throw fail("unexpected extra parameter '" + XlConfig.printable(value)
                                + "' (positional parameters are target, format, vdev, access)");
                    }
                    if (nextPositional == 1 && (deprecatedSyntax || value.indexOf(':') >= 0)) {
                        // [<format>:][<target>],<vdev>[:<devtype>],<access>: no format position
                        nextPositional = 2;
                    }
                    if (nextPositional == 0) {
                        value = stripPrefixes(value);
                    }
                    set(nextPositional++, value);
                }
            }
            return build();
        }

        private static boolean isKeyword(String key) {
            if (key.isEmpty() || !Character.isLetter(key.charAt(0))) {
                return false;
            }
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '-' && c != '_') {
                    return false;
                }
            }
            return true;
        }

        private boolean flag(String raw) {
            String f = raw.strip();
            switch (f) {
                case "cdrom" -> devtype = once("devtype", devtype, "cdrom");
                case "direct-io-safe" -> directIoSafe = true;
                case "discard" -> discard = onceFlag(true);
                case "no-discard" -> discard = onceFlag(false);
                case "colo", "trusted", "untrusted" -> {
                    // accepted and ignored: no COLO; jxen frontends treat every backend's
                    // bytes as hostile whatever the flag says (the frontend's trusted node is 1)
                }
                default -> {
                    return false;
                }
            }
            return true;
        }

        private Boolean onceFlag(boolean value) {
            if (discard != null) {
                throw fail("discard given twice");
            }
            return value;
        }

        private void keyValue(String key, String value) {
            value = key.equals("target") ? value : value.strip();
            switch (key) {
                case "target" -> set(0, value);
                case "format" -> set(1, value);
                case "vdev" -> set(2, value);
                case "access" -> set(3, value);
                case "devtype" -> devtype = once(key, devtype, value);
                case "backendtype" -> backendType = once(key, backendType, value);
                case "backend" -> backend = once(key, backend, value);
                case "script" -> script = once(key, script, value);
                case "colo-host", "colo-port", "colo-export", "active-disk", "hidden-disk" ->
                        throw fail("COLO ('" + key + "') is not supported by jxen");
                default -> throw fail("unknown parameter '" + XlConfig.printable(key) + "'; expected target, format,"
                        + " vdev, access, devtype, backendtype, backend, script or a flag (cdrom, discard,"
                        + " no-discard, direct-io-safe)");
            }
        }

        private String once(String key, String old, String value) {
            if (old != null) {
                throw fail(key + " given twice");
            }
            return value;
        }

        private void set(int which, String value) {
            if (given[which]) {
                throw fail(POSITIONAL[which] + " given twice");
            }
            given[which] = true;
            named[which] = value;
        }

        private DiskSpec build() {
            String target = named[0] == null ? "" : named[0];
            String format = named[1] == null || named[1].isEmpty() ? null : named[1];
            if (format == null) {
                format = prefixFormat == null ? "raw" : prefixFormat;
            } else if (prefixFormat != null && !prefixFormat.equals(format)) {
                throw fail("format given twice ('" + prefixFormat + ":' prefix and '" + format + "')");
            }
            if (!FORMATS.contains(format)) {
                throw fail("unknown format '" + XlConfig.printable(format) + "'; expected raw, qcow, qcow2, vhd, qed");
            }
            if (!format.equals("raw")) {
                throw fail("format '" + format + "' is not supported: jxen serves raw images only");
            }
            String vdevText = named[2] == null ? "" : named[2];
            int colon = vdevText.indexOf(':');
            if (colon >= 0) {
                devtype = once("devtype", devtype, vdevText.substring(colon + 1));
                vdevText = vdevText.substring(0, colon);
            }
            if (vdevText.isEmpty()) {
                throw fail("no vdev (the guest's device name, e.g. vdev=xvda) is given");
            }
            Vdev vdev;
            try {
                vdev = Vdev.parse(vdevText);
            } catch (IllegalArgumentException e) {
                throw fail(e.getMessage());
            }
            boolean cdrom = false;
            if (devtype != null && !devtype.isEmpty()) {
                if (devtype.equals("cdrom")) {
                    cdrom = true;
                } else if (!devtype.equals("disk")) {
                    throw fail("unknown devtype '" + XlConfig.printable(devtype) + "'; expected cdrom or disk");
                }
            }
            boolean readOnly = cdrom;
            String access = named[3] == null ? "" : named[3];
            switch (access) {
                case "" -> {
                }
                case "r", "ro" -> readOnly = true;
                case "w", "rw" -> readOnly = false;
                default -> throw fail("unknown access mode '" + XlConfig.printable(access) + "'; expected r, ro, w, rw");
            }
            if (target.isEmpty() && !cdrom) {
                throw fail("no target (the image file, e.g. target=/srv/guest.img) is given");
            }
            String bt = backendType == null || backendType.isEmpty() ? "phy" : backendType;
            switch (bt) {
                case "phy", "qdisk" -> {
                }
                case "tap" -> throw fail("backendtype 'tap' is not supported by jxen; use phy or qdisk");
                default -> throw fail("unknown backendtype '" + XlConfig.printable(bt) + "'; expected phy, tap, qdisk");
            }
            return new DiskSpec(target, format, vdev, readOnly, cdrom, bt,
                    backend == null || backend.isEmpty() ? null : backend, script,
                    discard == null || discard, directIoSafe);
        }

        /** The deprecated {@code fmt:}, {@code script:} and ignored prefixes of a target. */
        private String stripPrefixes(String target) {
            while (true) {
                int colon = target.indexOf(':');
                if (colon <= 0) {
                    return target;
                }
                String prefix = target.substring(0, colon);
                if (prefix.equals("raw") || prefix.equals("qcow") || prefix.equals("qcow2") || prefix.equals("vhd")) {
                    if (prefixFormat != null) {
                        throw fail("format prefix given twice");
                    }
                    prefixFormat = prefix;
                } else if (SCRIPT_PREFIXES.contains(prefix)) {
                    script = once("script", script, "block-" + prefix);
                } else if (!IGNORED_PREFIXES.contains(prefix)) {
                    return target;
                }
                target = target.substring(colon + 1);
                deprecatedSyntax = true;
            }
        }
    }
}
