package io.jxen.xenstore.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the xenstore wire decoder with the bytes a peer controls: a socket or ring byte
 * stream, delivered in arbitrary splits, then each decoded payload through the argument and
 * path parsers the daemon applies to it.
 *
 * <p>Property: {@link XsMessageReader#read} yields messages of at most XENSTORE_PAYLOAD_MAX
 * bytes whose re-encoding is exactly the bytes consumed, or throws
 * {@link ProtocolViolationException} (after which the connection is dropped); the payload and
 * path parsers throw nothing but {@link XenstoreException}; a path {@link XsPath#canonical}
 * accepts is valid, and its parent and base name put it back together.
 *
 * <p>Seed corpus: {@code src/test/resources/io/jxen/xenstore/wire/XsWireFuzzTestInputs/decode/}.
 * The first byte of an input picks the split size; the rest is the stream.
 */
class XsWireFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void decode(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int split = (data[0] & 0x3f) + 1;
        byte[] stream = Arrays.copyOfRange(data, 1, data.length);
        XsMessageReader reader = new XsMessageReader();
        int consumedAtMessageStart = 0;
        int at = 0;
        try {
            while (at < stream.length) {
                int n = Math.min(split, stream.length - at);
                ByteBuffer chunk = ByteBuffer.wrap(stream, at, n);
                while (chunk.hasRemaining()) {
                    XsMessage m = reader.read(chunk);
                    if (m == null) {
                        assertThat(chunk.hasRemaining()).as("null only when the chunk is used up").isFalse();
                        continue;
                    }
                    int end = chunk.position();
                    assertThat(m.payload().length).isLessThanOrEqualTo(4096);
                    assertThat(m.encode()).isEqualTo(Arrays.copyOfRange(stream, consumedAtMessageStart, end));
                    assertThat(reader.inMessage()).isFalse();
                    consumedAtMessageStart = end;
                    parsePayload(m.payload());
                }
                at += n;
            }
        } catch (ProtocolViolationException expected) {
            // The daemon drops the connection; nothing else may escape.
        }
    }

    private static void parsePayload(byte[] payload) {
        List<String> strings = XsPayload.strings(payload);
        assertThat(XsPayload.joinStrings(strings).length + tailLength(payload)).isEqualTo(payload.length);
        try {
            XsPayload.oneArg(payload);
        } catch (XenstoreException expected) {
            assertThat(expected.error()).isEqualTo(XsError.EINVAL);
        }
        try {
            XsPayload.exactly(payload, 2);
        } catch (XenstoreException expected) {
            assertThat(expected.error()).isEqualTo(XsError.EINVAL);
        }
        for (String s : strings) {
            XsPayload.atoi(s);
            XsPath.isSpecial(s);
            try {
                String path = XsPath.canonical(s, 7, XsPath.DEFAULT_PATH_MAX);
                assertThat(XsPath.isValid(path, XsPath.DEFAULT_PATH_MAX)).isTrue();
                assertThat(XsPath.isInSubtree(path, "/")).isTrue();
                if (!path.equals("/")) {
                    assertThat(XsPath.child(XsPath.parent(path), XsPath.baseName(path))).isEqualTo(path);
                }
            } catch (XenstoreException expected) {
                assertThat(expected.error()).isEqualTo(XsError.EINVAL);
            }
        }
    }

    private static int tailLength(byte[] payload) {
        int lastNul = -1;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                lastNul = i;
            }
        }
        return payload.length - lastNul - 1;
    }
}
