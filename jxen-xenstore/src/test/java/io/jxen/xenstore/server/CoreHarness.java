package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsPayload;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** An in-process daemon with connections whose outboxes are lists: no sockets, no threads. */
final class CoreHarness {

    final XenstoredCore core;
    final List<Connection> overflowed = new ArrayList<>();

    CoreHarness() {
        this(Quotas.XEN_4_17);
    }

    CoreHarness(Quotas quotas) {
        core = new XenstoredCore(quotas, overflowed::add);
    }

    Conn dom0() {
        return connect(Caller.DOM0);
    }

    Conn guest(int domid) {
        Conn d0 = dom0();
        d0.ok(XsMessageTypes.INTRODUCE, String.valueOf(domid), "0", "1");
        return connect(Caller.guest(domid));
    }

    Conn connect(Caller caller) {
        Conn c = new Conn();
        c.connection = core.connect(caller, m -> c.inbox.add(m));
        return c;
    }

    final class Conn {
        Connection connection;
        final List<XsMessage> inbox = new ArrayList<>();
        int tx;

        /** Sends and returns every message the request produced (events, then the reply). */
        List<XsMessage> send(int type, byte[] payload) {
            inbox.clear();
            core.handle(connection, new XsMessage(type, 1, tx, payload));
            List<XsMessage> out = List.copyOf(inbox);
            inbox.clear();
            return out;
        }

        List<XsMessage> send(int type, String... args) {
            return send(type, XsPayload.joinStrings(args));
        }

        /** The reply (last non-event) as "TYPE:payload" text. */
        String call(int type, String... args) {
            return replyText(send(type, args));
        }

        String ok(int type, String... args) {
            String r = call(type, args);
            if (r.startsWith("ERROR:")) {
                throw new AssertionError(XsMessageTypes.name(type) + " " + List.of(args) + " -> " + r);
            }
            return r;
        }

        String write(String path, String value) {
            byte[] p = XsPayload.joinStrings(path);
            byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = new byte[p.length + v.length];
            System.arraycopy(p, 0, all, 0, p.length);
            System.arraycopy(v, 0, all, p.length, v.length);
            return replyText(send(XsMessageTypes.WRITE, all));
        }

        List<String> events(List<XsMessage> ms) {
            List<String> out = new ArrayList<>();
            for (XsMessage m : ms) {
                if (m.type() == XsMessageTypes.WATCH_EVENT) {
                    out.add(m.payloadText());
                }
            }
            return out;
        }
    }

    static String replyText(List<XsMessage> ms) {
        XsMessage last = null;
        for (XsMessage m : ms) {
            if (m.type() != XsMessageTypes.WATCH_EVENT) {
                last = m;
            }
        }
        if (last == null) {
            throw new AssertionError("no reply in " + ms);
        }
        String kind = last.type() == XsMessageTypes.ERROR ? "ERROR" : "OK";
        return kind + ":" + new String(last.payload(), StandardCharsets.ISO_8859_1).replace("\0", "|");
    }
}
