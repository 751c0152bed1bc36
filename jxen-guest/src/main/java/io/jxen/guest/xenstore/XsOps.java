package io.jxen.guest.xenstore;

import io.jxen.xenstore.client.XsNodeOps;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Node operations of a {@link XenstoreRingClient}, inside a transaction or outside
 * ({@code tx_id} 0). Values are bytes as text (ISO-8859-1).
 */
public final class XsOps implements XsNodeOps {

    private final XenstoreRingClient client;
    private final int transactionId;

    XsOps(XenstoreRingClient client, int transactionId) {
        this.client = client;
        this.transactionId = transactionId;
    }

    /** The transaction id (0 outside). */
    public int transactionId() {
        return transactionId;
    }

    /** {@code XS_READ}. */
    public String read(String path) throws XenstoreException, IOException {
        return XenstoreRingClient.text(client.request(XsMessageTypes.READ, transactionId, path));
    }

    /** {@code XS_WRITE}: path, then the value without a trailing NUL. */
    public void write(String path, String value) throws XenstoreException, IOException {
        byte[] p = XsPayload.joinStrings(path);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        byte[] payload = new byte[p.length + v.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(v, 0, payload, p.length, v.length);
        client.request(XsMessageTypes.WRITE, transactionId, payload);
    }

    /** {@code XS_MKDIR}. */
    public void mkdir(String path) throws XenstoreException, IOException {
        client.request(XsMessageTypes.MKDIR, transactionId, path);
    }

    /** {@code XS_RM}. */
    public void rm(String path) throws XenstoreException, IOException {
        client.request(XsMessageTypes.RM, transactionId, path);
    }

    /** {@code XS_DIRECTORY}: child names. */
    public List<String> directory(String path) throws XenstoreException, IOException {
        return new ArrayList<>(XsPayload.strings(client.request(XsMessageTypes.DIRECTORY, transactionId, path)));
    }

    /** {@code XS_GET_PERMS}: entries like {@code n0}, {@code r5}. */
    public List<String> getPerms(String path) throws XenstoreException, IOException {
        return new ArrayList<>(XsPayload.strings(client.request(XsMessageTypes.GET_PERMS, transactionId, path)));
    }

    /** {@code XS_SET_PERMS}. */
    public void setPerms(String path, List<String> perms) throws XenstoreException, IOException {
        List<String> args = new ArrayList<>(perms.size() + 1);
        args.add(path);
        args.addAll(perms);
        client.request(XsMessageTypes.SET_PERMS, transactionId, args.toArray(String[]::new));
    }

    /** {@code XS_GET_DOMAIN_PATH}. */
    public String getDomainPath(int domid) throws XenstoreException, IOException {
        return XenstoreRingClient.text(client.request(XsMessageTypes.GET_DOMAIN_PATH, transactionId,
                Integer.toUnsignedString(domid))).replace("\0", "");
    }
}
