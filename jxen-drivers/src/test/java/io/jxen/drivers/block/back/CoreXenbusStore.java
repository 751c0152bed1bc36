package io.jxen.drivers.block.back;

import io.jxen.xenstore.client.XsNodeOps;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.guest.xenbus.XenbusStore;
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
 * A {@link XenbusStore} for tests, straight on an in-process xenstored core: one connection
 * as {@code caller}, one request at a time, watch events on a thread of their own as a real
 * client delivers them.
 */
public final class CoreXenbusStore implements XenbusStore, AutoCloseable {

    private final XenstoredCore core;
    private final Connection connection;
    private final Map<String, WatchListener> watches = new ConcurrentHashMap<>();
    private final ExecutorService events;
    private volatile XsMessage reply;
    private volatile boolean closed;
    private int nextRequestId = 1;

    /** Connects to {@code core} as {@code caller}. */
    public CoreXenbusStore(XenstoredCore core, Caller caller, String name) {
        this.core = core;
        this.events = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name(name + "-xenwatch")
                .unstarted(r));
        this.connection = core.connect(caller, this::deliver);
    }

    private boolean deliver(XsMessage m) {
        if (m.type() == XsMessageTypes.WATCH_EVENT) {
            List<String> fields = XsPayload.strings(m.payload());
            WatchListener listener = fields.size() >= 2 ? watches.get(fields.get(1)) : null;
            if (listener != null) {
                events.execute(() -> listener.onEvent(fields.get(0), fields.get(1)));
            }
        } else {
            reply = m;
        }
        return true;
    }

    /**
     * Sends one request and returns the reply's payload; an error reply is a
     * {@link XenstoreException}. The core serves one request at a time for all its connections
     * (as the daemon's single loop does), so requests of every store on it take its lock.
     */
    public byte[] request(int type, int tx, byte[] payload) throws XenstoreException {
        XsMessage r;
        synchronized (core) {
            reply = null;
            core.handle(connection, new XsMessage(type, nextRequestId++, tx, payload));
            r = reply;
        }
        if (r == null) {
            throw new IllegalStateException(closed ? "store closed (a bus worker outlived the test)"
                    : "xenstored sent no reply");
        }
        if (r.type() == XsMessageTypes.ERROR) {
            throw new XenstoreException(XsError.ofName(new String(r.payload(), StandardCharsets.US_ASCII)
                    .replace("\0", "")));
        }
        return r.payload();
    }

    /** {@link #request(int, int, byte[])} with NUL-terminated string arguments. */
    public byte[] request(int type, int tx, String... args) throws XenstoreException {
        return request(type, tx, XsPayload.joinStrings(args));
    }

    /** {@code XS_SET_PERMS}. */
    public void setPerms(String path, String... perms) throws XenstoreException {
        setPerms(0, path, perms);
    }

    /** {@code XS_SET_PERMS} inside transaction {@code tx} (0: none). */
    public void setPerms(int tx, String path, String... perms) throws XenstoreException {
        String[] args = new String[perms.length + 1];
        args[0] = path;
        System.arraycopy(perms, 0, args, 1, perms.length);
        request(XsMessageTypes.SET_PERMS, tx, args);
    }

    /**
     * Writes {@code nodes} in one transaction, each {path, value, perm, perm...}, as libxl creates
     * a device: a driver woken by the first watch event finds every node with its permissions.
     */
    public void writeAllWithPerms(String[][] nodes) throws XenstoreException, IOException {
        while (true) {
            int tx = Integer.parseInt(new String(request(XsMessageTypes.TRANSACTION_START, 0, ""),
                    StandardCharsets.US_ASCII).replace("\0", ""));
            for (String[] node : nodes) {
                ops(tx).write(node[0], node[1]);
                setPerms(tx, node[0], java.util.Arrays.copyOfRange(node, 2, node.length));
            }
            try {
                request(XsMessageTypes.TRANSACTION_END, tx, "T");
                return;
            } catch (XenstoreException e) {
                if (e.error() != XsError.EAGAIN) {
                    throw e;
                }
            }
        }
    }

    /**
     * libxl's vbd nodes (libxl_disk.c, libxl_device.c) for a disk of domain {@code domU} served
     * by dom0, with their permissions, written in one transaction: a driver reacting to the
     * first watch event must find them readable, and keys it creates inherit them.
     */
    public void addLibxlVbd(int domU, String fe, String be, String devid) throws XenstoreException, IOException {
        String home = "/local/domain/" + domU;
        String fo = "n" + domU;
        String br = "r" + domU;
        writeAllWithPerms(new String[][] {
            {home + "/device", "", fo, "r0"}, {home + "/device/vbd", "", fo, "r0"},
            {fe, "", fo, "r0"}, {fe + "/backend", be, fo, "r0"}, {fe + "/backend-id", "0", fo, "r0"},
            {fe + "/virtual-device", devid, fo, "r0"}, {fe + "/device-type", "disk", fo, "r0"},
            {fe + "/state", "1", fo, "r0"},
            {be, "", "n0", br}, {be + "/frontend", fe, "n0", br}, {be + "/frontend-id", Integer.toString(domU), "n0", br},
            {be + "/online", "1", "n0", br}, {be + "/mode", "w", "n0", br}, {be + "/params", "disk0.img", "n0", br},
            {be + "/type", "file", "n0", br}, {be + "/state", "1", "n0", br}});
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
                    // the body's failure is the one to report
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

    @Override
    public void close() {
        closed = true;
        synchronized (core) {
            core.disconnect(connection);
        }
        events.shutdownNow();
    }
}
