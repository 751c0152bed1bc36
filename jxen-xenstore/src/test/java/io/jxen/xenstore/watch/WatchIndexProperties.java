package io.jxen.xenstore.watch;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watch index is an optimisation only: after any sequence of registrations and removals
 * (duplicates, removals of unknown watches, several owners, special names included), it
 * fires for every change exactly the registrations a scan of all of them would fire, by
 * docs/misc/xenstore.txt's rule: a watch on W fires for a change of P when P is W or lies
 * below W ({@code /} watches everything), only for P == W when the change is exact, and a
 * special {@code @…} name fires only watches on that very name.
 */
class WatchIndexProperties {

    /** Small alphabet so that paths share prefixes, including look-alikes ({@code /a} vs {@code /ab}). */
    private static final String[] PATHS = {"/", "/a", "/ab", "/a/b", "/a/bc", "/a/b/c", "/ab/b", "/b", "/b/a",
        "/a/b/c/d", "@introduceDomain", "@releaseDomain"};

    /** One step: add (or remove) a watch of {@code owner} on {@code PATHS[path]} with a token. */
    record Step(boolean add, int owner, int path, int token) {
    }

    /** A change to fire. */
    record Change(int path, boolean exact) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(
                Arbitraries.integers().between(0, 3).map(i -> i != 0),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, PATHS.length - 1),
                Arbitraries.integers().between(0, 2)).as(Step::new);
        return step.list().ofMaxSize(60);
    }

    @Provide
    Arbitrary<List<Change>> changes() {
        return Combinators.combine(Arbitraries.integers().between(0, PATHS.length - 1), Arbitraries.of(true, false))
                .as(Change::new).list().ofMinSize(1).ofMaxSize(12);
    }

    /** The specification, by scanning every registration. */
    private static boolean fires(String watched, String changed, boolean exact) {
        if (changed.startsWith("@") || watched.startsWith("@") || exact) {
            return watched.equals(changed);
        }
        return watched.equals("/") || changed.equals(watched) || changed.startsWith(watched + "/");
    }

    @Property
    void firesExactlyWhatAScanOfAllWatchesFires(@ForAll("steps") List<Step> steps,
                                                @ForAll("changes") List<Change> changes) {
        WatchIndex<Integer> index = new WatchIndex<>();
        List<WatchIndex.Entry<Integer>> all = new ArrayList<>();
        long sequence = 0;
        for (Step s : steps) {
            Watch w = new Watch(PATHS[s.path()], "t" + s.token(), null);
            if (s.add()) {
                index.add(s.owner(), w);
                all.add(new WatchIndex.Entry<>(s.owner(), w, sequence++));
            } else {
                index.remove(s.owner(), w);
                all.removeIf(e -> e.owner() == s.owner() && e.watch().equals(w));
            }
        }
        assertThat(index.size()).isEqualTo(all.size());
        for (Change c : changes) {
            String changed = PATHS[c.path()];
            Set<WatchIndex.Entry<Integer>> expected = new HashSet<>();
            for (WatchIndex.Entry<Integer> e : all) {
                if (fires(e.watch().path(), changed, c.exact())) {
                    expected.add(e);
                }
            }
            List<WatchIndex.Entry<Integer>> got = index.matching(changed, c.exact());
            assertThat(got).as("%s exact=%s", changed, c.exact()).doesNotHaveDuplicates();
            assertThat(new HashSet<>(got)).as("%s exact=%s", changed, c.exact()).isEqualTo(expected);
        }
    }
}
