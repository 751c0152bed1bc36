package io.jxen.xenstore.wire;

import io.jxen.abi.xs.XsMessageTypes;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XsWireTest {

    @Test
    void encodesTheHeaderLittleEndianLikeTheGoldenVector() {
        // READ "/a/b/c" tid=6: 02 00 00 00 | 00 00 00 00 | 06 00 00 00 | 07 00 00 00 | "/a/b/c\0"
        byte[] b = XsMessage.ofStrings(XsMessageTypes.READ, 0, 6, "/a/b/c").encode();
        assertThat(b).startsWith(2, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0);
        assertThat(new String(b, 16, 7, StandardCharsets.US_ASCII)).isEqualTo("/a/b/c\0");
    }

    @Test
    void encodeIntoWritesWhatEncodeReturnsWhateverTheBufferOrder() {
        XsMessage m = XsMessage.ofStrings(XsMessageTypes.WRITE, 0x01020304, 7, "/a", "value");
        for (ByteBuffer dst : List.of(ByteBuffer.allocate(64), ByteBuffer.allocateDirect(64))) {
            dst.put((byte) 9);
            m.encodeInto(dst);
            assertThat(dst.position()).isEqualTo(1 + m.wireSize());
            assertThat(dst.order()).as("the caller's order is left alone").isEqualTo(java.nio.ByteOrder.BIG_ENDIAN);
            byte[] got = new byte[m.wireSize()];
            dst.get(1, got);
            assertThat(got).isEqualTo(m.encode());
        }
    }

    @Test
    void decodesMessagesSplitAtEveryByteBoundary() throws Exception {
        List<XsMessage> sent = List.of(
                XsMessage.ofStrings(XsMessageTypes.WRITE, 7, 0, "/x", "value"),
                new XsMessage(XsMessageTypes.TRANSACTION_START, 8, 0, new byte[0]),
                XsMessage.ofStrings(XsMessageTypes.WATCH, 9, 3, "/w", "tok"));
        ByteBuffer all = ByteBuffer.allocate(1024);
        for (XsMessage m : sent) {
            all.put(m.encode());
        }
        all.flip();
        byte[] stream = new byte[all.remaining()];
        all.get(stream);
        Random r = new Random(42);
        for (int round = 0; round < 200; round++) {
            XsMessageReader reader = new XsMessageReader();
            List<XsMessage> got = new ArrayList<>();
            int at = 0;
            while (at < stream.length) {
                int n = 1 + r.nextInt(Math.min(20, stream.length - at));
                ByteBuffer chunk = ByteBuffer.wrap(stream, at, n);
                at += n;
                XsMessage m;
                while ((m = reader.read(chunk)) != null) {
                    got.add(m);
                }
                assertThat(chunk.hasRemaining()).isFalse();
            }
            assertThat(got).containsExactlyElementsOf(sent);
            assertThat(reader.inMessage()).isFalse();
        }
    }

    @Test
    void aPayloadLengthOverTheMaximumIsAProtocolViolationBeforeAnyAllocation() {
        for (int len : new int[] {4097, -1, Integer.MIN_VALUE}) {
            ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(XsMessageTypes.READ).putInt(0).putInt(0).putInt(len).flip();
            assertThatThrownBy(() -> new XsMessageReader().read(h)).isInstanceOf(ProtocolViolationException.class);
        }
        ByteBuffer ok = ByteBuffer.allocate(16 + 4096).order(ByteOrder.LITTLE_ENDIAN);
        ok.putInt(XsMessageTypes.WRITE).putInt(0).putInt(0).putInt(4096).position(16 + 4096).flip();
        assertThat(catchingRead(ok)).isNotNull();
    }

    private static XsMessage catchingRead(ByteBuffer b) {
        try {
            return new XsMessageReader().read(b);
        } catch (ProtocolViolationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void oneArgNeedsExactlyOneTerminatedString() throws Exception {
        assertThat(XsPayload.oneArg("/a\0".getBytes(StandardCharsets.US_ASCII))).isEqualTo("/a");
        assertThat(XsPayload.oneArg(new byte[] {0})).isEmpty();
        for (String bad : new String[] {"", "/a", "/a\0x\0", "/a\0x"}) {
            assertThatThrownBy(() -> XsPayload.oneArg(bad.getBytes(StandardCharsets.US_ASCII)))
                    .isInstanceOfSatisfying(XenstoreException.class, e -> assertThat(e.error()).isEqualTo(XsError.EINVAL));
        }
    }

    @Test
    void atoiBehavesLikeC() {
        assertThat(XsPayload.atoi("12")).isEqualTo(12);
        assertThat(XsPayload.atoi(" 3")).isEqualTo(3);
        assertThat(XsPayload.atoi("0x2")).isZero();
        assertThat(XsPayload.atoi("abc")).isZero();
        assertThat(XsPayload.atoi("-1")).isEqualTo(-1);
        assertThat(XsPayload.atoi("")).isZero();
        assertThat(XsPayload.atoi("99999999999999999999999")).isPositive();
    }

    @Test
    void pathRulesMatchCXenstored() throws Exception {
        int max = XsPath.DEFAULT_PATH_MAX;
        assertThat(XsPath.isValid("/", max)).isTrue();
        assertThat(XsPath.isValid("/a-b_c@9/Z", max)).isTrue();
        for (String bad : new String[] {"", "a", "/a/", "/a//b", "/a b", "/a\u00e9", "/local/domain/"}) {
            assertThat(XsPath.isValid(bad, max)).as(bad).isFalse();
        }
        assertThat(XsPath.isValid("/" + "a".repeat(2047), max)).isTrue();
        assertThat(XsPath.isValid("/" + "a".repeat(2048), max)).isFalse();
        assertThat(XsPath.isValid("/local/domain/0/" + "a".repeat(2048), max)).isTrue();
        assertThat(XsPath.isValid("/local/domain/0/" + "a".repeat(2049), max)).isFalse();
        assertThat(XsPath.isValid("/local/domain/12345/" + "a".repeat(2048), max)).isTrue();
        assertThat(XsPath.isValid("/local/domain/123456/" + "a".repeat(2030), max)).isFalse();
        assertThat(XsPath.canonical("rel/x", 0, max)).isEqualTo("/local/domain/0/rel/x");
        assertThat(XsPath.canonical("x", 7, max)).isEqualTo("/local/domain/7/x");
        assertThatThrownBy(() -> XsPath.canonical("", 0, max)).isInstanceOf(XenstoreException.class);
        assertThat(XsPath.isInSubtree("/a/b", "/a")).isTrue();
        assertThat(XsPath.isInSubtree("/ab", "/a")).isFalse();
        assertThat(XsPath.isInSubtree("/a", "/")).isTrue();
        assertThat(XsPath.parent("/a")).isEqualTo("/");
        assertThat(XsPath.parent("/a/b")).isEqualTo("/a");
    }

    @Test
    void errorRepliesCarryTheErrnoNameAndCopyOnlyIds() {
        XsMessage req = XsMessage.ofStrings(XsMessageTypes.READ, 5, 9, "/x");
        XsMessage err = req.error(XsError.ENOENT);
        assertThat(err.type()).isEqualTo(XsMessageTypes.ERROR);
        assertThat(err.requestId()).isEqualTo(5);
        assertThat(err.transactionId()).isEqualTo(9);
        assertThat(err.payloadText()).isEqualTo("ENOENT\\0");
        assertThat(XsError.ofName("EQUOTA")).isEqualTo(XsError.EINVAL);
        assertThat(XsError.E2BIG.errnum()).isEqualTo(7);
    }
}
