package org.convlab.train;

import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CosineScheduleTest {
    @TempDir
    Path dir;

    @Test
    void followsHalfACosineDownToZeroThenStays() {
        CosineSchedule s = new CosineSchedule(1e-3, 1000);
        assertEquals(1e-3, s.valueAt(0, 0), 1e-15);
        // cos(pi/4) = sqrt(1/2): a quarter of the way the rate is 1e-3 * (1 + 0.7071) / 2.
        assertEquals(1e-3 * (1 + Math.sqrt(0.5)) / 2, s.valueAt(250, 0), 1e-15);
        assertEquals(5e-4, s.valueAt(500, 0), 1e-15);
        assertEquals(0, s.valueAt(1000, 0), 1e-15);
        assertEquals(0, s.valueAt(4000, 3), 1e-15);
    }

    @Test
    void aCosineRunEndsAtRateZeroAndTheScheduleIsSavedWithTheModel() throws Exception {
        ImageSource.Split split = DataSources.open(org.convlab.data.DataSource.parse("synthetic:4:40"), TinyModels.spec().input()).train().split(0.2, 1);
        TrainingOptions o = TrainingOptions.builder().optEpochs(2).optBatch(16).optLearningRate(3e-3)
                .optLearningRateSchedule(LearningRateSchedule.COSINE).optPatience(0).build();
        TrainingResult result = Trainer.train(TinyModels.spec(), split.first(), split.second(), o, TrainingListener.SILENT);
        ComputationGraph graph = result.graph();

        int perEpoch = (int) Math.ceil(split.first().size() / 16.0);
        int iterations = 2 * perEpoch;
        CosineSchedule expected = new CosineSchedule(3e-3, iterations);
        String firstLayer = TinyModels.spec().layers().get(0).name();
        // The kept (best) network carries the count of minibatches it has seen, so its rate is where the curve was then.
        assertEquals(result.bestEpoch() * perEpoch, graph.getIterationCount());
        assertEquals(expected.valueAt(graph.getIterationCount(), 0), graph.getLearningRate(firstLayer), 1e-12);

        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph copy = ModelSerializer.restoreComputationGraph(file, true);
        Adam adam = (Adam) ((BaseLayer) copy.getLayer(firstLayer).conf().getLayer()).getIUpdater();
        assertEquals(expected, adam.getLearningRateSchedule());
        assertEquals(graph.getIterationCount(), copy.getIterationCount());
    }
}
