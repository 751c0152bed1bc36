package io.jxen.abi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every number of the ABI module the oracle must check, found by reflection: each
 * {@code public static final} byte, short, int or long field of a class in the
 * {@code io.jxen.abi} package tree, with the oracle annotation it carries. Fields carrying
 * none, or more than one, are collected as {@link #unchecked()} so the test can name them.
 *
 * @param checks    one entry per (field, abi) pair to compare
 * @param unchecked human-readable reasons, one per field the probe cannot check
 */
record AbiCatalog(List<AbiCheck> checks, List<String> unchecked) {

    private static final String ROOT_PACKAGE = "io.jxen.abi";

    /** Scans the compiled main classes of the module (the directory XenPage was loaded from). */
    static AbiCatalog ofModule() {
        Path root = classesRoot();
        Path packageDir = root.resolve(ROOT_PACKAGE.replace('.', '/'));
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(packageDir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String relative = root.relativize(file).toString();
                String name = relative.substring(0, relative.length() - ".class".length()).replace('/', '.');
                if (name.endsWith("package-info")) {
                    continue;
                }
                classes.add(Class.forName(name, false, XenPage.class.getClassLoader()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return of(classes);
    }

    /** The directory (not a jar) the module's main classes were compiled into. */
    static Path classesRoot() {
        try {
            Path root = Path.of(XenPage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isDirectory(root)) {
                throw new IllegalStateException("ABI classes are not in a directory: " + root);
            }
            return root;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Catalogs the given classes. */
    static AbiCatalog of(List<Class<?>> classes) {
        List<AbiCheck> checks = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        for (Class<?> type : classes) {
            for (Field field : type.getDeclaredFields()) {
                if (!isNumericConstant(field)) {
                    continue;
                }
                String name = type.getName() + "." + field.getName();
                List<Annotation> marks = Stream.of(field.getAnnotations())
                        .filter(a -> a instanceof XenConstant || a instanceof XenSizeof || a instanceof XenOffsetof)
                        .toList();
                if (marks.size() != 1) {
                    unchecked.add(name + (marks.isEmpty()
                            ? " is not checked by the C probe: annotate it with @XenConstant, @XenSizeof or @XenOffsetof"
                            : " carries " + marks.size() + " oracle annotations; exactly one is allowed"));
                    continue;
                }
                long value = valueOf(field);
                int bits = bitsOf(field.getType());
                switch (marks.getFirst()) {
                    case XenConstant c -> {
                        for (XenAbi abi : distinct(c.abi())) {
                            checks.add(new AbiCheck(AbiCheck.Kind.CONSTANT, name, c.value(), abi, value, bits));
                        }
                    }
                    case XenSizeof s -> checks.add(new AbiCheck(AbiCheck.Kind.SIZEOF, name,
                            "sizeof(" + s.value() + ")", s.abi(), value, bits));
                    case XenOffsetof o -> checks.add(new AbiCheck(AbiCheck.Kind.OFFSETOF, name,
                            "offsetof(" + o.type() + ", " + o.member() + ")", o.abi(), value, bits));
                    default -> throw new IllegalStateException(marks.getFirst().toString());
                }
            }
        }
        checks.sort(Comparator.comparing(AbiCheck::field).thenComparing(AbiCheck::abi));
        return new AbiCatalog(List.copyOf(checks), List.copyOf(unchecked));
    }

    /** The checks evaluated under one data model. */
    List<AbiCheck> checksFor(XenAbi abi) {
        return checks.stream().filter(c -> c.abi() == abi).toList();
    }

    private static List<XenAbi> distinct(XenAbi[] abis) {
        return Arrays.stream(abis).distinct().toList();
    }

    private static boolean isNumericConstant(Field field) {
        int modifiers = field.getModifiers();
        Class<?> type = field.getType();
        return Modifier.isPublic(modifiers) && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)
                && (type == byte.class || type == short.class || type == int.class || type == long.class);
    }

    private static long valueOf(Field field) {
        try {
            field.setAccessible(true); // a public field of a package-private class
            return ((Number) field.get(null)).longValue();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + field, e);
        }
    }

    private static int bitsOf(Class<?> type) {
        if (type == byte.class) {
            return Byte.SIZE;
        }
        if (type == short.class) {
            return Short.SIZE;
        }
        if (type == int.class) {
            return Integer.SIZE;
        }
        return Long.SIZE;
    }
}
