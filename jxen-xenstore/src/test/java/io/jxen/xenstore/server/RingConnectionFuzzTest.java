package io.jxen.xenstore.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.OrderedAccess;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.CONNECTION_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_NONE;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_PROTO;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_RINGIDX;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.SIZE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the ring reader: the guest (the fuzzer) owns every byte of its
 * {@code xenstore_domain_interface} page and acts between server steps.
 *
 * <p>Input format, a sequence of moves, each starting with a byte whose low two bits pick it:
 * 0 = write the little-endian int in the next 4 bytes at index field {@code (byte>>2)%7}
 * (req_cons, req_prod, rsp_cons, rsp_prod, server_features, connection, error);
 * 1 = scribble the next {@code len} (1 byte) bytes into req[] at offset (2 bytes) mod 1024;
 * 2 = produce a well-formed request of type {@code byte>>2} through the indices;
 * 3 = produce the next {@code len} (1 byte) raw bytes through the indices.
 *
 * <p>Property: {@link RingConnection#process} never throws; the error field only ever holds
 * NONE, RINGIDX or PROTO; nothing past the interface struct is written; a reconnect brings the
 * ring back to a clean state; the store stays consistent.
 */
class RingConnectionFuzzTest {

    private static final int DOMID = 3;

    @FuzzTest(maxDuration = "60s")
    void process(byte[] data) {
        XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        Connection dom0 = core.connect(Caller.DOM0, m -> true);
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.INTRODUCE, 1, 0, String.valueOf(DOMID), "0", "1"));
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.MKDIR, 1, 0, "/local/domain/" + DOMID));
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.SET_PERMS, 1, 0, "/local/domain/" + DOMID, "n" + DOMID));
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            for (int i = SIZE; i < 4096; i++) {
                page.set(OrderedAccess.BYTE, i, (byte) 0xA5);
            }
            RingConnection ring = new RingConnection(core, DOMID, page, () -> { });
            TestRingGuest guest = new TestRingGuest(page);
            int steps = 0;
            while (in.hasRemaining() && steps++ < 200) {
                int op = in.get() & 0xff;
                switch (op & 3) {
                    case 0 -> {
                        if (in.remaining() < 4) {
                            return;
                        }
                        OrderedAccess.setIntRelease(page, 2048 + ((op >> 2) % 7) * 4, in.getInt());
                    }
                    case 1 -> {
                        if (in.remaining() < 3) {
                            return;
                        }
                        int at = in.getShort() & 0xffff;
                        int len = Math.min(in.get() & 0xff, in.remaining());
                        for (int i = 0; i < len; i++) {
                            page.set(OrderedAccess.BYTE, (at + i) & 1023, in.get());
                        }
                    }
                    case 2 -> {
                        guest.queue(XsMessage.ofStrings(op >> 2, steps, 0, "/local/domain/" + DOMID + "/a", "tok").encode());
                        guest.push(4096);
                    }
                    default -> {
                        int len = in.hasRemaining() ? Math.min(in.get() & 0xff, in.remaining()) : 0;
                        byte[] raw = new byte[len];
                        in.get(raw);
                        guest.queue(raw);
                        guest.push(4096);
                    }
                }
                ring.notified();
                ring.process();
                // The guest consumes whatever the server produced (garbage, by now, perhaps).
                OrderedAccess.setIntRelease(page, RSP_CONS_OFFSET, OrderedAccess.getIntAcquire(page, RSP_PROD_OFFSET));
                assertThat(ring.error()).isIn(ERROR_NONE, ERROR_RINGIDX, ERROR_PROTO);
            }
            for (int i = SIZE; i < 4096; i++) {
                assertThat(page.get(OrderedAccess.BYTE, i)).as("byte %d past the interface", i).isEqualTo((byte) 0xA5);
            }
            OrderedAccess.setIntRelease(page, CONNECTION_OFFSET, 1);
            ring.process();
            assertThat(ring.error()).isEqualTo(ERROR_NONE);
            assertThat(OrderedAccess.getIntPlain(page, REQ_CONS_OFFSET)).isZero();
        } finally {
            assertThat(core.checkStore()).isEmpty();
        }
    }
}
