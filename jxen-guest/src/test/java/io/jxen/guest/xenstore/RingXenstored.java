package io.jxen.guest.xenstore;

import io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.abi.OrderedAccess;
import io.jxen.runtime.Agent;
import io.jxen.xenstore.server.Connection;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A test-scope xenstored for one domain's ring, on jxen-xenstore's in-process
 * {@link XenstoredCore}: a dom0 guest kernel binds the domain's store channel through
 * {@code xen_intr}, reads requests from {@code req[]} in seeded chunk sizes (so messages split
 * across reads and wrap the ring), runs them on the core as a connection of that domain, and
 * writes replies and watch events into {@code rsp[]}. The ring page is reached directly through
 * the guest's memory (the real daemon maps it with {@code GNTTAB_RESERVED_XENSTORE}), which only
 * a test may do.
 */
public final class RingXenstored implements Agent {

    private final XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
    private final Connection dom0;
    private final Connection guest;
    private final Deque<XsMessage> outbox = new ArrayDeque<>();
    private final Deque<XsMessage> dom0Replies = new ArrayDeque<>();
    private final MemorySegment page;
    private final GuestKernel dom0Kernel;
    private final int irq;
    private final SplittableRandom random;
    private final XsMessageReader reader = new XsMessageReader();
    private final AtomicBoolean kicked = new AtomicBoolean(true);
    private ByteBuffer partialReply;
    /** Requests handled. */
    long handled;

    RingXenstored(GuestKernel dom0Kernel, int guestDomid, int storePort, MemorySegment page, long seed) {
        this.dom0Kernel = dom0Kernel;
        this.page = page;
        this.random = new SplittableRandom(seed);
        this.dom0 = core.connect(Caller.DOM0, dom0Replies::add);
        this.guest = core.connect(Caller.guest(guestDomid), outbox::add);
        this.irq = dom0Kernel.intr().bindInterdomain("xenstored.d" + guestDomid, guestDomid, storePort,
                IrqHandler.filter(() -> kicked.set(true)));
        String home = "/local/domain/" + guestDomid;
        dom0(XsMessage.ofStrings(XsMessageTypes.INTRODUCE, 1, 0, Integer.toString(guestDomid), "0",
                Integer.toString(storePort)));
        dom0(XsMessage.ofStrings(XsMessageTypes.MKDIR, 2, 0, home));
        dom0(XsMessage.ofStrings(XsMessageTypes.SET_PERMS, 3, 0, home, "n" + guestDomid));
    }

    /** Runs a request as dom0 (the toolstack) and returns the reply. */
    public XsMessage dom0(XsMessage request) {
        core.handle(dom0, request);
        return dom0Replies.pollFirst();
    }

    /** Writes a node as dom0. */
    public void dom0Write(String path, String value) {
        byte[] p = (path + "\0").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] payload = new byte[p.length + v.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(v, 0, payload, p.length, v.length);
        dom0(new XsMessage(XsMessageTypes.WRITE, 9, 0, payload));
        dom0Replies.clear();
    }

    /** Reads a node as dom0, or null if it does not exist. */
    public String dom0Read(String path) {
        XsMessage r = dom0(XsMessage.ofStrings(XsMessageTypes.READ, 8, 0, path));
        return r.type() == XsMessageTypes.ERROR ? null : new String(r.payload(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Override
    public int doWork() {
        dom0Kernel.vcpu(0).poll(); // our own upcalls: the guest's notifications
        if (!kicked.getAndSet(false) && outbox.isEmpty() && partialReply == null) {
            return 0;
        }
        int work = 0;
        boolean notify = false;
        // Requests: a seeded number of bytes at a time.
        int cons = OrderedAccess.getIntPlain(page, XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET);
        int prod = OrderedAccess.getIntAcquire(page, XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET);
        if (prod != cons) {
            int take = Math.min(prod - cons, 1 + random.nextInt(64));
            byte[] chunk = new byte[take];
            for (int i = 0; i < take; i++) {
                chunk[i] = page.get(OrderedAccess.BYTE, XenstoreDomainInterfaceDescriptor.REQ_OFFSET
                        + XenstoreDomainInterfaceDescriptor.mask(cons + i));
            }
            OrderedAccess.setIntRelease(page, XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET, cons + take);
            ByteBuffer in = ByteBuffer.wrap(chunk);
            while (in.hasRemaining()) {
                try {
                    XsMessage m = reader.read(in);
                    if (m != null) {
                        core.handle(guest, m);
                        handled++;
                    }
                } catch (io.jxen.xenstore.wire.ProtocolViolationException e) {
                    throw new IllegalStateException(e);
                }
            }
            notify = true;
            kicked.set(true); // more may be waiting
            work++;
        }
        // Replies and events: as much as fits, possibly a part of a message.
        while (true) {
            if (partialReply == null) {
                XsMessage m = outbox.pollFirst();
                if (m == null) {
                    break;
                }
                partialReply = ByteBuffer.wrap(m.encode());
            }
            int rcons = OrderedAccess.getIntAcquire(page, XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET);
            int rprod = OrderedAccess.getIntPlain(page, XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET);
            int space = XenstoreRing.RING_SIZE - (rprod - rcons);
            int n = Math.min(space, Math.min(partialReply.remaining(), 1 + random.nextInt(256)));
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                page.set(OrderedAccess.BYTE, XenstoreDomainInterfaceDescriptor.RSP_OFFSET
                        + XenstoreDomainInterfaceDescriptor.mask(rprod + i), partialReply.get());
            }
            OrderedAccess.setIntRelease(page, XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET, rprod + n);
            notify = true;
            work++;
            if (!partialReply.hasRemaining()) {
                partialReply = null;
            }
        }
        if (notify) {
            dom0Kernel.intr().notify(irq);
        }
        return work;
    }

    @Override
    public String roleName() {
        return "xenstored";
    }
}
