package io.jxen.guest.xenbus;

import io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.abi.OrderedAccess;
import io.jxen.xenstore.server.Connection;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.wire.ProtocolViolationException;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsMessageReader;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves one guest's store ring from the core of a running xenstored (the one dom0 reaches
 * over its Unix socket), so the guest's frontends and dom0's backends share one store. dom0's
 * kernel binds the guest's store channel; requests are read in seeded chunk sizes and replies
 * written in seeded chunks, so messages split and wrap. The ring page is reached directly
 * through the guest's memory, which only a test may do (the real daemon maps the
 * GNTTAB_RESERVED_XENSTORE grant).
 */
final class SharedCoreRing {

    private final XenstoredCore core;
    private final Connection guest;
    private final Deque<XsMessage> outbox = new ConcurrentLinkedDeque<>();
    private final MemorySegment page;
    private final GuestKernel dom0;
    private final int irq;
    private final SplittableRandom random;
    private final XsMessageReader reader = new XsMessageReader();
    private final AtomicBoolean kicked = new AtomicBoolean(true);
    private ByteBuffer partialReply;

    SharedCoreRing(XenstoredCore core, GuestKernel dom0, int guestDomid, int storePort, MemorySegment page, long seed) {
        this.core = core;
        this.dom0 = dom0;
        this.page = page;
        this.random = new SplittableRandom(seed);
        this.guest = core.connect(Caller.guest(guestDomid), m -> {
            outbox.add(m);
            return true;
        });
        this.irq = dom0.intr().bindInterdomain("xenstored.d" + guestDomid, guestDomid, storePort,
                IrqHandler.filter(() -> kicked.set(true)));
    }

    /** One step: guest requests into the core, replies and watch events onto the ring. */
    int doWork() {
        dom0.vcpu(0).poll();
        if (!kicked.getAndSet(false) && outbox.isEmpty() && partialReply == null) {
            return 0;
        }
        int work = 0;
        boolean notify = false;
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
                    }
                } catch (ProtocolViolationException e) {
                    throw new IllegalStateException(e);
                }
            }
            notify = true;
            kicked.set(true);
            work++;
        }
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
            int space = XenstoreDomainInterfaceDescriptor.RING_SIZE - (rprod - rcons);
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
            dom0.intr().notify(irq);
        }
        return work;
    }

    void close() {
        core.disconnect(guest);
    }
}
