package org.convlab.cli;

import org.convlab.arch.ArchitectureSpec;
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

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        ArchitectureSpec spec = archOptions.spec();
        ComputationGraph graph = GraphBuilder.of(spec).build();
        var out = command.commandLine().getOut();
        if (dl4j) {
            out.print(graph.summary());
        } else if (json) {
            out.print(Json.write(ModelSummary.of(graph, spec.input())));
        } else {
            out.print(ModelSummary.of(graph, spec.input()).toKerasText());
        }
        out.flush();
        return ConvLab.EXIT_OK;
    }
}
