package org.convlab.cli;

import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.InputShape;
import org.convlab.data.Preprocessing;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.convlab.arch.GraphBuilder;
import org.convlab.arch.ModelSummary;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code convlab summary}: the architecture's Keras-style table, read from the built DL4J graph. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = {"Print an architecture's layers, output shapes and parameter counts as Keras' model.summary() does.",
                "Example: convlab summary --arch fruits-cnn --input 28x28x1 --classes 10"})
final class SummaryCommand implements Callable<Integer> {
    @Mixin
    ArchOptions archOptions;

    @Option(names = "--json", description = "Print the table as JSON.")
    boolean json;

    @Option(names = "--dl4j", description = "Print DL4J's own summary of the graph instead.")
    boolean dl4j;

    @Option(names = "--model", paramLabel = "NAME[:VERSION]",
            description = "A stored model's table instead (trained or imported), read from its network.")
    String model;

    @Mixin
    RegistryOption registryOption;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        ComputationGraph graph;
        InputShape input;
        CNN2DFormat format = CNN2DFormat.NCHW;
        boolean sequential = false;
        if (model != null) {
            StoredModel stored = registryOption.open().load(model);
            graph = stored.graph();
            input = stored.card().input();
            if (stored.card().preprocessing().layout() == Preprocessing.Layout.NHWC) {
                format = CNN2DFormat.NHWC;
            }
            sequential = stored.card().source() != null && "Sequential".equals(stored.card().source().modelClass());
        } else {
            ArchitectureSpec spec = archOptions.spec();
            graph = GraphBuilder.of(spec).build();
            input = spec.input();
        }
        ModelSummary summary = ModelSummary.of(graph, input, format);
        // As Keras prints it: a Sequential model's table has no input row.
        summary = sequential ? summary.withoutInputRow() : summary;
        var out = command.commandLine().getOut();
        if (dl4j) {
            out.print(graph.summary());
        } else if (json) {
            out.print(Json.write(summary));
        } else {
            out.print(summary.toKerasText());
        }
        out.flush();
        return ConvLab.EXIT_OK;
    }
}
