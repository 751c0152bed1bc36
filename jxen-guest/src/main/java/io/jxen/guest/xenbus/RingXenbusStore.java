package io.jxen.guest.xenbus;

import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.guest.xenstore.XsOps;
import io.jxen.xenstore.client.WatchListener;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/** {@link XenbusStore} over a guest's store ring: what a frontend bus in a domU uses. */
public final class RingXenbusStore implements XenbusStore {

    private final XenstoreRingClient client;

    /** @param client the guest's xs_* client over its store ring */
    public RingXenbusStore(XenstoreRingClient client) {
        this.client = Objects.requireNonNull(client);
    }

    @Override
    public Ops ops() {
        return wrap(client.ops());
    }

    private static Ops wrap(XsOps xs) {
        return new Ops() {
            @Override
            public String read(String path) throws XenstoreException, IOException {
                return xs.read(path);
            }

            @Override
            public void write(String path, String value) throws XenstoreException, IOException {
                xs.write(path, value);
            }

            @Override
            public void mkdir(String path) throws XenstoreException, IOException {
                xs.mkdir(path);
            }

            @Override
            public void rm(String path) throws XenstoreException, IOException {
                xs.rm(path);
            }

            @Override
            public List<String> directory(String path) throws XenstoreException, IOException {
                return xs.directory(path);
            }
        };
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
        return client.inTransaction(tx -> body.run(wrap(tx)));
    }
}
