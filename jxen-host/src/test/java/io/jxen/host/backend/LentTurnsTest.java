package io.jxen.host.backend;

import io.jxen.runtime.Agent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lending a frontend thread to a backend ring ({@link LentTurns}), against a model of the
 * request side of an io/ring.h ring: {@code req_prod}, {@code req_cons}, {@code req_event}, and
 * the frontend's notify decision ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}). Each case is one
 * ordering of lenders, pushes and the runner, played on one thread, so a lost request shows as
 * requests left on the ring with no event sent and no kick.
 */
class LentTurnsTest {

    /** The request side of a ring and what a backend does with it; turns served by whoever calls. */
    private static final class ModelRing implements LentTurns.Ring {
        int prod;
        int cons;
        int event = 1; // SHARED_RING_INIT
        int events; // pushes that sent the backend an event
        int turns;
        /** Runs inside the next turn (another thread's doing, while this one holds the turn). */
        Runnable duringTurn;
        /** Overrides what a turn serves (a turn that can take nothing, or fails). */
        IntSupplier turn;

        void push() {
            int old = prod;
            prod++;
            // ring.h: notify = (RING_IDX)(new - req_event) < (RING_IDX)(new - old)
            if (Integer.compareUnsigned(prod - event, prod - old) < 0) {
                events++;
            }
        }

        @Override
        public int doWork() {
            turns++;
            Runnable r = duringTurn;
            duringTurn = null;
            if (r != null) {
                r.run();
            }
            if (turn != null) {
                return turn.getAsInt();
            }
            int n = prod - cons;
            cons = prod;
            return n;
        }

        @Override
        public String roleName() {
            return "model-ring";
        }

        @Override
        public boolean hasRequests() {
            return prod != cons;
        }

        @Override
        public void disarmRequests() {
            event = cons;
        }

        @Override
        public boolean finalCheckForRequests() {
            if (prod != cons) {
                return true;
            }
            event = cons + 1;
            return prod != cons;
        }
    }

    private final ModelRing ring = new ModelRing();
    private final List<Throwable> reported = new ArrayList<>();
    private int kicks;
    private boolean runnerAsleep = true;
    private final LentTurns lent = new LentTurns(ring, () -> kicks++, () -> runnerAsleep,
            (Agent a, Throwable t) -> reported.add(t));

    /** The runner's last look before it sleeps, as {@link KickableIdle} makes it. */
    private boolean runnerSleeps() {
        return !lent.finalCheckForRequests();
    }

    @Test
    void aLenderPushesWithoutAnEventAndServesItsOwnRequest() {
        assertThat(runnerSleeps()).isTrue(); // armed: the next push would send an event
        assertThat(lent.enter()).isTrue();
        ring.push();
        assertThat(ring.events).as("events sent for a lender's push").isZero();
        assertThat(lent.poll()).isEqualTo(1);
        lent.leave();
        assertThat(ring.cons).isEqualTo(ring.prod);
        assertThat(kicks).isZero();
        assertThat(lent.lentRequests()).isEqualTo(1);
        ring.push(); // the last lender left armed: a push by anyone now sends its event
        assertThat(ring.events).isEqualTo(1);
    }

    @Test
    void theRunnerLeavesTheEventUnarmedWhileALenderIsIn() {
        assertThat(lent.enter()).isTrue();
        assertThat(runnerSleeps()).isTrue();
        ring.push();
        assertThat(ring.events).as("the runner armed the event under a lender").isZero();
        assertThat(lent.poll()).isEqualTo(1);
        lent.leave();
    }

    @Test
    void aRequestOfAThreadThatDoesNotLendIsKickedToTheRunnerByTheLastLenderOut() {
        // The hang qemu-img convert found: a FUA write's flush pushed by a completion handler
        // while the writer was lent and about to sleep. No event (the lender had disarmed);
        // the lender's leave must hand it to the runner.
        assertThat(runnerSleeps()).isTrue();
        assertThat(lent.enter()).isTrue();
        ring.push(); // not a lender's
        assertThat(ring.events).isZero();
        lent.leave();
        assertThat(kicks).as("kicks of the runner").isEqualTo(1);
    }

    @Test
    void onlyTheLastLenderOutArms() {
        assertThat(lent.enter()).isTrue();
        assertThat(lent.enter()).isTrue();
        lent.leave();
        ring.push();
        assertThat(ring.events).as("armed while a lender was still in").isZero();
        lent.leave();
        assertThat(kicks).isEqualTo(1);
    }

