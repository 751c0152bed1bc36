package io.jxen.host.xenstored;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.StartInfoDescriptor;
import io.jxen.hypercall.GuestPlatform;
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
 * A guest's xenstore client reduced to what a test needs, using only what a guest has: its
 * {@link GuestPlatform} (hypercalls, its own memory, start_info). It finds the ring and port in
 * start_info, writes requests into {@code req[]} and notifies with {@code EVTCHNOP_send}, and
 * reads {@code rsp[]} only when its store port is pending in its shared_info (2-level).
 */
final class SimGuest {

    /** A free page of the guest for hypercall arguments. */
    private static final long ARG = 0x1000;

    final GuestPlatform platform;
    final MemorySegment ring;
    final int port;
    private final MemorySegment sharedInfo;
    private final XsMessageReader decoder = new XsMessageReader();
    private final List<byte[]> pending = new ArrayList<>();
    private ByteBuffer sending;
    long eventsSeen;

    SimGuest(GuestPlatform platform) {
        this.platform = platform;
        long si = platform.startInfoGpa();
        long storeGfn = platform.memory().getLong(si + StartInfoDescriptor.STORE_MFN_OFFSET);
        this.port = platform.memory().getInt(si + StartInfoDescriptor.STORE_EVTCHN_OFFSET);
        this.ring = platform.memory().page(storeGfn);
        long sharedGpa = platform.memory().getLong(si + StartInfoDescriptor.SHARED_INFO_OFFSET);
        this.sharedInfo = platform.memory().page(sharedGpa >>> XenPage.SHIFT);
    }

    void queue(XsMessage m) {
        pending.add(m.encode());
    }

    /** Writes up to {@code max} bytes and notifies if it wrote any. */
    int push(int max) {
        int done = 0;
        while (done < max) {
            if (sending == null || !sending.hasRemaining()) {
                if (pending.isEmpty()) {
                    break;
                }
                sending = ByteBuffer.wrap(pending.removeFirst());
            }
            int cons = OrderedAccess.getIntAcquire(ring, REQ_CONS_OFFSET);
            int prod = OrderedAccess.getIntPlain(ring, REQ_PROD_OFFSET);
            int n = Math.min(Math.min(RING_SIZE - (prod - cons), max - done), sending.remaining());
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                OrderedAccess.setBytePlain(ring, REQ_OFFSET + mask(prod + i), sending.get());
            }
            OrderedAccess.setIntRelease(ring, REQ_PROD_OFFSET, prod + n);
            done += n;
        }
        if (done > 0) {
            notifyStore();
        }
        return done;
    }

    long notifyStore() {
        platform.memory().putInt(ARG, port);
        return platform.hypercalls(0).hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SEND, ARG);
    }

    /** Whether the store port was pending (and clears it). */
    boolean takeEvent() {
        long word = SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + (long) (port / 64) * 8;
        boolean was = OrderedAccess.testAndClearBit(sharedInfo, word, port % 64);
        if (was) {
            eventsSeen++;
        }
        return was;
    }

    /** Response bytes not read yet. */
    int available() {
        return OrderedAccess.getIntAcquire(ring, RSP_PROD_OFFSET) - OrderedAccess.getIntPlain(ring, RSP_CONS_OFFSET);
    }

    /** Reads up to {@code max} response bytes; returns complete messages. */
    List<XsMessage> pull(int max) {
        List<XsMessage> got = new ArrayList<>();
        int prod = OrderedAccess.getIntAcquire(ring, RSP_PROD_OFFSET);
        int cons = OrderedAccess.getIntPlain(ring, RSP_CONS_OFFSET);
        int n = Math.min(prod - cons, max);
        if (n <= 0) {
            return got;
        }
        byte[] chunk = new byte[n];
        for (int i = 0; i < n; i++) {
            chunk[i] = OrderedAccess.getBytePlain(ring, RSP_OFFSET + mask(cons + i));
        }
        OrderedAccess.setIntRelease(ring, RSP_CONS_OFFSET, cons + n);
        notifyStore();
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
}
