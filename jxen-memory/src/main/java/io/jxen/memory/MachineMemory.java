package io.jxen.memory;

import io.jxen.abi.XenPage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The host's machine memory: one file mapped read-write, cut into 4 KiB frames numbered by
 * MFN. A domain in another JVM maps the same file ({@link #open(Path)}) and sees the same
 * bytes, so rings, grant tables and shared-info pages work across processes.
 *
 * <pre>
 *  file (default in /dev/shm, tmpfs: no disk writeback)
 *  +----------+----------+----------+-- ... --+------------------+
 *  | mfn 0    | mfn 1    | mfn 2    |         | mfn frames-1     |
 *  +----------+----------+----------+-- ... --+------------------+
 *  0        4096       8192      12288                 frames*4096
 * </pre>
 *
 * <p>The mapping lives in a shared {@link Arena}: any thread may read and write it, and
 * {@link #close()} unmaps it for all of them (later accesses throw
 * {@link IllegalStateException}, never touch freed memory). Frames are handed out by the
 * {@link FrameAllocator} of the process that created the memory; a process that only
 * {@link #open opened} it addresses frames it was told about.
 */
public final class MachineMemory implements AutoCloseable {

    /** Where memory files go unless the caller says otherwise: tmpfs, shared between processes. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");

    private final Path file;
    private final long frames;
    private final Arena arena;
    private final MemorySegment segment;
    private final FrameAllocator allocator;

    private MachineMemory(Path file, long frames, Arena arena, MemorySegment segment, FrameAllocator allocator) {
        this.file = file;
        this.frames = frames;
        this.arena = arena;
        this.segment = segment;
        this.allocator = allocator;
    }

    /**
     * Creates a new memory file of {@code frames} zeroed frames, readable and writable by its
     * owner only, and maps it.
     *
     * @param file   the file to create; must not exist
     * @param frames number of 4 KiB frames, at least 1
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     */
    public static MachineMemory create(Path file, long frames) throws IOException {
        if (frames < 1 || frames > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("frames must be 1.." + Integer.MAX_VALUE + ", was " + frames);
        }
        long size = frames * XenPage.SIZE;
        // CREATE_NEW fails on an existing file, which is then not ours to delete.
        FileChannel channel = FileChannel.open(file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (channel) {
            // Grow the file to its size: a sparse tmpfs file reads as zeros.
            channel.write(ByteBuffer.allocate(1), size - 1);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                return new MachineMemory(file, frames, arena, segment, new FrameAllocator(frames));
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file); // never leave a half-made memory file behind
            throw e;
        }
    }

    /**
     * Creates a memory file with a fresh unique name in {@code directory}.
     *
     * @param directory where the file goes, e.g. {@link #DEFAULT_DIRECTORY}
     * @param prefix    the start of the file name, e.g. {@code "jxen-host-"}
     * @param frames    number of 4 KiB frames
     */
    public static MachineMemory createTemp(Path directory, String prefix, long frames) throws IOException {
        Path file = directory.resolve(prefix + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".mem");
        return create(file, frames);
    }

    /**
     * Maps an existing memory file, as a domain in a second process does. Its size must be a
     * whole number of frames.
     *
     * @param file a file made by {@link #create}
     */
    public static MachineMemory open(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size == 0 || size % XenPage.SIZE != 0) {
                throw new IOException(file + ": size " + size + " is not a whole number of 4 KiB frames");
            }
            Arena arena = Arena.ofShared();
            try {
                MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                return new MachineMemory(file, size / XenPage.SIZE, arena, segment, null);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    /** The mapped file. */
    public Path file() {
        return file;
    }

    /** Number of 4 KiB frames. */
    public long frames() {
        return frames;
    }

    /** The size of the memory in bytes. */
    public long sizeBytes() {
        return segment.byteSize();
    }

    /** The whole mapping. */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The frame allocator, owned by the process that created the memory.
     *
     * @throws IllegalStateException if this memory was opened, not created, here
     */
    public FrameAllocator allocator() {
        if (allocator == null) {
            throw new IllegalStateException(file + " was opened from another process; its creator allocates frames");
        }
        return allocator;
    }

    /**
     * A 4096-byte view of one frame.
     *
     * @param mfn machine frame number, {@code 0 <= mfn < frames()}
     * @throws IndexOutOfBoundsException if the frame is outside this memory
     */
    public MemorySegment frame(long mfn) {
        return frames(mfn, 1);
    }

    /**
     * A view of {@code count} consecutive frames (e.g. a multi-page ring), one segment of
     * {@code count * 4096} bytes.
     *
     * @throws IndexOutOfBoundsException if any frame is outside this memory
     */
    public MemorySegment frames(long firstMfn, int count) {
        if (count < 1 || firstMfn < 0 || firstMfn + count > frames) {
            throw new IndexOutOfBoundsException("frames 0x" + Long.toHexString(firstMfn) + "+" + count
                    + " outside memory of " + frames + " frames");
        }
        return segment.asSlice(firstMfn * XenPage.SIZE, (long) count * XenPage.SIZE);
    }

    /** Whether the mapping is still open. */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Unmaps the file; the file itself stays (see {@link #delete()}). Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Unmaps and removes the file. Other processes keep their mappings until they close. */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public String toString() {
        return "MachineMemory[" + file + ", " + frames + " frames" + (isOpen() ? "" : ", closed") + "]";
    }
}
