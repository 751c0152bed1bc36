package io.jxen.runtime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class AgentRunnerTest {

    /** Counts its duty cycles, throws on the third, and lets the test wait for progress. */
    private static final class CountingAgent implements Agent {
        final AtomicInteger cycles = new AtomicInteger();
        final CountDownLatch tenCycles = new CountDownLatch(10);
        final AtomicBoolean started = new AtomicBoolean();
        final AtomicBoolean closed = new AtomicBoolean();
        volatile String threadName;

        @Override
        public int doWork() {
            threadName = Thread.currentThread().getName();
            int n = cycles.incrementAndGet();
            tenCycles.countDown();
            if (n == 3) {
                throw new IllegalStateException("planted failure");
            }
            return n % 2;
        }

        @Override
        public String roleName() {
            return "counting-agent";
        }

        @Override
        public void onStart() {
            started.set(true);
        }

        @Override
        public void onClose() {
            closed.set(true);
        }
    }

    @Test
    void runsTheAgentOnItsOwnNamedThreadAndSurvivesItsFailures() throws Exception {
        CountingAgent agent = new CountingAgent();
        AtomicInteger reported = new AtomicInteger();
        AgentRunner runner = AgentRunner.start(agent, BackoffIdleStrategy.defaults(),
                (failed, error) -> {
                    assertThat(failed).isSameAs(agent);
                    assertThat(error).hasMessage("planted failure");
                    reported.incrementAndGet();
                });
        try {
            assertThat(agent.tenCycles.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            runner.close();
        }
        assertThat(agent.started).isTrue();
        assertThat(agent.closed).isTrue();
        assertThat(agent.threadName).isEqualTo("counting-agent");
        assertThat(reported.get()).isEqualTo(1);
        assertThat(runner.errorCount()).isEqualTo(1);
        int afterClose = agent.cycles.get();
        assertThat(agent.cycles.get()).isEqualTo(afterClose);
    }

    @Test
    void backoffRejectsNonsenseBounds() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BackoffIdleStrategy(1, 1, 10, 5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void systemClockIsMonotonicAndNearTheWallClock() {
        long a = SystemClock.INSTANCE.nanoTime();
        long b = SystemClock.INSTANCE.nanoTime();
        assertThat(b).isGreaterThanOrEqualTo(a);
        long wallMillis = SystemClock.INSTANCE.epochNanos() / 1_000_000;
        assertThat(wallMillis).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    }

    @Test
    void wakeEndsALongParkSoQueuedWorkIsDoneNow() throws Exception {
        java.util.concurrent.ConcurrentLinkedQueue<CountDownLatch> queued = new java.util.concurrent.ConcurrentLinkedQueue<>();
        CountDownLatch parked = new CountDownLatch(1);
        Agent agent = new Agent() {
            @Override
            public int doWork() {
                CountDownLatch job = queued.poll();
                if (job == null) {
                    parked.countDown();
                    return 0;
                }
                job.countDown();
                return 1;
            }

            @Override
            public String roleName() {
                return "woken-agent";
            }
        };
        // Parks of an hour: without wake() the job below would wait that long, past the await.
        AgentRunner runner = AgentRunner.start(agent, new BackoffIdleStrategy(0, 0, 3_600_000_000_000L,
                3_600_000_000_000L), ErrorHandler.printing());
        try {
            assertThat(parked.await(30, TimeUnit.SECONDS)).isTrue(); // an idle cycle: the runner parks after it
            CountDownLatch job = new CountDownLatch(1);
            queued.add(job);
            runner.wake();
            assertThat(job.await(30, TimeUnit.SECONDS)).as("the job was done after wake()").isTrue();
        } finally {
            runner.close();
        }
    }
}
