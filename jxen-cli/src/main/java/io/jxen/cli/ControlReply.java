package io.jxen.cli;

import io.jxen.host.control.KeyValues;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a machine-readable reply of a host's control socket: lines up to EOF, each at most
 * {@link KeyValues#MAX_LINE} bytes, at most {@link #MAX_LINES} of them, so a hostile or broken
 * host cannot make the client read without end.
 */
final class ControlReply {

    /** Most lines a reply may have (domains or vCPUs). */
    static final int MAX_LINES = 65536;

    private ControlReply() {
    }

    /** Sends {@code request} to the host in {@code dir} and returns its reply's lines after {@code ok}. */
    static List<String> lines(Path dir, String request) throws IOException {
        try (SocketChannel c = HostDirectory.request(dir, request)) {
            return lines(c);
        }
    }

    private static int read(SocketChannel c, ByteBuffer buf) throws IOException {
        try {
            return c.read(buf);
        } catch (java.net.SocketException e) {
            throw HostDirectory.hostGone("during its reply", e);
        }
    }

    static List<String> lines(SocketChannel c) throws IOException {
        List<String> out = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        byte[] line = new byte[KeyValues.MAX_LINE];
        int n = 0;
        while (read(c, buf.clear()) >= 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b == '\n') {
                    if (out.size() == MAX_LINES) {
                        throw new IOException("the host's reply has more than " + MAX_LINES + " lines");
                    }
                    out.add(new String(line, 0, n, StandardCharsets.UTF_8));
                    n = 0;
                } else if (n == line.length) {
                    throw new IOException("the host's reply has a line longer than " + KeyValues.MAX_LINE + " bytes");
                } else {
                    line[n++] = b;
                }
            }
        }
        if (n != 0) {
            throw new IOException("the host's reply ends inside a line");
        }
        return out;
    }
}
