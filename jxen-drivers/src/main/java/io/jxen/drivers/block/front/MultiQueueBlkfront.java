package io.jxen.drivers.block.front;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.BlockRanges;
import io.jxen.drivers.block.Extent;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A disk over several rings ({@code multi-queue-num-queues}, io/blkif.h "Multi-queue"): one
 * {@link Blkfront} per queue, each with its own ring, port (IRQ {@code xbd<N>-q<i>}, or plain
 * {@code xbd<N>} for a single queue) and
 * requests, all to the same backend disk. Requests go to the queues in turn; a flush goes to
 * every queue, so it covers every write completed on any of them. As with blk-mq, requests in
 * flight on different queues are not ordered with each other: a caller that needs an order
 * waits for completion (every blocking method does). A poller ({@link PolledCompletions}) polls
 * every queue: a striped transfer completes on all of them.
 */
public final class MultiQueueBlkfront implements BlockDevice, PolledCompletions {

    /**
     * Reads and writes at least this long are striped over the queues: below it a request's
     * per-request costs outweigh what a second ring running alongside saves. 512 KiB: the NBD
     * export's 256 KiB reads (nbdcopy's request size) striped in two cost 6-9% more CPU per GiB
     * for the same or lower throughput (docs/BENCHMARKS.md, session 7), while 1 MiB transfers
     * still gain from both rings. {@code -Djxen.blkfront.stripeMin=BYTES} for A/B.
     */
    public static final int STRIPE_MIN_BYTES = Integer.getInteger("jxen.blkfront.stripeMin", 512 * 1024);

    /**
     * {@code -Djxen.blkfront.queue=thread|next}: the queue of a blocking call, the caller
     * thread's own or the next in turn (A/B).
     */
    static final String QUEUE_PROPERTY = "jxen.blkfront.queue";

    /** {@code -Djxen.blkfront.stripePolled=true}: stripe a polled blocking transfer too (A/B). */
    private final boolean stripeWhenPolled = Boolean.getBoolean("jxen.blkfront.stripePolled");
    private final boolean threadQueues = !"next".equals(System.getProperty(QUEUE_PROPERTY, "thread"));
    private final ThreadLocal<Blkfront> ownQueue = ThreadLocal.withInitial(this::pick);

    private final List<Blkfront> queues;
    private final CompletionWaiter waiter;
    private final AtomicInteger next = new AtomicInteger();
    private final GuestKernel kernel;
    private final GrantTableClient grants;
    private final int unit;
    private volatile RegisteredBuffers buffers;
    private final SleeperSlot sleeper = new SleeperSlot();

    /**
     * @param queues how many rings (1 to the backend's {@code multi-queue-max-queues})
     * @param unit   N of {@code xbd<N>}
     */
    public MultiQueueBlkfront(GuestKernel kernel, GrantTableClient grants, int backendDomid, int unit, int queues,
                              int ownMaxIndirectSegments, boolean ownPersistent, CompletionWaiter waiter) {
        if (queues < 1) {
            throw new IllegalArgumentException("queues " + queues);
        }
        this.waiter = Objects.requireNonNull(waiter, "waiter");
        this.kernel = kernel;
        this.grants = grants;
        this.unit = unit;
        List<Blkfront> list = new ArrayList<>(queues);
        this.buffers = new RegisteredBuffers(kernel, grants, backendDomid, "xbd" + unit);
        for (int i = 0; i < queues; i++) {
            String name = queues == 1 ? "xbd" + unit : "xbd" + unit + "-q" + i;
            Blkfront queue = new Blkfront(kernel, grants, backendDomid, name, ownMaxIndirectSegments, ownPersistent,
                    waiter);
            queue.useBuffers(buffers); // a grant is per domain and page: every queue's requests may name it
            queue.shareSleeper(sleeper); // a sleeper waits for completions of any queue
            list.add(queue);
        }
        this.queues = List.copyOf(list);
    }

