package io.jxen.drivers.block.back;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.back.engine.IoEngine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An asynchronous engine whose operations complete when the test says, in a seeded random
 * order: each submitted operation waits in a list until {@link #completeOne} picks it, runs it
 * on the real engine underneath and completes its future on the test's thread. It records what
 * an ordering rule needs: how many operations were pending at each submission, and any
 * operation submitted while a flush was pending (a barrier or flush not drained after).
 */
final class DeferredEngine implements IoEngine {

    private final IoEngine under;
    private final List<Op> pending = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    int maxPending;
    int flushesCompleted;
    int completed;

    private record Op(String kind, IoAction action, CompletableFuture<Void> future) {
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    DeferredEngine(IoEngine under) {
        this.under = under;
    }

    int pending() {
        return pending.size();
    }

    /** Completes one pending operation chosen by {@code random}; false when none is pending. */
    boolean completeOne(Random random) {
        if (pending.isEmpty()) {
            return false;
        }
        Op op = pending.remove(random.nextInt(pending.size()));
        try {
            op.action().run();
            if (op.kind().equals("flush")) {
                flushesCompleted++;
            }
            completed++;
            op.future().complete(null);
        } catch (IOException | RuntimeException e) {
            op.future().completeExceptionally(e);
        }
        return true;
    }

    private CompletableFuture<Void> submit(String kind, IoAction action) {
        boolean flushPending = pending.stream().anyMatch(o -> o.kind().equals("flush"));
        if (flushPending) {
            violations.add(kind + " submitted while a flush was pending (not drained after)");
        }
        if (kind.equals("flush") && !pending.isEmpty()) {
            violations.add("flush submitted with " + pending.size() + " operations pending (not drained before)");
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        pending.add(new Op(kind, action, future));
        maxPending = Math.max(maxPending, pending.size());
        return future;
    }

    @Override
    public Mode mode() {
        return Mode.ASYNC;
    }

    @Override
    public CompletableFuture<Void> submitRead(long offsetBytes, ByteBuffer dst) {
        return submit("read", () -> under.read(offsetBytes, dst));
    }

    @Override
    public CompletableFuture<Void> submitWrite(long offsetBytes, ByteBuffer src, boolean fua) {
        return submit("write", () -> under.write(offsetBytes, src, fua));
    }

    @Override
    public CompletableFuture<Void> submitFlush() {
        return submit("flush", under::flush);
    }

    @Override
    public CompletableFuture<Void> submitDiscard(long offsetBytes, long lengthBytes) {
        return submit("discard", () -> under.discard(offsetBytes, lengthBytes));
    }

    @Override
    public CompletableFuture<Void> submitWriteZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole,
                                                     boolean fua) {
        return submit("zeroes", () -> under.writeZeroes(offsetBytes, lengthBytes, mayPunchHole, fua));
    }

    @Override
    public long sizeBytes() {
        return under.sizeBytes();
    }

    @Override
    public boolean readOnly() {
        return under.readOnly();
    }

    @Override
    public Set<BlockCapability> capabilities() {
        return under.capabilities();
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
        under.read(offsetBytes, dst);
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        under.write(offsetBytes, src, fua);
    }

    @Override
    public void flush() throws IOException {
        under.flush();
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
        under.discard(offsetBytes, lengthBytes);
    }

    @Override
    public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException {
        under.writeZeroes(offsetBytes, lengthBytes, mayPunchHole, fua);
    }

    @Override
    public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
        return under.allocation(offsetBytes, lengthBytes);
    }

    @Override
    public void close() {
        // the test closes the engine underneath
    }
}
