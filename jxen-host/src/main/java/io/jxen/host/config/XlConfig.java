package io.jxen.host.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one xl.cfg file, untyped: each key's last assignment (as xl's
 * {@code find()} returns the most recent one), with {@code +=} already applied. Typed reading
 * with xl's rules is in the {@code get…} methods; {@link GuestConfig} builds on them.
 */
public final class XlConfig {

    /**
     * One assignment.
     *
     * @param key   the key
     * @param value its value
     * @param line  1-based line of the assignment
     */
    public record Setting(String key, ConfigValue value, int line) {
    }

    private final String source;
    private final Map<String, Setting> settings;

    XlConfig(String source, Map<String, Setting> settings) {
        this.source = source;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** The name errors are reported under (usually the file name). */
    public String source() {
        return source;
    }

    /** Keys in order of their first assignment. */
    public Set<String> keys() {
        return settings.keySet();
    }

    /** The setting of {@code key}, or null. */
    public Setting setting(String key) {
        return settings.get(key);
    }

    /** A {@link ConfigException} at the line of {@code key} (or of the file). */
    public ConfigException error(String key, String problem) {
        Setting s = settings.get(key);
        return new ConfigException(source, s == null ? 0 : s.line(), problem);
    }

    /**
     * A single-value key as text.
     *
     * @return the text, or null if the key is absent
     * @throws ConfigException if the key holds a list
     */
    public String getString(String key) throws ConfigException {
        Setting s = settings.get(key);
        if (s == null) {
            return null;
        }
        if (!(s.value() instanceof ConfigValue.Atom atom)) {
            throw error(key, "'" + key + "' is a list but should be a single value");
        }
        return atom.text();
    }

    /**
     * A numeric key, read as xl does ({@code strtol} base 0: {@code 0x} hex, leading {@code 0}
     * octal, else decimal; the whole text must be the number).
     *
     * @return the value, or {@code absent} if the key is not set
     * @throws ConfigException if it is a list, not a number, or outside {@code min..max}
     */
    public long getLong(String key, long min, long max, long absent) throws ConfigException {
        String text = getString(key);
        if (text == null) {
            return absent;
        }
        Long v = parseCLong(text);
        if (v == null) {
            throw error(key, "'" + key + "' is not a valid number: '" + printable(text) + "'");
        }
        if (v < min || v > max) {
            throw error(key, "'" + key + "' is " + v + "; expected " + min + ".." + max);
        }
        return v;
    }

    /**
     * A boolean key: a number, non-zero meaning true ({@code xlu_cfg_get_defbool}).
     *
     * @return the value, or {@code absent} if the key is not set
     * @throws ConfigException if it is not a number
     */
    public boolean getBoolean(String key, boolean absent) throws ConfigException {
        if (!settings.containsKey(key)) {
            return absent;
        }
        return getLong(key, Long.MIN_VALUE, Long.MAX_VALUE, 0) != 0;
    }

    /**
     * A list key.
     *
     * @return the list, or null if the key is absent
     * @throws ConfigException if it holds a single value
     */
    public ConfigValue.ListValue getList(String key) throws ConfigException {
        Setting s = settings.get(key);
        if (s == null) {
            return null;
        }
        if (!(s.value() instanceof ConfigValue.ListValue list)) {
            throw error(key, "'" + key + "' is a single value but should be a list [ ... ]");
        }
        return list;
    }

    /**
     * C's {@code strtol(text, &end, 0)} with the whole text consumed: leading blanks and a sign
     * allowed, {@code 0x}/{@code 0X} hex, a leading {@code 0} octal.
     *
     * @return the value, or null if the text is not one number or overflows a long
     */
    static Long parseCLong(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && isCSpace(text.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < n && text.charAt(i) == '0' && (text.charAt(i + 1) == 'x' || text.charAt(i + 1) == 'X')
                && i + 2 < n && Character.digit(text.charAt(i + 2), 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (i < n && text.charAt(i) == '0') {
            radix = 8;
        }
        if (i >= n) {
            return null;
        }
        long value = 0;
        for (; i < n; i++) {
            int d = Character.digit(text.charAt(i), radix);
            if (d < 0 || text.charAt(i) > 0x7f) {
                return null;
            }
            try {
                value = Math.addExact(Math.multiplyExact(value, radix), negative ? -d : d);
            } catch (ArithmeticException e) {
                return null;
            }
        }
        return value;
    }

    private static boolean isCSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    /** Text for an error message: control characters escaped, long text shortened. */
    static String printable(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() < 80; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return text.length() > 80 ? b + "..." : b.toString();
    }
}
