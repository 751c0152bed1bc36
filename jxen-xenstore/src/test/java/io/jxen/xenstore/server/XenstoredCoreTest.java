package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jxen.abi.xs.XsMessageTypes.*;
import static org.assertj.core.api.Assertions.assertThat;

class XenstoredCoreTest {

    final CoreHarness h = new CoreHarness();
    final CoreHarness.Conn d0 = h.dom0();

    @Test
    void initialTreeIsCXenstoreds() {
        assertThat(d0.call(DIRECTORY, "/")).isEqualTo("OK:tool|");
        assertThat(d0.call(DIRECTORY, "/tool")).isEqualTo("OK:xenstored|");
        assertThat(d0.call(GET_PERMS, "/")).isEqualTo("OK:n0|");
        assertThat(d0.call(READ, "/tool/xenstored")).isEqualTo("OK:");
    }

    @Test
    void readWriteMkdirRmDirectory() {
        assertThat(d0.write("/a/b/c", "hello")).isEqualTo("OK:OK|");
        assertThat(d0.call(READ, "/a/b/c")).isEqualTo("OK:hello");
        assertThat(d0.call(READ, "/a/b")).isEqualTo("OK:");
        assertThat(d0.write("/a/b/d", "")).isEqualTo("OK:OK|");
        assertThat(d0.call(DIRECTORY, "/a/b")).isEqualTo("OK:c|d|");
        assertThat(d0.call(DIRECTORY_PART, "/a/b", "2")).matches("OK:\\d+\\|d\\|\\|");
        assertThat(d0.call(DIRECTORY_PART, "/a/b", "100")).matches("OK:\\d+\\|\\|");
        assertThat(d0.call(MKDIR, "/a/b")).isEqualTo("OK:OK|");
        assertThat(d0.call(RM, "/")).isEqualTo("ERROR:EINVAL|");
        assertThat(d0.call(RM, "/q")).isEqualTo("OK:OK|");
        assertThat(d0.call(RM, "/q/r")).isEqualTo("ERROR:ENOENT|");
        assertThat(d0.call(RM, "/a")).isEqualTo("OK:OK|");
        assertThat(d0.call(READ, "/a/b/c")).isEqualTo("ERROR:ENOENT|");
        assertThat(d0.call(READ, "/a b")).isEqualTo("ERROR:EINVAL|");
        assertThat(d0.write("rel/x", "v")).isEqualTo("OK:OK|");
        assertThat(d0.call(READ, "/local/domain/0/rel/x")).isEqualTo("OK:v");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void unknownAndServerOnlyTypesGetEnosys() {
        for (int t : new int[] {15, 16, 20, 23, 99, 0xffff}) {
            assertThat(d0.call(t, "")).isEqualTo("ERROR:ENOSYS|");
        }
    }

    @Test
    void guestPermissionsFollowXen() {
        CoreHarness.Conn g5 = h.guest(5);
        CoreHarness.Conn g6 = h.guest(6);
        d0.ok(MKDIR, "/local/domain/5");
        d0.ok(SET_PERMS, "/local/domain/5", "n5", "r6");
        // dom0's n0 tree: a guest cannot tell a node from a missing one
        assertThat(g5.call(READ, "/tool")).isEqualTo("ERROR:EACCES|");
        assertThat(g5.call(READ, "/nope")).isEqualTo("ERROR:EACCES|");
        // its home: owner; creating below makes it the owner
        assertThat(g5.write("data/x", "1")).isEqualTo("OK:OK|");
        assertThat(d0.call(GET_PERMS, "/local/domain/5/data/x")).isEqualTo("OK:n5|r6|");
        // dom6 may read (r6) but not write; ENOENT only where the parent is readable
        assertThat(g6.call(READ, "/local/domain/5/data/x")).isEqualTo("OK:1");
        assertThat(g6.call(READ, "/local/domain/5/data/y")).isEqualTo("ERROR:ENOENT|");
        assertThat(g6.write("/local/domain/5/data/x", "2")).isEqualTo("ERROR:EACCES|");
        assertThat(g6.write("/local/domain/5/data/y", "2")).isEqualTo("ERROR:EACCES|");
        // only the owner sets perms; only dom0 changes the owner
        assertThat(g6.call(SET_PERMS, "/local/domain/5/data/x", "b6")).isEqualTo("ERROR:EACCES|");
        assertThat(g5.call(SET_PERMS, "/local/domain/5/data/x", "n6")).isEqualTo("ERROR:EPERM|");
        assertThat(g5.call(SET_PERMS, "/local/domain/5/data/x", "n5", "b6")).isEqualTo("OK:OK|");
        assertThat(g6.write("/local/domain/5/data/x", "3")).isEqualTo("OK:OK|");
        // privileged-only requests
        assertThat(g5.call(CONTROL, "check")).isEqualTo("ERROR:EACCES|");
        assertThat(g5.call(IS_DOMAIN_INTRODUCED, "5")).isEqualTo("ERROR:EACCES|");
        assertThat(g5.call(GET_DOMAIN_PATH, "5")).isEqualTo("OK:/local/domain/5|");
        // quota on permission entries binds guests only
        assertThat(g5.call(SET_PERMS, "/local/domain/5/data/x", "n5", "r1", "r2", "r3", "r4", "r6"))
                .isEqualTo("ERROR:ENOSPC|");
        assertThat(d0.call(SET_PERMS, "/local/domain/5/data/x", "n5", "r1", "r2", "r3", "r4", "r6", "r7"))
                .isEqualTo("OK:OK|");
        assertThat(d0.call(SET_PERMS, "/local/domain/5/data/x", "n9")).isEqualTo("ERROR:ENOENT|");
    }

    @Test
    void guestQuotas() {
        CoreHarness h2 = new CoreHarness(new Quotas(5, 2, 1, 20, 1024, 2621440, 100, 2048, 5, 2097152, 20_000));
        CoreHarness.Conn a = h2.dom0();
        CoreHarness.Conn g = h2.guest(3);
        a.ok(MKDIR, "/local/domain/3");
        a.ok(SET_PERMS, "/local/domain/3", "n3");
        for (int i = 0; i < 4; i++) {
            assertThat(g.write("n" + i, "")).isEqualTo("OK:OK|");
        }
        assertThat(g.write("n4", "")).as("5 nodes owned incl. home").isEqualTo("ERROR:ENOSPC|");
        assertThat(g.write("n0", "x".repeat(100))).as("node-size").isEqualTo("ERROR:ENOSPC|");
        // C 4.17 compares the count before adding with ">": one more than the quota fits.
        assertThat(g.call(WATCH, "/a", "1")).isEqualTo("OK:OK|");
        assertThat(g.call(WATCH, "/a", "2")).isEqualTo("OK:OK|");
        assertThat(g.call(WATCH, "/a", "3")).isEqualTo("OK:OK|");
        assertThat(g.call(WATCH, "/a", "4")).isEqualTo("ERROR:E2BIG|");
        assertThat(g.call(TRANSACTION_START, "")).isEqualTo("OK:1|");
        assertThat(g.call(TRANSACTION_START, "")).isEqualTo("OK:2|");
        assertThat(g.call(TRANSACTION_START, "")).isEqualTo("ERROR:ENOSPC|");
        assertThat(a.write("/d0/" + "x".repeat(10), "y".repeat(500))).as("dom0 exempt").isEqualTo("OK:OK|");
    }

    @Test
    void transactionsIsolateAndConflictPerNode() {
        CoreHarness.Conn other = h.dom0();
        d0.ok(WRITE, "/t/x", "1");
        int t = startTx(d0);
        d0.tx = t;
        assertThat(d0.write("/t/y", "v")).isEqualTo("OK:OK|");
        assertThat(other.call(READ, "/t/y")).as("invisible outside").isEqualTo("ERROR:ENOENT|");
        assertThat(d0.call(READ, "/t/y")).isEqualTo("OK:v");
        other.ok(WRITE, "/unrelated", "w");
        assertThat(d0.call(TRANSACTION_END, "T")).as("unrelated writes do not conflict").isEqualTo("OK:OK|");
        d0.tx = 0;
        assertThat(other.call(READ, "/t/y")).isEqualTo("OK:v");

        d0.tx = startTx(d0);
        d0.ok(READ, "/t/x");
        other.ok(WRITE, "/t/x", "changed");
        d0.ok(WRITE, "/t/z", "v");
        assertThat(d0.call(TRANSACTION_END, "T")).as("a node it read changed").isEqualTo("ERROR:EAGAIN|");
        d0.tx = 0;
        assertThat(d0.call(READ, "/t/z")).as("nothing applied").isEqualTo("ERROR:ENOENT|");

        d0.tx = startTx(d0);
        assertThat(d0.call(READ, "/t/absent")).isEqualTo("ERROR:ENOENT|");
        other.ok(WRITE, "/t/absent", "now");
        assertThat(d0.call(TRANSACTION_END, "T")).as("a node it saw missing appeared").isEqualTo("ERROR:EAGAIN|");

        d0.tx = startTx(d0);
        d0.ok(DIRECTORY, "/t");
        other.ok(WRITE, "/t/newchild", "x");
        assertThat(d0.call(TRANSACTION_END, "T")).as("directory listing changed").isEqualTo("ERROR:EAGAIN|");

        d0.tx = startTx(d0);
        d0.ok(READ, "/t/x");
        other.ok(WRITE, "/t/x/deeper", "x");
        assertThat(d0.call(TRANSACTION_END, "T")).as("child add changes the parent").isEqualTo("ERROR:EAGAIN|");
    }

    private static int startTx(CoreHarness.Conn c) {
        int saved = c.tx;
        c.tx = 0;
        String r = c.ok(TRANSACTION_START, "");
        c.tx = saved;
        return Integer.parseInt(r.substring(3, r.length() - 1));
    }

    @Test
    void transactionEdgeCases() {
        int t = startTx(d0);
        d0.tx = t;
        assertThat(d0.call(TRANSACTION_START, "")).isEqualTo("ERROR:EBUSY|");
        d0.tx = 999;
        assertThat(d0.call(TRANSACTION_START, "")).isEqualTo("ERROR:ENOENT|");
        assertThat(d0.call(READ, "/tool")).isEqualTo("ERROR:ENOENT|");
        d0.tx = t;
        assertThat(d0.call(TRANSACTION_END, "X")).isEqualTo("ERROR:EINVAL|");
        // create then delete inside one transaction (XSA-421)
        d0.ok(WRITE, "/cd/x/y", "v");
        d0.ok(RM, "/cd");
        assertThat(d0.call(TRANSACTION_END, "T")).isEqualTo("OK:OK|");
        assertThat(d0.call(TRANSACTION_END, "T")).as("id gone").isEqualTo("ERROR:ENOENT|");
        d0.tx = 0;
        assertThat(d0.call(READ, "/cd")).isEqualTo("ERROR:ENOENT|");
        assertThat(d0.call(TRANSACTION_END, "T")).isEqualTo("ERROR:ENOENT|");
        // abort applies nothing
        d0.tx = startTx(d0);
        d0.ok(WRITE, "/ab", "v");
        assertThat(d0.call(TRANSACTION_END, "F")).isEqualTo("OK:OK|");
        d0.tx = 0;
        assertThat(d0.call(READ, "/ab")).isEqualTo("ERROR:ENOENT|");
        // two transactions deleting the same nodes (XSA-440)
        d0.ok(WRITE, "/dd/a", "1");
        CoreHarness.Conn other = h.dom0();
        int t1 = startTx(d0);
        int t2 = startTx(other);
        d0.tx = t1;
        other.tx = t2;
        d0.ok(RM, "/dd");
        other.ok(RM, "/dd");
        assertThat(d0.call(TRANSACTION_END, "T")).isEqualTo("OK:OK|");
        assertThat(other.call(TRANSACTION_END, "T")).isEqualTo("ERROR:EAGAIN|");
        assertThat(h.core.checkStore()).isEmpty();
        // RESET_WATCHES inside a transaction ends it (XSA-484)
        d0.tx = startTx(d0);
        assertThat(d0.call(RESET_WATCHES, "")).isEqualTo("OK:OK|");
        assertThat(d0.call(TRANSACTION_END, "T")).isEqualTo("ERROR:ENOENT|");
    }

    @Test
    void watchesFireInXensOrderWithEventsBeforeTheReply() {
        List<XsMessage> w = d0.send(WATCH, "/w", "tok");
        assertThat(w.get(0).type()).isEqualTo(XsMessageTypes.WATCH);
        assertThat(d0.events(w)).containsExactly("/w\\0tok\\0");
        assertThat(CoreHarness.replyText(d0.send(WATCH, "/w", "tok"))).isEqualTo("ERROR:EEXIST|");
        d0.send(WATCH, "rel", "rtok");
        d0.send(WATCH, "/", "root");
        List<XsMessage> out = d0.send(WRITE, "/w/a/b\0v".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(d0.events(out)).containsExactly("/w/a/b\\0tok\\0", "/w/a/b\\0root\\0");
        assertThat(out.getLast().type()).isEqualTo(WRITE);
        out = d0.send(WRITE, "rel/q\0v".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(d0.events(out)).containsExactly("rel/q\\0rtok\\0", "/local/domain/0/rel/q\\0root\\0");
        assertThat(d0.events(d0.send(MKDIR, "/w/a"))).as("mkdir of an existing node").isEmpty();
        d0.send(WATCH, "/w/a/b", "deep");
        out = d0.send(RM, "/w");
        assertThat(d0.events(out)).containsExactly("/w/a/b\\0deep\\0", "/w\\0tok\\0", "/w\\0root\\0");
        assertThat(d0.call(UNWATCH, "/w", "tok")).isEqualTo("OK:OK|");
        assertThat(d0.call(UNWATCH, "/w", "tok")).isEqualTo("ERROR:ENOENT|");
        assertThat(d0.call(WATCH, "/w", "a", "b")).isEqualTo("ERROR:EINVAL|");
        assertThat(d0.call(WATCH, "@introduceDomain", "i")).isEqualTo("OK:OK|");
        out = d0.send(INTRODUCE, "9", "0", "1");
        assertThat(d0.events(out)).containsExactly("@introduceDomain\\0i\\0");
        d0.send(WATCH, "@releaseDomain", "r");
        assertThat(d0.events(d0.send(RELEASE, "9"))).containsExactly("@releaseDomain\\0r\\0");
    }

    @Test
    void transactionEventsWaitForCommitAndAbortFiresNone() {
        CoreHarness.Conn watcher = h.dom0();
        watcher.send(WATCH, "/tw", "t");
        d0.tx = startTx(d0);
        assertThat(watcher.events(d0.send(WRITE, "/tw/a\0v".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))))
                .isEmpty();
        assertThat(watcher.inbox).isEmpty();
        d0.write("/tw/b", "v");
        d0.write("/tw/a", "v2");
        d0.send(TRANSACTION_END, "T");
        assertThat(watcher.events(watcher.inbox)).containsExactly("/tw/a\\0t\\0", "/tw/b\\0t\\0");
        watcher.inbox.clear();
        d0.tx = startTx(d0);
        d0.write("/tw/c", "v");
        d0.send(TRANSACTION_END, "F");
        assertThat(watcher.inbox).isEmpty();
    }

    @Test
    void eventsReachOnlyConnectionsThatMayReadTheNode() {
        CoreHarness.Conn g5 = h.guest(5);
        CoreHarness.Conn g6 = h.guest(6);
        d0.ok(MKDIR, "/local/domain/5");
        d0.ok(SET_PERMS, "/local/domain/5", "n5");
        g5.send(WATCH, "/", "all5");
        g6.send(WATCH, "/", "all6");
        g5.inbox.clear();
        g6.inbox.clear();
        g5.write("secret", "x");
        assertThat(g5.events(g5.inbox)).isEmpty();
        assertThat(g6.inbox).as("XSA-115: dom6 may not read it").isEmpty();
        d0.write("/local/domain/5/secret", "y");
        assertThat(g5.events(g5.inbox)).containsExactly("/local/domain/5/secret\\0all5\\0");
        assertThat(g6.inbox).isEmpty();
        g5.inbox.clear();
        // special watches: dom0 only by default
        g6.send(WATCH, "@introduceDomain", "i6");
        g6.inbox.clear();
        d0.send(INTRODUCE, "7", "0", "1");
        assertThat(g6.inbox).isEmpty();
    }

    @Test
    void repliesOverThePayloadLimitBecomeE2big() {
        for (int i = 0; i < 300; i++) {
            d0.ok(MKDIR, "/big/child-with-a-long-name-" + i);
        }
        assertThat(d0.call(DIRECTORY, "/big")).isEqualTo("ERROR:E2BIG|");
        assertThat(d0.call(DIRECTORY_PART, "/big", "0")).hasSizeLessThanOrEqualTo(3 + 4096);
    }

    @Test
    void aConnectionWhoseOutboxOverflowsIsReported() {
        CoreHarness.Conn full = h.connect(io.jxen.xenstore.store.Caller.DOM0);
        full.connection = h.core.connect(io.jxen.xenstore.store.Caller.DOM0, m -> false);
        full.send(READ, "/");
        assertThat(h.overflowed).containsExactly(full.connection);
    }

    @Test
    void overLongWatchEventsAreDroppedNotFatal() {
        // XSA-324: path + token over XENSTORE_PAYLOAD_MAX cannot be sent: drop the event.
        String token = "t".repeat(3000);
        assertThat(d0.events(d0.send(WATCH, "/", token))).hasSize(1);
        String longPath = "/" + "p".repeat(1500);
        List<XsMessage> out = d0.send(WRITE, (longPath + "\0v").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(CoreHarness.replyText(out)).isEqualTo("OK:OK|");
        assertThat(d0.events(out)).isEmpty();
        out = d0.send(WRITE, "/short\0v".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(d0.events(out)).hasSize(1);
    }

    @Test
    void deepTreesAreCreatedAndRemovedWithoutRecursion() {
        // XSA-418: the deepest path the length limit allows (about 1000 levels).
        String deep = "/x" + "/x".repeat(1020);
        assertThat(d0.write(deep, "v")).isEqualTo("OK:OK|");
        d0.send(WATCH, "/x", "top");
        List<XsMessage> out = d0.send(RM, "/x");
        assertThat(CoreHarness.replyText(out)).isEqualTo("OK:OK|");
        assertThat(d0.events(out)).containsExactly("/x\\0top\\0");
        assertThat(d0.call(READ, deep)).isEqualTo("ERROR:ENOENT|");
        assertThat(h.core.checkStore()).isEmpty();
    }

    @Test
    void controlCommands() {
        assertThat(d0.call(CONTROL, "check")).isEqualTo("OK:OK|");
        assertThat(d0.call(CONTROL, "quota")).startsWith("OK:Quota settings:\nnodes            :     1000 Nodes per domain\n");
        assertThat(d0.call(CONTROL, "quota", "set", "watches", "7")).isEqualTo("OK:OK|");
        assertThat(d0.call(CONTROL, "quota")).contains("watches          :        7 Watches per domain");
        assertThat(d0.call(CONTROL, "quota", "set", "bogus", "7")).isEqualTo("ERROR:EINVAL|");
        assertThat(d0.call(CONTROL, "quota", "0")).startsWith("OK:Domain 0:\nnodes           :");
        assertThat(d0.call(CONTROL, "quota", "5")).isEqualTo("ERROR:ENOENT|");
        assertThat(d0.call(CONTROL, "help")).contains("check", "log", "quota", "help");
        assertThat(d0.call(CONTROL, "log", "on")).isEqualTo("OK:OK|");
        assertThat(h.core.logging()).isTrue();
        assertThat(d0.call(CONTROL, "nope")).isEqualTo("ERROR:EINVAL|");
    }
}
