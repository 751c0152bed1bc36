package io.jxen.xenstore.server;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * C xenstored 4.17's XSA-326 limits on a domain's ring, on a virtual clock: the
 * {@code outstanding} quota (a guest that never reads its replies stops being read, so the
 * daemon's memory for it stays bounded), the {@code memory} quota's stall, and the
 * {@code watch-event} timeout (events a guest leaves unread for 20 s are dropped, the
 * connection stays). No sleeps: time is an {@link AtomicLong} the test advances.
 */
class QuotaEnforcementTest {

    private final Arena arena = Arena.ofConfined();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private XenstoredCore core;
    private final List<XsMessage> dom0Inbox = new ArrayList<>();
    private Connection dom0;

    @AfterEach
    void close() {
        arena.close();
    }

    private void start(Quotas q) {
        core = new XenstoredCore(q, c -> {
            throw new AssertionError("overflow of " + c);
        }, now::get);
        dom0 = core.connect(Caller.DOM0, m -> {
            dom0Inbox.add(m);
            return true;
        });
    }

    private XsMessage asDom0(int type, String... args) {
        dom0Inbox.clear();
        core.handle(dom0, XsMessage.ofStrings(type, 7, 0, args));
        return dom0Inbox.getLast();
    }

    private XsMessage writeAsDom0(String path, String value) {
        byte[] p = (path + "\0" + value).getBytes(StandardCharsets.ISO_8859_1);
        dom0Inbox.clear();
        core.handle(dom0, new XsMessage(XsMessageTypes.WRITE, 7, 0, p));
        return dom0Inbox.getLast();
    }

    private record Ring(RingConnection server, TestRingGuest guest) {
        int reqCons() {
            return OrderedAccess.getIntPlain(guest.page, REQ_CONS_OFFSET);
        }

        int reqProd() {
            return OrderedAccess.getIntPlain(guest.page, REQ_PROD_OFFSET);
        }

        int rspUnread() {
            return OrderedAccess.getIntPlain(guest.page, RSP_PROD_OFFSET)
                    - OrderedAccess.getIntPlain(guest.page, RSP_CONS_OFFSET);
        }

        void settle() {
            for (int i = 0; i < 1000 && server.process() > 0; i++) {
                // step until nothing moves
            }
        }
    }

    private Ring ring(int domid) {
        asDom0(XsMessageTypes.INTRODUCE, Integer.toString(domid), "0", "1");
        asDom0(XsMessageTypes.MKDIR, "/local/domain/" + domid);
        asDom0(XsMessageTypes.SET_PERMS, "/local/domain/" + domid, "n" + domid);
        MemorySegment page = arena.allocate(4096, 4096);
        return new Ring(new RingConnection(core, domid, page, () -> { }), new TestRingGuest(page));
    }

    private String quotaLine(int domid, String name) {
        String report = asDom0(XsMessageTypes.CONTROL, "quota", Integer.toString(domid)).payloadText();
        for (String line : report.split("\\\\n|\n")) {
            if (line.startsWith(name + " ")) {
                return line.replaceAll(".*:\\s+", "").replace("\\0", "").trim();
            }
        }
        throw new AssertionError(name + " not in " + report);
    }

    @Test
    void aGuestThatNeverReadsRepliesIsNotReadPastTheOutstandingQuota() {
        start(Quotas.XEN_4_17);
        Ring r = ring(5);
        // A node whose READ reply (16 + 1000 bytes) nearly fills rsp[] on its own.
        assertThat(writeAsDom0("/local/domain/5/big", "b".repeat(1000)).type()).isEqualTo(XsMessageTypes.WRITE);
        byte[] read = XsMessage.ofStrings(XsMessageTypes.READ, 0, 0, "/local/domain/5/big").encode();
        int requests = 1024 / read.length; // all fit in req[] at once
        for (int i = 0; i < requests; i++) {
            r.guest().queue(XsMessage.ofStrings(XsMessageTypes.READ, i, 0, "/local/domain/5/big").encode());
        }
        r.guest().push(1024);
        assertThat(r.reqProd()).isEqualTo(requests * read.length);
        r.settle();
        // One reply sits whole in rsp[] (no longer outstanding), the next partly: it and the
        // other 19 queued replies are the 20 outstanding; nothing more is read from req[].
        assertThat(r.rspUnread()).isEqualTo(1024);
        assertThat(r.server().outstanding()).isEqualTo(20);
        assertThat(r.reqCons()).isEqualTo(21 * read.length);
        assertThat(quotaLine(5, "outstanding")).isEqualTo("20");
        assertThat(r.server().queuedBytes()).isLessThanOrEqualTo(20L * 1016);
        // More notifications change nothing while the guest does not read.
        for (int i = 0; i < 10; i++) {
            r.server().notified();
            r.settle();
        }
        assertThat(r.reqCons()).isEqualTo(21 * read.length);
        // Once the guest reads, the rest is served, in order.
        List<XsMessage> got = new ArrayList<>();
        for (int step = 0; step < 10_000 && got.size() < requests; step++) {
            got.addAll(r.guest().pull(4096));
            r.server().notified();
            r.settle();
        }
        assertThat(got).hasSize(requests);
        for (int i = 0; i < requests; i++) {
            assertThat(got.get(i).requestId()).isEqualTo(i);
            assertThat(got.get(i).payload()).hasSize(1000);
        }
        assertThat(r.server().outstanding()).isZero();
        assertThat(quotaLine(5, "outstanding")).isEqualTo("0");
    }

    @Test
    void aRequestStaysOutstandingUntilTheWatchEventsItCausedAreDelivered() {
        start(Quotas.XEN_4_17);
        Ring writer = ring(10);
        Ring watcher = ring(11);
        asDom0(XsMessageTypes.SET_PERMS, "/local/domain/10", "n10", "r11");
        core.handle(watcher.server().connection(),
                XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/local/domain/10", "w"));
        watcher.settle();
        assertThat(watcher.guest().pull(4096)).hasSize(2); // the OK and the initial event
        int writes = 60;
        for (int i = 0; i < writes; i++) {
            writer.guest().queue(XsMessage.ofStrings(XsMessageTypes.WRITE, i, 0, "/local/domain/10/k" + i).encode());
        }
        // The writer reads its replies; the watcher never reads its events, which fill its
        // ring and then its queue: each write whose event waits there stays outstanding.
        List<XsMessage> replies = new ArrayList<>();
        for (int step = 0; step < 2000; step++) {
            writer.guest().push(1024);
            writer.server().notified();
            writer.settle();
            watcher.settle();
            replies.addAll(writer.guest().pull(4096));
        }
        // 26 events (38 or 39 bytes) fit in the watcher's ring, 20 writes wait for theirs: 46
        // answered, as the reference C xenstored answers (QuotaDifferentialTest).
        assertThat(replies).hasSize(46);
        assertThat(quotaLine(10, "outstanding")).isEqualTo("20");
        assertThat(watcher.server().queuedBytes()).isPositive();
        // dom0's requests are never held back, and neither is the watcher.
        assertThat(writeAsDom0("/local/domain/10/dom0", "x").type()).isEqualTo(XsMessageTypes.WRITE);
        // The watcher reads: the writer's requests are released and all are answered.
        for (int step = 0; step < 5000 && replies.size() < writes; step++) {
            watcher.guest().pull(4096);
            watcher.server().notified();
            watcher.settle();
            writer.guest().push(1024);
            writer.server().notified();
            writer.settle();
            replies.addAll(writer.guest().pull(4096));
        }
        assertThat(replies).hasSize(writes);
        for (int step = 0; step < 100; step++) {
            watcher.guest().pull(4096);
            watcher.server().notified();
            watcher.settle();
        }
        assertThat(quotaLine(10, "outstanding")).isEqualTo("0");
    }

    @Test
    void theOutstandingQuotaIsAdjustableAtRunTime() {
        start(Quotas.XEN_4_17.with("outstanding", 3));
        Ring r = ring(6);
        writeAsDom0("/local/domain/6/big", "b".repeat(1000));
        for (int i = 0; i < 10; i++) {
            r.guest().queue(XsMessage.ofStrings(XsMessageTypes.READ, i, 0, "/local/domain/6/big").encode());
        }
        r.guest().push(1024);
        r.settle();
        assertThat(r.server().outstanding()).isEqualTo(3);
        assertThat(asDom0(XsMessageTypes.CONTROL, "quota", "set", "outstanding", "5").payloadText()).isEqualTo("OK\\0");
        r.server().notified();
        r.settle();
        assertThat(r.server().outstanding()).isEqualTo(5);
        assertThat(asDom0(XsMessageTypes.CONTROL, "quota").payloadText()).contains("outstanding      :        5");
    }

    @Test
    void aDomainAtItsHardMemoryQuotaIsNotReadAndItsEventsAreDropped() {
        start(Quotas.XEN_4_17.with("memory", 3000));
        Ring r = ring(7);
        // dom0 fills the guest's home (charged to its owner, dom7) up to just below the quota.
        writeAsDom0("/local/domain/7/a", "a".repeat(1400));
        writeAsDom0("/local/domain/7/b", "b".repeat(1300));
        long mem = Long.parseLong(quotaLine(7, "memory"));
        // Exactly C's accounting: path + 24-byte record header + 8 per permission + value + child names.
        assertThat(mem).isEqualTo(("/local/domain/7".length() + 24 + 8 + 4)
                + ("/local/domain/7/a".length() + 24 + 8 + 1400) + ("/local/domain/7/b".length() + 24 + 8 + 1300));
        // A write that would reach the quota fails with C's EIO, and changes nothing.
        XsMessage denied = writeAsDom0("/local/domain/7/c", "c".repeat(300));
        assertThat(denied.type()).isEqualTo(XsMessageTypes.ERROR);
        assertThat(denied.payloadText()).isEqualTo("EIO\\0");
        assertThat(Long.parseLong(quotaLine(7, "memory"))).isEqualTo(mem);
        // Writes elsewhere (dom0's own nodes) are not affected.
        assertThat(writeAsDom0("/tool/x", "c".repeat(300)).type()).isEqualTo(XsMessageTypes.WRITE);
        // Giving dom7 that node would reach its quota too.
        assertThat(asDom0(XsMessageTypes.SET_PERMS, "/tool/x", "n7").payloadText()).isEqualTo("EIO\\0");
        // Over the quota (lowered at run time): its ring is not read.
        asDom0(XsMessageTypes.CONTROL, "quota", "set", "memory", "2800");
        r.guest().queue(XsMessage.ofStrings(XsMessageTypes.READ, 1, 0, "/local/domain/7/a").encode());
        r.guest().push(1024);
        r.server().notified();
        r.settle();
        assertThat(r.reqCons()).isZero();
        // Below it again: served.
        asDom0(XsMessageTypes.CONTROL, "quota", "set", "memory", "3000");
        r.server().notified();
        r.settle();
        assertThat(r.reqCons()).isEqualTo(r.reqProd());
        assertThat(r.guest().pull(4096)).hasSize(1);
        // Watch events for a domain at its quota are dropped (C's send_event charges them).
        core.handle(r.server().connection(), XsMessage.ofStrings(XsMessageTypes.WATCH, 2, 0, "/local/domain/7", "t"));
        r.settle();
        r.guest().pull(4096);
        asDom0(XsMessageTypes.CONTROL, "quota", "set", "memory", "1500");
        long dropped = core.droppedEvents();
        assertThat(asDom0(XsMessageTypes.RM, "/local/domain/7/b").type()).isEqualTo(XsMessageTypes.RM);
        assertThat(core.droppedEvents()).isEqualTo(dropped + 1);
        assertThat(r.server().queuedBytes()).isZero();
        // Large replies to it are refused with ENOMEM (C's send_reply), small ones pass.
        asDom0(XsMessageTypes.CONTROL, "quota", "set", "memory", "1700");
        r.guest().queue(XsMessage.ofStrings(XsMessageTypes.READ, 4, 0, "/local/domain/7/a").encode());
        r.guest().queue(XsMessage.ofStrings(XsMessageTypes.GET_DOMAIN_PATH, 5, 0, "7").encode());
        r.guest().push(1024);
        r.server().notified();
        r.settle();
        assertThat(r.guest().pull(4096)).extracting(XsMessage::payloadText)
                .containsExactly("ENOMEM\\0", "/local/domain/7\\0");
    }

    @Test
    void watchEventsLeftUnreadForTheTimeoutAreDroppedAndTheConnectionStays() {
        start(Quotas.XEN_4_17);
        Ring r = ring(8);
        core.handle(r.server().connection(), XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/local/domain/8/w", "tok"));
        r.settle();
        // The guest never reads: rsp[] fills, the rest of the events queue in the daemon.
        for (int i = 0; i < 100; i++) {
            writeAsDom0("/local/domain/8/w/k" + i, "v");
        }
        r.settle();
        assertThat(r.rspUnread()).isEqualTo(1024);
        long queued = r.server().queuedBytes();
        assertThat(queued).isPositive();
        now.addAndGet(TimeUnit.SECONDS.toNanos(19));
        r.server().notified();
        r.settle();
        assertThat(r.server().expiredEvents()).isZero();
        assertThat(r.server().queuedBytes()).isEqualTo(queued);
        // Events queued later get their own 20 s.
        writeAsDom0("/local/domain/8/w/late", "v");
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        r.settle();
        assertThat(r.server().expiredEvents()).isPositive();
        // What is left: the event partly in rsp[] and the late one.
        long expired = r.server().expiredEvents();
        List<XsMessage> got = new ArrayList<>();
        for (int step = 0; step < 1000; step++) {
            got.addAll(r.guest().pull(4096));
            r.server().notified();
            r.settle();
        }
        List<XsMessage> events = got.stream().filter(m -> m.type() == XsMessageTypes.WATCH_EVENT).toList();
        assertThat(events.getLast().payloadText()).isEqualTo("/local/domain/8/w/late\\0tok\\0");
        // 1 initial event + 100 writes + the late one, minus what expired.
        assertThat(events).hasSize((int) (1 + 100 + 1 - expired));
        // Still connected and served.
        r.guest().queue(XsMessage.ofStrings(XsMessageTypes.READ, 3, 0, "/local/domain/8/w/k1").encode());
        r.guest().push(1024);
        r.server().notified();
        r.settle();
        assertThat(r.guest().pull(4096)).extracting(XsMessage::payloadText).containsExactly("v");
    }

    @Test
    void noTimeoutWhenDisabled() {
        start(Quotas.XEN_4_17.withTimeout("watch-event", 0));
        Ring r = ring(9);
        core.handle(r.server().connection(), XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "/local/domain/9", "tok"));
        for (int i = 0; i < 100; i++) {
            writeAsDom0("/local/domain/9/k" + i, "v");
        }
        r.settle();
        now.addAndGet(TimeUnit.DAYS.toNanos(1));
        r.server().notified();
        r.settle();
        assertThat(r.server().expiredEvents()).isZero();
    }
}
