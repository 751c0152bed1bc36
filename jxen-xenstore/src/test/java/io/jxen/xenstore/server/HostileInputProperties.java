package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every byte a peer sends is hostile: the decoder either yields messages or reports a
 * protocol violation, and the core answers any message, from dom0 or a guest, with exactly
 * one reply (plus events), never an exception, leaving a consistent store.
 */
class HostileInputProperties {

    @Property(tries = 500)
    void theDecoderNeverFailsOtherwise(@ForAll("streams") byte[] stream) {
        XsMessageReader r = new XsMessageReader();
        ByteBuffer in = ByteBuffer.wrap(stream);
        try {
            while (in.hasRemaining()) {
                XsMessage m = r.read(in);
                if (m != null) {
                    assertThat(m.payload().length).isLessThanOrEqualTo(4096);
                }
            }
        } catch (ProtocolViolationException expected) {
            // the connection would be dropped
        }
    }

    @Provide
    Arbitrary<byte[]> streams() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    record Request(int type, int tx, byte[] payload, boolean guest) {
    }

    @Provide
    Arbitrary<List<Request>> requests() {
        Arbitrary<Integer> type = Arbitraries.oneOf(Arbitraries.integers().between(0, 24),
                Arbitraries.of(0xffff, -1, Integer.MIN_VALUE));
        Arbitrary<byte[]> payload = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
                Arbitraries.of("/a", "/a/b", "rel", "@introduceDomain", "T", "F", "5", "n0", "r5", "check", "quota",
                                "/local/domain/5/x", "", "/", "//", "/a/")
                        .list().ofMaxSize(4)
                        .map(l -> String.join("\0", l).concat("\0").getBytes(StandardCharsets.ISO_8859_1)));
        Arbitrary<Request> req = Combinators.combine(type, Arbitraries.integers().between(0, 3), payload,
                Arbitraries.of(true, false)).as(Request::new);
        return req.list().ofMaxSize(60);
    }

    @Property(tries = 300)
    void anyRequestGetsOneReplyAndTheStoreStaysConsistent(@ForAll("requests") List<Request> requests) {
        CoreHarness h = new CoreHarness();
        CoreHarness.Conn dom0 = h.dom0();
        dom0.ok(XsMessageTypes.INTRODUCE, "5", "0", "1");
        CoreHarness.Conn guest = h.connect(Caller.guest(5));
        for (Request r : requests) {
            CoreHarness.Conn c = r.guest() ? guest : dom0;
            c.tx = r.tx();
            List<XsMessage> out = c.send(r.type(), r.payload());
            long replies = out.stream().filter(m -> m.type() != XsMessageTypes.WATCH_EVENT).count();
            assertThat(replies).isEqualTo(1);
            for (XsMessage m : out) {
                assertThat(m.payload().length).isLessThanOrEqualTo(4096);
            }
            assertThat(h.core.checkStore()).isEmpty();
            if (c == dom0 && r.type() == XsMessageTypes.RELEASE && out.getLast().type() == XsMessageTypes.RELEASE) {
                // RELEASE of domain 5 closed its connection, as C frees it: a new one stands in.
                guest = h.connect(Caller.guest(5));
            }
        }
    }
}
