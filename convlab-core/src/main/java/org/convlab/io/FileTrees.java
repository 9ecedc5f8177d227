package org.convlab.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing folders with everything in them. */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Deletes {@code path} and, for a folder, everything below it; best effort: what cannot be
     * deleted stays (callers only remove hidden temporaries and superseded copies, never listed).
     */
    public static void delete(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort, as above
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }

    /** Deletes a folder only if it is empty; one still holding something stays. */
    public static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException notEmpty) {
            // in use
        }
    }
}
