package io.jxen.host.nbd;

import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.OutOfRangeException;
import io.jxen.drivers.block.ReadOnlyDeviceException;
import io.jxen.drivers.block.UnsupportedBlockOperationException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import static io.jxen.host.nbd.NbdProtocol.*;

/**
 * The transmission phase of one connection, served concurrently as proto.md allows ("the
 * server MAY process commands out of order, and MAY reply out of order"):
 *
 * <ul>
 *   <li>Up to {@link #REQUEST_THREADS} request threads per connection (platform threads
 *       from the server's pool, reused across connections; more are taken as the client keeps
 *       more requests in flight; nbdkit's model). A thread takes the read lock, reads one request (header checked, every length bounded,
 *       a WRITE payload straight into a pooled direct buffer), lets go of the lock, makes the
 *       device call and sends the reply itself; meanwhile another thread reads the next
 *       request. No hand-off between threads per request, and the data a READ brought in is
 *       sent by the core that read it. A request that can be answered with an error is; one
 *       that leaves the stream out of step (bad magic, oversized WRITE payload) closes this
 *       connection only.</li>
 *   <li>Bounds: at most {@link #MAX_IN_FLIGHT_REQUESTS} requests in flight (read and not yet
 *       answered on the wire), and the bytes they hold (a WRITE payload, the data of a READ or BLOCK_STATUS reply)
 *       come out of a per-connection budget of {@code max(maxPayload, 32 MiB)}, reserved
 *       before the payload is read and given back only once the reply has been written. A
 *       client that sends requests but never reads replies therefore stops the server from
 *       reading: memory stays bounded and TCP pushes back on the client.</li>
 *   <li>Replies go through one {@link ReplyWriter}: each reply (header and data) is written
 *       whole, so replies of different requests never interleave on the wire. Every reply is
 *       a single message (a simple reply, or one structured chunk with {@code DONE}), matched
 *       by the client through its cookie.</li>
 * </ul>
 *
 * <p>Ordering that the protocol does require:
 * <ul>
 *   <li>FLUSH: a reply is sent only after its device call returned, and
 *       {@link BlockDevice#flush()} makes durable every write that returned before it. A write
 *       the client saw acknowledged before it sent FLUSH therefore returned before the FLUSH
 *       was even read, so it is covered (proto.md: writes replied to before the FLUSH is
 *       processed). Stronger than required, a FLUSH also waits for every write-like request
 *       (WRITE, TRIM, WRITE_ZEROES) read before it on this connection to finish (tickets are
 *       handed out under the read lock, in stream order), so a client that pipelines writes
 *       and a FLUSH without waiting still gets them durable.</li>
 *   <li>FUA: the device call is made with FUA (or followed by a flush for TRIM) before the
 *       reply, as before.</li>
 *   <li>DISC, or the client closing its end: no more requests are read; every thread finishes
 *       the request it has, replies, and ends; {@link #serve} returns once all have ended, and
 *       only then is the connection closed. A broken stream closes the socket first (replies
 *       no longer matter, and a thread stuck sending is freed) and still waits for the
 *       threads, so none outlives its connection.</li>
 * </ul>
 * READ and BLOCK_STATUS answer with structured replies once negotiated (proto.md requires it);
 * the other commands use simple replies, as the protocol allows.
 */
final class NbdTransmission {

    private static final System.Logger LOG = System.getLogger("jxen.nbd");

    /**
     * Request threads per connection at most: twice the cores, at least 4 and at most nbdkit's
     * default of 16; {@code -Djxen.nbd.threads=N} sets it. A READ through the PV path keeps its
     * thread on a CPU for the whole request (the thread serves blkback's ring itself: lent
     * turns, docs/ARCHITECTURE.md), so threads beyond the cores only hand the read lock round:
     * on the 2-core development machine 4 threads read 0.83-0.84x of nbdkit (paired medians of
     * 12 rounds) against 0.77-0.78x with 16 (docs/BENCHMARKS.md, session 11).
     */
    static final int REQUEST_THREADS = Integer.getInteger("jxen.nbd.threads",
            Math.clamp(2L * Runtime.getRuntime().availableProcessors(), 4, 16));

    /**
     * Requests read but not yet answered on the wire, per connection at most: a thread whose
     * small reply waits in the writer's queue goes on reading, so the threads alone do not
     * bound this (zero-byte requests such as FLUSH would otherwise queue replies without end).
     */
    static final int MAX_IN_FLIGHT_REQUESTS = 64;

