package io.jxen.xenstore.client;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsPayload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The node operations, inside a transaction or outside ({@code tx_id} 0). Values are text
 * byte for byte (ISO-8859-1); use {@link #readBytes}/{@link #writeBytes} for binary values.
 */
public final class XenstoreOps implements XsNodeOps {

    private final XenstoreClient client;
    private final int transactionId;

    XenstoreOps(XenstoreClient client, int transactionId) {
        this.client = client;
        this.transactionId = transactionId;
    }

    /**
     * @param path node path
     * @return the value as text
     * @throws XenstoreException ENOENT, EACCES, EINVAL
     * @throws IOException       if the connection failed
     */
    public String read(String path) throws XenstoreException, IOException {
        return XenstoreClient.text(readBytes(path));
    }

    /**
     * @param path node path
     * @return the raw value
     * @throws XenstoreException ENOENT, EACCES, EINVAL
     * @throws IOException       if the connection failed
     */
    public byte[] readBytes(String path) throws XenstoreException, IOException {
        return client.request(XsMessageTypes.READ, transactionId, path);
    }

    /**
     * @param path  node path, created with missing parents
     * @param value the value as text
     * @throws XenstoreException EACCES, ENOSPC, EINVAL
     * @throws IOException       if the connection failed
     */
    public void write(String path, String value) throws XenstoreException, IOException {
        writeBytes(path, value.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * @param path  node path
     * @param value raw value (not NUL-terminated on the wire)
     * @throws XenstoreException EACCES, ENOSPC, EINVAL
     * @throws IOException       if the connection failed
     */
    public void writeBytes(String path, byte[] value) throws XenstoreException, IOException {
        byte[] p = XsPayload.joinStrings(path);
        byte[] payload = new byte[p.length + value.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(value, 0, payload, p.length, value.length);
        client.request(XsMessageTypes.WRITE, transactionId, payload);
    }

    /**
     * @param path node path; an existing node is left alone
     * @throws XenstoreException EACCES, ENOSPC, EINVAL
     * @throws IOException       if the connection failed
     */
    public void mkdir(String path) throws XenstoreException, IOException {
        client.request(XsMessageTypes.MKDIR, transactionId, path);
    }

    /**
     * @param path node path; removes the subtree
     * @throws XenstoreException ENOENT (parent missing), EACCES, EINVAL
     * @throws IOException       if the connection failed
     */
    public void rm(String path) throws XenstoreException, IOException {
        client.request(XsMessageTypes.RM, transactionId, path);
    }

    /**
     * @param path node path
     * @return child names in the daemon's order
     * @throws XenstoreException ENOENT, EACCES, E2BIG (see {@link #directoryPart})
     * @throws IOException       if the connection failed
     */
    public List<String> directory(String path) throws XenstoreException, IOException {
        return XenstoreClient.list(client.request(XsMessageTypes.DIRECTORY, transactionId, path));
    }

    /**
     * The whole child list through DIRECTORY_PART, for lists over the payload limit;
     * restarts when the node's generation changes between parts.
     *
     * @param path node path
     * @return child names
     * @throws XenstoreException ENOENT, EACCES
     * @throws IOException       if the connection failed
     */
    public List<String> directoryPart(String path) throws XenstoreException, IOException {
        while (true) {
            StringBuilder all = new StringBuilder();
            String gen = null;
            boolean restart = false;
            while (true) {
                byte[] r = client.request(XsMessageTypes.DIRECTORY_PART, transactionId, path,
                        Integer.toString(all.length()));
                int nul = XsPayload.indexOfNul(r, 0);
                String g = new String(r, 0, nul, StandardCharsets.US_ASCII);
                if (gen != null && !gen.equals(g)) {
                    restart = true;
                    break;
                }
                gen = g;
                String chunk = new String(r, nul + 1, r.length - nul - 1, StandardCharsets.ISO_8859_1);
                if (chunk.endsWith("\0\0") || chunk.equals("\0")) {
                    all.append(chunk, 0, chunk.length() - 1);
                    break;
                }
                all.append(chunk);
            }
            if (!restart) {
                List<String> out = new ArrayList<>();
                for (String s : all.toString().split("\0", -1)) {
                    if (!s.isEmpty()) {
                        out.add(s);
                    }
                }
                return out;
            }
        }
    }

    /**
     * @param path node path or a special {@code @…} path
     * @return entries like {@code r5}; the first names the owner
     * @throws XenstoreException ENOENT, EACCES
     * @throws IOException       if the connection failed
     */
    public List<String> getPerms(String path) throws XenstoreException, IOException {
        return XenstoreClient.list(client.request(XsMessageTypes.GET_PERMS, transactionId, path));
    }

    /**
     * @param path  node path
     * @param perms entries like {@code n0}, {@code r5}; the first names the owner
     * @throws XenstoreException EACCES, EPERM, ENOENT, ENOSPC, EINVAL
     * @throws IOException       if the connection failed
     */
    public void setPerms(String path, List<String> perms) throws XenstoreException, IOException {
        List<String> args = new ArrayList<>(perms.size() + 1);
        args.add(path);
        args.addAll(perms);
        client.request(XsMessageTypes.SET_PERMS, transactionId, XsPayload.joinStrings(args));
    }

    /**
     * @param domid domain id
     * @return {@code /local/domain/<domid>}
     * @throws XenstoreException as the daemon answers
     * @throws IOException       if the connection failed
     */
    public String getDomainPath(int domid) throws XenstoreException, IOException {
        return XenstoreClient.text(client.request(XsMessageTypes.GET_DOMAIN_PATH, transactionId,
                Integer.toUnsignedString(domid))).replace("\0", "");
    }
}
