package io.jxen.xenstore.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the daemon core with whatever messages a peer's byte stream decodes to, sent by dom0
 * (even request ids) or by guest 5 (odd request ids), so privileged and unprivileged paths,
 * transactions, watches and quotas are all reachable.
 *
 * <p>Property: {@link XenstoredCore#handle} never throws; every request on an open connection
 * gets exactly one reply carrying its request id, of its own type or XS_ERROR (watch events
 * may come with it); the store passes {@link XenstoredCore#checkStore} at the end.
 *
 * <p>Seed corpus: {@code src/test/resources/io/jxen/xenstore/server/XenstoredCoreFuzzTestInputs/handle/},
 * each file a raw xenstore byte stream (xsd_sockmsg headers and payloads).
 */
class XenstoredCoreFuzzTest {

    private static final int GUEST = 5;

    @FuzzTest(maxDuration = "60s")
    void handle(byte[] stream) {
        XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        List<XsMessage> dom0Inbox = new ArrayList<>();
        List<XsMessage> guestInbox = new ArrayList<>();
        Connection dom0 = core.connect(Caller.DOM0, dom0Inbox::add);
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.INTRODUCE, 0, 0, String.valueOf(GUEST), "0", "1"));
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.MKDIR, 0, 0, "/local/domain/" + GUEST));
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.SET_PERMS, 0, 0, "/local/domain/" + GUEST, "n" + GUEST));
        Connection guest = core.connect(Caller.guest(GUEST), guestInbox::add);

        XsMessageReader reader = new XsMessageReader();
        ByteBuffer in = ByteBuffer.wrap(stream);
        try {
            while (in.hasRemaining()) {
                XsMessage req = reader.read(in);
                if (req == null) {
                    break;
                }
                boolean fromDom0 = (req.requestId() & 1) == 0;
                Connection c = fromDom0 ? dom0 : guest;
                List<XsMessage> inbox = fromDom0 ? dom0Inbox : guestInbox;
                inbox.clear();
                boolean wasOpen = !c.closed;
                core.handle(c, req);
                if (!wasOpen) {
                    assertThat(inbox).as("a closed connection is not answered").isEmpty();
                    continue;
                }
                List<XsMessage> replies = inbox.stream()
                        .filter(m -> m.type() != XsMessageTypes.WATCH_EVENT || req.type() == XsMessageTypes.WATCH_EVENT)
                        .filter(m -> m.requestId() == req.requestId() || m.type() != XsMessageTypes.WATCH_EVENT)
                        .toList();
                if (req.type() != XsMessageTypes.WATCH_EVENT) {
                    assertThat(replies).as("replies to %s", req).hasSize(1);
                    XsMessage reply = replies.getFirst();
                    assertThat(reply.requestId()).isEqualTo(req.requestId());
                    assertThat(reply.type()).isIn(req.type(), XsMessageTypes.ERROR);
                    assertThat(reply.payload().length).isLessThanOrEqualTo(4096);
                } else {
                    assertThat(replies).as("replies to %s", req).isNotEmpty();
                }
            }
        } catch (ProtocolViolationException expected) {
            // A socket connection is dropped; the core never saw the message.
        }
        assertThat(core.checkStore()).isEmpty();
    }
}
