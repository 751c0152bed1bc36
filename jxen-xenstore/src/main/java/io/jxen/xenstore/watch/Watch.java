package io.jxen.xenstore.watch;

import io.jxen.xenstore.wire.XsPath;

/**
 * One registered watch.
 *
 * @param path   absolute node path, or a special {@code @…} name
 * @param token  the client's token, echoed in every event
 * @param prefix for a watch registered with a relative path, the home path it was resolved
 *               against ({@code /local/domain/N}); null otherwise
 */
public record Watch(String path, String token, String prefix) {

    /** Whether this watches a special event rather than nodes. */
    public boolean special() {
        return XsPath.isSpecial(path);
    }

    /**
     * Whether a change fires this watch (C's {@code fire_watches}).
     *
     * @param changed absolute path of the change
     * @param exact   only a watch on exactly that path fires
     * @return true if it fires
     */
    public boolean matches(String changed, boolean exact) {
        if (special()) {
            return false;
        }
        return exact ? path.equals(changed) : XsPath.isInSubtree(changed, path);
    }

    /**
     * The path an event reports: relative to the home path for a relative watch.
     *
     * @param changed absolute path of the change
     * @return the reported path
     */
    public String reported(String changed) {
        if (prefix != null && changed.startsWith(prefix + "/")) {
            return changed.substring(prefix.length() + 1);
        }
        return changed;
    }
}
