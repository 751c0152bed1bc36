package io.jxen.xenstore.store;

/**
 * What a caller may do with a node: read, write, and (as owner) change its permissions.
 *
 * @param read  may read
 * @param write may write
 * @param owner may change permissions
 */
public record Rights(boolean read, boolean write, boolean owner) {

    /** Everything: the owner, a privileged caller, or the owner's SET_TARGET domain. */
    public static final Rights OWNER = new Rights(true, true, true);

    /**
     * The rights an entry's letter grants.
     *
     * @param access the letter
     * @return the rights
     */
    public static Rights of(Access access) {
        return new Rights(access.canRead(), access.canWrite(), false);
    }

    /**
     * Whether these rights include what {@code need} asks for.
     *
     * @param need the needed access
     * @return true if granted
     */
    public boolean allows(Need need) {
        return switch (need) {
            case READ -> read;
            case WRITE -> write;
            case OWNER -> write && owner;
        };
    }

    /** The access an operation needs. */
    public enum Need {
        /** READ, DIRECTORY, GET_PERMS. */
        READ,
        /** WRITE, MKDIR, RM. */
        WRITE,
        /** SET_PERMS: write and ownership. */
        OWNER
    }
}
