package io.jxen.runtime;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one agent on a platform thread of its own (real mode). Platform, not virtual:
 * agents may block in foreign calls such as a futex wait, which would pin a carrier.
 *
 * <p>An exception from {@link Agent#doWork()} goes to the {@link ErrorHandler} and the
 * agent keeps running; {@link #close()} stops the loop and waits for the thread.
 */
public final class AgentRunner implements AutoCloseable {

    private final Agent agent;
    private final IdleStrategy idle;
    private final ErrorHandler errors;
    private final Thread thread;
    private final AtomicLong errorCount = new AtomicLong();
    private volatile boolean running = true;

    private final Runnable onThreadStart;

    private AgentRunner(Agent agent, IdleStrategy idle, ErrorHandler errors, Runnable onThreadStart) {
        this.onThreadStart = Objects.requireNonNull(onThreadStart, "onThreadStart");
        this.agent = Objects.requireNonNull(agent, "agent");
        this.idle = Objects.requireNonNull(idle, "idle");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.thread = Thread.ofPlatform().name(agent.roleName()).daemon(true).unstarted(this::run);
    }

    /**
     * Starts {@code agent} on a new thread named after its role.
     *
     * @return the runner, to be closed when the agent should stop
     */
    public static AgentRunner start(Agent agent, IdleStrategy idle, ErrorHandler errors) {
        return start(agent, idle, errors, () -> { });
    }

    /**
     * As {@link #start(Agent, IdleStrategy, ErrorHandler)}, running {@code onThreadStart} on the
     * new thread first (e.g. {@link CpuAffinity#pin}).
     *
     * @return the runner, to be closed when the agent should stop
     */
    public static AgentRunner start(Agent agent, IdleStrategy idle, ErrorHandler errors, Runnable onThreadStart) {
        AgentRunner runner = new AgentRunner(agent, idle, errors, onThreadStart);
        runner.thread.start();
        return runner;
    }

    private void run() {
        onThreadStart.run();
        idle.reset();
        try {
            agent.onStart();
            while (running) {
                dutyCycle();
            }
        } catch (Throwable t) {
            errorCount.incrementAndGet();
            errors.onError(agent, t);
        } finally {
            agent.onClose();
        }
    }

    /**
     * One turn: the agent's work, then the idle strategy. A method of its own, not the loop's
     * body: the thread never leaves {@link #run()}, so a loop body compiled there could only be
     * entered by on-stack replacement, and when the compiled loop was thrown out (an uncommon
     * trap, e.g. a new agent or idle class reaching the call sites) the thread ran it in the
     * interpreter until the next OSR compile: 12% of blkback's CPU at QD32 in one profile. A
     * called method is recompiled and entered again on the next turn.
     */
    private void dutyCycle() {
        int work;
        try {
            work = agent.doWork();
        } catch (Throwable t) {
            errorCount.incrementAndGet();
            errors.onError(agent, t);
            work = 0;
        }
        idle.idle(work);
    }

    /**
     * Ends the runner's current park, if it is parked, so the agent looks for work now rather
     * than when its idle strategy's park runs out (for a producer that just queued work for an
     * agent idling with long parks, {@link BackoffIdleStrategy#deadlines()}). Harmless at any
     * time: a runner that is not parked finds the permit at its next park and only turns once more.
     */
    public void wake() {
        java.util.concurrent.locks.LockSupport.unpark(thread);
    }

    /** How many times the agent threw since it started. */
    public long errorCount() {
        return errorCount.get();
    }

    /** The agent this runner drives. */
    public Agent agent() {
        return agent;
    }

    /** Stops the loop after the current duty cycle and waits for the thread to end. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
