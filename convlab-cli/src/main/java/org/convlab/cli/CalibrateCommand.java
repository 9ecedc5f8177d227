package org.convlab.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convlab.data.ImageSource;
import org.convlab.job.RunFiles;
import org.convlab.runtime.Int8Calibration;
import org.convlab.zoo.StoredModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code convlab calibrate}: measures the input ranges int8 inference quantizes over, for a stored
 * model that has none (an imported one) or to measure them on other images. {@code convlab train}
 * stores them with every model it trains.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Measure a stored model's int8 calibration (each layer's input range) on training images,"
                + " for --precision int8 in evaluate, predict, serve and bench --model. Models from convlab train have one.",
                "Example: convlab calibrate --model fruits --data fruits-360/Training"})
final class CalibrateCommand implements Callable<Integer> {
    @Mixin
    StoredModelOption modelOption;

    @Option(names = "--data", required = true, paramLabel = "SRC",
            description = "Images like the model's training images (for fashion-mnist and Fruits-360: the training set);"
                    + " up to " + Int8Calibration.DEFAULT_IMAGES + " of them are run through the model.")
    String data;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        StoredModel stored = modelOption.load();
        // Only the images' values count, but images of classes the model does not know are not its training data.
        ImageSource source = DataArgument.forModel(data, DataArgument.open(data, stored.card().input()).train(), stored);
        Int8Calibration calibration = RunFiles.calibration(stored.graph(), source, 1);
        Path file = stored.dir().resolve(Int8Calibration.FILE);
        calibration.write(file);
        PrintWriter out = command.commandLine().getOut();
        out.printf(Locale.US, "int8 calibration of %s: input ranges of %d layers over %d images of %s, written to %s%n",
                stored.ref(), calibration.inputs().size(), calibration.images(), source.description(), file);
        out.flush();
        return ConvLab.EXIT_OK;
    }
}
