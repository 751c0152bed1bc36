package io.jxen.guest.xenbus;

import io.jxen.xenstore.client.XsNodeOps;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.client.WatchListener;
import io.jxen.xenstore.server.Connection;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A test {@link XenbusStore} straight on an in-process {@link XenstoredCore}: one connection of
 * the given caller, requests one at a time, watch events on a thread of their own (as the real
 * clients deliver them).
 */
final class CoreStore implements XenbusStore, AutoCloseable {

    private final XenstoredCore core;
    private final Connection connection;
    private final Map<String, WatchListener> watches = new ConcurrentHashMap<>();
    private final ExecutorService events;
    private XsMessage reply;
    private int nextId = 1;

    private final Interleaver interleaver;

    CoreStore(XenstoredCore core, Caller caller, String name) {
        this(core, caller, name, null);
    }

    /**
     * @param interleaver if not null, every request is a yield point of it and watch events are
     *                    delivered by one of its participants (in order, as by their thread)
     */
    CoreStore(XenstoredCore core, Caller caller, String name, Interleaver interleaver) {
        this.core = core;
        this.interleaver = interleaver;
        this.events = interleaver != null ? interleaver.executor(name + "-watch", 1)
                : Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name(name + "-watch").unstarted(r));
        this.connection = core.connect(caller, this::deliver);
    }

    private boolean deliver(XsMessage m) {
        if (m.type() == XsMessageTypes.WATCH_EVENT) {
            List<String> s = XsPayload.strings(m.payload());
            WatchListener l = s.size() >= 2 ? watches.get(s.get(1)) : null;
            if (l != null) {
                events.execute(new Interleaver.Named("event " + s.get(0) + " " + s.get(1),
                        () -> l.onEvent(s.get(0), s.get(1))));
            }
        } else {
            reply = m;
        }
        return true;
    }

    byte[] request(int type, int tx, byte[] payload) throws XenstoreException {
        if (interleaver != null) {
            // Before taking this store's lock, which another participant may need.
            interleaver.yieldPoint(XsMessageTypes.name(type) + (tx != 0 ? "@" + tx : "") + " "
                    + new String(payload, StandardCharsets.ISO_8859_1).replace('\0', ' ').trim());
        }
        if (interleaver == null) {
            return requestNow(type, tx, payload);
        }
        try {
            byte[] r = requestNow(type, tx, payload);
            if (type == XsMessageTypes.READ) {
                interleaver.note(new String(r, StandardCharsets.ISO_8859_1));
            }
            return r;
        } catch (XenstoreException | RuntimeException e) {
            interleaver.note(e.toString());
            throw e;
        }
    }

    private synchronized byte[] requestNow(int type, int tx, byte[] payload) throws XenstoreException {
        reply = null;
        core.handle(connection, new XsMessage(type, nextId++, tx, payload));
        XsMessage r = reply;
        if (r == null) {
            throw new IllegalStateException("no reply");
        }
        if (r.type() == XsMessageTypes.ERROR) {
            throw new XenstoreException(XsError.ofName(new String(r.payload(), StandardCharsets.US_ASCII).replace("\0", "")));
        }
        return r.payload();
    }

    byte[] request(int type, int tx, String... args) throws XenstoreException {
        return request(type, tx, XsPayload.joinStrings(args));
    }

    private XsNodeOps ops(int tx) {
        return new XsNodeOps() {
            @Override
            public String read(String path) throws XenstoreException {
                return new String(request(XsMessageTypes.READ, tx, path), StandardCharsets.ISO_8859_1);
            }

            @Override
            public void write(String path, String value) throws XenstoreException {
                byte[] p = XsPayload.joinStrings(path);
                byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
                byte[] payload = new byte[p.length + v.length];
                System.arraycopy(p, 0, payload, 0, p.length);
                System.arraycopy(v, 0, payload, p.length, v.length);
                request(XsMessageTypes.WRITE, tx, payload);
            }

            @Override
            public void mkdir(String path) throws XenstoreException {
                request(XsMessageTypes.MKDIR, tx, path);
            }

            @Override
            public void rm(String path) throws XenstoreException {
                request(XsMessageTypes.RM, tx, path);
            }

            @Override
            public List<String> directory(String path) throws XenstoreException {
                return XsPayload.strings(request(XsMessageTypes.DIRECTORY, tx, path));
            }
        };
    }

    @Override
    public XsNodeOps ops() {
        return ops(0);
    }

    /** XS_SET_PERMS. */
    void setPerms(String path, String... perms) throws XenstoreException {
        String[] args = new String[perms.length + 1];
        args[0] = path;
        System.arraycopy(perms, 0, args, 1, perms.length);
        request(XsMessageTypes.SET_PERMS, 0, args);
    }

    @Override
    public void watch(String path, String token, WatchListener listener) throws XenstoreException {
        watches.put(token, listener);
        try {
            request(XsMessageTypes.WATCH, 0, path, token);
        } catch (XenstoreException e) {
            watches.remove(token, listener);
            throw e;
        }
    }

    @Override
    public void unwatch(String path, String token) throws XenstoreException {
        request(XsMessageTypes.UNWATCH, 0, path, token);
        watches.remove(token);
    }

    @Override
    public <T> T transaction(TransactionBody<T> body) throws XenstoreException, IOException {
        while (true) {
            int tx = Integer.parseInt(new String(request(XsMessageTypes.TRANSACTION_START, 0, ""),
                    StandardCharsets.US_ASCII).replace("\0", ""));
            T result;
            try {
                result = body.run(ops(tx));
            } catch (XenstoreException | IOException | RuntimeException e) {
                try {
                    request(XsMessageTypes.TRANSACTION_END, tx, "F");
                } catch (XenstoreException ignored) {
                    // the body's failure matters
                }
                throw e;
            }
            try {
                request(XsMessageTypes.TRANSACTION_END, tx, "T");
                return result;
            } catch (XenstoreException e) {
                if (e.error() != XsError.EAGAIN) {
                    throw e;
                }
            }
        }
    }

    /** Watches registered through this store. */
    int watchCount() {
        return watches.size();
    }

    @Override
    public void close() {
        core.disconnect(connection);
        events.shutdownNow();
    }
}
