package org.convlab.cli;

import org.convlab.interop.OnnxExport;
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


        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            StoredModel stored = modelOption.load();
            OnnxExport.write(stored, out, force);
            command.commandLine().getOut().printf("wrote %s (%s, %d labels, input [N, %d, %d, %d] %s 0..255)%n", out, stored.ref(),
                    stored.card().labels().size(), stored.card().input().channels(), stored.card().input().height(),
                    stored.card().input().width(), stored.card().input().channels() == 1 ? "grey" : "RGB");
            command.commandLine().getOut().flush();
            return ConvLab.EXIT_OK;
        }
    }
}
