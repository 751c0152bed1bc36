package io.jxen.xenstore.server;

import io.jxen.abi.OrderedAccess;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RING_SIZE;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.mask;

/**
 * The guest side of a xenstore ring page for tests: writes request bytes (as many as fit, or
 * at most a chunk), reads response bytes, decodes messages. Plain memory, no threads.
 */
final class TestRingGuest {

    final MemorySegment page;
    private final XsMessageReader decoder = new XsMessageReader();
    private final List<byte[]> pending = new ArrayList<>();
    private ByteBuffer sending;

    TestRingGuest(MemorySegment page) {
        this.page = page;
    }

    /** Queues a request's bytes for {@link #push}. */
    void queue(byte[] bytes) {
        pending.add(bytes);
    }

    /** Writes up to {@code max} queued bytes into req[]; returns how many. */
    int push(int max) {
        int done = 0;
        while (done < max) {
            if (sending == null || !sending.hasRemaining()) {
                if (pending.isEmpty()) {
                    break;
                }
                sending = ByteBuffer.wrap(pending.removeFirst());
            }
            int cons = OrderedAccess.getIntAcquire(page, REQ_CONS_OFFSET);
            int prod = OrderedAccess.getIntPlain(page, REQ_PROD_OFFSET);
            int free = RING_SIZE - (prod - cons);
            int n = Math.min(Math.min(free, max - done), sending.remaining());
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                OrderedAccess.setBytePlain(page, REQ_OFFSET + mask(prod + i), sending.get());
            }
            OrderedAccess.setIntRelease(page, REQ_PROD_OFFSET, prod + n);
            done += n;
        }
        return done;
    }

    boolean sendingDone() {
        return pending.isEmpty() && (sending == null || !sending.hasRemaining());
    }

    /** Reads up to {@code max} response bytes; returns the complete messages. */
    List<XsMessage> pull(int max) {
        List<XsMessage> got = new ArrayList<>();
        int prod = OrderedAccess.getIntAcquire(page, RSP_PROD_OFFSET);
        int cons = OrderedAccess.getIntPlain(page, RSP_CONS_OFFSET);
        int n = Math.min(prod - cons, max);
        byte[] chunk = new byte[Math.max(n, 0)];
        for (int i = 0; i < n; i++) {
            chunk[i] = OrderedAccess.getBytePlain(page, RSP_OFFSET + mask(cons + i));
        }
        OrderedAccess.setIntRelease(page, RSP_CONS_OFFSET, cons + n);
        ByteBuffer in = ByteBuffer.wrap(chunk);
        try {
            while (in.hasRemaining()) {
                XsMessage m = decoder.read(in);
                if (m != null) {
                    got.add(m);
                }
            }
        } catch (ProtocolViolationException e) {
            throw new AssertionError(e);
        }
        return got;
    }

    /** Sets all four indices (a fresh or hostile ring). */
    void setIndices(int reqCons, int reqProd, int rspCons, int rspProd) {
        OrderedAccess.setIntPlain(page, REQ_CONS_OFFSET, reqCons);
        OrderedAccess.setIntPlain(page, REQ_PROD_OFFSET, reqProd);
        OrderedAccess.setIntPlain(page, RSP_CONS_OFFSET, rspCons);
        OrderedAccess.setIntRelease(page, RSP_PROD_OFFSET, rspProd);
    }
}
