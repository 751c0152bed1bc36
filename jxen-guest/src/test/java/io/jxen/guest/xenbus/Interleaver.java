package io.jxen.guest.xenbus;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A controlled scheduler for the real threads of both buses, their stores' watch deliveries and
 * a test's toolstack: one participant runs at a time, and at every yield point (each xenstore
 * request, {@link CoreStore}) the next one to run is drawn from a seed. An interleaving of the
 * two ends at the granularity of store operations therefore replays exactly from its seed, and
 * a run ends when nothing is left to run (quiescence), with no time passing: a protocol that
 * leaves both ends waiting for each other shows as quiescence in the wrong states, not as a
 * timeout. (Systematic concurrency testing in the manner of CHESS and Coyote, on a small scale.)
 *
 * <p>Participants are tasks given to an {@link #executor} (the buses' workers and failure
 * publishers, the stores' watch deliveries) and tasks {@link #spawn}ed by the test. Each task
 * gets a platform thread that waits for its first turn, so when it starts does not depend on
 * the host's scheduler. Yield points inside a lock are fine as long as no other participant
 * takes that lock: a device's {@code publishLock}, held across a store transaction, is taken
 * only by that device's drain while no connect timeout fires and no driver rewrites its state
 * from a thread of its own. A participant that blocks outside a yield point fails the run
 * after 20 s, naming itself, rather than hanging it.
 *
 * <p>After {@link #run}, {@link #freeRun} lets everything run as plain threads again (closing
 * the buses).
 */
final class Interleaver {

    /** One task's thread: waits for its turns. */
    private static final class Participant {
        final String name;
        boolean go;
        String next; // what it does when it runs again, for the trace

        Participant(String name) {
            this.name = name;
        }
    }

    private final long seed;
    private final SplittableRandom random;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Participant> ready = new ArrayList<>(); // guarded by lock, in arrival order
    private final List<String> trace = new ArrayList<>(); // guarded by lock: who ran, in order
    private final List<Throwable> failures = new ArrayList<>(); // guarded by lock
    private final ThreadLocal<Participant> current = new ThreadLocal<>();
    private Participant running; // guarded by lock: holds the turn
    private boolean freeRun; // guarded by lock
    private long turns; // guarded by lock

    Interleaver(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    long seed() {
        return seed;
    }

    /** Runs {@code task} as a participant: it starts at its first turn. */
    void spawn(String name, Runnable task) {
        Participant p = new Participant(name);
        p.next = task instanceof Named n ? n.what : null;
        boolean free;
        lock.lock();
        try {
            free = freeRun;
            if (!free) {
                ready.add(p);
            }
        } finally {
            lock.unlock();
        }
        Thread.ofPlatform().daemon().name(name).start(() -> {
            current.set(p);
            awaitTurn(p);
            try {
                task.run();
            } catch (Throwable t) {
                lock.lock();
                try {
                    failures.add(new AssertionError(p.name + " failed", t));
                } finally {
                    lock.unlock();
                }
            } finally {
                leave(p);
            }
        });
    }

    /** Gives the turn back to the scheduler, which draws who runs next (perhaps us again). */
    void yieldPoint() {
        yieldPoint(null);
    }

    /** {@link #yieldPoint()} before {@code op} (what the participant does next, for the trace). */
    void yieldPoint(String op) {
        Participant p = current.get();
        if (p == null) {
            return;
        }
        lock.lock();
        try {
            if (freeRun) {
                return;
            }
            if (running == p) {
                running = null;
            }
            p.next = op;
            ready.add(p);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        awaitTurn(p);
    }

    /** Adds {@code what} to the trace (a reply, say), if a participant runs. */
    void note(String what) {
        if (current.get() == null) {
            return;
        }
        lock.lock();
        try {
            if (trace.size() < 4096) {
                trace.add("    -> " + what);
            }
        } finally {
            lock.unlock();
        }
    }

    private void awaitTurn(Participant p) {
        lock.lock();
        try {
            while (!p.go && !freeRun) {
                changed.awaitUninterruptibly();
            }
            p.go = false;
        } finally {
            lock.unlock();
        }
    }

    private void leave(Participant p) {
        lock.lock();
        try {
            if (running == p) {
                running = null;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives turns, drawn from the seed, until no participant is left to run; on the test
     * thread. A participant that neither yields nor ends for 20 s (it blocked outside a yield
     * point: a harness bug) or more than {@code maxTurns} turns fail the run.
     *
     * @return the number of turns given
     */
    long run(long maxTurns) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                while (running != null) {
                    if (!changed.await(20, TimeUnit.SECONDS) && running != null) {
                        throw new AssertionError(describe() + ": " + running.name
                                + " neither yielded nor ended in 20 s");
                    }
                }
                if (!failures.isEmpty()) {
                    AssertionError e = new AssertionError(describe() + ": a participant failed", failures.getFirst());
                    failures.stream().skip(1).forEach(e::addSuppressed);
                    throw e;
                }
                if (ready.isEmpty()) {
                    return turns;
                }
                if (++turns > maxTurns) {
                    throw new AssertionError(describe() + ": still running after " + maxTurns + " turns");
                }
                Participant next = ready.remove(random.nextInt(ready.size()));
                if (trace.size() < 4096) {
                    trace.add(next.next == null ? next.name : next.name + ":" + next.next);
                }
                next.next = null;
                running = next;
                next.go = true;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** From now on participants run as plain threads and yield points do nothing. */
    void freeRun() {
        lock.lock();
        try {
            freeRun = true;
            ready.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The seed and the turns so far (who ran, in order), for a failure message. */
    String describe() {
        lock.lock();
        try {
            return "seed " + seed + " (turns " + turns + ":\n  " + String.join("\n  ", trace) + ")";
        } finally {
            lock.unlock();
        }
    }

    /** A task that says what it is, for the trace. */
    record Named(String what, Runnable task) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    /**
     * An executor whose tasks are participants: at most {@code threads} run their queue at once,
     * in order ({@code threads} 1: one at a time, as a single-thread executor).
     */
    java.util.concurrent.ExecutorService executor(String name, int threads) {
        return new InterleavedExecutor(this, name, threads);
    }

    /** {@link #executor}: a FIFO queue drained by up to {@code threads} participants. */
    private static final class InterleavedExecutor extends java.util.concurrent.AbstractExecutorService {
        private final Interleaver interleaver;
        private final String name;
        private final int threads;
        private final java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();
        private int drainers; // guarded by queue
        private int made; // guarded by queue
        private volatile boolean shutdown;

        InterleavedExecutor(Interleaver interleaver, String name, int threads) {
            this.interleaver = interleaver;
            this.name = name;
            this.threads = threads;
        }

        @Override
        public void execute(Runnable command) {
            if (shutdown) {
                throw new java.util.concurrent.RejectedExecutionException(name + " is shut down");
            }
            String drainer = null;
            synchronized (queue) {
                queue.add(command);
                if (drainers < threads) {
                    drainers++;
                    drainer = threads == 1 ? name : name + "-" + made++;
                }
            }
            if (drainer != null) {
                interleaver.spawn(drainer, command instanceof Named n ? new Named(n.what(), this::drain) : this::drain);
            }
        }

        private void drain() {
            boolean first = true;
            while (true) {
                if (!first) {
                    Runnable head;
                    synchronized (queue) {
                        head = queue.peek();
                    }
                    // Between tasks, as a pool thread takes the next.
                    interleaver.yieldPoint(head instanceof Named n ? n.what() : null);
                }
                first = false;
                Runnable task;
                synchronized (queue) {
                    task = queue.poll();
                    if (task == null) {
                        drainers--;
                        return;
                    }
                }
                task.run();
            }
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            synchronized (queue) {
                List<Runnable> left = new ArrayList<>(queue);
                queue.clear();
                return left;
            }
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            synchronized (queue) {
                return shutdown && drainers == 0;
            }
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return isTerminated();
        }
    }
}
