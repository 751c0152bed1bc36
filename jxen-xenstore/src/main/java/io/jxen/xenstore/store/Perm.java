package io.jxen.xenstore.store;

/**
 * One permission entry, {@code <letter><domid>} on the wire.
 *
 * @param access the letter
 * @param domid  the domain (printed unsigned, as C does)
 */
public record Perm(Access access, int domid) {

    /** The wire form, e.g. {@code r5}. */
    public String toWire() {
        return access.letter() + Integer.toUnsignedString(domid);
    }
}
