package org.convlab.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a file that dies with the process holding it (an operating-system lock, so
 * {@code kill -9} releases it too). The file holds the owner's process id, for messages.
 *
 * <pre>{@code
 * try (OwnerLock lock = OwnerLock.tryAcquire(dir.resolve(".lock")).orElseThrow(...)) {
 *     ...   // nobody else holds it until close
 * }
 * }</pre>
 */
public final class OwnerLock implements AutoCloseable {
    /**
     * Files this JVM holds. Checked before any channel is opened on them: POSIX drops all of a
     * process's locks on a file when any descriptor of it closes, so probing our own lock through a
     * second channel would release it.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private OwnerLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another process (or this one) holds it. Creates the file and its folder. */
    public static Optional<OwnerLock> tryAcquire(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        if (!HELD_HERE.add(key)) {
            return Optional.empty();
        }
        try {
            Optional<OwnerLock> lock = acquire(key);
            if (lock.isEmpty()) {
                HELD_HERE.remove(key);
            }
            return lock;
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(key);
            throw e;
        }
    }

    private static Optional<OwnerLock> acquire(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)));
        channel.force(false);
        return Optional.of(new OwnerLock(file, channel, lock));
    }

    /** Whether a live process holds the lock on {@code file}; false when the file is absent or its owner died. */
    public static boolean isHeld(Path file) {
        if (HELD_HERE.contains(file.toAbsolutePath().normalize())) {
            return true;
        }
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException heldHere) {
            return true;
        } catch (IOException e) {
            return true; // cannot tell: treat as in use, never delete what may be live
        }
    }

    /** The process id written in the lock file, or "?" when unreadable. */
    public static String owner(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the channel, or with the process
        } finally {
            HELD_HERE.remove(file);
        }
    }
}
