package io.jxen.xenstore.server;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.jxen.abi.xs.XsMessageTypes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model-based properties of the store and transactions, with three dom0 connections
 * interleaving plain requests and transactions on a small tree:
 * <ul>
 *   <li>every plain request answers exactly as a trivial model tree (creation-ordered
 *       children, implicit parents, subtree removal) answers;</li>
 *   <li>a committed transaction is serializable at its commit point: replaying its requests
 *       on the model then gives the answers it got, and the model stays equal to the store;</li>
 *   <li>an aborted or conflicting transaction leaves no trace, and one that saw an
 *       inconsistent view (EIO) never commits;</li>
 *   <li>the store's own consistency check passes after every step.</li>
 * </ul>
 */
class TransactionModelProperties {

    private static final String[] PATHS = {"/m", "/m/a", "/m/b", "/m/a/x", "/m/a/y", "/m/b/x", "/m/a/x/z"};

    /** One generated step. */
    record Op(int conn, int kind, int path, int value) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, PATHS.length - 1),
                Arbitraries.integers().between(0, 3)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(80);
    }

    /** The trivial model: path to value and ordered child names. */
    static final class Model {
        final Map<String, String> values = new HashMap<>();
        final Map<String, List<String>> children = new HashMap<>();

        Model() {
            for (String p : new String[] {"/", "/tool", "/tool/xenstored"}) {
                values.put(p, "");
                children.put(p, new ArrayList<>());
            }
            children.get("/").add("tool");
            children.get("/tool").add("xenstored");
        }

        Model copy() {
            Model m = new Model();
            m.values.clear();
            m.children.clear();
            m.values.putAll(values);
            children.forEach((k, v) -> m.children.put(k, new ArrayList<>(v)));
            return m;
        }

        static String parent(String p) {
            int i = p.lastIndexOf('/');
            return i == 0 ? "/" : p.substring(0, i);
        }

        /** Creates {@code p} with value {@code v} and any missing parents (empty). */
        void create(String p, String v) {
            if (!values.containsKey(parent(p))) {
                create(parent(p), "");
            }
            values.put(p, v);
            children.put(p, new ArrayList<>());
            children.get(parent(p)).add(p.substring(p.lastIndexOf('/') + 1));
        }

        String apply(int kind, String p, String v) {
            return switch (kind) {
                case 0, 1 -> {
                    if (values.containsKey(p)) {
                        values.put(p, v);
                    } else {
                        create(p, v);
                    }
                    yield "OK:OK|";
                }
                case 2 -> values.containsKey(p) ? "OK:" + values.get(p) : "ERROR:ENOENT|";
                case 3 -> {
                    if (!values.containsKey(p)) {
                        create(p, "");
                    }
                    yield "OK:OK|";
                }
                case 4 -> {
                    if (!values.containsKey(p)) {
                        yield values.containsKey(parent(p)) ? "OK:OK|" : "ERROR:ENOENT|";
                    }
                    remove(p);
                    children.get(parent(p)).remove(p.substring(p.lastIndexOf('/') + 1));
                    yield "OK:OK|";
                }
                default -> values.containsKey(p)
                        ? "OK:" + String.join("", children.get(p).stream().map(c -> c + "|").toList())
                        : "ERROR:ENOENT|";
            };
        }

        private void remove(String p) {
            for (String c : children.get(p)) {
                remove(p + "/" + c);
            }
            values.remove(p);
            children.remove(p);
        }
    }

    /** Kind: 0,1 write, 2 read, 3 mkdir, 4 rm, 5 directory, 6 start, 7 commit, 8 abort, 9 tx write. */
    @Property(tries = 300)
    void committedTransactionsAreSerializableAndTheRestLeavesNoTrace(@ForAll("ops") @Size(max = 80) List<Op> ops) {
        CoreHarness h = new CoreHarness();
        List<CoreHarness.Conn> conns = List.of(h.dom0(), h.dom0(), h.dom0());
        Model model = new Model();
        Map<Integer, List<String[]>> txLog = new HashMap<>();
        Map<Integer, Boolean> sawEio = new HashMap<>();
        for (Op op : ops) {
            CoreHarness.Conn c = conns.get(op.conn());
            String path = PATHS[op.path()];
            String value = "v" + op.value();
            int kind = op.kind();
            if (kind == 6) {
                if (c.tx == 0) {
                    String r = c.ok(TRANSACTION_START, "");
                    c.tx = Integer.parseInt(r.substring(3, r.length() - 1));
                    txLog.put(op.conn(), new ArrayList<>());
                    sawEio.put(op.conn(), false);
                }
                continue;
            }
            if (kind == 7 || kind == 8) {
                if (c.tx == 0) {
                    continue;
                }
                String r = c.call(TRANSACTION_END, kind == 7 ? "T" : "F");
                c.tx = 0;
                if (kind == 8) {
                    assertThat(r).isEqualTo("OK:OK|");
                } else if (r.equals("OK:OK|")) {
                    assertThat(sawEio.get(op.conn())).as("a transaction that saw EIO committed").isFalse();
                    for (String[] logged : txLog.get(op.conn())) {
                        assertThat(model.apply(Integer.parseInt(logged[0]), logged[1], logged[2]))
                                .as("replay of %s %s at commit", logged[0], logged[1]).isEqualTo(logged[3]);
                    }
                } else {
                    assertThat(r).isEqualTo("ERROR:EAGAIN|");
                }
                assertEqual(h, conns.get(0), model);
                continue;
            }
            if (kind == 9) {
                kind = 0;
            } else if (c.tx != 0 && op.value() == 0) {
                // now and then a plain request from a connection that has a transaction open
                int saved = c.tx;
                c.tx = 0;
                assertThat(run(c, kind, path, value)).isEqualTo(model.apply(kind, path, value));
                c.tx = saved;
                continue;
            }
            String got = run(c, kind, path, value);
            if (c.tx == 0) {
                assertThat(got).as("%s %s", kind, path).isEqualTo(model.apply(kind, path, value));
            } else {
                txLog.get(op.conn()).add(new String[] {String.valueOf(kind), path, value, got});
                if (got.equals("ERROR:EIO|")) {
                    sawEio.put(op.conn(), true);
                }
            }
            assertThat(h.core.checkStore()).isEmpty();
        }
        assertEqual(h, conns.get(0), model);
    }

    private static String run(CoreHarness.Conn c, int kind, String path, String value) {
        return switch (kind) {
            case 0, 1 -> c.write(path, value);
            case 2 -> c.call(READ, path);
            case 3 -> c.call(MKDIR, path);
            case 4 -> c.call(RM, path);
            default -> c.call(DIRECTORY, path);
        };
    }

    /** The store, read outside any transaction, equals the model under /m. */
    private static void assertEqual(CoreHarness h, CoreHarness.Conn probe, Model model) {
        int saved = probe.tx;
        probe.tx = 0;
        try {
            Map<String, String> seen = new LinkedHashMap<>();
            Map<String, String> expected = new LinkedHashMap<>();
            for (String p : PATHS) {
                seen.put(p, probe.call(READ, p) + " " + probe.call(DIRECTORY, p));
                expected.put(p, model.apply(2, p, "") + " " + model.apply(5, p, ""));
            }
            assertThat(seen).isEqualTo(expected);
            assertThat(h.core.checkStore()).isEmpty();
        } finally {
            probe.tx = saved;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
