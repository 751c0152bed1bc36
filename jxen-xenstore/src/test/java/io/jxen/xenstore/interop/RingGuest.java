package io.jxen.xenstore.interop;

import io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RING_SIZE;

/**
 * A simulated guest talking to the reference C xenstored through its ring page: the shim
 * maps {@code rings/ring-<domid>} for the daemon, this class maps the same file, and
 * "notify" lines on the shim's FIFO stand for the event channel. The daemon's notifications
 * to the guest are dropped by the shim, so responses are found by polling {@code rsp_prod}
 * with a deadline. Indices are read once and checked as a guest must (xenstore-ring.txt).
 */
final class RingGuest implements AutoCloseable {

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    // A hang guard, not a timing check: on a loaded 2-core machine the daemon (its own session)
    // can wait seconds for a core, and one run failed at 10 s.
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment page;
    private final Path fifo;
    private final int domid;
    private final XsMessageReader decoder = new XsMessageReader();

    RingGuest(Path ringFile, Path fifo, int domid) throws IOException {
        try (FileChannel ch = FileChannel.open(ringFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            page = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
        }
        this.fifo = fifo;
        this.domid = domid;
    }

    private int get(int offset) {
        int v = page.get(U32, offset);
        VarHandle.acquireFence();
        return v;
    }

    private void setRelease(int offset, int v) {
        VarHandle.releaseFence();
        page.set(U32, offset, v);
    }

    private void notifyDaemon() throws IOException {
        try (FileOutputStream out = new FileOutputStream(fifo.toFile(), true)) {
            out.write(("notify " + domid + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    void send(XsMessage m) throws IOException, InterruptedException {
        sendBytes(m.encode());
    }

    /** Writes raw request bytes (several messages at once, say) and notifies. */
    void sendBytes(byte[] bytes) throws IOException, InterruptedException {
        int at = 0;
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (at < bytes.length) {
            int cons = get(XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET);
            int prod = page.get(U32, XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET);
            int free = RING_SIZE - (prod - cons);
            if (free <= 0) {
                waitABit(deadline, "request ring space");
                continue;
            }
            int n = Math.min(free, bytes.length - at);
            for (int i = 0; i < n; i++) {
                page.set(ValueLayout.JAVA_BYTE,
                        XenstoreDomainInterfaceDescriptor.REQ_OFFSET + XenstoreDomainInterfaceDescriptor.mask(prod + i),
                        bytes[at + i]);
            }
            setRelease(XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET, prod + n);
            at += n;
            notifyDaemon();
        }
    }

    private static void waitABit(long deadline, String what) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            throw new AssertionError("the reference daemon did not provide " + what + " in time");
        }
        // Polling a peer's shared index (the shim drops daemon->guest events); bounded above.
        Thread.onSpinWait();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** Free bytes in req[]. */
    int reqFree() {
        return RING_SIZE - (page.get(U32, XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET)
                - get(XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET));
    }

    /** Every complete message rsp[] holds now, without waiting. */
    List<XsMessage> drain() throws IOException {
        List<XsMessage> out = new ArrayList<>();
        int prod = get(XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET);
        int cons = page.get(U32, XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET);
        int avail = prod - cons;
        if (avail <= 0 || avail > RING_SIZE) {
            return out;
        }
        byte[] chunk = new byte[avail];
        for (int i = 0; i < avail; i++) {
            chunk[i] = page.get(ValueLayout.JAVA_BYTE,
                    XenstoreDomainInterfaceDescriptor.RSP_OFFSET + XenstoreDomainInterfaceDescriptor.mask(cons + i));
        }
        setRelease(XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET, cons + avail);
        notifyDaemon();
        ByteBuffer in = ByteBuffer.wrap(chunk);
        try {
            while (in.hasRemaining()) {
                XsMessage m = decoder.read(in);
                if (m != null) {
                    out.add(m);
                }
            }
        } catch (ProtocolViolationException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /** The daemon's consumer index of req[] (how far it has read the guest's requests). */
    int reqCons() {
        return get(XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET);
    }

    /** Unread bytes in rsp[]. */
    int rspUnread() {
        return get(XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET)
                - page.get(U32, XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET);
    }

    XsMessage next() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (true) {
            int prod = get(XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET);
            int cons = page.get(U32, XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET);
            int avail = prod - cons;
            if (avail < 0 || avail > RING_SIZE) {
                throw new AssertionError("bad response indices cons=" + cons + " prod=" + prod);
            }
            if (avail == 0) {
                waitABit(deadline, "a response");
                continue;
            }
            byte[] chunk = new byte[avail];
            for (int i = 0; i < avail; i++) {
                chunk[i] = page.get(ValueLayout.JAVA_BYTE,
                        XenstoreDomainInterfaceDescriptor.RSP_OFFSET + XenstoreDomainInterfaceDescriptor.mask(cons + i));
            }
            ByteBuffer in = ByteBuffer.wrap(chunk);
            XsMessage m;
            try {
                m = decoder.read(in);
            } catch (ProtocolViolationException e) {
                throw new AssertionError(e);
            }
            int used = in.position();
            setRelease(XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET, cons + used);
            notifyDaemon();
            if (m != null) {
                return m;
            }
        }
    }

    List<XsMessage> call(XsMessage req) throws IOException, InterruptedException {
        send(req);
        List<XsMessage> out = new ArrayList<>();
        while (true) {
            XsMessage m = next();
            out.add(m);
            if (m.type() != XsMessageTypes.WATCH_EVENT) {
                if (req.type() == XsMessageTypes.WATCH && m.type() == XsMessageTypes.WATCH) {
                    out.add(next());
                }
                return out;
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
