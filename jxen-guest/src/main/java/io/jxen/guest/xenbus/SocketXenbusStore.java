package io.jxen.guest.xenbus;

import io.jxen.xenstore.client.WatchListener;
import io.jxen.xenstore.client.XsNodeOps;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.util.Objects;

/**
 * {@link XenbusStore} over jxen-xenstore's {@link XenstoreClient} (the xenstored Unix socket):
 * what a backend bus in dom0 uses.
 */
public final class SocketXenbusStore implements XenbusStore {

    private final XenstoreClient client;

    /** @param client a connection to xenstored */
    public SocketXenbusStore(XenstoreClient client) {
        this.client = Objects.requireNonNull(client);
    }

    @Override
    public XsNodeOps ops() {
        return client.ops();
    }

    @Override
    public void watch(String path, String token, WatchListener listener) throws XenstoreException, IOException {
        client.watch(path, token, listener);
    }

    @Override
    public void unwatch(String path, String token) throws XenstoreException, IOException {
        client.unwatch(path, token);
    }

    @Override
    public <T> T transaction(TransactionBody<T> body) throws XenstoreException, IOException {
        return client.inTransaction(body::run);
    }
}
