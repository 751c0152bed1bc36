package io.jxen.host.control;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of {@code key=value} words: the machine-readable replies of the control socket
 * ({@code domains}, {@code vcpus}, {@code info}). Values are percent-escaped outside
 * {@code [A-Za-z0-9._:/+-]}, so a domain name with spaces or '=' stays one word. Parsing trusts
 * nothing: a line longer than {@link #MAX_LINE}, more than {@link #MAX_KEYS} words, a word
 * without '=', a repeated key, a bad escape or a number out of its range is an
 * {@link IllegalArgumentException} naming what is wrong.
 */
public final class KeyValues {

    /** Longest line either side accepts. */
    public static final int MAX_LINE = 2048;
    /** Most words on a line. */
    public static final int MAX_KEYS = 32;

    private final Map<String, String> values;

    private KeyValues(Map<String, String> values) {
        this.values = values;
    }

    /** A line under construction. */
    public static final class Builder {
        private final StringBuilder line = new StringBuilder();

        /** Appends {@code key=value}. */
        public Builder put(String key, Object value) {
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(key).append('=').append(escape(String.valueOf(value)));
            return this;
        }

        /** The line, without a newline. */
        public String build() {
            return line.toString();
        }
    }

    /** Starts a line. */
    public static Builder line() {
        return new Builder();
    }

    /** Parses a line (without its newline). */
    public static KeyValues parse(String line) {
        if (line.length() > MAX_LINE) {
            throw new IllegalArgumentException("a reply line is longer than " + MAX_LINE + " characters");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String word : line.trim().split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            int eq = word.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + shorten(word) + "' is not key=value");
            }
            String key = word.substring(0, eq);
            if (!key.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                throw new IllegalArgumentException("bad key '" + shorten(key) + "'");
            }
            if (values.size() == MAX_KEYS) {
                throw new IllegalArgumentException("more than " + MAX_KEYS + " values on a line");
            }
            if (values.put(key, unescape(word.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("key '" + key + "' repeated");
            }
        }
        return new KeyValues(values);
    }

    /** The string value of {@code key}, at most {@code maxLength} characters. */
    public String string(String key, int maxLength) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key + "=");
        }
        if (v.length() > maxLength) {
            throw new IllegalArgumentException(key + " is longer than " + maxLength + " characters");
        }
        return v;
    }

    /** The decimal value of {@code key}, within {@code min..max}. */
    public long number(String key, long min, long max) {
        String v = string(key, 20);
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + "=" + n + " is outside " + min + ".." + max);
        }
        return n;
    }

    /** {@link #number} as an int. */
    public int integer(String key, int min, int max) {
        return (int) number(key, min, max);
    }

    private static boolean plain(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == ':' || c == '/' || c == '+' || c == '-';
    }

    static String escape(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (plain(c)) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    static String unescape(String value) {
        byte[] out = new byte[value.length()];
        int n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                int hi = i + 2 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(value.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw new IllegalArgumentException("bad escape in '" + shorten(value) + "'");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (plain(c)) {
                out[n++] = (byte) c;
            } else {
                throw new IllegalArgumentException("unescaped character in '" + shorten(value) + "'");
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static String shorten(String s) {
        String printable = s.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }
}
