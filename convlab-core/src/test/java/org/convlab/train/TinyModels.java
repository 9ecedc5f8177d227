package org.convlab.train;

import org.convlab.data.DataSource;
import org.convlab.job.RunFigures;
import org.convlab.job.TrainingJob;
import org.convlab.job.TrainingRequest;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.SpecJson;
import org.convlab.zoo.ModelRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/** A small architecture and a trained model on generated shapes, shared by the training tests. */
public final class TinyModels {
    private TinyModels() {
    }

    public static ArchitectureSpec spec() {
        try (InputStream in = TinyModels.class.getResourceAsStream("tiny.json")) {
            return SpecJson.read(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "tiny.json");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #spec()} with batch norm after its first convolution. */
    public static ArchitectureSpec withBatchNorm() {
        String json = """
                {"name": "tiny-bn", "input": {"height": 16, "width": 16, "channels": 3}, "layers": [
                  {"type": "conv2d", "filters": 8, "kernel": 3, "padding": "same"},
                  {"type": "batch_norm"},
                  {"type": "max_pool"},
                  {"type": "flatten"},
                  {"type": "dense", "units": 4, "activation": "softmax"}]}
                """;
        return SpecJson.read(json, "tiny-bn");
    }

    /** Output of a run, kept quiet. */
    public static PrintStream quiet(ByteArrayOutputStream sink) {
        return new PrintStream(sink, true);
    }

    /** What a run says, as the command line would print it, into {@code sink}. */
    public static TrainingListener listener(ByteArrayOutputStream sink) {
        return new ConsoleProgress(quiet(sink), false);
    }

    /** Trains "shapes" on synthetic:4:200 at 16x16x3 for a few epochs into {@code registry}. */
    public static TrainingJob.Outcome train(Path registry, int epochs, ByteArrayOutputStream log) {
        return train(registry, epochs, log, RunFigures.NONE);
    }

    /** As {@link #train(Path, int, ByteArrayOutputStream)}, storing what {@code figures} draws beside the model. */
    public static TrainingJob.Outcome train(Path registry, int epochs, ByteArrayOutputStream log, RunFigures figures) {
        ModelRegistry reg = ModelRegistry.at(registry);
        TrainingOptions options = TrainingOptions.builder().optEpochs(epochs).optBatch(16).optLearningRate(3e-3).optSeed(1)
                .optPatience(0).optCheckpointDir(reg.checkpointDir("shapes")).build();
        return TrainingJob.run(TrainingRequest.builder().setArchitecture(spec()).setData(DataSource.synthetic(4, 200))
                .setName("shapes").optOptions(options).optFigures(figures).build(), reg, listener(log));
    }
}
