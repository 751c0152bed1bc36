package io.jxen.xenstore.wire;

import java.io.Serial;

/**
 * The peer broke the framing rules (a payload over XENSTORE_PAYLOAD_MAX): the connection
 * must be dropped, as docs/misc/xenstore.txt requires. Never a reason to stop the daemon.
 */
public final class ProtocolViolationException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what the peer sent
     */
    public ProtocolViolationException(String message) {
        super(message, null, false, false);
    }
}
