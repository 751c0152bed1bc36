package io.jxen.xenstore.watch;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WatchIndexTest {

    private static List<String> tokens(List<WatchIndex.Entry<String>> hits) {
        return hits.stream().sorted(java.util.Comparator.comparingLong(WatchIndex.Entry::sequence))
                .map(h -> h.owner() + ":" + h.watch().token()).toList();
    }

    @Test
    void matchesThePathItsAncestorsAndTheRootButNotSiblingsOrChildren() {
        WatchIndex<String> idx = new WatchIndex<>();
        idx.add("c1", new Watch("/a", "a", null));
        idx.add("c1", new Watch("/a/b", "ab", null));
        idx.add("c2", new Watch("/", "root", null));
        idx.add("c2", new Watch("/ab", "sibling-prefix", null));
        idx.add("c2", new Watch("/a/b/c", "child", null));
        idx.add("c3", new Watch("@introduceDomain", "intro", null));
        assertThat(tokens(idx.matching("/a/b", false))).containsExactly("c1:a", "c1:ab", "c2:root");
        assertThat(tokens(idx.matching("/a/b", true))).containsExactly("c1:ab");
        assertThat(tokens(idx.matching("@introduceDomain", false))).containsExactly("c3:intro");
        assertThat(tokens(idx.matching("/zz", false))).containsExactly("c2:root");
        idx.remove("c2", new Watch("/", "root", null));
        idx.remove("c9", new Watch("/a", "a", null));
        assertThat(tokens(idx.matching("/a/b", false))).containsExactly("c1:a", "c1:ab");
        assertThat(idx.size()).isEqualTo(5);
    }

    @Test
    void relativeWatchesReportRelativePaths() {
        Watch w = new Watch("/local/domain/5/data", "t", "/local/domain/5");
        assertThat(w.reported("/local/domain/5/data/x")).isEqualTo("data/x");
        assertThat(new Watch("/a", "t", null).reported("/a/b")).isEqualTo("/a/b");
    }

    @Test
    void tenThousandUnrelatedWatchesAreNotVisited() {
        WatchIndex<Integer> idx = new WatchIndex<>();
        for (int i = 0; i < 10_000; i++) {
            idx.add(i, new Watch("/w/" + i, "t", null));
        }
        assertThat(idx.matching("/w/42/x/y", false)).hasSize(1);
        assertThat(idx.matching("/other", false)).isEmpty();
    }
}
