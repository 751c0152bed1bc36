package io.jxen.host.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A test's connection to a host's control socket. */
public final class ControlClient implements AutoCloseable {

    public final SocketChannel channel;
    public final ByteArrayOutputStream received = new ByteArrayOutputStream();

    public ControlClient(Path socket, String request) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        send(request + "\n");
    }

    public void send(String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Reads until {@code text} has been received (or EOF); returns everything received. */
    public String readUntil(String text) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (!received.toString(StandardCharsets.ISO_8859_1).contains(text)) {
            b.clear();
            if (channel.read(b) < 0) {
                break;
            }
            received.write(b.array(), 0, b.position());
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads to EOF. */
    public String readAll() throws IOException {
        return readUntil("\u0000never\u0000");
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
