package dev.outflow.broker.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, taken before Kafka touches it. Kafka locks its log
 * directory only after the controller has started writing the metadata log, so a second broker on
 * the same directory must be refused before it gets that far.
 */
public final class DataDirLock implements AutoCloseable {
    private static final String LOCK_FILE = "broker.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * @throws IOException          when the lock file cannot be opened
     * @throws IllegalStateException when another broker (this or another process) holds the lock
     */
    public static DataDirLock acquire(Path dataDir) throws IOException {
        FileChannel ch = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new IllegalStateException("another embedded broker is using " + dataDir);
        }
        return new DataDirLock(ch, l);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
    }
}
