package org.convlab.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * A hidden folder ({@code .tmp-<uuid>}) beside its final place, filled first and then renamed into
 * place in one atomic step, so a crash or a kill never leaves half of it where readers look.
 * Closing deletes it unless it was committed.
 *
 * <pre>{@code
 * try (StagingFolder staging = StagingFolder.in(parent)) {
 *     Files.writeString(staging.path().resolve("state.json"), json);
 *     staging.commitAs(parent.resolve("epoch-0003"));
 * }
 * }</pre>
 */
public final class StagingFolder implements AutoCloseable {
    private final Path path;
    private boolean committed;

    private StagingFolder(Path path) {
        this.path = path;
    }

    /** Creates {@code parent} if needed and a fresh hidden folder in it. */
    public static StagingFolder in(Path parent) throws IOException {
        Path dir = parent.resolve(".tmp-" + UUID.randomUUID());
        Files.createDirectories(dir);
        return new StagingFolder(dir);
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
        try {
            Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            if (e instanceof java.nio.file.AtomicMoveNotSupportedException || !Files.exists(target)) {
                throw e;
            }
            return false;
        }
        committed = true;
        return true;
    }

    @Override
    public void close() {
        if (!committed) {
            FileTrees.delete(path);
        }
    }
}
