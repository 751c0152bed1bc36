package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.BlockCapability;
import io.jxen.drivers.block.BlockRanges;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.ReadOnlyDeviceException;
import io.jxen.drivers.block.Segments;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The I/O engine over a raw disk image or a block device node (blkif {@code type=file} or
 * {@code phy}). Data moves through a {@link FileChannel} (positional, so threads and NBD
 * connections share it safely); what Java lacks comes from {@link LinuxFiles} on a second
 * descriptor of the same file:
 *
 * <ul>
 *   <li>discard punches a hole ({@code fallocate(PUNCH_HOLE|KEEP_SIZE)}) in a file, or sends
 *       {@code BLKDISCARD} to a device; where neither works it writes zeroes, so a discarded
 *       range always reads as zeroes;</li>
 *   <li>write zeroes punches a hole when allowed, else {@code fallocate(ZERO_RANGE)} or
 *       {@code BLKZEROOUT}, else writes a zero buffer;</li>
 *   <li>allocation status walks {@code lseek(SEEK_DATA/SEEK_HOLE)};</li>
 *   <li>a device's size comes from {@code lseek(SEEK_END)}, its sector sizes from
 *       {@code BLKSSZGET}/{@code BLKPBSZGET}.</li>
 * </ul>
 *
 * Flush is {@code FileChannel.force(true)} (fsync) and a FUA write ends with
 * {@code force(false)} (fdatasync): durable on return. The size is fixed when the engine
 * opens. Read-only mode refuses write, flush, discard and write zeroes. A block device node, or
 * a regular file opened with {@link Options#asDense()}, is served without sparse assumptions:
 * nothing is punched (a file gets zeroes written), allocation status says "all data".
 */
public final class FileEngine implements IoEngine {

    /**
     * How to open an engine.
     *
     * @param readOnly     refuse every write-like operation (blkif {@code mode=r})
     * @param mode         {@link IoEngine.Mode#SYNC} or {@link IoEngine.Mode#ASYNC}
     * @param workers      worker threads of an async engine
     * @param queueDepth   operations an async engine queues before the submitter runs one itself
     * @param sparse       a regular file may have holes: discard punches them, allocation status
     *                     walks them. False treats the file as a block device would be treated
     *                     (no sparse assumptions: discard and write zeroes write zeroes, so every
     *                     block stays allocated and written; allocation status reports all data;
     *                     a created image is written out in full). Block device nodes are never sparse.
     */
    public record Options(boolean readOnly, Mode mode, int workers, int queueDepth, boolean sparse) {

        /** Sparse-aware options (the default for image files). */
        public Options(boolean readOnly, Mode mode, int workers, int queueDepth) {
            this(readOnly, mode, workers, queueDepth, true);
        }

        /** Checks the numbers. */
        public Options {
            Objects.requireNonNull(mode, "mode");
            if (workers < 1 || queueDepth < 1) {
                throw new IllegalArgumentException("workers and queueDepth must be positive");
            }
        }

        /** Writable, synchronous. */
        public static Options sync() {
            return new Options(false, Mode.SYNC, 1, 1);
        }

        /** Writable, asynchronous on four workers. */
        public static Options async() {
            return new Options(false, Mode.ASYNC, 4, 256);
        }

        /** The same options, read-only. */
        public Options asReadOnly() {
            return new Options(true, mode, workers, queueDepth, sparse);
        }

        /** The same options without sparse assumptions (the block-device engine's behaviour). */
        public Options asDense() {
            return new Options(readOnly, mode, workers, queueDepth, false);
        }
    }

    private static final int ZERO_CHUNK_BYTES = 1 << 20;
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private final Path path;
    private final Options options;
    private final FileChannel channel;
    private final int fd;
    private final boolean blockDevice;
    /** Holes may be punched and are reported: a regular file opened with {@link Options#sparse()}. */
    private final boolean sparse;
    private final long sizeBytes;
    private final int logicalSectorBytes;
    private final int physicalSectorBytes;
    private final ThreadPoolExecutor workers;
    /** Scattered and gathered transfers go through the channel's position: one at a time. */
    private final Object positionLock = new Object();
    /** Vectored calls on {@link #fd} now running: {@link #close()} waits for them. */
    private final AtomicInteger nativeUsers = new AtomicInteger();
    private volatile boolean closed;

    private FileEngine(Path path, Options options, FileChannel channel, int fd, boolean blockDevice, long sizeBytes,
                       int logicalSectorBytes, int physicalSectorBytes) {
        this.path = path;
        this.options = options;
        this.channel = channel;
        this.fd = fd;
        this.blockDevice = blockDevice;
        this.sparse = options.sparse() && !blockDevice;
        this.sizeBytes = sizeBytes;
        this.logicalSectorBytes = logicalSectorBytes;
        this.physicalSectorBytes = physicalSectorBytes;
        if (options.mode() == Mode.ASYNC) {
            AtomicInteger count = new AtomicInteger();
            this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 0, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(options.queueDepth()), r -> {
                        Thread t = new Thread(r, "jxen-file-engine-" + path.getFileName() + "-" + count.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    }, (task, pool) -> {
                        // Back-pressure: a full queue makes the submitter do the work itself;
                        // after close, refuse (the JDK's CallerRunsPolicy would drop it silently).
                        if (pool.isShutdown()) {
                            throw new java.util.concurrent.RejectedExecutionException("engine closed");
                        }
                        task.run();
                    });
        } else {
            this.workers = null;
        }
    }

    /**
     * Opens a raw image file or a block device node.
     *
     * @throws IOException if it cannot be opened (writable unless {@link Options#readOnly()})
     */
    public static FileEngine open(Path path, Options options) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        boolean device = isBlockDevice(path);
        if (!device && !Files.isRegularFile(path)) {
            throw new IOException(path + " is neither a regular file nor a block device");
        }
        FileChannel channel = options.readOnly()
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int fd = -1;
        try {
            if (LinuxFiles.available()) {
                fd = LinuxFiles.open(path, options.readOnly() ? LinuxFiles.O_RDONLY : LinuxFiles.O_RDWR);
            }
            long size;
            int logical = 512;
            int physical = 512;
            if (device) {
                if (fd < 0) {
                    throw new IOException("block devices need Linux: " + path);
                }
                size = LinuxFiles.lseek(fd, 0, LinuxFiles.SEEK_END);
                logical = sectorSize(fd, LinuxFiles.BLKSSZGET, 512);
                physical = Math.max(logical, sectorSize(fd, LinuxFiles.BLKPBSZGET, logical));
            } else {
                size = channel.size();
            }
            return new FileEngine(path, options, channel, fd, device, size, logical, physical);
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (fd >= 0) {
                LinuxFiles.close(fd);
            }
            throw e;
        }
    }

    /**
     * Creates a sparse raw image of {@code sizeBytes} (all holes) and opens it.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     */
    public static FileEngine create(Path path, long sizeBytes, Options options) throws IOException {
        try (FileChannel created = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            created.truncate(0);
            if (sizeBytes > 0) {
                created.write(ByteBuffer.allocate(1), sizeBytes - 1);
                // The one byte written above is a zero; punch it out again so the image is all hole.
            }
        }
        FileEngine engine = open(path, options);
        if (sizeBytes > 0 && engine.fd >= 0 && !options.sparse()) {
            // No sparse assumptions: every block written up front, as on a disk (fallocate
            // alone leaves unwritten extents, which ext4 reports as holes).
            try {
                engine.writeZeroBuffer(0, sizeBytes);
                engine.channel.force(true);
            } catch (IOException e) {
                engine.close();
                throw e;
            }
            return engine;
        }
        if (sizeBytes > 0 && engine.fd >= 0) {
            try {
                LinuxFiles.fallocate(engine.fd, LinuxFiles.FALLOC_FL_PUNCH_HOLE | LinuxFiles.FALLOC_FL_KEEP_SIZE,
                        0, sizeBytes);
            } catch (LinuxFiles.NativeException e) {
                if (!e.unsupported()) {
                    engine.close();
                    throw e;
                }
            }
        }
        return engine;
    }

    private static int sectorSize(int fd, long request, int fallback) {
        try {
            int value = LinuxFiles.ioctlGetInt(fd, request);
            return value >= 512 && Integer.bitCount(value) == 1 ? value : fallback;
        } catch (IOException e) {
            return fallback;
        }
    }

    private static boolean isBlockDevice(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (Files.isSymbolicLink(path)) {
                mode = Files.getAttribute(path, "unix:mode");
            }
            return mode instanceof Integer m && (m & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The image or device this engine serves. */
    public Path path() {
        return path;
    }

    /** Whether this engine makes sparse assumptions (a regular file opened sparse). */
    public boolean sparse() {
        return sparse;
    }

    /** True when the path is a block device node rather than a regular file. */
    public boolean isBlockDevice() {
        return blockDevice;
    }

    @Override
    public Mode mode() {
        return options.mode();
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public int logicalSectorSizeBytes() {
        return logicalSectorBytes;
    }

    @Override
    public int physicalSectorSizeBytes() {
        return physicalSectorBytes;
    }

    @Override
    public boolean readOnly() {
        return options.readOnly();
    }

    @Override
    public Set<BlockCapability> capabilities() {
        Set<BlockCapability> capabilities = EnumSet.of(BlockCapability.FLUSH, BlockCapability.FUA,
                BlockCapability.DISCARD, BlockCapability.WRITE_ZEROES);
        if (fd >= 0 && sparse) {
            capabilities.add(BlockCapability.ALLOCATION_STATUS);
        }
        return capabilities;
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
        ensureOpen();
        BlockRanges.checkRange(offsetBytes, dst.remaining(), sizeBytes);
        if (dst.isDirect() && nativeIo()) {
            List<MemorySegment> whole = List.of(MemorySegment.ofBuffer(dst));
            long moved = vectored(false, offsetBytes, whole);
            if (moved < dst.remaining()) {
                zeroFrom(whole, moved); // the file shrank under us
            }
            dst.position(dst.limit());
            return;
        }
        long at = offsetBytes;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                // The file shrank under us (someone truncated it): what is gone reads as zeroes.
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            at += n;
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
        ensureOpen();
        BlockRanges.checkWritable("write", readOnly(), offsetBytes, src.remaining(), sizeBytes);
        if (src.isDirect() && nativeIo()) {
            vectored(true, offsetBytes, List.of(MemorySegment.ofBuffer(src)));
            src.position(src.limit());
        } else {
            long at = offsetBytes;
            while (src.hasRemaining()) {
                at += channel.write(src, at);
            }
        }
        if (fua) {
            force(false);
        }
    }

    /**
     * Whether every operation on native memory (direct buffers, segments: a guest's pages) goes
     * through this engine's own descriptor ({@code preadv}, {@code pwritev}, {@code fdatasync},
     * {@code fsync}, {@code fallocate}) rather than the channel, which closes itself for good
     * when the calling thread is interrupted ({@code ClosedByInterruptException}).
     */
    private boolean nativeIo() {
        return fd >= 0 && LinuxFiles.vectoredAvailable() && LinuxFiles.syncAvailable();
    }

    /**
     * True on Linux ({@link #nativeIo()}): an interrupt of the calling thread leaves the file
     * open for transfers on native memory, flushes, discards and zeroing. A transfer on a heap
     * buffer still goes through the channel.
     */
    @Override
    public boolean interruptSafe() {
        return nativeIo();
    }

    /** {@code FileChannel.force(metadata)} on the engine's descriptor where there is one (interrupt-safe). */
    private void force(boolean metadata) throws IOException {
        if (!nativeIo()) {
            channel.force(metadata);
            return;
        }
        if (!enterNative()) {
            throw new java.nio.channels.ClosedChannelException();
        }
        try {
            LinuxFiles.sync(fd, metadata);
        } finally {
            exitNative();
        }
    }

    /**
     * Reads straight into {@code dsts} when they are native memory (a guest's mapped pages):
     * one {@code preadv} on the engine's own descriptor (the JDK's scattering read at the
     * channel's position where that descriptor is missing), so the data is copied once, by the
     * kernel, and no bounce buffer or per-call bookkeeping of the channel is paid.
     */
    @Override
    public void readScattered(long offsetBytes, List<MemorySegment> dsts) throws IOException {
        ensureOpen();
        long total = Segments.totalBytes(dsts, true);
        BlockRanges.checkRange(offsetBytes, total, sizeBytes);
        if (!allNative(dsts)) {
            IoEngine.super.readScattered(offsetBytes, dsts);
            return;
        }
        if (fd >= 0 && LinuxFiles.vectoredAvailable()) {
            long moved = vectored(false, offsetBytes, dsts);
            if (moved < total) {
                zeroFrom(dsts, moved); // the file shrank under us: what is gone reads as zeroes (as read does)
            }
            return;
        }
        ByteBuffer[] buffers = directBuffers(dsts);
        synchronized (positionLock) {
            channel.position(offsetBytes);
            int first = 0;
            while (first < buffers.length) {
                if (channel.read(buffers, first, buffers.length - first) < 0) {
                    for (int i = first; i < buffers.length; i++) {
                        while (buffers[i].hasRemaining()) {
                            buffers[i].put((byte) 0);
                        }
                    }
                    return;
                }
                while (first < buffers.length && !buffers[first].hasRemaining()) {
                    first++;
                }
            }
        }
    }

    /** Writes straight from {@code srcs} when they are native memory: one {@code pwritev}. */
    @Override
    public void writeGathered(long offsetBytes, List<MemorySegment> srcs, boolean fua) throws IOException {
        ensureOpen();
        long total = Segments.totalBytes(srcs, false);
        BlockRanges.checkWritable("write", readOnly(), offsetBytes, total, sizeBytes);
        if (!allNative(srcs)) {
            IoEngine.super.writeGathered(offsetBytes, srcs, fua);
            return;
        }
        if (fd >= 0 && LinuxFiles.vectoredAvailable()) {
            vectored(true, offsetBytes, srcs);
        } else {
            ByteBuffer[] buffers = directBuffers(srcs);
            synchronized (positionLock) {
                channel.position(offsetBytes);
                int first = 0;
                while (first < buffers.length) {
                    channel.write(buffers, first, buffers.length - first);
                    while (first < buffers.length && !buffers[first].hasRemaining()) {
                        first++;
                    }
                }
            }
        }
        if (fua) {
            force(false);
        }
    }

    /**
     * A vectored call on {@link #fd}, counted in {@link #nativeUsers} so {@link #close()} never
     * closes the descriptor (whose number the kernel could hand to another file) under it.
     */
    private long vectored(boolean write, long offsetBytes, List<MemorySegment> parts) throws IOException {
        nativeUsers.incrementAndGet();
        try {
            ensureOpen();
            return LinuxFiles.transfer(fd, write, offsetBytes, parts);
        } finally {
            nativeUsers.decrementAndGet();
        }
    }

    /**
     * A batch of reads and writes on this file for one thread ({@link IoBatch}): one
     * {@code io_uring_enter} per run where io_uring works ({@code -Djxen.ioUring=never} turns it
     * off), else one {@code preadv}/{@code pwritev} per transfer; null when this engine has no
     * native descriptor (not Linux), where {@link IoBatch#of} runs transfer by transfer.
     */
    public IoBatch newBatch(int maxTransfers, int maxSegments) {
        return fd >= 0 && LinuxFiles.vectoredAvailable() ? new FileBatch(this, maxTransfers, maxSegments) : null;
    }

    /** The native descriptor (for {@link FileBatch}), -1 when there is none. */
    int nativeFd() {
        return fd;
    }

    /** Marks a native call on {@link #nativeFd()} as running; false (nothing marked) when closed. */
    boolean enterNative() {
        nativeUsers.incrementAndGet();
        if (closed) {
            nativeUsers.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Ends what {@link #enterNative()} began. */
    void exitNative() {
        nativeUsers.decrementAndGet();
    }

    private static boolean allNative(List<MemorySegment> parts) {
        for (MemorySegment part : parts) {
            if (!part.isNative()) {
                return false;
            }
        }
        return true;
    }

    private static void zeroFrom(List<MemorySegment> parts, long from) {
        long at = 0;
        for (MemorySegment part : parts) {
            long end = at + part.byteSize();
            if (end > from) {
                long start = Math.max(0, from - at);
                part.asSlice(start).fill((byte) 0);
            }
            at = end;
        }
    }

    /** Direct buffers over {@code parts} (native memory). */
    private static ByteBuffer[] directBuffers(List<MemorySegment> parts) {
        ByteBuffer[] buffers = new ByteBuffer[parts.size()];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = parts.get(i).asByteBuffer();
        }
        return buffers;
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (readOnly()) {
            throw new ReadOnlyDeviceException("flush");
        }
        force(true);
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
        ensureOpen();
        BlockRanges.checkWritable("discard", readOnly(), offsetBytes, lengthBytes, sizeBytes);
        if (lengthBytes == 0) {
            return;
        }
        if (releaseSpace(offsetBytes, lengthBytes)) {
            return;
        }
        writeZeroBuffer(offsetBytes, lengthBytes);
    }

    @Override
    public void writeZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole, boolean fua) throws IOException {
        ensureOpen();
        BlockRanges.checkWritable("write zeroes", readOnly(), offsetBytes, lengthBytes, sizeBytes);
        if (lengthBytes == 0) {
            return;
        }
        boolean done = mayPunchHole && sparse && releaseSpace(offsetBytes, lengthBytes);
        if (!done && (sparse || blockDevice)) {
            done = zeroInPlace(offsetBytes, lengthBytes);
        }
        if (!done) {
            writeZeroBuffer(offsetBytes, lengthBytes);
        }
        if (fua) {
            force(false);
        }
    }

    /** Punches a hole (file) or discards (device); false when the platform cannot. */
    private boolean releaseSpace(long offsetBytes, long lengthBytes) throws IOException {
        if (fd < 0) {
            return false;
        }
        try {
            if (blockDevice) {
                LinuxFiles.ioctlRange(fd, LinuxFiles.BLKDISCARD, offsetBytes, lengthBytes);
                // A device may discard without zeroing (no guaranteed discard_zeroes_data):
                // zero explicitly so reads of a discarded range are defined.
                return zeroInPlace(offsetBytes, lengthBytes);
            }
            if (!sparse) {
                return false; // dense: zeroes are written, nothing becomes a hole or an unwritten extent
            }
            LinuxFiles.fallocate(fd, LinuxFiles.FALLOC_FL_PUNCH_HOLE | LinuxFiles.FALLOC_FL_KEEP_SIZE,
                    offsetBytes, lengthBytes);
            return true;
        } catch (LinuxFiles.NativeException e) {
            if (e.unsupported()) {
                return false;
            }
            throw e;
        }
    }

    /** Zeroes keeping the space allocated; false when the platform cannot. */
    private boolean zeroInPlace(long offsetBytes, long lengthBytes) throws IOException {
        if (fd < 0) {
            return false;
        }
        try {
            if (blockDevice) {
                LinuxFiles.ioctlRange(fd, LinuxFiles.BLKZEROOUT, offsetBytes, lengthBytes);
            } else {
                LinuxFiles.fallocate(fd, LinuxFiles.FALLOC_FL_ZERO_RANGE | LinuxFiles.FALLOC_FL_KEEP_SIZE,
                        offsetBytes, lengthBytes);
            }
            return true;
        } catch (LinuxFiles.NativeException e) {
            if (e.unsupported()) {
                return false;
            }
            throw e;
        }
    }

    private void writeZeroBuffer(long offsetBytes, long lengthBytes) throws IOException {
        if (nativeIo()) {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment zeroes = arena.allocate(Math.min(ZERO_CHUNK_BYTES, lengthBytes), 4096);
                for (long at = offsetBytes, end = offsetBytes + lengthBytes; at < end; ) {
                    long n = Math.min(zeroes.byteSize(), end - at);
                    vectored(true, at, List.of(zeroes.asSlice(0, n)));
                    at += n;
                }
            }
            return;
        }
        ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK_BYTES, lengthBytes));
        long at = offsetBytes;
        long end = offsetBytes + lengthBytes;
        while (at < end) {
            zeroes.clear().limit((int) Math.min(zeroes.capacity(), end - at));
            while (zeroes.hasRemaining()) {
                at += channel.write(zeroes, at);
            }
        }
    }

    @Override
    public List<Extent> allocation(long offsetBytes, long lengthBytes) throws IOException {
        ensureOpen();
        BlockRanges.checkRange(offsetBytes, lengthBytes, sizeBytes);
        List<Extent> extents = new ArrayList<>();
        if (lengthBytes == 0) {
            return extents;
        }
        long end = offsetBytes + lengthBytes;
        if (fd < 0 || !sparse) {
            extents.add(Extent.data(offsetBytes, lengthBytes));
            return extents;
        }
        long at = offsetBytes;
        try {
            while (at < end) {
                long data = seek(at, LinuxFiles.SEEK_DATA, end);
                if (data > at) {
                    long holeEnd = Math.min(data, end);
                    extents.add(Extent.hole(at, holeEnd - at));
                    at = holeEnd;
                    continue;
                }
                long hole = Math.min(seek(at, LinuxFiles.SEEK_HOLE, end), end);
                if (hole <= at) {
                    hole = end; // a file system that does not track holes: report data
                }
                extents.add(Extent.data(at, hole - at));
                at = hole;
            }
        } catch (LinuxFiles.NativeException e) {
            if (!e.unsupported()) {
                throw e;
            }
            extents.clear();
            extents.add(Extent.data(offsetBytes, lengthBytes));
        }
        return extents;
    }

    /** lseek; ENXIO (no more data past {@code at}) means "at the end". */
    private long seek(long at, int whence, long end) throws IOException {
        try {
            return LinuxFiles.lseek(fd, at, whence);
        } catch (LinuxFiles.NativeException e) {
            if (e.errno() == LinuxFiles.ENXIO) {
                return Math.max(end, sizeBytes);
            }
            throw e;
        }
    }

    @Override
    public CompletableFuture<Void> submitRead(long offsetBytes, ByteBuffer dst) {
        return submit(() -> read(offsetBytes, dst));
    }

    @Override
    public CompletableFuture<Void> submitWrite(long offsetBytes, ByteBuffer src, boolean fua) {
        return submit(() -> write(offsetBytes, src, fua));
    }

    @Override
    public CompletableFuture<Void> submitFlush() {
        return submit(this::flush);
    }

    @Override
    public CompletableFuture<Void> submitDiscard(long offsetBytes, long lengthBytes) {
        return submit(() -> discard(offsetBytes, lengthBytes));
    }

    @Override
    public CompletableFuture<Void> submitWriteZeroes(long offsetBytes, long lengthBytes, boolean mayPunchHole,
                                                     boolean fua) {
        return submit(() -> writeZeroes(offsetBytes, lengthBytes, mayPunchHole, fua));
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    private CompletableFuture<Void> submit(IoAction action) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                action.run();
                future.complete(null);
            } catch (IOException | RuntimeException e) {
                future.completeExceptionally(e);
            }
        };
        if (closed) {
            future.completeExceptionally(new IOException("engine closed: " + path));
        } else if (workers == null) {
            task.run();
        } else {
            try {
                workers.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                future.completeExceptionally(new IOException("engine closed", e));
            }
        }
        return future;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("engine closed: " + path);
        }
    }

    /** Waits for queued async operations, then closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (workers != null) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        closed = true;
        while (nativeUsers.get() > 0) {
            Thread.onSpinWait(); // a vectored call on fd is finishing (it saw the engine open)
        }
        try {
            channel.close();
        } finally {
            if (fd >= 0) {
                LinuxFiles.close(fd);
            }
        }
    }
}
