package io.jxen.guest.xenbus;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.sim.VirtualClock;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.util.concurrent.TimeUnit;

/**
 * A front bus in guest domain 1 and a back bus in dom0 on one in-process xenstored core, with
 * a toolstack that lays out device nodes as libxl does (frontend and backend directories,
 * state 1, owned by their domains and readable by the other).
 */
final class CorePair implements AutoCloseable {

    static final int GUEST = 1;
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    final XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
    final CoreStore dom0;
    final CoreStore guest;
    final VirtualClock clock = new VirtualClock(0);
    final XenBus front;
    final XenBus back;

    CorePair() throws Exception {
        this(4);
    }

    CorePair(int parallelism) throws Exception {
        this(parallelism, null);
    }

    /**
     * @param interleaver if not null, both buses, both stores' watch deliveries and every
     *                    request run under it (the toolstack's requests are yield points too)
     */
    CorePair(int parallelism, Interleaver interleaver) throws Exception {
        dom0 = new CoreStore(core, Caller.DOM0, "dom0", interleaver);
        dom0.request(XsMessageTypes.INTRODUCE, 0, Integer.toString(GUEST), "0", "1");
        dom0.mkdir(home(GUEST));
        dom0.setPerms(home(GUEST), "n" + GUEST);
        dom0.mkdir(home(0) + "/backend");
        guest = new CoreStore(core, Caller.guest(GUEST), "guest", interleaver);
        XenBus.Options o = new XenBus.Options(clock, TIMEOUT_NANOS, parallelism);
        if (interleaver != null) {
            o = o.withExecutors(interleaver::executor);
        }
        front = XenBus.front(guest, GUEST, o);
        back = XenBus.back(dom0, 0, o);
    }

    static String home(int domid) {
        return "/local/domain/" + domid;
    }

    static String frontNode(String type, int id) {
        return home(GUEST) + "/device/" + type + "/" + id;
    }

    static String backNode(String type, int id) {
        return home(0) + "/backend/" + type + "/" + GUEST + "/" + id;
    }

    /** libxl's device nodes for one device, in one transaction. */
    void addDevice(String type, int id) throws Exception {
        addDevice(type, id, true);
    }

    /** The backend half alone, as libxl writes it again for a restarted driver domain. */
    void addBackend(String type, int id) throws Exception {
        inTransaction(tx -> writeBackendHalf(tx, type, id));
    }

    /**
     * The backend half removed and written again in one transaction, so a bus never sees the
     * directory go: a driver domain restarted under the same id, as the toolstack may do it.
     */
    void recreateBackend(String type, int id) throws Exception {
        inTransaction(tx -> {
            dom0.request(XsMessageTypes.RM, tx, backNode(type, id));
            writeBackendHalf(tx, type, id);
        });
    }

    /**
     * As libxl, in one transaction with the permissions (so a driver never sees a node before
     * its permissions), or with {@code withBackend} false a frontend whose backend never comes.
     */
    void addDevice(String type, int id, boolean withBackend) throws Exception {
        String fe = frontNode(type, id);
        String be = backNode(type, id);
        String feDir = home(GUEST) + "/device";
        inTransaction(tx -> {
            dom0.request(XsMessageTypes.MKDIR, tx, feDir + "/" + type);
            perms(tx, feDir, "n" + GUEST, "r0");
            perms(tx, feDir + "/" + type, "n" + GUEST, "r0");
            write(tx, fe, "");
            perms(tx, fe, "n" + GUEST, "r0");
            write(tx, fe + "/backend", be);
            write(tx, fe + "/backend-id", "0");
            write(tx, fe + "/state", "1");
            if (withBackend) {
                writeBackendHalf(tx, type, id);
            }
        });
    }

    private void writeBackendHalf(int tx, String type, int id) throws Exception {
        String be = backNode(type, id);
        write(tx, be, "");
        perms(tx, be, "n0", "r" + GUEST);
        write(tx, be + "/frontend", frontNode(type, id));
        write(tx, be + "/frontend-id", Integer.toString(GUEST));
        write(tx, be + "/online", "1");
        write(tx, be + "/state", "1");
    }

    /** What a transaction of dom0's writes. */
    @FunctionalInterface
    private interface TxBody {
        void run(int tx) throws Exception;
    }

    /** Runs {@code body} in a dom0 transaction, again on EAGAIN. */
    private void inTransaction(TxBody body) throws Exception {
        while (true) {
            int tx = Integer.parseInt(new String(dom0.request(XsMessageTypes.TRANSACTION_START, 0, ""),
                    java.nio.charset.StandardCharsets.US_ASCII).replace("\0", ""));
            body.run(tx);
            try {
                dom0.request(XsMessageTypes.TRANSACTION_END, tx, "T");
                return;
            } catch (XenstoreException e) {
                if (e.error() != XsError.EAGAIN) {
                    throw e;
                }
            }
        }
    }

    private void write(int tx, String path, String value) throws XenstoreException {
        byte[] p = io.jxen.xenstore.wire.XsPayload.joinStrings(path);
        byte[] v = value.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] payload = new byte[p.length + v.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(v, 0, payload, p.length, v.length);
        dom0.request(XsMessageTypes.WRITE, tx, payload);
    }

    private void perms(int tx, String path, String... perms) throws XenstoreException {
        String[] args = new String[perms.length + 1];
        args[0] = path;
        System.arraycopy(perms, 0, args, 1, perms.length);
        dom0.request(XsMessageTypes.SET_PERMS, tx, args);
    }

    /** Removes both directories, as the toolstack does on hot-unplug. */
    void removeDevice(String type, int id) throws Exception {
        dom0.transaction(tx -> {
            tx.rm(frontNode(type, id));
            tx.rm(backNode(type, id));
            return null;
        });
    }

    String readOrNull(String path) throws Exception {
        try {
            return dom0.read(path);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    /** The error node a failed device of domain {@code domid} leaves. */
    String error(int domid, String node) throws Exception {
        return readOrNull(home(domid) + "/error/" + node.substring(home(domid).length() + 1) + "/error");
    }

    /** Steps the virtual clock past the connect timeout and lets both buses check it. */
    void expireTimeouts() {
        clock.advance(TIMEOUT_NANOS + 1);
        front.doWork();
        back.doWork();
    }

    @Override
    public void close() {
        front.close();
        back.close();
        guest.close();
        dom0.close();
    }
}
