package org.convlab.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A hidden folder ({@code .tmp-<uuid>}) beside its final place, filled first and then renamed into
 * place in one atomic step, so a crash or a kill never leaves half of it where readers look.
 * Closing deletes it unless it was committed. While it is filled, its writer holds an
 * {@link OwnerLock} on {@code .owner} inside it, so {@link #removeAbandoned} can tell a folder
 * whose writer was killed (removed) from one still being written (left alone).
 *
 * <pre>{@code
 * try (StagingFolder staging = StagingFolder.in(parent)) {
 *     Files.writeString(staging.path().resolve("state.json"), json);
 *     staging.commitAs(parent.resolve("epoch-0003"));
 * }
 * }</pre>
 */
public final class StagingFolder implements AutoCloseable {
    public static final String PREFIX = ".tmp-";
    static final String OWNER = ".owner";
    /** A staging folder without an owner file is only that young between its creation and its lock, or its commit. */
    private static final Duration UNOWNED_GRACE = Duration.ofMinutes(1);

    private final Path path;
    private OwnerLock owner;
    private boolean committed;

    private StagingFolder(Path path, OwnerLock owner) {
        this.path = path;
        this.owner = owner;
    }

    /** Creates {@code parent} if needed and a fresh hidden folder in it, owned by this process. */
    public static StagingFolder in(Path parent) throws IOException {
        Path dir = parent.resolve(PREFIX + UUID.randomUUID());
        Files.createDirectories(dir);
        OwnerLock lock = OwnerLock.tryAcquire(dir.resolve(OWNER))
                .orElseThrow(() -> new IOException("cannot lock the new folder " + dir));
        return new StagingFolder(dir, lock);
    }

    public Path path() {
        return path;
    }

    /**
     * Renames the folder to {@code target} atomically. Returns false when {@code target} already
     * exists (another writer took that name first), so the caller can pick the next one.
     *
     * @throws java.nio.file.AtomicMoveNotSupportedException where the file system cannot rename atomically
     */
    public boolean commitAs(Path target) throws IOException {
        releaseOwner();
        try {
            Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            if (e instanceof java.nio.file.AtomicMoveNotSupportedException || !Files.exists(target)) {
                throw e;
            }
            owner = OwnerLock.tryAcquire(path.resolve(OWNER)).orElse(null);
            return false;
        }
        committed = true;
        return true;
    }

    private void releaseOwner() throws IOException {
        if (owner != null) {
            owner.close();
            owner = null;
        }
        Files.deleteIfExists(path.resolve(OWNER));
    }

    @Override
    public void close() {
        if (!committed) {
            if (owner != null) {
                owner.close();
            }
            FileTrees.delete(path);
        }
    }

    /**
     * Deletes the staging folders in {@code parent} whose writer is gone (killed during a save): an
     * owner file nobody holds, or no owner file and older than a minute. Folders a live process is
     * writing stay. Returns how many were removed.
     */
    public static int removeAbandoned(Path parent) {
        if (!Files.isDirectory(parent)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path dir : entries.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p)).toList()) {
                if (abandoned(dir)) {
                    FileTrees.delete(dir);
                    removed++;
                }
            }
        } catch (IOException e) {
            // an unreadable folder: nothing removed
        }
        return removed;
    }

    private static boolean abandoned(Path dir) throws IOException {
        Path owner = dir.resolve(OWNER);
        if (Files.exists(owner)) {
            return !OwnerLock.isHeld(owner);
        }
        FileTime modified = Files.getLastModifiedTime(dir);
        return modified.toInstant().isBefore(Instant.now().minus(UNOWNED_GRACE));
    }
}
