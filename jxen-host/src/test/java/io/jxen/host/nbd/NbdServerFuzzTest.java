package io.jxen.host.nbd;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jxen.drivers.block.MemoryBlockDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.jxen.host.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Fuzzes the NBD server's option haggling and request parsing: the fuzzer's bytes are all a
 * client sends after the greeting (client flags, options, then transmission requests) on a
 * real loopback connection to one server that serves every input in turn.
 *
 * <p>Property: whatever the bytes, the server closes the connection within a few seconds of
 * the client's end of stream, no connection or request thread fails with an unexpected
 * exception (nothing is logged at WARNING: no exception escaping a connection or request, no device
 * error, which would mean a range check let a bad request through), and the server still
 * serves a well-behaved client afterwards. The export is small (1 MiB, 4 KiB payloads) so each
 * run stays fast.
 *
 * <p>Seed corpus: {@code src/test/resources/io/jxen/host/nbd/NbdServerFuzzTestInputs/serve/},
 * raw client byte streams.
 */
class NbdServerFuzzTest {

    private static final int SIZE = 1 << 20;
    private static final int MAX_PAYLOAD = 4096;
    private static final Logger JUL = Logger.getLogger("jxen.nbd");
    private static final List<String> FAILURES = new CopyOnWriteArrayList<>();
    private static final Handler RECORDER = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                FAILURES.add(r.getMessage() + (r.getThrown() == null ? "" : ": " + r.getThrown()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private static NbdServer server;
    private static Level previousLevel;

    @BeforeAll
    static void start() throws IOException {
        previousLevel = JUL.getLevel();
        JUL.setLevel(Level.WARNING);
        JUL.addHandler(RECORDER);
        server = NbdServer.start(new MemoryBlockDevice(SIZE, false), 0, "disk",
                new NbdServer.Options(false, true, MAX_PAYLOAD, 64, "fuzz", Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        JUL.removeHandler(RECORDER);
        JUL.setLevel(previousLevel);
    }

    @FuzzTest(maxDuration = "60s")
    void serve(byte[] clientBytes) throws Exception {
        FAILURES.clear();
        // The test itself connects to its server; Jazzer's SSRF detector must only allow that.
        try (SilentCloseable _ = BugDetectors.allowNetworkConnections(
                (host, port) -> port == server.port() && (host.equals("localhost") || host.equals("127.0.0.1")))) {
            exchange(clientBytes);
        }
    }

    private static void exchange(byte[] clientBytes) throws Exception {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(5000);
            try {
                s.getOutputStream().write(clientBytes);
                s.shutdownOutput();
            } catch (SocketException serverAlreadyClosed) {
                // The server may drop a broken client before it has sent everything.
            }
            drain(s.getInputStream());
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.activeConnections() > 0) {
            if (System.nanoTime() > deadline) {
                fail("the server still holds %d connection(s) 5 s after the client left", server.activeConnections());
            }
            Thread.sleep(1);
        }
        wellBehavedClientIsServed();
        assertThat(FAILURES).as("warnings logged by the server").isEmpty();
    }

    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        try {
            while (in.read(sink) >= 0) {
                // discard
            }
        } catch (SocketTimeoutException e) {
            fail("the server neither answered nor closed within 5 s of the client's end of stream");
        } catch (SocketException reset) {
            // A reset is a close.
        }
    }

    /**
     * Greets, sends OPT_GO, a READ and NBD_CMD_DISC in one write (no Nagle stalls), and checks
     * the answers: the server is still up and still parses a clean stream correctly.
     */
    private static void wellBehavedClientIsServed() throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(5000);
            ByteBuffer b = ByteBuffer.allocate(256);
            b.putInt(CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES);
            b.putLong(IHAVEOPT).putInt(OPT_GO).putInt(6).putInt(0).putShort((short) 0);
            b.putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) CMD_READ).putLong(42).putLong(4096).putInt(512);
            b.putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) CMD_DISC).putLong(43).putLong(0).putInt(0);
            s.getOutputStream().write(b.array(), 0, b.position());
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            assertThat(in.readLong()).isEqualTo(NBDMAGIC);
            assertThat(in.readLong()).isEqualTo(IHAVEOPT);
            in.readUnsignedShort();
            int type;
            do {
                assertThat(in.readLong()).isEqualTo(OPTION_REPLY_MAGIC);
                assertThat(in.readInt()).isEqualTo(OPT_GO);
                type = in.readInt();
                in.readNBytes(in.readInt());
                assertThat(type).as("reply to OPT_GO").isIn(REP_INFO, REP_ACK);
            } while (type != REP_ACK);
            assertThat(in.readInt()).isEqualTo(SIMPLE_REPLY_MAGIC);
            assertThat(in.readInt()).as("READ error").isZero();
            assertThat(in.readLong()).isEqualTo(42);
            assertThat(in.readNBytes(512)).hasSize(512);
        }
    }
}
