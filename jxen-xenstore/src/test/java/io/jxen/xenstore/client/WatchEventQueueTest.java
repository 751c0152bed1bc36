package io.jxen.xenstore.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;

/** The bounded watch event queue's policy: coalesce, collapse into one rescan, stay bounded. */
class WatchEventQueueTest {

    /** Tasks run only when the test drains them. */
    static final class Manual implements Executor {
        final Deque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable r) {
            tasks.add(r);
        }

        void drain() {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                r.run();
            }
        }
    }

    /**
     * A listener that throws loses its own event, not the queue: later events (its own and
     * other watches') are still delivered. A throwing listener used to leave the queue marked
     * as draining with nobody draining it, so no watch of that client fired again.
     */
    @Test
    void aListenerThatThrowsDoesNotStopLaterEvents() {
        Manual exec = new Manual();
        WatchEventQueue q = new WatchEventQueue(exec, 4);
        List<String> seen = new ArrayList<>();
        q.register("/bad", "bad", (p, t) -> {
            throw new IllegalStateException("a listener's bug");
        });
        q.register("/good", "good", (p, t) -> seen.add(p));
        q.offer("/bad/x", "bad");
        q.offer("/good/x", "good");
        exec.drain();
        assertThat(seen).containsExactly("/good/x");
        q.offer("/bad/y", "bad");
        q.offer("/good/y", "good");
        exec.drain();
        assertThat(seen).containsExactly("/good/x", "/good/y");
        assertThat(q.waiting()).isZero();
    }

    @Test
    void theSameEventWaitingTwiceIsDeliveredOnce() {
        Manual exec = new Manual();
        WatchEventQueue q = new WatchEventQueue(exec, 4);
        List<String> seen = new ArrayList<>();
        q.register("/a", "t", (p, t) -> seen.add(p));
        for (int i = 0; i < 10_000; i++) {
            q.offer("/a/state", "t");
        }
        assertThat(q.waiting()).isEqualTo(1);
        assertThat(exec.tasks).hasSize(1);
        assertThat(q.coalesced()).isEqualTo(9_999);
        exec.drain();
        assertThat(seen).containsExactly("/a/state");
        q.offer("/a/state", "t"); // once delivered, the next one queues again
        exec.drain();
        assertThat(seen).containsExactly("/a/state", "/a/state");
    }

    @Test
    void aFloodOfDistinctPathsCollapsesIntoOneRescanOfTheWatchedPathDeliveredLast() {
        Manual exec = new Manual();
        WatchEventQueue q = new WatchEventQueue(exec, 8);
        List<String> seen = new ArrayList<>();
        List<String> other = new ArrayList<>();
        q.register("/flood", "f", (p, t) -> seen.add(p));
        q.register("/quiet", "q", (p, t) -> other.add(p));
        for (int i = 0; i < 100_000; i++) {
            q.offer("/flood/n" + i, "f");
            assertThat(q.waiting()).isLessThanOrEqualTo(9);
        }
        q.offer("/quiet/x", "q"); // another watch is not starved by the flood
        assertThat(q.waiting()).isEqualTo(10);
        assertThat(exec.tasks).hasSize(1);
        assertThat(q.collapsed()).isEqualTo(100_000 - 8);
        exec.drain();
        assertThat(seen).hasSize(9);
        assertThat(seen.subList(0, 8)).containsExactly("/flood/n0", "/flood/n1", "/flood/n2", "/flood/n3",
                "/flood/n4", "/flood/n5", "/flood/n6", "/flood/n7");
        assertThat(seen.getLast()).as("the rescan comes after every event it stands for").isEqualTo("/flood");
        assertThat(other).containsExactly("/quiet/x");
        assertThat(q.delivered()).isEqualTo(10);
    }

    @Test
    void dropsAfterARescanWasDeliveredGetAnotherRescan() {
        Manual exec = new Manual();
        WatchEventQueue q = new WatchEventQueue(exec, 2);
        List<String> seen = new ArrayList<>();
        q.register("/w", "t", (p, t) -> seen.add(p));
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 5; i++) {
                q.offer("/w/r" + round + "/" + i, "t");
            }
            exec.drain();
            assertThat(seen.getLast()).isEqualTo("/w");
        }
        assertThat(seen).hasSize(9);
    }

    @Test
    void aListenerThatIsSlowStillHoldsTheBound() {
        // Events arriving while the listener runs (the drain is in progress) are bounded too.
        Manual exec = new Manual();
        WatchEventQueue q = new WatchEventQueue(exec, 3);
        List<String> seen = new ArrayList<>();
        int[] flood = {0};
        q.register("/s", "t", (p, t) -> {
            seen.add(p);
            for (int i = 0; i < 1000 && seen.size() <= 3; i++) {
                q.offer("/s/" + flood[0]++, "t");
            }
            assertThat(q.waiting()).isLessThanOrEqualTo(4);
        });
        q.offer("/s/first", "t");
        exec.drain();
        assertThat(exec.tasks).isEmpty();
        assertThat(seen).isNotEmpty();
    }

    @Test
    void eventsOfAnUnregisteredTokenAreDropped() {
        Manual exec = new Manual();
        WatchEventQueue q = new WatchEventQueue(exec, 2);
        List<String> seen = new ArrayList<>();
        q.register("/u", "t", (p, t) -> seen.add(p));
        q.offer("/u/1", "t");
        q.unregister("t");
        assertThat(q.offer("/u/2", "t")).isFalse();
        exec.drain();
        assertThat(seen).isEmpty();
        assertThat(q.offer("/x", "nobody")).isFalse();
    }
}
