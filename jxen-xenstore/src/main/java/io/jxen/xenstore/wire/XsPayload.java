package io.jxen.xenstore.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Argument parsing of request payloads, with C xenstored 4.17's rules: arguments are
 * NUL-terminated strings; text is handled byte for byte (ISO-8859-1), so tokens and values
 * round-trip unchanged.
 */
public final class XsPayload {

    private XsPayload() {
    }

    /**
     * The single argument of READ, MKDIR, RM, DIRECTORY, GET_PERMS, TRANSACTION_END and
     * friends: the payload must be exactly one string and its NUL (C {@code onearg}).
     *
     * @param payload request payload
     * @return the string without its NUL
     * @throws XenstoreException EINVAL otherwise
     */
    public static String oneArg(byte[] payload) throws XenstoreException {
        int nul = indexOfNul(payload, 0);
        if (payload.length == 0 || nul != payload.length - 1) {
            throw new XenstoreException(XsError.EINVAL, "expected one NUL-terminated argument");
        }
        return new String(payload, 0, nul, StandardCharsets.ISO_8859_1);
    }

    /**
     * Every NUL-terminated string in the payload, in order; bytes after the last NUL are
     * not returned (see {@link #hasUnterminatedTail}).
     *
     * @param payload request payload
     * @return the strings without their NULs
     */
    public static List<String> strings(byte[] payload) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return out;
    }

    /**
     * Exactly {@code count} NUL-terminated strings, as C's {@code get_strings} counts them:
     * bytes after the last NUL are ignored.
     *
     * @param payload request payload
     * @param count   expected number of strings
     * @return the strings
     * @throws XenstoreException EINVAL otherwise
     */
    public static List<String> exactly(byte[] payload, int count) throws XenstoreException {
        List<String> s = strings(payload);
        if (s.size() != count) {
            throw new XenstoreException(XsError.EINVAL, "expected " + count + " arguments");
        }
        return s;
    }

    /** True when bytes follow the last NUL (or there is no NUL in a non-empty payload). */
    public static boolean hasUnterminatedTail(byte[] payload) {
        return payload.length > 0 && payload[payload.length - 1] != 0;
    }

    /**
     * The first NUL at or after {@code from}.
     *
     * @param payload bytes
     * @param from    start index
     * @return its index, or -1
     */
    public static int indexOfNul(byte[] payload, int from) {
        for (int i = from; i < payload.length; i++) {
            if (payload[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The strings, each followed by a NUL.
     *
     * @param strings text (ISO-8859-1)
     * @return the payload bytes
     */
    public static byte[] joinStrings(String... strings) {
        return joinStrings(List.of(strings));
    }

    /**
     * The strings, each followed by a NUL.
     *
     * @param strings text (ISO-8859-1)
     * @return the payload bytes
     */
    public static byte[] joinStrings(List<String> strings) {
        int n = 0;
        for (String s : strings) {
            n += s.length() + 1;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (String s : strings) {
            for (int i = 0; i < s.length(); i++) {
                out[at++] = (byte) s.charAt(i);
            }
            out[at++] = 0;
        }
        return out;
    }

    /**
     * C's {@code atoi}: optional blanks, an optional sign, decimal digits; anything else ends
     * the number, and no digits give 0. Saturates instead of overflowing.
     *
     * @param s text
     * @return the value
     */
    public static long atoi(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || (s.charAt(i) >= '\t' && s.charAt(i) <= '\r'))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            v = Math.min(v * 10 + (s.charAt(i) - '0'), Long.MAX_VALUE / 16);
            i++;
        }
        return negative ? -v : v;
    }
}
