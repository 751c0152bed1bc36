package io.jxen.xenstore.interop;

import io.jxen.xenstore.server.Connection;
import io.jxen.xenstore.server.RawSocketClient;
import io.jxen.xenstore.server.XenstoredServer;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import static io.jxen.abi.xs.XsMessageTypes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The XSA-326 quotas against the reference C xenstored 4.17: a guest (domain 5, over its
 * ring page for C, an in-process guest connection for jxen) and dom0 (sockets) run the same
 * requests with {@code -Q memory=6000}; replies, watch events and dom0's {@code quota 5}
 * report (nodes, watches, transactions, outstanding and C's byte-exact memory accounting)
 * must agree at every step. Then the {@code outstanding} quota: a guest that queues 28 big
 * READs and never reads a reply is read by C up to the same point as jxen's
 * {@code QuotaEnforcementTest} asserts (21 requests, 20 outstanding).
 */
class QuotaDifferentialTest {

    private interface Peer {
        List<XsMessage> call(XsMessage req) throws IOException, InterruptedException;
    }

    private static final class InProcess implements Peer {
        final ConcurrentLinkedQueue<XsMessage> inbox = new ConcurrentLinkedQueue<>();
        final Connection conn;
        final XenstoredServer server;

        InProcess(XenstoredServer server, int domid) {
            this.server = server;
            this.conn = server.core().connect(Caller.guest(domid), m -> {
                inbox.add(m);
                return true;
            });
        }

        @Override
        public List<XsMessage> call(XsMessage req) {
            server.core().handle(conn, req);
            List<XsMessage> out = new ArrayList<>();
            XsMessage m;
            while ((m = inbox.poll()) != null) {
                out.add(m);
            }
            return out;
        }
    }

    private final List<Peer> c = new ArrayList<>();
    private final List<Peer> j = new ArrayList<>();
    private final List<String> transcript = new ArrayList<>();

    private List<String> step(int k, XsMessage req) throws IOException, InterruptedException {
        List<String> cOut = exchange(c, k, req);
        List<String> jOut = exchange(j, k, req);
        transcript.add(k + " " + req + " -> " + cOut);
        assertThat(jOut).as("after\n%s", String.join("\n", transcript)).isEqualTo(cOut);
        return cOut;
    }

    /** The request on peer k, then a probe on the others so events queued for them show up. */
    private static List<String> exchange(List<Peer> peers, int k, XsMessage req) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (XsMessage m : peers.get(k).call(req)) {
            out.add(m.toString());
        }
        for (int i = 0; i < peers.size(); i++) {
            if (i != k) {
                List<XsMessage> probe = peers.get(i).call(XsMessage.ofStrings(GET_DOMAIN_PATH, 77, 0, "0"));
                for (XsMessage m : probe.subList(0, probe.size() - 1)) {
                    out.add("peer" + i + " " + m);
                }
            }
        }
        return out;
    }

    /** dom0 asks for domain 5's usage; both daemons must print the same numbers. */
    private void usage() throws IOException, InterruptedException {
        step(0, XsMessage.ofStrings(CONTROL, 0, 0, "quota", "5"));
    }

    private static XsMessage m(int type, String... args) {
        return XsMessage.ofStrings(type, 0, 0, args);
    }

    private static XsMessage write(int tx, String path, String value) {
        byte[] p = XsPayload.joinStrings(path);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[p.length + v.length];
        System.arraycopy(p, 0, all, 0, p.length);
        System.arraycopy(v, 0, all, p.length, v.length);
        return new XsMessage(WRITE, 0, tx, all);
    }

    @Test
    void memoryQuotaAccountingAndErrorsAgreeWithC(@TempDir Path dir) throws Exception {
        Path rd = Files.createTempDirectory(Path.of("/tmp"), "xsq");
        try (ReferenceXenstored ref = ReferenceXenstored.startC(rd, Map.of("XENSHIM_DOMAINS", "0-20"),
                List.of("-Q", "memory=6000"));
             XenstoredServer jx = XenstoredServer.start(dir.resolve("socket"), Quotas.XEN_4_17.with("memory", 6000),
                     XenstoredServer.DEFAULT_OUTBOX_LIMIT_BYTES);
             RawSocketClient cDom0 = new RawSocketClient(ref.socket());
             RawSocketClient jDom0 = new RawSocketClient(jx.socket())) {
            c.add(cDom0::call);
            j.add(jDom0::call);
            step(0, m(INTRODUCE, "5", "0", "15"));
            step(0, m(MKDIR, "/local/domain/5"));
            step(0, m(SET_PERMS, "/local/domain/5", "n5"));
            step(0, m(CONTROL, "quota"));
            usage();
            try (RingGuest g5 = new RingGuest(rd.resolve("rings/ring-5"), rd.resolve("evtchn-ctl"), 5)) {
                c.add(g5::call);
                j.add(new InProcess(jx, 5));
                final int d0 = 0;
                final int g = 1;
                step(g, write(0, "data/a", "x".repeat(10)));
                usage();
                step(g, m(WATCH, "data", "tok"));
                usage();
                // Fill the domain's memory with ~1 KiB nodes until a write fails.
                for (int i = 0; i < 8; i++) {
                    List<String> out = step(g, write(0, "data/n" + i, "y".repeat(1000)));
                    usage();
                    if (out.stream().anyMatch(s -> s.contains("ERROR"))) {
                        break;
                    }
                }
                assertThat(String.join("\n", transcript)).contains("EIO");
                step(g, write(0, "data/n0", "y".repeat(1200)));
                step(g, m(MKDIR, "data/n9"));
                step(g, m(WATCH, "data", "tok2"));
                usage();
                step(g, m(WATCH, "/local/domain/5/data/" + "w".repeat(500), "tok3"));
                step(g, m(READ, "data/n1"));
                step(g, m(READ, "data/a"));
                step(g, write(0, "data/a", "x".repeat(5)));
                step(g, m(SET_PERMS, "data/a", "n5", "r1"));
                usage();
                step(d0, write(0, "/local/domain/5/data/a", "x".repeat(5)));
                step(d0, write(0, "/local/domain/5/data/b", "x".repeat(300)));
                step(d0, write(0, "/local/domain/5/data/b", "x".repeat(30)));
                usage();
                step(g, m(TRANSACTION_START, ""));
                usage();
                step(g, XsMessage.ofStrings(TRANSACTION_END, 0, 1, "F"));
                step(g, m(RM, "data/n0"));
                usage();
                step(g, write(0, "data/c", "x".repeat(5)));
                step(g, m(UNWATCH, "data", "tok"));
                usage();
                step(d0, m(CONTROL, "quota", "set", "memory", "5000"));
                step(g, write(0, "data/a", "x"));
                step(d0, m(CONTROL, "quota-soft"));
                step(d0, m(CONTROL, "quota-soft", "set", "memory", "4000"));
                step(d0, m(CONTROL, "quota-soft"));
                step(d0, m(CONTROL, "quota-soft", "set", "nodes", "4000"));
                step(d0, m(CONTROL, "quota-soft", "set", "memory", "0"));
                step(d0, m(CONTROL, "quota", "set", "memory", "6000"));
                step(g, m(RM, "data"));
                usage();
            }
        }
    }

    /**
     * C keeps a request outstanding until the watch events it caused are written: a guest
     * whose writes fire events at a watcher that never reads is stalled after 20 such
     * requests. With 38/39-byte events, 26 fit in the watcher's ring, so C answers 46 of 60
     * writes; jxen's {@code QuotaEnforcementTest} asserts the same 46.
     */
    @Test
    void writesWhoseEventsAWatcherNeverReadsStallTheWriterInC(@TempDir Path dir) throws Exception {
        Path rd = Files.createTempDirectory(Path.of("/tmp"), "xsw");
        try (ReferenceXenstored ref = ReferenceXenstored.startC(rd, Map.of("XENSHIM_DOMAINS", "0-20"));
             RawSocketClient dom0 = new RawSocketClient(ref.socket())) {
            for (int d : new int[] {10, 11}) {
                dom0.call(m(INTRODUCE, Integer.toString(d), "0", Integer.toString(10 + d)));
                dom0.call(m(MKDIR, "/local/domain/" + d));
                dom0.call(m(SET_PERMS, "/local/domain/" + d, "n" + d));
            }
            dom0.call(m(SET_PERMS, "/local/domain/10", "n10", "r11"));
            try (RingGuest writer = new RingGuest(rd.resolve("rings/ring-10"), rd.resolve("evtchn-ctl"), 10);
                 RingGuest watcher = new RingGuest(rd.resolve("rings/ring-11"), rd.resolve("evtchn-ctl"), 11)) {
                assertThat(watcher.call(m(WATCH, "/local/domain/10", "w"))).hasSize(2);
                int writes = 60;
                int sent = 0;
                int replies = 0;
                String report = "";
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (System.nanoTime() < deadline) {
                    java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
                    int free = writer.reqFree();
                    while (sent < writes) {
                        byte[] w = XsMessage.ofStrings(WRITE, sent, 0, "/local/domain/10/k" + sent).encode();
                        if (batch.size() + w.length > free) {
                            break;
                        }
                        batch.writeBytes(w);
                        sent++;
                    }
                    if (batch.size() > 0) {
                        writer.sendBytes(batch.toByteArray());
                    }
                    replies += writer.drain().size();
                    report = dom0.call(m(CONTROL, "quota", "10")).getFirst().payloadText();
                    if (sent == writes && replies == 46 && report.matches("(?s).*outstanding\\s+:\\s+20\\b.*")) {
                        break;
                    }
                    Thread.onSpinWait();
                }
                assertThat(replies).isEqualTo(46);
                assertThat(report).matches("(?s).*outstanding\\s+:\\s+20\\b.*");
            }
        }
    }

    @Test
    void aGuestThatNeverReadsIsReadByCUpToTheOutstandingQuota(@TempDir Path dir) throws Exception {
        Path rd = Files.createTempDirectory(Path.of("/tmp"), "xso");
        try (ReferenceXenstored ref = ReferenceXenstored.startC(rd, Map.of("XENSHIM_DOMAINS", "0-20"));
             RawSocketClient dom0 = new RawSocketClient(ref.socket())) {
            dom0.call(m(INTRODUCE, "5", "0", "15"));
            dom0.call(m(MKDIR, "/local/domain/5"));
            dom0.call(m(SET_PERMS, "/local/domain/5", "n5"));
            dom0.call(write(0, "/local/domain/5/big", "b".repeat(1000)));
            try (RingGuest g5 = new RingGuest(rd.resolve("rings/ring-5"), rd.resolve("evtchn-ctl"), 5)) {
                byte[] read = m(READ, "/local/domain/5/big").encode();
                int requests = 1024 / read.length;
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (int i = 0; i < requests; i++) {
                    all.writeBytes(XsMessage.ofStrings(READ, i, 0, "/local/domain/5/big").encode());
                }
                g5.sendBytes(all.toByteArray());
                // The daemon runs on its own; wait (bounded) until it reports the stall.
                long deadline = System.nanoTime() + 10_000_000_000L;
                String report = "";
                while (System.nanoTime() < deadline) {
                    report = dom0.call(m(CONTROL, "quota", "5")).getFirst().payloadText();
                    if (report.matches("(?s).*outstanding\\s+:\\s+20\\b.*") && g5.reqCons() == 21 * read.length) {
                        break;
                    }
                    Thread.onSpinWait();
                }
                // The same stall point as jxen's (QuotaEnforcementTest): one reply whole in
                // rsp[], 20 outstanding (the next partly written), 21 requests read.
                assertThat(report).matches("(?s).*outstanding\\s+:\\s+20\\b.*");
                assertThat(g5.reqCons()).isEqualTo(21 * read.length);
                assertThat(g5.rspUnread()).isEqualTo(1024);
            }
        }
    }
}
