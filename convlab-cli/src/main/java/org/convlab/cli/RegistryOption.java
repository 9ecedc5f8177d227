package org.convlab.cli;

import org.convlab.zoo.ModelRegistry;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --registry DIR}, shared by every command that reads or writes models. */
final class RegistryOption {
    @Option(names = "--registry", paramLabel = "DIR",
            description = "Model registry folder (default: $CONVLAB_REGISTRY, else models/).")
    Path registry;

    ModelRegistry open() {
        return ModelRegistry.fromOption(registry);
    }
}
