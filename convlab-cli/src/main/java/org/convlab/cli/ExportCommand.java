package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.interop.OnnxExport;
import org.convlab.runtime.Precision;
import org.convlab.zoo.StoredModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code convlab export}: a stored model in another format. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a stored model in a format other runtimes read.",
                "Example: convlab export onnx --model fashion-cnn --out fashion-cnn.onnx"},
        subcommands = {ExportCommand.Onnx.class})
final class ExportCommand {

    @Command(name = "onnx", mixinStandardHelpOptions = true,
            description = {"Write a stored model as an ONNX graph (opset 13) with its preprocessing inside.",
                    "Input 'pixels': float32 [N, C, H, W] of decoded pixels 0..255 in RGB order (grey: one channel);"
                            + " output 'probabilities' [N, K]; labels, preprocessing and the source model in the metadata.",
                    "Example: convlab export onnx --model fashion-cnn --out fashion-cnn.onnx"})
    static final class Onnx implements Callable<Integer> {
        @Mixin
        StoredModelOption modelOption;

        @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "Where the ONNX file goes.")
        Path out;

        @Option(names = "--force", description = "Replace --out even where it is a file that is not an ONNX model.")
        boolean force;

        @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|int8",
                description = "fp32 (default), or int8: ONNX's QDQ form over the model's stored int8 calibration (s8 weights"
                        + " per output channel, u8/s8 inputs), which ONNX Runtime runs on its integer kernels.")
        String precision;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            Precision p = switch (precision) {
                case "fp32" -> Precision.FP32;
                case "int8" -> Precision.INT8;
                default -> throw new ConvLabException("--precision must be fp32 or int8, received '" + precision + "'");
            };
            StoredModel stored = modelOption.load();
            OnnxExport.write(stored, out, force, p);
            command.commandLine().getOut().printf("wrote %s (%s%s, %d labels, input [N, %d, %d, %d] %s 0..255)%n", out, stored.ref(),
                    p == Precision.INT8 ? ", int8 QDQ" : "",
                    stored.card().labels().size(), stored.card().input().channels(), stored.card().input().height(),
                    stored.card().input().width(), stored.card().input().channels() == 1 ? "grey" : "RGB");
            command.commandLine().getOut().flush();
            return ConvLab.EXIT_OK;
        }
    }
}
