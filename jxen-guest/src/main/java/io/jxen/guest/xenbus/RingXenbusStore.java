package io.jxen.guest.xenbus;

import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.xenstore.client.WatchListener;
import io.jxen.xenstore.client.XsNodeOps;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.util.Objects;

/** {@link XenbusStore} over a guest's store ring: what a frontend bus in a domU uses. */
public final class RingXenbusStore implements XenbusStore {

    private final XenstoreRingClient client;

    /** @param client the guest's xs_* client over its store ring */
    public RingXenbusStore(XenstoreRingClient client) {
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