    @Test
    void aLenderThatFindsTheTurnTakenLeavesItsRequestToTheHolderWhoLooksAgainAfterLettingGo() {
        assertThat(lent.enter()).isTrue();
        ring.push();
        int[] otherServed = {-1};
        ring.duringTurn = () -> {
            // Another lender, while this one holds the turn and has looked at the ring already.
            ring.push();
            otherServed[0] = lent.poll();
        };
        ring.turn = () -> {
            ring.turn = null;
            ring.cons = ring.prod - 1; // this turn took the first request, not the one pushed meanwhile
            return 1;
        };
        assertThat(lent.poll()).isEqualTo(2);
        assertThat(otherServed[0]).as("the other lender's poll while the turn was held").isZero();
        assertThat(ring.cons).isEqualTo(ring.prod);
        lent.leave();
        assertThat(kicks).isZero();
    }

    @Test
    void theRunnersTurnIsSkippedWhileALenderHoldsIt() {
        assertThat(lent.enter()).isTrue();
        ring.push();
        int[] runnerServed = {-1};
        ring.duringTurn = () -> runnerServed[0] = lent.doWork();
        assertThat(lent.poll()).isEqualTo(1);
        assertThat(runnerServed[0]).isZero();
        assertThat(ring.turns).isEqualTo(1);
        lent.leave();
    }

    @Test
    void aTurnThatServesNothingWithRequestsWaitingHandsThemToTheRunner() {
        assertThat(lent.enter()).isTrue();
        ring.push();
        ring.turn = () -> 0;
        assertThat(lent.poll()).isZero();
        assertThat(kicks).as("the runner kicked rather than the lender spinning").isEqualTo(1);
        assertThat(ring.turns).isEqualTo(1);
        ring.turn = null;
        lent.leave();
    }

    @Test
    void aLenderServesOthersForABoundedNumberOfTurnsThenLeavesTheRestToTheRunner() {
        assertThat(lent.enter()).isTrue();
        ring.push();
        ring.turn = () -> {
            int n = ring.prod - ring.cons;
            ring.cons = ring.prod;
            ring.push(); // another thread pushes during every turn: there is always more
            return n;
        };
        assertThat(lent.poll()).isEqualTo(LentTurns.MAX_LENT_TURNS);
        assertThat(ring.turns).isEqualTo(LentTurns.MAX_LENT_TURNS);
        assertThat(kicks).as("what is left goes to the runner").isEqualTo(1);
        ring.turn = null;
        assertThat(lent.doWork()).as("the runner's turn").isEqualTo(1);
        lent.leave();
    }

    @Test
    void aFailingTurnIsReportedAsTheRunnersWouldBeAndTheLenderGoesOn() {
        assertThat(lent.enter()).isTrue();
        ring.push();
        IllegalStateException boom = new IllegalStateException("boom");
        ring.turn = () -> {
            throw boom;
        };
        assertThat(lent.poll()).isZero();
        assertThat(reported).containsExactly(boom);
        ring.turn = null;
        assertThat(lent.poll()).as("the turn was let go").isEqualTo(1);
        lent.leave();
    }

    @Test
    void aLendersInterruptIsPutAsideForTheTurnAndRestored() {
        assertThat(lent.enter()).isTrue();
        ring.push();
        boolean[] interruptedInTurn = {true};
        ring.duringTurn = () -> interruptedInTurn[0] = Thread.currentThread().isInterrupted();
        Thread.currentThread().interrupt();
        try {
            assertThat(lent.poll()).isEqualTo(1);
            assertThat(interruptedInTurn[0]).as("interrupted during the backend's turn").isFalse();
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt restored").isTrue();
        } finally {
            Thread.interrupted();
            lent.leave();
        }
    }

    @Test
    void aHelperTakesTurnsOnlyWhileTheRunnerSleeps() {
        ring.push(); // an asynchronous submit, with its event
        runnerAsleep = false;
        assertThat(lent.help()).as("the runner is at work: the helper leaves it the ring").isZero();
        assertThat(ring.turns).isZero();
        runnerAsleep = true;
        assertThat(lent.help()).isEqualTo(1);
        assertThat(lent.lentRequests()).isEqualTo(1);
    }

    @Test
    void theRunnerSleepsWithoutWaitingForALendersTurn() {
        assertThat(lent.enter()).isTrue();
        ring.push();
        boolean[] runnerWouldSleep = {false};
        ring.duringTurn = () -> runnerWouldSleep[0] = runnerSleeps();
        assertThat(lent.poll()).isEqualTo(1);
        assertThat(runnerWouldSleep[0]).as("the lender holding the turn looks again after it").isTrue();
        lent.leave();
    }

    @Test
    void aClosedRingTakesNoLenders() {
        lent.close();
        assertThat(lent.enter()).isFalse();
    }
}
