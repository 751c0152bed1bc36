package io.jxen.xenstore.server;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.jxen.abi.xs.XsMessageTypes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Child-list merging at commit against a serial model. Three guests (5, 6, 7) run
 * transactions that create, write and remove their own children of the shared {@code /p}
 * (and nodes below them), sometimes after listing {@code /p}; dom0 meanwhile creates and
 * removes other children there, rewrites {@code /p}'s value and sets its (same) permissions.
 * The model is a second daemon that gets dom0's requests at once and each committed
 * transaction's requests, as plain requests of the same guest, at its commit. Properties:
 * <ul>
 *   <li>a transaction that never observed {@code /p} always commits (no spurious EAGAIN);</li>
 *   <li>every commit is serializable: replayed in the model at that point, the requests get
 *       the answers the transaction got, and both trees (values, child order, permissions),
 *       the guests' node counts and both stores' own checks (owner counts and memory
 *       recounted) agree;</li>
 *   <li>a commit fires watch events only for nodes the replay fires them for, and for every
 *       one of those the replay left created, removed or with another value (not for a node
 *       created and removed again inside, as C).</li>
 * </ul>
 */
class TransactionMergeProperties {

    private static final int GUESTS = 3;

    /** One generated step: actor 0..2 a guest, 3 dom0. */
    record Op(int actor, int kind, int name, int value) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.integers().between(0, GUESTS),
                Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 3)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(120);
    }

    /** One daemon: dom0, the guests and a watcher of /p. */
    private static final class Side {
        final CoreHarness h = new CoreHarness();
        final CoreHarness.Conn dom0 = h.dom0();
        final CoreHarness.Conn watcher = h.dom0();
        final List<CoreHarness.Conn> guests = new ArrayList<>();

        Side() {
            for (int g = 0; g < GUESTS; g++) {
                guests.add(h.guest(5 + g));
            }
            dom0.ok(MKDIR, "/p");
            dom0.ok(SET_PERMS, "/p", "n0", "b5", "b6", "b7");
            dom0.write("/p/o0", "x");
            watcher.ok(WATCH, "/p", "w");
            watcher.inbox.clear();
        }

        /** Event paths the watcher got since the last call. */
        Set<String> events() {
            Set<String> out = new HashSet<>();
            for (String e : watcher.events(watcher.inbox)) {
                out.add(e.substring(0, e.indexOf("\\0")));
            }
            watcher.inbox.clear();
            return out;
        }

        /** Every node under /p: value, permissions, children (read by dom0, outside transactions). */
        Map<String, String> tree() {
            Map<String, String> out = new TreeMap<>();
            List<String> todo = new ArrayList<>(List.of("/p"));
            while (!todo.isEmpty()) {
                String p = todo.removeLast();
                String children = dom0.call(DIRECTORY, p);
                out.put(p, dom0.call(READ, p) + " " + dom0.call(GET_PERMS, p) + " " + children);
                for (String c : children.substring(3).split("\\|")) {
                    if (!c.isEmpty()) {
                        todo.add(p + "/" + c);
                    }
                }
            }
            return out;
        }

        String nodes(int domid) {
            String report = dom0.ok(CONTROL, "quota", String.valueOf(domid));
            return report.lines().filter(l -> l.startsWith("nodes")).findFirst().orElseThrow();
        }
    }

    private static String request(CoreHarness.Conn c, int kind, String path, int value) {
        return switch (kind) {
            case 0 -> c.call(MKDIR, path);
            case 1 -> c.write(value % 2 == 0 ? path : path + "/g", "v" + value);
            case 2 -> c.call(RM, path);
            default -> c.call(DIRECTORY, "/p");
        };
    }

    @Property(tries = 300)
    void mergedCommitsEqualASerialReplayAndNeverFailUnobserved(@ForAll("ops") List<Op> ops) {
        Side main = new Side();
        Side model = new Side();
        int[] tx = new int[GUESTS];
        boolean[] observed = new boolean[GUESTS];
        List<List<Object[]>> logs = new ArrayList<>();
        for (int g = 0; g < GUESTS; g++) {
            logs.add(new ArrayList<>());
        }
        for (Op op : ops) {
            if (op.actor() == GUESTS) {
                String path = "/p/o" + op.name();
                String got;
                String want;
                switch (op.kind()) {
                    case 0, 1, 2 -> {
                        got = request(main.dom0, op.kind(), path, op.value());
                        want = request(model.dom0, op.kind(), path, op.value());
                    }
                    case 3 -> {
                        got = main.dom0.write("/p", "pv" + op.value());
                        want = model.dom0.write("/p", "pv" + op.value());
                    }
                    default -> {
                        got = main.dom0.call(SET_PERMS, "/p", "n0", "b5", "b6", "b7");
                        want = model.dom0.call(SET_PERMS, "/p", "n0", "b5", "b6", "b7");
                    }
                }
                assertThat(got).isEqualTo(want);
                assertThat(main.events()).isEqualTo(model.events());
                continue;
            }
            int g = op.actor();
            CoreHarness.Conn c = main.guests.get(g);
            if (tx[g] == 0) {
                String r = c.ok(TRANSACTION_START, "");
                tx[g] = Integer.parseInt(r.substring(3, r.length() - 1));
                c.tx = tx[g];
                observed[g] = false;
                logs.get(g).clear();
                continue;
            }
            if (op.kind() == 5 || op.kind() == 6) {
                boolean commit = op.kind() == 5 || op.value() != 0;
                Map<String, String> before = model.tree();
                String r = c.call(TRANSACTION_END, commit ? "T" : "F");
                c.tx = 0;
                tx[g] = 0;
                Set<String> fired = main.events();
                if (!commit) {
                    assertThat(r).isEqualTo("OK:OK|");
                    assertThat(fired).isEmpty();
                    continue;
                }
                if (!observed[g]) {
                    assertThat(r).as("never observed /p: no EAGAIN").isEqualTo("OK:OK|");
                }
                if (r.equals("OK:OK|")) {
                    CoreHarness.Conn replayer = model.guests.get(g);
                    for (Object[] logged : logs.get(g)) {
                        assertThat(request(replayer, (int) logged[0], (String) logged[1], (int) logged[2]))
                                .as("replay of %s %s at commit", logged[0], logged[1]).isEqualTo(logged[3]);
                    }
                    Map<String, String> after = model.tree();
                    Set<String> replayFired = model.events();
                    assertThat(replayFired).as("events at commit").containsAll(fired);
                    Set<String> changed = new HashSet<>();
                    for (String p : union(before.keySet(), after.keySet())) {
                        String b = before.get(p);
                        String a = after.get(p);
                        if (b == null || a == null || !b.substring(0, b.indexOf(' ')).equals(a.substring(0, a.indexOf(' ')))) {
                            changed.add(p);
                        }
                    }
                    changed.retainAll(replayFired);
                    assertThat(fired).as("every node the replay fires for and changed fires").containsAll(changed);
                } else {
                    assertThat(r).isEqualTo("ERROR:EAGAIN|");
                }
                assertThat(main.tree()).isEqualTo(model.tree());
                for (int d = 5; d < 5 + GUESTS; d++) {
                    assertThat(main.nodes(d)).isEqualTo(model.nodes(d));
                }
                assertThat(main.h.core.checkStore()).isEmpty();
                assertThat(model.h.core.checkStore()).isEmpty();
                continue;
            }
            String path = "/p/k" + g + "n" + op.name();
            String got = request(c, op.kind(), path, op.value());
            if (op.kind() >= 3) {
                observed[g] = true;
            }
            logs.get(g).add(new Object[] {op.kind(), path, op.value(), got});
            assertThat(main.events()).as("nothing fires before the commit").isEmpty();
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.addAll(b);
        return out;
    }
}
