package io.jxen.cli;

import io.jxen.host.Host;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The control-socket client's view of a host that stops while it talks to it: what
 * {@code xl shutdown -w} of {@code jxen run}'s own guest meets, since that host stops with its
 * guest. A host closing its end with the request unread resets the connection; the client
 * reports that as the host gone, which the waiting verb takes for the domain gone.
 */
class HostDirectoryTest {

    @Test
    @Timeout(30)
    void aHostThatClosesWithTheRequestUnreadIsReportedAsGone(@TempDir Path dir) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve(Host.CONTROL_SOCKET)));
            Thread host = Thread.ofPlatform().start(() -> {
                try (SocketChannel c = server.accept()) {
                    c.read(ByteBuffer.allocate(1)); // the request has arrived; the rest stays unread
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> HostDirectory.request(dir, "domains"))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("the host closed the connection before answering");
            host.join();
        }
    }

    @Test
    @Timeout(30)
    void aHostThatClosesWithoutAnsweringIsReportedAsGone(@TempDir Path dir) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve(Host.CONTROL_SOCKET)));
            Thread host = Thread.ofPlatform().start(() -> {
                try (SocketChannel c = server.accept()) {
                    ByteBuffer request = ByteBuffer.allocate(64);
                    while (request.position() == 0 || request.get(request.position() - 1) != '\n') {
                        if (c.read(request) < 0) {
                            return;
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> HostDirectory.request(dir, "domains"))
                    .isInstanceOf(IOException.class)
                    .hasMessage("the host closed the connection before answering");
            host.join();
        }
        assertThat(dir.resolve(Host.CONTROL_SOCKET)).exists();
    }
}
