package io.jxen.abi;

/**
 * One number the C probe must reproduce: a Java field, the C expression it stands for, and
 * the data model the expression is evaluated under.
 *
 * @param kind       which oracle annotation the field carries
 * @param field      the field, as {@code SimpleBinaryName.FIELD} qualified by its package
 * @param expression the C expression whose value must equal the field
 * @param abi        the data model (gcc -m64 or -m32)
 * @param javaValue  the field's value, sign-extended to a long
 * @param javaBits   the width of the field's Java type (8, 16, 32 or 64)
 */
record AbiCheck(Kind kind, String field, String expression, XenAbi abi, long javaValue, int javaBits) {

    /** The three things the oracle compares. */
    enum Kind {
        /** {@link XenConstant}: a macro or other C expression. */
        CONSTANT,
        /** {@link XenSizeof}: {@code sizeof(type)}. */
        SIZEOF,
        /** {@link XenOffsetof}: {@code offsetof(type, member)}. */
        OFFSETOF
    }

    /** The key the probe prints the value under; unique per field within one abi. */
    String key() {
        return field;
    }

    /**
     * Whether the C value equals the Java value. A C value equal to the Java field read as
     * unsigned also matches ({@code 0xFFFFFFFFU} in C against {@code -1} in an {@code int}),
     * because Java has no unsigned types; any other difference, including a C value too wide
     * for the Java type, is a mismatch.
     */
    boolean matches(long cValue) {
        if (cValue == javaValue) {
            return true;
        }
        if (javaBits == Long.SIZE || cValue < 0) {
            return false;
        }
        long unsigned = javaValue & ((1L << javaBits) - 1);
        return cValue == unsigned;
    }
}
