package io.jxen.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Claiming the path of a listening Unix socket, as every jxen server does before it binds
 * (xenstored, the NBD server, a host's control socket): a socket left by a server that died is
 * removed; a live server's socket, a regular file, a directory or anything else that is not a
 * socket is left alone and the start is refused with a message saying which.
 */
public final class UnixSocketPath {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000; // sys/stat.h

    private UnixSocketPath() {
    }

    /**
     * Makes {@code path} free to bind: nothing there, or a stale socket (removed).
     *
     * @param path   the socket path
     * @param server what binds it, for the messages ("xenstored", "a jxen host")
     * @throws FileAlreadyExistsException if a live server answers there or the path is not a socket
     * @throws IOException                if the path cannot be inspected or removed
     */
    public static void claim(Path path, String server) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            String what = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "a directory"
                    : Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) ? "a regular file" : "not a socket";
            throw new FileAlreadyExistsException(path.toString(), null,
                    "is " + what + ", not a stale socket; refusing to replace it (remove it or choose another path)");
        }
        if (answers(path)) {
            throw new FileAlreadyExistsException(path.toString(), null,
                    server + " is answering on this socket; refusing to start a second one (stop it or choose another path)");
        }
        Files.deleteIfExists(path); // nobody listens: the socket of a server that died
    }

    /**
     * Whether a server accepts connections on the socket at {@code path}.
     *
     * @param path the socket path
     * @return true if a connect succeeds
     */
    public static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static boolean isSocket(Path p) throws IOException {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // No unix attribute view on this file system: "other" (not file, directory or link) is the best test.
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).isOther();
        }
    }
}
