package io.jxen.host.toolstack;

/** A toolstack operation failed; the message says what and, where it helps, what to do. */
public final class ToolstackException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param message what failed */
    public ToolstackException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause   the underlying failure
     */
    public ToolstackException(String message, Throwable cause) {
        super(message, cause);
    }
}