    /**
     * A registered I/O buffer of at least {@code bytes} (whole pages) in guest memory, granted
     * once to the backend and usable on every queue, striped transfers included ({@link BlockBuffer}).
     *
     * @throws IOException when the guest has no contiguous run of pages or no grant references left
     */
    public BlockBuffer allocateBuffer(int bytes) throws IOException {
        return buffers.allocate(bytes);
    }

    /**
     * Delivers queue {@code i}'s interrupt to vCPU {@code i mod vcpus} (Linux's per-queue IRQ
     * affinity): each queue's responses are then taken off, and their data copied out, on a vCPU
     * of its own. Only for a guest whose every vCPU runs (vCPU threads); call before {@link #connect}.
     */
    public MultiQueueBlkfront withInterruptsSpread(int vcpus) {
        for (int i = 0; i < queues.size(); i++) {
            queues.get(i).withVcpu(i % vcpus);
        }
        return this;
    }

    /** {@link Blkfront#withMaxRingPageOrder} on every queue; call before {@link #connect}. */
    public MultiQueueBlkfront withMaxRingPageOrder(int order) {
        queues.forEach(q -> q.withMaxRingPageOrder(order));
        return this;
    }

    /** The queues, in {@code queue-<i>} order. */
    public List<Blkfront> queues() {
        return queues;
    }

    /** Sets up every queue's ring against {@code backend}; what to publish under {@code queue-<i>/}. */
    public List<FrontendRing> connect(BackendFeatures backend) throws IOException {
        List<FrontendRing> rings = new ArrayList<>(queues.size());
        for (Blkfront q : queues) {
            rings.add(q.connect(backend));
        }
        return rings;
    }

    /** The backend's device properties, for every queue. */
    public void deviceProperties(BackendFeatures backend) {
        queues.forEach(q -> q.deviceProperties(backend));
    }

    /** Whether the queues have rings. */
    public boolean connected() {
        return queues.getFirst().connected();
    }

    /** The backend went away: every queue keeps its in-flight requests for the next backend's Connected. */
    public void backendGone() {
        queues.forEach(Blkfront::backendGone);
    }

    /**
     * {@link Blkfront#followBackend} on every queue: the disk is served from domain {@code domid}
     * from now on; the registered buffers granted to the old one are closed and new ones come
     * from {@link #allocateBuffer}, granted to the new one.
     */
    public void followBackend(int domid) {
        if (domid != backendDomid()) {
            RegisteredBuffers moved = new RegisteredBuffers(kernel, grants, domid, "xbd" + unit);
            buffers.closeAll();
            buffers = moved;
            queues.forEach(q -> q.useBuffers(moved));
        }
        queues.forEach(q -> q.followBackend(domid));
    }

    /** The domain serving the disk. */
    public int backendDomid() {
        return queues.getFirst().backendDomid();
    }

    /**
     * The queue of a call, blocking or not: the calling thread's own, given in turn at its first
     * call (blk-mq maps the submitting CPU to its queue), so a thread's requests follow one
     * another on one ring: a batch of them is one push, at most one event, and one turn of that
     * ring's runner on its core, while another thread's requests keep the other ring and core.
     * Round-robin over the queues cost every request a push and often an event, and kept both
     * runners and the submitting thread fighting over two cores (QD32 from one thread at 0.43x
     * of direct I/O, 0.19 thread switches per request; on its own queue 0.59-0.63x, 0.08 switches
     * per request). With {@code -Djxen.blkfront.queue=next}, the next in turn.
     */
    private Blkfront own() {
        return threadQueues ? ownQueue.get() : pick();
    }

    private Blkfront pick() {
        return queues.get(Math.floorMod(next.getAndIncrement(), queues.size()));
    }

    @Override
    public long sizeBytes() {
        return queues.getFirst().sizeBytes();
    }

