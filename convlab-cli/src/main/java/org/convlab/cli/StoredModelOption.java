package org.convlab.cli;

import org.convlab.zoo.StoredModel;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --model NAME[:VERSION]} and {@code --registry DIR}: the stored model a command works on. */
final class StoredModelOption {
    @Option(names = "--model", required = true, paramLabel = "NAME[:VERSION]",
            description = "The stored model: NAME (its newest version) or NAME:VERSION.")
    String model;

    @Mixin
    RegistryOption registryOption;

    StoredModel load() {
        return registryOption.open().load(model);
    }
}
