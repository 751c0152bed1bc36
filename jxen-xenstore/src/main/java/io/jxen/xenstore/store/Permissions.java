package io.jxen.xenstore.store;

import io.jxen.xenstore.wire.XenstoreException;
import io.jxen.xenstore.wire.XsError;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's permission list (docs/misc/xenstore.txt "Permissions"): entry 0 names the owner,
 * who always has full access, and its letter is the default for every domain not listed;
 * later entries grant access to one domain each.
 *
 * @param entries at least one entry
 */
public record Permissions(List<Perm> entries) {

    /** The root's permissions in a fresh store: owned by dom0, no access for others. */
    public static final Permissions DOM0_ONLY = new Permissions(List.of(new Perm(Access.NONE, 0)));

    /** Copies and checks the list. */
    public Permissions {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a permission list needs an owner");
        }
    }

    /** The owning domain. */
    public int owner() {
        return entries.getFirst().domid();
    }

    /**
     * The same list with another owner (entry 0's domain replaced).
     *
     * @param domid new owner
     * @return the list
     */
    public Permissions withOwner(int domid) {
        List<Perm> l = new ArrayList<>(entries);
        l.set(0, new Perm(l.getFirst().access(), domid));
        return new Permissions(l);
    }

    /**
     * C xenstored's {@code perm_for_conn}: what the caller may do.
     *
     * @param caller who asks
     * @return the caller's rights
     */
    public Rights rightsOf(Caller caller) {
        int owner = owner();
        if (caller.privileged() || owner == caller.domid() || (caller.target() >= 0 && owner == caller.target())) {
            return Rights.OWNER;
        }
        for (int i = 1; i < entries.size(); i++) {
            Perm p = entries.get(i);
            if (p.domid() == caller.domid() || (caller.target() >= 0 && p.domid() == caller.target())) {
                return Rights.of(p.access());
            }
        }
        return Rights.of(entries.getFirst().access());
    }

    /** The wire form: each entry followed by a NUL. */
    public List<String> toWire() {
        List<String> out = new ArrayList<>(entries.size());
        for (Perm p : entries) {
            out.add(p.toWire());
        }
        return out;
    }

    /**
     * Parses SET_PERMS entries as C's {@code xs_strings_to_perms}: a letter n/r/w/b, then a
     * number in C {@code strtol(…, 0)} syntax (decimal, 0x hex, 0 octal, leading blanks and a
     * sign allowed) that must use up the rest of the string.
     *
     * @param strings one entry per string
     * @return the list
     * @throws XenstoreException EINVAL for an empty list or a malformed entry
     */
    public static Permissions parse(List<String> strings) throws XenstoreException {
        if (strings.isEmpty()) {
            throw new XenstoreException(XsError.EINVAL, "no permissions");
        }
        List<Perm> out = new ArrayList<>(strings.size());
        for (String s : strings) {
            Access a = s.isEmpty() ? null : Access.ofLetter(s.charAt(0));
            if (a == null) {
                throw new XenstoreException(XsError.EINVAL, "bad permission letter");
            }
            out.add(new Perm(a, (int) strtol(s.substring(1))));
        }
        return new Permissions(out);
    }

    /** C {@code strtol(s, &end, 0)} requiring {@code *end == 0} and at least one digit. */
    static long strtol(String s) throws XenstoreException {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || (s.charAt(i) >= '\t' && s.charAt(i) <= '\r'))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                && i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (i < s.length() && s.charAt(i) == '0') {
            radix = 8;
        }
        int start = i;
        long v = 0;
        while (i < s.length() && Character.digit(s.charAt(i), radix) >= 0) {
            v = Math.min(v * radix + Character.digit(s.charAt(i), radix), Long.MAX_VALUE / 32);
            i++;
        }
        if (i == start || i != s.length()) {
            throw new XenstoreException(XsError.EINVAL, "bad permission domain");
        }
        return negative ? -v : v;
    }
}
