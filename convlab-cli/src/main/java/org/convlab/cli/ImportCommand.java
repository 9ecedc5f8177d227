package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;
import org.convlab.data.Preprocessing;
import org.convlab.interop.KerasImport;
import org.convlab.zoo.StoredModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convlab import}: models from other tools into the registry. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Bring a model from another tool into the registry.",
                "Example: convlab import keras fruits.h5 --name fruits-keras --labels-file labels.txt --pixels raw"},
        subcommands = {ImportCommand.Keras.class})
final class ImportCommand {

    @Command(name = "keras", mixinStandardHelpOptions = true,
            description = {"Import a Keras 2 model saved as .h5 (Sequential or functional Model) through DL4J's Keras import.",
                    "A .h5 does not say how its pixels were prepared: say it with --pixels and --channel-order; predict,"
                            + " evaluate, filters and serve then apply exactly that.",
                    "Example: convlab import keras model.h5 --name fruits-keras --labels \"Apple,Banana,Cherry\" --pixels raw"})
    static final class Keras implements Callable<Integer> {
        @Parameters(paramLabel = "MODEL.h5", description = "The file Keras' model.save() wrote.")
        Path file;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The registry name it is stored under.")
        String name;

        @ArgGroup(multiplicity = "1")
        Labels labels;

        @Option(names = "--pixels", defaultValue = "unit", paramLabel = "unit|raw",
                description = "How the model's pixels were scaled in training: unit (divided by 255) or raw (0..255)."
                        + " Default: ${DEFAULT-VALUE}.")
        String pixels;

        @Option(names = "--channel-order", defaultValue = "rgb", paramLabel = "rgb|bgr",
                description = "The colour order it was trained on (OpenCV users trained on bgr). Default: ${DEFAULT-VALUE}.")
        String channelOrder;

        @Option(names = "--input", paramLabel = "HxWxC", description = "The input size, only where the file leaves it open.")
        String input;

        @Mixin
        RegistryOption registryOption;

        @Spec
        CommandSpec command;

        static final class Labels {
            @Option(names = "--labels", paramLabel = "A,B,...", required = true,
                    description = "The class names in the model's output order, comma-separated.")
            String list;

            @Option(names = "--labels-file", paramLabel = "FILE", required = true,
                    description = "A file with one class name per line, in the model's output order.")
            Path file;

            List<String> read() {
                List<String> names;
                if (file != null) {
                    try {
                        names = Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
                    } catch (IOException e) {
                        throw new ConvLabException("cannot read --labels-file " + file + ": " + e.getMessage());
                    }
                } else {
                    names = Arrays.stream(list.split(",")).map(String::strip).toList();
                }
                if (names.isEmpty() || names.stream().anyMatch(String::isEmpty)) {
                    throw new ConvLabException("the labels must be non-empty class names, received " + names);
                }
                if (names.stream().distinct().count() != names.size()) {
                    throw new ConvLabException("the labels must be distinct, received " + names);
                }
                return names;
            }
        }

        @Override
        public Integer call() {
            KerasImport.Pixels scale = switch (pixels.toLowerCase(Locale.ROOT)) {
                case "unit" -> KerasImport.Pixels.UNIT;
                case "raw" -> KerasImport.Pixels.RAW;
                default -> throw new ConvLabException("--pixels '" + pixels + "' is not known; use unit (divided by 255) or raw (0..255)");
            };
            Preprocessing.Channels order = switch (channelOrder.toLowerCase(Locale.ROOT)) {
                case "rgb" -> Preprocessing.Channels.RGB;
                case "bgr" -> Preprocessing.Channels.BGR;
                default -> throw new ConvLabException("--channel-order '" + channelOrder + "' is not known; use rgb or bgr");
            };
            StoredModel stored = KerasImport.into(registryOption.open(), file, new KerasImport.Options(name, labels.read(), scale,
                    order, input == null ? null : InputShape.parse(input)));
            var out = command.commandLine().getOut();
            out.printf("imported %s (Keras %s, %s) as %s in %s: input %s, %d classes%n", file.getFileName(),
                    stored.card().source().kerasVersion(), stored.card().source().modelClass(), stored.ref(), stored.dir(),
                    stored.card().input(), stored.card().labels().size());
            out.flush();
            return ConvLab.EXIT_OK;
        }
    }
}
