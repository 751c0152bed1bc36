package io.jxen.xenstore.store;

/** The letter of a permission entry (docs/misc/xenstore.txt): n, r, w or b(oth). */
public enum Access {
    /** No access. */
    NONE('n'),
    /** Read. */
    READ('r'),
    /** Write. */
    WRITE('w'),
    /** Read and write. */
    BOTH('b');

    private final char letter;

    Access(char letter) {
        this.letter = letter;
    }

    /** The wire letter. */
    public char letter() {
        return letter;
    }

    /** Whether this grants reading. */
    public boolean canRead() {
        return this == READ || this == BOTH;
    }

    /** Whether this grants writing. */
    public boolean canWrite() {
        return this == WRITE || this == BOTH;
    }

    /**
     * The access for a wire letter.
     *
     * @param c the letter
     * @return the access, or null for an unknown letter
     */
    public static Access ofLetter(char c) {
        return switch (c) {
            case 'n' -> NONE;
            case 'r' -> READ;
            case 'w' -> WRITE;
            case 'b' -> BOTH;
            default -> null;
        };
    }
}
