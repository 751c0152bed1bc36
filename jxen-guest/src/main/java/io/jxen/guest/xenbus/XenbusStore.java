package io.jxen.guest.xenbus;

import io.jxen.xenstore.client.XsNodeOps;
import io.jxen.xenstore.client.WatchListener;
import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.util.List;

/**
 * The store access XenBus needs, and nothing more: node operations, watches and
 * transactions (docs/misc/xenstore.txt). A frontend bus in a guest gets it over the guest's
 * store ring ({@link RingXenbusStore}); a backend bus in dom0 or a driver domain over the
 * xenstored socket ({@link SocketXenbusStore}). The bus never knows which.
 *
 * <p>Paths are absolute. A missing node is {@link XenstoreException} with {@code ENOENT}; a
 * broken connection is an {@link IOException}. Implementations are thread-safe.
 */
public interface XenbusStore {

    /** The body of a transaction, run again from the start when the commit fails with EAGAIN. */
    @FunctionalInterface
    interface TransactionBody<T> {
        /**
         * @param tx operations inside the transaction
         * @return the result
         * @throws XenstoreException aborts the transaction
         * @throws IOException       if the connection failed
         */
        T run(XsNodeOps tx) throws XenstoreException, IOException;
    }

    /** Operations outside any transaction. */
    XsNodeOps ops();

    /** {@code XS_READ} outside a transaction. */
    default String read(String path) throws XenstoreException, IOException {
        return ops().read(path);
    }

    /** {@code XS_WRITE} outside a transaction. */
    default void write(String path, String value) throws XenstoreException, IOException {
        ops().write(path, value);
    }

    /** {@code XS_MKDIR} outside a transaction. */
    default void mkdir(String path) throws XenstoreException, IOException {
        ops().mkdir(path);
    }

    /** {@code XS_RM} outside a transaction. */
    default void rm(String path) throws XenstoreException, IOException {
        ops().rm(path);
    }

    /** {@code XS_DIRECTORY} outside a transaction. */
    default List<String> directory(String path) throws XenstoreException, IOException {
        return ops().directory(path);
    }

    /**
     * {@code XS_WATCH}: the listener runs on the store client's watch thread, which it must not
     * block (the bus only records the event there). Xen fires a new watch once at once.
     *
     * @param path     the node (and its subtree) to watch
     * @param token    unique per watch of this client
     * @param listener receives (path, token)
     */
    void watch(String path, String token, WatchListener listener) throws XenstoreException, IOException;

    /** {@code XS_UNWATCH}. */
    void unwatch(String path, String token) throws XenstoreException, IOException;

    /**
     * Runs {@code body} in a transaction and commits, starting again on EAGAIN.
     *
     * @return the result of the attempt that committed
     */
    <T> T transaction(TransactionBody<T> body) throws XenstoreException, IOException;
}
