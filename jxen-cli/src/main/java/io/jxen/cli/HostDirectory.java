package io.jxen.cli;

import io.jxen.host.Host;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where a running host lives and how the inspecting verbs reach it. Every jxen process is a
 * host of its own, so {@code jxen run} keeps one alive in a directory (its memory file,
 * xenstored's socket, the control socket) and {@code jxen console} / {@code jxen xenbus list}
 * connect to that directory's {@code control.sock}. The default directory,
 * {@code $JXEN_HOST_DIR} or else {@code <tmpdir>/jxen-<user>}, lets them find each other
 * without options.
 */
final class HostDirectory {

    private HostDirectory() {
    }

    /** The default host directory. */
    static Path defaultDir() {
        String env = System.getenv("JXEN_HOST_DIR");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "jxen-" + System.getProperty("user.name"));
    }

    /**
     * A host that stopped while a client talked to it: its end was closed with our request
     * unread (the kernel resets the connection) or before our write. Callers that wait for a
     * host to go ({@code xl shutdown -w} of {@code jxen run}'s guest) take this for gone.
     */
    static IOException hostGone(String when, java.net.SocketException e) {
        return new IOException("the host closed the connection " + when + " (" + e.getMessage() + ")", e);
    }

    /**
     * Sends one request to the host in {@code dir} and reads the first reply line.
     *
     * @return the connection, positioned after an {@code ok} line
     * @throws IOException naming the directory if no host answers there, or the host's error
     */
    static SocketChannel request(Path dir, String request) throws IOException {
        Path socket = dir.resolve(Host.CONTROL_SOCKET);
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("no jxen host runs in " + dir + " (" + e.getMessage()
                        + "); start one with: jxen run CONFIG" + (dir.equals(defaultDir()) ? "" : " --dir " + dir), e);
            }
            ByteBuffer b = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                while (b.hasRemaining()) {
                    c.write(b);
                }
            } catch (java.net.SocketException e) {
                throw hostGone("before answering", e);
            }
            StringBuilder line = new StringBuilder();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (true) {
                one.clear();
                int n;
                try {
                    n = c.read(one);
                } catch (java.net.SocketException e) {
                    throw hostGone("before answering", e);
                }
                if (n < 0) {
                    throw new IOException("the host closed the connection before answering");
                }
                char ch = (char) (one.get(0) & 0xff);
                if (ch == '\n') {
                    break;
                }
                if (line.length() > 4096) {
                    throw new IOException("the host's answer is not a line");
                }
                line.append(ch);
            }
            if (line.toString().equals("ok")) {
                return c;
            }
            throw new IOException(line.toString().startsWith("error ") ? line.substring(6) : "unexpected answer " + line);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
