package io.jxen.runtime;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * Every platform thread's stack with the locks it holds and waits for, deadlocked threads
 * (the JVM's own check) first: what a test prints when it gives up waiting, so a hang seen
 * once in CI says where it was.
 */
public final class ThreadDumps {

    private ThreadDumps() {
    }

    /** The dump, deadlocked threads first (if any). */
    public static String now() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StringBuilder out = new StringBuilder();
        long[] deadlocked = threads.findDeadlockedThreads();
        if (deadlocked != null) {
            out.append("DEADLOCKED threads:\n");
            for (ThreadInfo info : threads.getThreadInfo(deadlocked, true, true)) {
                out.append(describe(info));
            }
        }
        for (ThreadInfo info : threads.dumpAllThreads(true, true)) {
            out.append(describe(info));
        }
        return out.toString();
    }

    private static String describe(ThreadInfo info) {
        // ThreadInfo.toString stops after 8 frames: print them all.
        StringBuilder s = new StringBuilder();
        s.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
        LockInfo waitingOn = info.getLockInfo();
        if (waitingOn != null) {
            s.append(" on ").append(waitingOn);
            if (info.getLockOwnerName() != null) {
                s.append(" owned by \"").append(info.getLockOwnerName()).append('"');
            }
        }
        s.append('\n');
        for (StackTraceElement frame : info.getStackTrace()) {
            s.append("\tat ").append(frame).append('\n');
        }
        for (LockInfo held : info.getLockedSynchronizers()) {
            s.append("\tholds ").append(held).append('\n');
        }
        for (var monitor : info.getLockedMonitors()) {
            s.append("\tholds monitor ").append(monitor).append('\n');
        }
        return s.append('\n').toString();
    }
}
