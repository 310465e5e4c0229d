package dev.outflow.submission.smtpd.internal;

import dev.outflow.core.config.ConfigException;
import dev.outflow.submission.smtpd.UsersFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks AUTH passwords against the users file on a small pool of platform threads, so that
 * PBKDF2 (hundreds of milliseconds per guess, on purpose) never runs on a connection thread and a
 * flood of AUTH attempts costs at most {@code threads} cores: when every thread is busy and
 * {@code queuePerThread × threads} checks wait, further checks are answered {@link Result#BUSY}
 * at once.
 *
 * <p>The users file is followed: before each check its modification time, size and identity are
 * compared with the loaded snapshot (one {@code stat}), and a changed file is loaded again, so a
 * removed user or a new password takes effect at the next AUTH without a restart. A file that no
 * longer loads (malformed, weak hash) fails closed: every check answers {@link Result#UNAVAILABLE}
 * (454 4.7.0) and the error is logged until the file is fixed. A deleted file means no users.
 *
 * <p>Thread-safe.
 */
public final class PasswordChecks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PasswordChecks.class);
    public static final int QUEUE_PER_THREAD = 32;

    /** Outcome of one check. */
    public enum Result {
        OK, BAD,
        /** The pool and its queue are full: try again later. */
        BUSY,
        /** The users file does not load: nobody can be checked. */
        UNAVAILABLE
    }

    private final ThreadPoolExecutor pool;
    private final BiPredicate<String, String> verifier;
    private final UsersWatch users;

    /**
     * Loads {@code file} (strictly: a bad file is a {@link ConfigException} at start) and follows it.
     *
     * @param file null for no users
     */
    public static PasswordChecks forFile(Path file, int threads) {
        UsersWatch watch = new UsersWatch(file);
        return new PasswordChecks(watch, (u, p) -> watch.current().verify(u, p), threads, QUEUE_PER_THREAD);
    }

    /** For tests: checks with {@code verifier} instead of a users file. */
    static PasswordChecks with(BiPredicate<String, String> verifier, int threads, int queuePerThread) {
        return new PasswordChecks(null, verifier, threads, queuePerThread);
    }

    private PasswordChecks(UsersWatch users, BiPredicate<String, String> verifier, int threads, int queuePerThread) {
        this.users = users;
        this.verifier = verifier;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queuePerThread * threads),
                r -> Thread.ofPlatform().daemon().name("smtpd-auth-" + n.incrementAndGet()).unstarted(r));
    }

    /** Users in the current snapshot of the file. */
    public int userCount() {
        return users == null ? 0 : users.current().size();
    }

    /** Checks a password, waiting (this thread only) for a pool thread. */
    public Result check(String user, String password) throws InterruptedException {
        if (users != null && !users.refresh()) return Result.UNAVAILABLE;
        Future<Boolean> f;
        try {
            f = pool.submit(() -> verifier.test(user, password));
        } catch (RejectedExecutionException e) {
            return Result.BUSY;
        }
        try {
            return f.get() ? Result.OK : Result.BAD;
        } catch (InterruptedException e) {
            f.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            log.error("Password check failed", e.getCause());
            return Result.UNAVAILABLE;
        }
    }

    /** Checks waiting for a pool thread now. */
    int queued() {
        return pool.getQueue().size();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** The users file and the snapshot loaded from it. */
    static final class UsersWatch {
        private record Stamp(Object key, FileTime modified, long size) {}

        private final Path file;
        private volatile UsersFile snapshot;
        private volatile Stamp stamp;
        private volatile boolean broken;

        UsersWatch(Path file) {
            this.file = file;
            this.stamp = stamp(file);
            this.snapshot = UsersFile.load(file);
        }

        UsersFile current() {
            return snapshot;
        }

        /** Reloads a changed file; false when the file does not load (nobody can log in). */
        synchronized boolean refresh() {
            Stamp now = stamp(file);
            if (Objects.equals(now, stamp)) return !broken;
            stamp = now;
            try {
                snapshot = UsersFile.load(file);
                broken = false;
                log.info("Reloaded SMTP users from {}: {} users", file, snapshot.size());
            } catch (ConfigException e) {
                broken = true;
                log.error("SMTP users file no longer loads; every AUTH answers 454 until it is fixed: {}", e.getMessage());
            }
            return !broken;
        }

        private static Stamp stamp(Path file) {
            if (file == null) return null;
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.fileKey(), a.lastModifiedTime(), a.size());
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                return new Stamp("unreadable", null, -1);
            }
        }
    }
}