    /** Bytes held by one connection's requests in flight: at least this, and at least one maximal payload. */
    static final int MIN_IN_FLIGHT_BYTES = 32 << 20;

    /** Descriptors per BLOCK_STATUS reply at most; clients ask again for the rest. */
    private static final int MAX_EXTENTS = 64 * 1024;

    /** Extent lengths on the wire are 32 bits; keep them a multiple of 4 KiB below that. */
    private static final long MAX_EXTENT_BYTES = 0xFFFF_F000L;

    private final NbdServer.Export export;
    private final BlockDevice device;
    private final NbdConnection.Session session;
    private final SocketChannel channel;
    private final NbdInput in;
    private final int maxPayload;
    private final int byteBudget;
    private final BufferPool pool;
    private final NbdServer.Stats stats;
    private final ReplyWriter writer;
    private final ReentrantLock readLock = new ReentrantLock();
    private final java.util.concurrent.locks.Condition loopsEnded = readLock.newCondition();
    private final Executor requestThreads;
    private int loops; // request loops running, guarded by readLock
    private final AtomicInteger busy = new AtomicInteger();
    private boolean done; // guarded by readLock
    private Exception failure; // guarded by readLock
    private final Semaphore bytes;
    private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT_REQUESTS);
    private final AtomicInteger requestsInFlight = new AtomicInteger();
    private final AtomicLong bytesInFlight = new AtomicLong();
    private final WriteBarrier writes = new WriteBarrier();

    NbdTransmission(NbdServer.Export export, NbdConnection.Session session, SocketChannel channel, NbdInput in) {
        this.export = export;
        this.device = export.device();
        this.session = session;
        this.channel = channel;
        this.in = in;
        this.maxPayload = export.options().maxPayloadBytes();
        this.byteBudget = Math.max(maxPayload, MIN_IN_FLIGHT_BYTES);
        this.bytes = new Semaphore(byteBudget);
        this.pool = export.buffers();
        this.stats = export.stats();
        this.requestThreads = export.requestThreads();
        this.writer = new ReplyWriter(channel, this::closeQuietly);
    }

    /**
     * Serves requests until DISC, end of stream or a broken stream; returns when every request
     * taken on has been answered (or dropped with a broken connection) and every request
     * loop of this connection has ended.
     */
    void serve() throws IOException {
        Exception failed;
        readLock.lock();
        try {
            spawnLoop();
            // A loop is only added by a running loop, so none is left once the count is 0.
            while (loops > 0) {
                loopsEnded.awaitUninterruptibly();
            }
            failed = failure;
        } finally {
            readLock.unlock();
        }
        if (failed instanceof IOException e) {
            throw e;
        }
        if (failed instanceof RuntimeException e) {
            throw e;
        }
    }

    /**
     * Runs one more request loop on the server's request threads (pooled platform threads,
     * reused across connections); the read lock is held. If none can be had (the server is
     * closing) and no loop runs yet, the connection ends.
     */
    private void spawnLoop() {
        loops++;
        try {
            requestThreads.execute(this::work);
        } catch (RejectedExecutionException e) {
            loops--;
            if (loops == 0) {
                done = true;
                failure = new IOException("nbd: server closing", e);
            }
        }
    }

    /** One request loop: take the next request off the stream, serve it, again. */
    private void work() {
        try {
            while (true) {
                Request request = next();
                if (request == null) {
                    return;
                }
                try {
                    serveOne(request);
                } finally {
                    busy.decrementAndGet();
                }
            }
        } finally {
            readLock.lock();
            try {
                loops--;
                loopsEnded.signalAll();
            } finally {
                readLock.unlock();
            }
        }
    }

    /**
     * The next request, read under the read lock (so exactly one thread reads the stream at a
     * time and write tickets follow the stream's order); null once the stream has ended, the
     * client sent DISC, or the stream broke (then the socket is closed and the failure kept
     * for {@link #serve}).
     */
    private Request next() {
        readLock.lock();
        try {
            if (done) {
                return null;
            }
            Request request = readRequest();
            if (request == null) {
                done = true;
                return null;
            }
            int inFlight = busy.incrementAndGet();
            if (inFlight >= loops) {
                if (loops < REQUEST_THREADS) {
                    spawnLoop();
                } else {
                    stats.throttled(); // every thread busy: nothing more is read until one is done
                }
            }
            return request;
        } catch (IOException | RuntimeException e) {
            done = true;
            failure = e;
            closeQuietly(); // replies in flight no longer matter; unblocks threads stuck sending
            return null;
        } finally {
            readLock.unlock();
        }
    }

    /**
     * One request, as read. {@code cost} is the byte capacity it holds; {@code write} its
     * barrier ticket or -1; {@code barrier} the ticket a FLUSH waits below, or -1;
     * {@code refused} an error found from the header alone, or null.
     */
    private record Request(int flags, int type, long cookie, long offset, long length, ByteBuffer payload, int cost,
                           long write, long barrier, Failure refused) {
        boolean fua() {
            return (flags & CMD_FLAG_FUA) != 0;
        }
    }

    /** Reads and checks one request (with its payload); null at end of stream or DISC. */
    private Request readRequest() throws IOException {
        if (!in.awaitData()) {
            return null; // a client may hang up between requests
        }
        int magic = in.readInt();
        if (magic != REQUEST_MAGIC) {
            throw new NbdConnection.ProtocolViolation("request magic 0x" + Integer.toHexString(magic));
        }
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        long offset = in.readLong();
        long length = Integer.toUnsignedLong(in.readInt());
        if (type == CMD_DISC) {
            stats.disconnectRequested();
            return null;
        }
        if (type == CMD_WRITE && length > maxPayload) {
            // The payload follows; reading it to stay in step would let a client make us
            // swallow 4 GiB. Close instead (proto.md allows a hard disconnect).
            throw new NbdConnection.ProtocolViolation("WRITE of " + length + " bytes");
        }
        int cost = cost(type, flags, length);
        reserve(cost);
        ByteBuffer payload = null;
        try {
            if (type == CMD_WRITE) {
                payload = pool.take((int) length);
                in.readFully(payload);
                payload.flip();
            }
        } catch (IOException | RuntimeException e) {
            pool.give(payload);
            release(cost);
            throw e;
        }
        Failure refused = refuse(flags, type, length);
        if (refused != null) {
            pool.give(payload);
            return new Request(flags, type, cookie, offset, length, null, cost, -1, -1, refused);
        }
        long ticket = writeLike(type) ? writes.begin() : -1;
        long barrier = type == CMD_FLUSH ? writes.mark() : -1;
        return new Request(flags, type, cookie, offset, length, payload, cost, ticket, barrier, null);
    }

    private static boolean writeLike(int type) {
        return type == CMD_WRITE || type == CMD_TRIM || type == CMD_WRITE_ZEROES;
    }

    /** Bytes a request holds until its reply is written (its payload or its reply's data). */
    private int cost(int type, int flags, long length) {
        return switch (type) {
            case CMD_WRITE -> (int) length; // bounded by maxPayload above
            case CMD_READ -> length > maxPayload ? 0 : (int) length;
            case CMD_BLOCK_STATUS -> (flags & CMD_FLAG_REQ_ONE) != 0 ? 12 : 4 + 8 * MAX_EXTENTS;
            default -> 0;
        };
    }

    /** Errors found from the header alone. */
    private Failure refuse(int flags, int type, long length) {
        if ((flags & ~CMD_FLAGS_KNOWN) != 0) {
            return new Failure(EINVAL, "unknown command flags 0x" + Integer.toHexString(flags));
        }
        return switch (type) {
            case CMD_READ -> length > maxPayload
                    ? new Failure(session.structuredReplies() ? EOVERFLOW : EINVAL, "READ of " + length + " bytes")
                    : null;
            case CMD_WRITE, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES, CMD_BLOCK_STATUS -> null;
            default -> new Failure(EINVAL, "command " + type + " is not supported");
        };
    }

    /**
     * Takes a request slot and {@code cost} bytes of the connection's budget, waiting (read
     * lock held, so nothing more is read) until written replies give some back.
     */
    private void reserve(int cost) {
        if (!slots.tryAcquire()) {
            stats.throttled();
            slots.acquireUninterruptibly();
        }
        if (!bytes.tryAcquire(cost)) {
            stats.throttled();
            bytes.acquireUninterruptibly(cost);
        }
        stats.inFlight(requestsInFlight.incrementAndGet(), bytesInFlight.addAndGet(cost));
    }

    private void release(int cost) {
        requestsInFlight.decrementAndGet();
        bytesInFlight.addAndGet(-cost);
        bytes.release(cost);
        slots.release();
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "nbd: close failed", e);
        }
    }

    /** On the thread that read it: the device call, then its reply. */
    private void serveOne(Request request) {
        if (request.refused() != null) {
            writer.send(error(request, request.refused()));
            return;
        }
        ReplyWriter.Reply reply;
        try {
            reply = execute(request, request.barrier());
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.WARNING, "nbd: request failed", e);
            reply = error(request, new Failure(EIO, "I/O error"));
        } finally {
            if (request.write() >= 0) {
                writes.end(request.write());
            }
        }
        writer.send(reply);
    }

    private ReplyWriter.Reply execute(Request r, long barrier) {
        return switch (r.type()) {
            case CMD_READ -> read(r);
            case CMD_WRITE -> {
                Failure failure = attempt(() -> {
                    checkWritable(r.offset(), r.length());
                    device.write(r.offset(), r.payload(), r.fua());
                });
                pool.give(r.payload());
                yield simple(r, failure);
            }
            case CMD_FLUSH -> simple(r, attempt(() -> {
                writes.awaitBefore(barrier);
                if (!export.readOnly()) {
                    device.flush();
                }
            }));
            case CMD_TRIM -> simple(r, attempt(() -> {
                checkWritable(r.offset(), r.length());
                device.discard(r.offset(), r.length());
                if (r.fua()) {
                    device.flush();
                }
            }));
            case CMD_WRITE_ZEROES -> simple(r, attempt(() -> {
                checkWritable(r.offset(), r.length());
                device.writeZeroes(r.offset(), r.length(), (r.flags() & CMD_FLAG_NO_HOLE) == 0, r.fua());
            }));
            case CMD_BLOCK_STATUS -> blockStatus(r);
            default -> error(r, new Failure(EINVAL, "command " + r.type() + " is not supported"));
        };
    }

    /** What a refused or failed command answers: its NBD errno and a message for humans. */
    private record Failure(int errno, String message) {
    }

    /** One device call; the device's exceptions become a {@link Failure}, the socket is not touched. */
    @FunctionalInterface
    private interface DeviceCall {
        void run() throws IOException, Refused;
    }

    /** Runs {@code call}; null when it succeeded, else the errno to answer with. */
    private static Failure attempt(DeviceCall call) {
        try {
            call.run();
            return null;
        } catch (Refused e) {
            return new Failure(e.errno, e.getMessage());
        } catch (ReadOnlyDeviceException e) {
            return new Failure(EPERM, e.getMessage());
        } catch (OutOfRangeException e) {
            return new Failure(ENOSPC, e.getMessage());
        } catch (UnsupportedBlockOperationException e) {
            return new Failure(ENOTSUP, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "nbd: device error: " + e);
            return new Failure(EIO, "I/O error");
        }
    }

    /** A request refused before the device saw it, with its NBD errno. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int errno;

        Refused(int errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    private void checkWritable(long offset, long length) throws Refused {
        if (export.readOnly()) {
            throw new Refused(EPERM, "the export is read-only");
        }
        if (Long.compareUnsigned(offset, device.sizeBytes()) > 0 || length > device.sizeBytes() - offset) {
            throw new Refused(ENOSPC, "range past the end of the export");
        }
    }

    private void checkRange(long offset, long length) throws Refused {
        if (Long.compareUnsigned(offset, device.sizeBytes()) > 0 || length > device.sizeBytes() - offset) {
            throw new Refused(EINVAL, "range past the end of the export");
        }
    }

    private ReplyWriter.Reply read(Request r) {
        long offset = r.offset();
        int length = (int) r.length(); // at most maxPayload: longer READs were refused by the reader
        ByteBuffer[] data = new ByteBuffer[1];
        Failure failure = attempt(() -> {
            checkRange(offset, length);
            data[0] = pool.take(length);
            device.read(offset, data[0]);
            data[0].flip();
        });
        if (failure != null) {
            pool.give(data[0]);
            return error(r, failure);
        }
        ByteBuffer header;
        if (!session.structuredReplies()) {
            header = ByteBuffer.allocate(16).putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(r.cookie());
        } else if (length == 0) {
            header = chunkHeader(20, REPLY_FLAG_DONE, REPLY_TYPE_NONE, r.cookie(), 0);
        } else {
            header = chunkHeader(28, REPLY_FLAG_DONE, REPLY_TYPE_OFFSET_DATA, r.cookie(), 8L + length).putLong(offset);
        }
        return reply(r, header.flip(), data[0]);
    }

    private ReplyWriter.Reply blockStatus(Request r) {
        long offset = r.offset();
        long length = r.length();
        List<List<Extent>> found = new java.util.ArrayList<>(1);
        Failure failure = attempt(() -> {
            if (!session.baseAllocation()) {
                throw new Refused(EINVAL, "no metadata context was negotiated");
            }
            if (length == 0) {
                throw new Refused(EINVAL, "BLOCK_STATUS of 0 bytes");
            }
            checkRange(offset, length);
            found.add(device.allocation(offset, length));
        });
        if (failure != null) {
            return error(r, failure);
        }
        List<Extent> extents = found.getFirst();
        int count = Math.min((r.flags() & CMD_FLAG_REQ_ONE) != 0 ? 1 : MAX_EXTENTS, extents.size());
        if (count == 0) {
            extents = List.of(Extent.data(offset, length));
            count = 1;
        }
        ByteBuffer header = chunkHeader(24, REPLY_FLAG_DONE, REPLY_TYPE_BLOCK_STATUS, r.cookie(), 4 + 8L * count)
                .putInt(BASE_ALLOCATION_ID).flip();
        ByteBuffer body = ByteBuffer.allocate(8 * count);
        for (int i = 0; i < count; i++) {
            Extent extent = extents.get(i);
            long start = Math.max(extent.offsetBytes(), offset);
            long end = Math.min(extent.endBytes(), offset + length);
            long extentBytes = Math.max(1, Math.min(end - start, MAX_EXTENT_BYTES));
            body.putInt((int) extentBytes);
            body.putInt((extent.hole() ? STATE_HOLE : 0) | (extent.zero() ? STATE_ZERO : 0));
        }
        return reply(r, header, body.flip());
    }

    /** A simple reply: success, or the failure's errno. */
    private ReplyWriter.Reply simple(Request r, Failure failure) {
        if (failure != null) {
            return error(r, failure);
        }
        return reply(r, ByteBuffer.allocate(16).putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(r.cookie()).flip(), null);
    }

    /** An error: a structured error chunk for READ and BLOCK_STATUS once negotiated, else a simple reply. */
    private ReplyWriter.Reply error(Request r, Failure failure) {
        ByteBuffer header;
        if (session.structuredReplies() && (r.type() == CMD_READ || r.type() == CMD_BLOCK_STATUS)) {
            byte[] text = failure.message().getBytes(StandardCharsets.UTF_8);
            if (text.length > 1024) {
                text = java.util.Arrays.copyOf(text, 1024);
            }
            header = chunkHeader(26 + text.length, REPLY_FLAG_DONE, REPLY_TYPE_ERROR, r.cookie(), 6 + text.length)
                    .putInt(failure.errno()).putShort((short) text.length).put(text);
        } else {
            header = ByteBuffer.allocate(16).putInt(SIMPLE_REPLY_MAGIC).putInt(failure.errno()).putLong(r.cookie());
        }
        return reply(r, header.flip(), null);
    }

    /** The reply; once written it gives {@code data} back to the pool and the request's capacity back. */
    private ReplyWriter.Reply reply(Request r, ByteBuffer header, ByteBuffer data) {
        return new ReplyWriter.Reply(header, data, () -> {
            pool.give(data);
            release(r.cost());
        });
    }

    private static ByteBuffer chunkHeader(int capacity, int flags, int type, long cookie, long length) {
        return ByteBuffer.allocate(capacity).putInt(STRUCTURED_REPLY_MAGIC).putShort((short) flags)
                .putShort((short) type).putLong(cookie).putInt((int) length);
    }

    /**
     * Write-like requests in flight, numbered in the order the reader received them, so a
     * FLUSH can wait for the ones received before it (and only those: later writes cannot
     * starve it).
     */
    private static final class WriteBarrier {
        private final TreeSet<Long> pending = new TreeSet<>();
        private long next;
        private int waiters;

        synchronized long begin() {
            long ticket = next++;
            pending.add(ticket);
            return ticket;
        }

        synchronized void end(long ticket) {
            pending.remove(ticket);
            if (waiters > 0) {
                notifyAll();
            }
        }

        /** The ticket the next write-like request will get: a FLUSH waits for every one below it. */
        synchronized long mark() {
            return next;
        }

        synchronized void awaitBefore(long mark) {
            boolean interrupted = false;
            waiters++;
            try {
                while (!pending.isEmpty() && pending.first() < mark) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                waiters--;
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
