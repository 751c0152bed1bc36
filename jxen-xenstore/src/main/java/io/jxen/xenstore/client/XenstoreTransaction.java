package io.jxen.xenstore.client;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.io.IOException;

/** An open transaction: run operations through {@link #ops()}, then commit or abort. */
public final class XenstoreTransaction {

    private final XenstoreClient client;
    private final int id;

    XenstoreTransaction(XenstoreClient client, int id) {
        this.client = client;
        this.id = id;
    }

    /** The transaction id. */
    public int id() {
        return id;
    }

    /** Operations inside this transaction. */
    public XenstoreOps ops() {
        return new XenstoreOps(client, id);
    }

    /**
     * Commits.
     *
     * @return true if committed, false on a conflict (EAGAIN): redo the whole transaction
     * @throws XenstoreException another error (ENOSPC, ENOENT)
     * @throws IOException       if the connection failed
     */
    public boolean commit() throws XenstoreException, IOException {
        try {
            client.request(XsMessageTypes.TRANSACTION_END, id, "T");
            return true;
        } catch (XenstoreException e) {
            if (e.error() == XsError.EAGAIN) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Aborts: nothing of the transaction is applied.
     *
     * @throws XenstoreException ENOENT if it is already finished
     * @throws IOException       if the connection failed
     */
    public void abort() throws XenstoreException, IOException {
        client.request(XsMessageTypes.TRANSACTION_END, id, "F");
    }
}
