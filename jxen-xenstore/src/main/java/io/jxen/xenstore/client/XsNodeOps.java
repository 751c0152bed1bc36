package io.jxen.xenstore.client;

import io.jxen.xenstore.wire.XenstoreException;

import java.io.IOException;
import java.util.List;

/**
 * The xs_* node operations every xenstore client offers, whatever carries them (the Unix
 * socket here, the guest's store ring in jxen-guest), inside or outside a transaction. Code
 * that only reads and writes nodes, such as XenBus, depends on this and not on a transport.
 */
public interface XsNodeOps {

    /** {@code XS_READ}. */
    String read(String path) throws XenstoreException, IOException;

    /** {@code XS_WRITE}. */
    void write(String path, String value) throws XenstoreException, IOException;

    /** {@code XS_MKDIR}. */
    void mkdir(String path) throws XenstoreException, IOException;

    /** {@code XS_RM} (the node and everything below it). */
    void rm(String path) throws XenstoreException, IOException;

    /** {@code XS_DIRECTORY}: the child names. */
    List<String> directory(String path) throws XenstoreException, IOException;
}
