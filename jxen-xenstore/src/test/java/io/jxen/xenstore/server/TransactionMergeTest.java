package io.jxen.xenstore.server;

import io.jxen.xenstore.store.Quotas;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jxen.abi.xs.XsMessageTypes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Child lists merged at commit (issue #3): a transaction that only created or removed its own
 * children of a parent does not fail because another connection added or removed other
 * children there; everything it observed or wrote itself still conflicts, as in C.
 */
class TransactionMergeTest {

    private CoreHarness h;
    private CoreHarness.Conn a;
    private CoreHarness.Conn b;

    @BeforeEach
    void setUp() {
        h = new CoreHarness();
        a = h.dom0();
        b = h.dom0();
        a.write("/s/old", "o");
    }

    private static void begin(CoreHarness.Conn c) {
        c.tx = 0;
        String r = c.ok(TRANSACTION_START, "");
        c.tx = Integer.parseInt(r.substring(3, r.length() - 1));
    }

    private static String end(CoreHarness.Conn c) {
        String r = c.call(TRANSACTION_END, "T");
        c.tx = 0;
        return r;
    }

    @Test
    void twoTransactionsCreatingDifferentChildrenBothCommit() {
        begin(a);
        begin(b);
        a.ok(MKDIR, "/s/a");
        assertThat(b.write("/s/b", "vb")).isEqualTo("OK:OK|");
        CoreHarness.Conn plain = h.dom0();
        plain.ok(WRITE, "/s/p", "vp");
        assertThat(end(b)).isEqualTo("OK:OK|");
        assertThat(end(a)).as("only its own child, never observed the list").isEqualTo("OK:OK|");
        assertThat(a.call(DIRECTORY, "/s")).as("current list plus the transaction's addition")
                .isEqualTo("OK:old|p|b|a|");
        assertThat(a.call(READ, "/s/b")).isEqualTo("OK:vb");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void removalsMergeAndNestedCreationsCarryTheirSubtree() {
        a.write("/s/x", "x");
        begin(a);
        a.ok(RM, "/s/old");
        a.write("/s/deep/er/node", "d");
        b.write("/s/y", "y");
        b.ok(RM, "/s/x");
        b.write("/s", "parent value changed");
        assertThat(end(a)).isEqualTo("OK:OK|");
        assertThat(a.call(DIRECTORY, "/s")).isEqualTo("OK:y|deep|");
        assertThat(a.call(READ, "/s")).as("the merge keeps the committed value").isEqualTo("OK:parent value changed");
        assertThat(a.call(READ, "/s/deep/er/node")).isEqualTo("OK:d");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void createThenRemoveInsideLeavesTheOthersChildren() {
        begin(a);
        a.write("/s/tmp/x", "v");
        a.ok(RM, "/s/tmp");
        b.ok(MKDIR, "/s/other");
        assertThat(end(a)).isEqualTo("OK:OK|");
        assertThat(a.call(DIRECTORY, "/s")).isEqualTo("OK:old|other|");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void theSameChildCreatedByBothConflicts() {
        begin(a);
        begin(b);
        a.ok(MKDIR, "/s/same");
        b.write("/s/same", "b");
        assertThat(end(b)).isEqualTo("OK:OK|");
        assertThat(end(a)).isEqualTo("ERROR:EAGAIN|");
        assertThat(a.call(READ, "/s/same")).isEqualTo("OK:b");
    }

    @Test
    void theParentRemovedMeanwhileConflicts() {
        begin(a);
        a.ok(MKDIR, "/s/a");
        b.ok(RM, "/s");
        assertThat(end(a)).isEqualTo("ERROR:EAGAIN|");
        assertThat(a.call(READ, "/s")).as("nothing applied").isEqualTo("ERROR:ENOENT|");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void theParentRecreatedWithTheSamePermissionsIsWhatASerialRunGives() {
        begin(a);
        a.ok(MKDIR, "/s/a");
        b.ok(RM, "/s");
        b.ok(MKDIR, "/s/n");
        assertThat(end(a)).isEqualTo("OK:OK|");
        assertThat(a.call(DIRECTORY, "/s")).isEqualTo("OK:n|a|");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void theParentsPermissionsChangedMeanwhileConflicts() {
        begin(a);
        a.ok(MKDIR, "/s/a");
        b.ok(SET_PERMS, "/s", "n0", "r5");
        assertThat(end(a)).isEqualTo("ERROR:EAGAIN|");
    }

    @Test
    void aParentTheTransactionReadStaysStrict() {
        for (int observe : new int[] {DIRECTORY, GET_PERMS, READ}) {
            begin(a);
            a.ok(observe, "/s");
            a.ok(MKDIR, "/s/mine" + observe);
            b.ok(MKDIR, "/s/theirs" + observe);
            assertThat(end(a)).as("observed by %s", name(observe)).isEqualTo("ERROR:EAGAIN|");
        }
        begin(a);
        a.ok(MKDIR, "/s/mine");
        a.ok(DIRECTORY, "/s");
        b.ok(MKDIR, "/s/theirs");
        assertThat(end(a)).as("observed after the creation").isEqualTo("ERROR:EAGAIN|");
        begin(a);
        a.ok(MKDIR, "/s/mine-w");
        assertThat(a.write("/s", "written")).isEqualTo("OK:OK|");
        b.ok(MKDIR, "/s/theirs-w");
        assertThat(end(a)).as("written explicitly").isEqualTo("ERROR:EAGAIN|");
    }

    @Test
    void aRemovedChildChangedOrRemovedMeanwhileConflicts() {
        begin(a);
        a.ok(RM, "/s/old");
        b.write("/s/old", "changed");
        assertThat(end(a)).isEqualTo("ERROR:EAGAIN|");
        begin(a);
        begin(b);
        a.ok(RM, "/s/old");
        b.ok(RM, "/s/old");
        assertThat(end(a)).isEqualTo("OK:OK|");
        assertThat(end(b)).as("XSA-440: both removing the same node").isEqualTo("ERROR:EAGAIN|");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void anInconsistentViewAnsweredEioNeverCommits() {
        begin(a);
        a.ok(MKDIR, "/s/mine");
        b.ok(MKDIR, "/s/late");
        assertThat(a.call(RM, "/s/late")).as("its parent version does not list it").isEqualTo("ERROR:EIO|");
        assertThat(end(a)).isEqualTo("ERROR:EAGAIN|");
        assertThat(a.call(DIRECTORY, "/s")).isEqualTo("OK:old|late|");
    }

    @Test
    void turnedOffTheParentConflictsAsInC() {
        h.core.mergeChildLists(false);
        begin(a);
        a.ok(MKDIR, "/s/a");
        b.ok(MKDIR, "/s/b");
        assertThat(end(a)).isEqualTo("ERROR:EAGAIN|");
    }

    @Test
    void watchEventsOfAMergedCommitAreTheTransactionsOwn() {
        CoreHarness.Conn w = h.dom0();
        w.ok(WATCH, "/s", "t");
        w.inbox.clear();
        begin(a);
        a.ok(MKDIR, "/s/a");
        a.ok(RM, "/s/old");
        b.ok(MKDIR, "/s/b");
        assertThat(w.events(w.inbox)).containsExactly("/s/b\\0t\\0");
        w.inbox.clear();
        assertThat(end(a)).isEqualTo("OK:OK|");
        assertThat(w.events(w.inbox)).containsExactly("/s/a\\0t\\0", "/s/old\\0t\\0");
    }

    @Test
    void guestCountsAndMemoryAreRightAfterAMerge() {
        CoreHarness.Conn g5 = h.guest(5);
        CoreHarness.Conn g6 = h.guest(6);
        a.ok(SET_PERMS, "/s", "n0", "b5", "b6");
        begin(g5);
        g5.write("/s/g5/x", "v");
        g6.write("/s/g6", "v");
        begin(g6);
        g6.ok(RM, "/s/g6");
        g6.ok(MKDIR, "/s/g6b");
        assertThat(end(g6)).isEqualTo("OK:OK|");
        assertThat(end(g5)).isEqualTo("OK:OK|");
        assertThat(a.call(DIRECTORY, "/s")).isEqualTo("OK:old|g6b|g5|");
        assertThat(quotaLine(5, "nodes")).isEqualTo(2);
        assertThat(quotaLine(6, "nodes")).isEqualTo(1);
        assertThat(h.core.checkStore()).as("owner counts and memory recounted").isEmpty();
    }

    @Test
    void aMergedParentOverTheNodeSizeQuotaConflicts() {
        // /s's record: 24 + 8 per permission (3) + child names with NULs.
        h = new CoreHarness(Quotas.XEN_4_17.with("node-size", 24 + 24 + "old\0".length() + "g5\0".length() + 2));
        a = h.dom0();
        b = h.dom0();
        a.write("/s/old", "o");
        CoreHarness.Conn g5 = h.guest(5);
        a.ok(SET_PERMS, "/s", "n0", "b5", "b6");
        begin(g5);
        g5.ok(MKDIR, "/s/g5");
        b.ok(MKDIR, "/s/dom0");
        assertThat(end(g5)).as("a serial run would have failed the MKDIR with ENOSPC").isEqualTo("ERROR:EAGAIN|");
        assertThat(g5.call(MKDIR, "/s/g5")).isEqualTo("ERROR:ENOSPC|");
    }

    private int quotaLine(int domid, String name) {
        String report = a.ok(CONTROL, "quota", String.valueOf(domid));
        for (String line : report.split("\n")) {
            if (line.trim().startsWith(name + " ") || line.trim().startsWith(name + ":")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim().replace("|", ""));
            }
        }
        throw new AssertionError(report);
    }
}
