package org.convlab.data;

import org.convlab.ConvLabException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads a folder of class folders ({@code root/<label>/<image>}, the Fruits-360 layout) once,
 * decoding every image, so that training never meets a bad file: what cannot be used is listed
 * with the reason, once, and left out.
 *
 * <pre>{@code
 * ScanReport report = FolderScan.scan(Path.of("fruits-360/Training"));
 * report.labels();     // sorted class names
 * report.problems();   // [{path: ".../Apple/broken.jpg", reason: "truncated JPEG (no end-of-image marker)"}, ...]
 * }</pre>
 */
public final class FolderScan {
    /** File name endings treated as images. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff");
    private static final Logger LOG = LoggerFactory.getLogger(FolderScan.class);

    private FolderScan() {
    }

    /** Scans {@code root}; fails only when the root itself is missing or not a folder. */
    public static ScanReport scan(Path root) {
        requireFolder(root);
        List<Problem> problems = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>();
        for (Path child : list(root, problems)) {
            String name = child.getFileName().toString();
            if (name.startsWith(".")) {
                problems.add(new Problem(child.toString(), "hidden, ignored"));
            } else if (Files.isDirectory(child)) {
                classDirs.add(child);
            } else {
                problems.add(new Problem(child.toString(), "file outside a class folder, ignored"));
            }
        }
        for (Path dir : classDirs) {
            String label = dir.getFileName().toString();
            for (Path file : list(dir, problems)) {
                String name = file.getFileName().toString();
                if (name.startsWith(".")) {
                    problems.add(new Problem(file.toString(), "hidden, ignored"));
                } else if (Files.isDirectory(file)) {
                    problems.add(new Problem(file.toString(), "folder inside a class folder, ignored (images must sit directly in root/<class>/)"));
                } else if (!IMAGE_EXTENSIONS.contains(extension(name))) {
                    problems.add(new Problem(file.toString(), "not an image file (expected ." + String.join(", .",
                            IMAGE_EXTENSIONS.stream().sorted().toList()) + ")"));
                } else {
                    candidates.add(new Candidate(file, label));
                }
            }
        }
        // Decoding is the slow part: use every core.
        List<Object> decoded = candidates.parallelStream().map(FolderScan::check).toList();
        List<ImageFile> usable = new ArrayList<>();
        for (Object o : decoded) {
            if (o instanceof ImageFile f) {
                usable.add(f);
            } else {
                problems.add((Problem) o);
            }
        }
        TreeMap<String, Integer> counts = new TreeMap<>();
        usable.forEach(f -> counts.merge(f.label(), 1, Integer::sum));
        for (Path dir : classDirs) {
            if (!counts.containsKey(dir.getFileName().toString())) {
                problems.add(new Problem(dir.toString(), "empty class folder: no usable images, class left out"));
            }
        }
        usable.sort(Comparator.comparing(ImageFile::label).thenComparing(f -> f.path().toString()));
        problems.sort(Comparator.comparing(Problem::path));
        LOG.debug("scanned {}: {} usable images in {} classes, {} problems", root, usable.size(), counts.size(), problems.size());
        return new ScanReport(root, List.copyOf(counts.keySet()), counts, usable, problems);
    }

    private record Candidate(Path path, String label) {
    }

    private static Object check(Candidate c) {
        try {
            DecodedImage d = ImageDecoder.decode(c.path());
            return new ImageFile(c.path(), c.label(), d.width(), d.height(), d.mode());
        } catch (ImageDecoder.UnreadableImageException e) {
            return new Problem(c.path().toString(), e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            return new Problem(c.path().toString(), "cannot be decoded: " + e);
        }
    }

    /** A folder's entries sorted by name; an unreadable folder becomes a problem. */
    private static List<Path> list(Path dir, List<Problem> problems) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            List<Path> out = new ArrayList<>();
            entries.forEach(out::add);
            out.sort(Comparator.comparing(Path::toString));
            return out;
        } catch (IOException e) {
            problems.add(new Problem(dir.toString(), "folder cannot be read: " + e.getMessage()));
            return List.of();
        }
    }

    static void requireFolder(Path root) {
        if (!Files.exists(root)) {
            throw new ConvLabException("data folder " + root + " does not exist; give a folder of class folders (root/<class>/*.jpg)");
        }
        if (!Files.isDirectory(root)) {
            throw new ConvLabException("data path " + root + " is a file; give a folder of class folders (root/<class>/*.jpg)");
        }
    }

    static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Summary for messages: "3 classes, 120 images". */
    static String describe(ScanReport r) {
        return r.labels().size() + " classes, " + r.usable().size() + " images"
                + (r.problems().isEmpty() ? "" : ", " + r.problems().size() + " problem(s): "
                + r.problems().stream().limit(3).map(p -> p.path() + " (" + p.reason() + ")").collect(Collectors.joining("; ")));
    }
}
