package io.jxen.sim;

import org.opentest4j.TestAbortedException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tests that need something from outside the JVM (gcc and the Xen headers, xenstore-utils,
 * the reference xenstored, nbdinfo) ask here first. Locally a missing peer skips the test
 * with a message saying what to install; under {@code CI=true} it fails the test, so CI
 * cannot go green by skipping.
 */
public final class ExternalPeers {

    private ExternalPeers() {
    }

    /** True when running under CI ({@code CI=true} in the environment). */
    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Requires {@code present}; otherwise skips (locally) or fails (CI).
     *
     * @param present whether the peer is there
     * @param what    what is missing and how to get it, e.g. "gcc (apt-get install gcc)"
     */
    public static void require(boolean present, String what) {
        if (present) {
            return;
        }
        String message = "external peer missing: " + what;
        if (underCi()) {
            throw new AssertionError(message + " (CI=true: a missing peer fails the run; .ci/run must install it)");
        }
        throw new TestAbortedException(message);
    }

    /** Requires an executable on the PATH (or at an absolute path). */
    public static Path requireExecutable(String name, String howToInstall) {
        Path found = findExecutable(name);
        require(found != null, name + " (" + howToInstall + ")");
        return found;
    }

    /** Requires a file, such as a header. */
    public static Path requireFile(String path, String howToInstall) {
        Path file = Path.of(path);
        require(Files.isRegularFile(file), path + " (" + howToInstall + ")");
        return file;
    }

    /** The executable's path, or null when it is not on the PATH. */
    public static Path findExecutable(String name) {
        if (name.contains("/")) {
            Path direct = Path.of(name);
            return Files.isExecutable(direct) ? direct : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
