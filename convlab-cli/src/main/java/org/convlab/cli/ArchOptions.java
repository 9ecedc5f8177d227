package org.convlab.cli;

import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.Architectures;
import org.convlab.arch.InputShape;
import picocli.CommandLine.Option;

/** The options that choose an architecture: {@code --arch}, {@code --input}, {@code --classes}. */
final class ArchOptions {
    @Option(names = "--arch", paramLabel = "NAME|FILE", defaultValue = "fruits-cnn",
            description = "A shipped architecture (${COMPLETION-CANDIDATES}) or a JSON spec file. Default: ${DEFAULT-VALUE}.",
            completionCandidates = ArchitectureNames.class)
    String arch;

    @Option(names = "--input", paramLabel = "HxWxC", description = "Override the input shape, e.g. 28x28x1.")
    String input;

    @Option(names = "--classes", converter = Counts.AtLeastOne.class, paramLabel = "N", description = "Override the number of classes.")
    Integer classes;

    /** The chosen spec with the overrides applied. */
    ArchitectureSpec spec() {
        ArchitectureSpec spec = Architectures.resolve(arch);
        if (input != null) {
            spec = spec.withInput(InputShape.parse(input));
        }
        if (classes != null) {
            spec = spec.withClasses(classes);
        }
        return spec;
    }

    static final class ArchitectureNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Architectures.names().iterator();
        }
    }
}
