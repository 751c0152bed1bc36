package io.jxen.host.config;

import java.util.List;

/**
 * A value in an xl.cfg file: a single atom (a quoted string or a bare number, both kept as
 * text, as libxlu keeps them) or a list of atoms.
 */
public sealed interface ConfigValue {

    /** 1-based line where the value starts. */
    int line();

    /**
     * An atom. xl does not distinguish {@code 512} from {@code "512"}: both are text that a
     * numeric key parses with {@code strtol(…, 0)}.
     *
     * @param text   the dequoted text
     * @param line   where it starts
     * @param quoted whether it was a quoted string
     */
    record Atom(String text, int line, boolean quoted) implements ConfigValue {
    }

    /**
     * A list {@code [ a, b, ]}.
     *
     * @param items the atoms in order
     * @param line  where the {@code [} is
     */
    record ListValue(List<Atom> items, int line) implements ConfigValue {
        /** Copies the items. */
        public ListValue {
            items = List.copyOf(items);
        }
    }
}