    @Override
    public int logicalSectorSizeBytes() {
        return queues.getFirst().logicalSectorSizeBytes();
    }

    @Override
    public int physicalSectorSizeBytes() {
        return queues.getFirst().physicalSectorSizeBytes();
    }

    @Override
    public boolean readOnly() {
        return queues.getFirst().readOnly();
    }

    @Override
    public Set<BlockCapability> capabilities() {
        return queues.getFirst().capabilities();
    }

    /**
     * {@link Blkfront#submitRead} on the calling thread's queue; a read of {@link #STRIPE_MIN_BYTES} or more
     * is cut into one contiguous piece per queue, so the rings (and their backend threads) move
     * the pieces at the same time.
     */
    public CompletableFuture<Void> submitRead(long offsetBytes, ByteBuffer dst) throws IOException {
        return submitRead(own(), offsetBytes, dst);
    }

    private CompletableFuture<Void> submitRead(Blkfront single, long offsetBytes, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        int piece = stripe(length);
        if (piece == 0) {
            return single.submitRead(offsetBytes, dst);
        }
        BlockRanges.checkRange(offsetBytes, length, sizeBytes());
        List<CompletableFuture<Void>> parts = new ArrayList<>(queues.size());
        for (int done = 0, q = 0; done < length; done += piece, q++) {
            int n = Math.min(piece, length - done);
            parts.add(queues.get(q).submitRead(offsetBytes + done, dst.slice(dst.position() + done, n)));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenRun(() -> dst.position(dst.limit()));
    }

    /**
     * {@link Blkfront#submitWrite} on the calling thread's queue, or striped over the queues as a read is
     * (a FUA write flushes every queue after it).
     */
    public CompletableFuture<Void> submitWrite(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        return submitWrite(own(), offsetBytes, src, fua);
    }

    private CompletableFuture<Void> submitWrite(Blkfront single, long offsetBytes, ByteBuffer src, boolean fua)
            throws IOException {
        int length = src.remaining();
        int piece = stripe(length);
        CompletableFuture<Void> written;
        if (piece == 0) {
            written = single.submitWrite(offsetBytes, src, false);
        } else {
            BlockRanges.checkWritable("write", readOnly(), offsetBytes, length, sizeBytes());
            List<CompletableFuture<Void>> parts = new ArrayList<>(queues.size());
            for (int done = 0, q = 0; done < length; done += piece, q++) {
                int n = Math.min(piece, length - done);
                parts.add(queues.get(q).submitWrite(offsetBytes + done, src.slice(src.position() + done, n), false));
            }
            src.position(src.limit());
            written = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
        }
        return fua ? written.thenCompose(v -> flushAll()) : written;
    }

    /**
     * The piece of a striped transfer of {@code length} bytes: whole pages, one per queue; 0 when
     * the transfer goes to one queue (one queue, or shorter than {@link #STRIPE_MIN_BYTES}).
     */
    private int stripe(int length) {
        int n = queues.size();
        if (n == 1 || length < STRIPE_MIN_BYTES) {
            return 0;
        }
        int page = 4096;
        return (length / n + page - 1) / page * page;
    }

    /** A flush on every queue. */
    public CompletableFuture<Void> submitFlush() {
        return flushAll();
    }

    private CompletableFuture<Void> flushAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Blkfront q : queues) {
            try {
                all.add(q.submitFlush());
            } catch (IOException e) {
                all.add(CompletableFuture.failedFuture(e));
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
        Blkfront queue = own();
        ThreadLoan loan = ThreadLoan.enter(queue); // its own queue: other queues' runners move striped pieces
        try {
            await(polledAlone() ? queue.submitRead(offsetBytes, dst) : submitRead(queue, offsetBytes, dst), loan);
        } finally {
            loan.end();
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        Blkfront queue = own();
        ThreadLoan loan = ThreadLoan.enter(queue);
        try {
            if (polledAlone()) {
                CompletableFuture<Void> written = queue.submitWrite(offsetBytes, src, false);
                await(fua ? written.thenCompose(v -> flushAll()) : written, loan);
            } else {
                await(submitWrite(queue, offsetBytes, src, fua), loan);
            }
        } finally {
            loan.end();
        }
    }

    /**
     * Whether a blocking transfer goes to one ring unstriped: when the caller will poll for it
     * ({@link CompletionWaiter#polls()}: its window is open and a core is spare), unless
     * {@code -Djxen.blkfront.stripePolled=true}. The polling caller takes a core and the ring's
     * backend runner another; a runner per striped piece would want more cores than there are
     * spare (on the 2-core development machine the gate then closes and everyone sleeps again).
     */
    private boolean polledAlone() {
        return !stripeWhenPolled && waiter.polls();
    }

    @Override
    public void flush() throws IOException {
        if (readOnly()) {
            queues.getFirst().flush(); // refuses with the read-only error
        }
        ThreadLoan loan = ThreadLoan.enter(own());
        try {
            await(submitFlush(), loan);
        } finally {
            loan.end();
        }
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
        pick().discard(offsetBytes, lengthBytes);
    }

    @Override
    public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException {
        pick().writeZeroes(offsetBytes, lengthBytes, mayPunchHole, false);
        if (fua) {
            flush();
        }
    }

    @Override
    public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
        return queues.getFirst().allocation(offsetBytes, lengthBytes);
    }

    @Override
    public void close() {
        queues.forEach(Blkfront::close);
        buffers.closeAll();
    }

    @Override
    public Polling startPolling() {
        List<Polling> all = new ArrayList<>(queues.size());
        for (Blkfront q : queues) {
            all.add(q.startPolling());
        }
        return new Polling() {
            @Override
            public int reap() {
                int n = 0;
                for (Polling p : all) {
                    n += p.reap();
                }
                return n;
            }

            @Override
            public void close() {
                all.forEach(Polling::close);
            }
        };
    }

    @Override
    public int poll() {
        int n = 0;
        for (Blkfront q : queues) {
            n += q.poll();
        }
        return n;
    }

    /**
     * Waits, polling every queue's completions, for {@code ready} to answer, else blocks with
     * {@code block} (as {@link Blkfront#await(Supplier, CompletionWaiter.Blocking)}): for a
     * caller of the asynchronous API, e.g. one waiting for a buffer its completions give back.
     */
    public <T> T await(Supplier<T> ready, CompletionWaiter.Blocking<T> block) throws InterruptedException {
        ThreadLoan loan = ThreadLoan.visit(own()); // where this thread's submits went (with their events)
        try {
            return waiter.await(this, ready, block, loan);
        } finally {
            loan.end();
        }
    }

    /** The distinct vCPUs of the queues' interrupts (queue order). */
    @Override
    public List<io.jxen.guest.GuestVcpu> interruptVcpus() {
        List<io.jxen.guest.GuestVcpu> all = new ArrayList<>(queues.size());
        for (Blkfront q : queues) {
            for (io.jxen.guest.GuestVcpu v : q.interruptVcpus()) {
                if (!all.contains(v)) {
                    all.add(v);
                }
            }
        }
        return all;
    }

    @Override
    public boolean claimSleeper() {
        return sleeper.claim();
    }

    @Override
    public void releaseSleeper() {
        sleeper.release();
    }

    /** Requests completed by a poller rather than by an interrupt handler, over every queue. */
    public long polledCompletions() {
        long n = 0;
        for (Blkfront q : queues) {
            n += q.polledCompletions();
        }
        return n;
    }

    private void await(CompletableFuture<Void> future) throws IOException {
        await(future, ThreadLoan.NONE);
    }

    private void await(CompletableFuture<Void> future, ThreadLoan loan) throws IOException {
        waiter.await(future, this, loan);
        try {
            future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }
}
