package org.convlab.cli;

import org.convlab.ops.MatrixCsv;
import org.convlab.ops.Padding;
import org.convlab.ops.PoolType;
import org.convlab.ops.Pooling;
import org.convlab.ops.Volume;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code convlab pool}: max, average or sum pooling of a matrix. */
@Command(name = "pool", mixinStandardHelpOptions = true,
        description = {"Down-sample a matrix by max, average or sum pooling; prints the result as CSV.",
                "Example: convlab pool --matrix in.csv --type max --size 2 --stride 2"})
final class PoolCommand implements Callable<Integer> {
    @Option(names = "--matrix", paramLabel = "IN.csv", required = true, description = "A matrix as CSV.")
    Path matrix;

    @Option(names = "--type", required = true, paramLabel = "max|avg|sum", description = "What each window keeps.")
    String type;

    @Option(names = "--size", converter = Counts.AtLeastOne.class, defaultValue = "2", description = "Window side. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--stride", converter = Counts.AtLeastOne.class, description = "How far the window slides. Default: the window side.")
    Integer stride;

    @Option(names = "--padding", defaultValue = "valid", paramLabel = "same|valid",
            description = "'same' keeps ceil(n/stride) cells (padding left out of max and average), 'valid' adds none. Default: ${DEFAULT-VALUE}.")
    String padding;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        PoolType kind = PoolType.parse(type);
        Pooling pooling = Pooling.of(kind).optSize(size).optStride(stride == null ? size : stride)
                .optPadding(Padding.parse(padding)).build();
        Volume y = pooling.apply(Volume.of(MatrixCsv.read(matrix)));
        command.commandLine().getOut().print(MatrixCsv.format(y.channel(0)));
        command.commandLine().getOut().flush();
        return ConvLab.EXIT_OK;
    }
}
