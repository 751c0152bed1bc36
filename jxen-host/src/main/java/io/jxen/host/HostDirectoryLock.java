package io.jxen.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A host's claim on its directory, held for the host's life: an exclusive lock on
 * {@code host.lock} (fcntl, so the kernel drops it when the process dies, kill -9 included).
 * Whoever holds it owns {@code host.mem}: a memory file found while taking the lock was left by
 * a host that is gone (a crash, or a jxen that stopped before it could tidy up) and is removed,
 * so a second {@code jxen run} in the same directory starts instead of failing on the old file;
 * a lock already held means a host is running there, and the start fails saying so instead of
 * touching its memory. Domains in JVMs of their own map {@code host.mem} by name only while
 * their host runs; the file is removed when the host stops, as xl leaves nothing behind either.
 */
final class HostDirectoryLock implements AutoCloseable {

    /** The lock file's name in the host's directory. */
    static final String LOCK_FILE = "host.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private HostDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code directory} and removes {@code stale} (files a host that is gone
     * left there).
     *
     * @throws IOException if another host, in this process or another, holds the directory
     */
    static HostDirectoryLock take(Path directory, Path... stale) throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) { // a host of this JVM holds it
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("a jxen host already runs in " + directory + " (it holds " + LOCK_FILE
                    + "); stop it, or give this one another directory");
        }
        try {
            for (Path file : stale) {
                if (Files.deleteIfExists(file)) {
                    System.getLogger("jxen.host").log(System.Logger.Level.INFO,
                            "removed " + file + ", left by a host that is gone");
                }
            }
        } catch (IOException | RuntimeException e) {
            channel.close(); // releases the lock
            throw e;
        }
        return new HostDirectoryLock(channel, lock);
    }

    /** Releases the directory (the lock file stays: removing it would race with the next taker). */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
