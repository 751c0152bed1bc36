package io.jxen.xenstore.wire;

import io.jxen.abi.xs.XsSockmsgDescriptor;

/**
 * Node path rules of docs/misc/xenstore.txt as C xenstored 4.17 applies them
 * ({@code canonicalize}, {@code is_valid_nodename}):
 * <ul>
 *   <li>a path not starting with {@code /} is relative to {@code /local/domain/<domid>}
 *       (socket connections are dom0);</li>
 *   <li>characters {@code [A-Za-z0-9-/_@]}, no {@code //}, no trailing {@code /} except the
 *       root;</li>
 *   <li>length: the part after {@code /local/domain/<id>/} (id of at most 5 digits), or the
 *       whole path otherwise, at most {@code path-max} (2048) bytes;</li>
 *   <li>watch paths starting with {@code @} are special: any bytes, at most
 *       XENSTORE_REL_PATH_MAX.</li>
 * </ul>
 */
public final class XsPath {

    /** Default {@code path-max} quota of C xenstored 4.17. */
    public static final int DEFAULT_PATH_MAX = XsSockmsgDescriptor.REL_PATH_MAX;

    private static final String LOCAL_DOMAIN = "/local/domain/";

    private XsPath() {
    }

    /**
     * The home path of a domain, {@code /local/domain/<domid>}.
     *
     * @param domid domain id
     * @return the path
     */
    public static String domainPath(int domid) {
        return LOCAL_DOMAIN + Integer.toUnsignedString(domid);
    }

    /**
     * Resolves a node path against the caller's home and validates it.
     *
     * @param raw     the path as sent
     * @param domid   caller's domain
     * @param pathMax the {@code path-max} quota
     * @return the absolute path
     * @throws XenstoreException EINVAL for an invalid path
     */
    public static String canonical(String raw, int domid, int pathMax) throws XenstoreException {
        // C's canonicalize() leaves "@…" alone, and a node name must start with "/".
        if (raw.startsWith("@")) {
            throw new XenstoreException(XsError.EINVAL, "special path used as a node");
        }
        String path = raw.startsWith("/") ? raw : domainPath(domid) + "/" + raw;
        if (!isValid(path, pathMax)) {
            throw new XenstoreException(XsError.EINVAL, "invalid path");
        }
        return path;
    }

    /**
     * Whether an absolute path is a valid node name.
     *
     * @param path    absolute path
     * @param pathMax the {@code path-max} quota
     * @return true if valid
     */
    public static boolean isValid(String path, int pathMax) {
        if (!path.startsWith("/")) {
            return false;
        }
        if (path.length() > 1 && path.endsWith("/")) {
            return false;
        }
        if (path.contains("//")) {
            return false;
        }
        if (path.length() - localOffset(path) > pathMax) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '/' || c == '_' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Length of a {@code /local/domain/<id>/} prefix (id of 1 to 5 digits, as C's
     * {@code sscanf("/local/domain/%5u/%n")}), or 0.
     */
    static int localOffset(String path) {
        if (!path.startsWith(LOCAL_DOMAIN)) {
            return 0;
        }
        int i = LOCAL_DOMAIN.length();
        int digits = 0;
        while (i < path.length() && digits < 5 && Character.isDigit(path.charAt(i))) {
            i++;
            digits++;
        }
        if (digits == 0 || i >= path.length() || path.charAt(i) != '/') {
            return 0;
        }
        return i + 1;
    }

    /**
     * Whether a watch path names a special event ({@code @introduceDomain} etc.).
     *
     * @param path watch path as sent
     * @return true if it starts with {@code @}
     */
    public static boolean isSpecial(String path) {
        return path.startsWith("@");
    }

    /**
     * The parent of an absolute path other than the root.
     *
     * @param path absolute path, not "/"
     * @return the parent path
     */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    /**
     * The last component of an absolute path other than the root.
     *
     * @param path absolute path
     * @return the name
     */
    public static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * The path of a child.
     *
     * @param parent absolute parent path
     * @param name   child name
     * @return the child's path
     */
    public static String child(String parent, String name) {
        return parent.equals("/") ? "/" + name : parent + "/" + name;
    }

    /**
     * C's {@code is_child}: whether {@code path} is {@code ancestor} or below it.
     *
     * @param path     absolute path
     * @param ancestor absolute path
     * @return true if {@code path} lies in {@code ancestor}'s subtree
     */
    public static boolean isInSubtree(String path, String ancestor) {
        if (ancestor.equals("/")) {
            return true;
        }
        return path.startsWith(ancestor)
                && (path.length() == ancestor.length() || path.charAt(ancestor.length()) == '/');
    }
}
