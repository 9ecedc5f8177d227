package org.convlab.data;

import org.convlab.ConvLabException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder of MNIST-style IDX files: {@code train-images-idx3-ubyte[.gz]},
 * {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-images-idx3-ubyte[.gz]},
 * {@code t10k-labels-idx1-ubyte[.gz]}. Class names come from {@code classes.txt} (one a line)
 * when present, Fashion-MNIST's names for its folder, else the label numbers (0 to the largest).
 */
public final class IdxFolder {
    private IdxFolder() {
    }

    /** True when the folder holds a training image file. */
    public static boolean looksLikeIdx(Path dir) {
        return find(dir, "train", "images") != null;
    }

    /** The file for {@code set} ("train" or "t10k") and {@code kind} ("images" or "labels"), or null. */
    static Path find(Path dir, String set, String kind) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(set + "-" + kind) && (n.contains("-idx") || n.contains(".idx")) && Files.isRegularFile(f);
            }).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    static Path require(Path dir, String set, String kind) {
        Path f = find(dir, set, kind);
        if (f == null) {
            throw new ConvLabException(dir + " has no " + set + "-" + kind + "-idx*-ubyte[.gz] file; an IDX folder needs"
                    + " train-images, train-labels (and t10k-images, t10k-labels for a test set)");
        }
        return f;
    }

    /** Training and, when present, test set. */
    public static DataSources.Bundle open(Path dir, String name) {
        List<String> classes = classNames(dir);
        InMemorySource train = IdxFiles.read(require(dir, "train", "images"), require(dir, "train", "labels"), classes, name + " train");
        InMemorySource test = find(dir, "t10k", "images") == null ? null
                : IdxFiles.read(require(dir, "t10k", "images"), require(dir, "t10k", "labels"), classes, name + " test");
        return new DataSources.Bundle(train, null, test);
    }

    static List<String> classNames(Path dir) {
        Path names = dir.resolve("classes.txt");
        if (Files.isRegularFile(names)) {
            try {
                List<String> list = new ArrayList<>();
                Files.readAllLines(names).stream().map(String::trim).filter(s -> !s.isEmpty()).forEach(list::add);
                return list;
            } catch (IOException e) {
                throw new ConvLabException("cannot read " + names + ": " + e.getMessage());
            }
        }
        if (dir.toAbsolutePath().toString().toLowerCase().contains("fashion")) {
            return FashionMnist.CLASS_NAMES;
        }
        return null;
    }
}
