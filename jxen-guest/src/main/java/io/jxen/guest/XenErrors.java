package io.jxen.guest;

import io.jxen.abi.XenErrno;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

/** Names of Xen errno values for messages ({@code -22} becomes {@code -EINVAL}). */
public final class XenErrors {

    private static final Map<Integer, String> NAMES = new HashMap<>();

    static {
        for (Field f : XenErrno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                try {
                    NAMES.putIfAbsent(f.getInt(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new ExceptionInInitializerError(e);
                }
            }
        }
    }

    private XenErrors() {
    }

    /** {@code -EINVAL} for -22; the number itself when unknown or not negative. */
    public static String name(long rc) {
        if (rc >= 0) {
            return Long.toString(rc);
        }
        String n = NAMES.get((int) -rc);
        return n == null ? Long.toString(rc) : "-" + n;
    }
}
