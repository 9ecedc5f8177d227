package org.convlab.arch;

import org.convlab.ConvLabException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The named architectures that ship with ConvLab, each a JSON spec under
 * {@code org/convlab/arch/} listed in {@code index.txt}.
 *
 * <pre>{@code
 * ArchitectureSpec seed = Architectures.get("fruits-cnn");             // 100x100x3, 60 classes
 * ArchitectureSpec mnist = Architectures.resolve("fruits-cnn")
 *         .withInput(InputShape.parse("28x28x1")).withClasses(10);
 * ArchitectureSpec mine = Architectures.resolve("my-net.json");         // a file
 * }</pre>
 */
public final class Architectures {
    private static final String ROOT = "/org/convlab/arch/";

    private Architectures() {
    }

    /** Names of the shipped architectures. */
    public static List<String> names() {
        try (InputStream in = Architectures.class.getResourceAsStream(ROOT + "index.txt")) {
            if (in == null) {
                throw new IllegalStateException("architecture index missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::trim).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A shipped architecture by name. */
    public static ArchitectureSpec get(String name) {
        if (!names().contains(name)) {
            throw new ConvLabException("architecture '" + name + "' is not known; use one of "
                    + String.join(", ", names()) + ", or a path to a JSON spec file");
        }
        try (InputStream in = Architectures.class.getResourceAsStream(ROOT + name + ".json")) {
            return SpecJson.read(in, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A shipped name, or else a path to a JSON spec file. */
    public static ArchitectureSpec resolve(String nameOrFile) {
        if (names().contains(nameOrFile)) {
            return get(nameOrFile);
        }
        Path file = Path.of(nameOrFile);
        if (Files.exists(file) || nameOrFile.endsWith(".json")) {
            return SpecJson.read(file);
        }
        return get(nameOrFile);
    }
}
