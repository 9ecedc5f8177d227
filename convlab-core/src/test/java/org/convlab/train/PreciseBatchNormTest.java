package org.convlab.train;

import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After a short run, batch norm's running statistics are those of the final weights (--precise-bn, on by default). */
class PreciseBatchNormTest {
    @Test
    void aShortRunKeepsStatisticsThatMatchItsWeights() {
        DataSources.Bundle data = DataSources.open(org.convlab.data.DataSource.parse("synthetic:4:100"), TinyModels.withBatchNorm().input());
        ImageSource.Split split = data.train().split(0.2, 1);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingOptions.Builder options = TrainingOptions.builder().optEpochs(1).optBatch(16).optSeed(5).optPatience(0);
        TrainingResult precise = Trainer.train(TinyModels.withBatchNorm(), split.first(), split.second(), options.build(),
                TinyModels.listener(log));
        assertTrue(log.toString().contains("batch norm: the running mean and variance of 1 layer(s) recomputed from 320 training images"),
                log.toString());
        TrainingResult moving = Trainer.train(TinyModels.withBatchNorm(), split.first(), split.second(),
                options.optPreciseBatchNorm(false).build(), TinyModels.listener(new ByteArrayOutputStream()));

        // The population mean and variance of what the batch-norm layer reads (the convolution's
        // output, the same in training and inference) over all 320 training images, in one go.
        ComputationGraph g = precise.graph();
        List<INDArray> outputs = new ArrayList<>();
        DataSetIterator it = split.first().iterator(64, false, 0);
        while (it.hasNext()) {
            DataSet ds = it.next();
            outputs.add(g.feedForward(ds.getFeatures(), false).get("conv2d_1"));
        }
        INDArray all = org.nd4j.linalg.factory.Nd4j.concat(0, outputs.toArray(INDArray[]::new));
        org.deeplearning4j.nn.api.Layer bn = g.getLayer("batch_normalization_1");
        assertArrayEquals(all.mean(0, 2, 3).toFloatVector(), bn.getParam("mean").toFloatVector(), 1e-4f);
        assertArrayEquals(all.var(false, 0, 2, 3).toFloatVector(), bn.getParam("var").toFloatVector(), 1e-3f);

        // 20 steps of Keras' moving average (momentum 0.99) leave it mostly at its start (mean 0, variance 1).
        INDArray movingMean = moving.graph().getLayer("batch_normalization_1").getParam("mean");
        assertFalse(movingMean.equalsWithEps(bn.getParam("mean"), 1e-2), "the moving average is far from the population mean");
        double lossPrecise = Evaluator.lossAndAccuracy(precise.graph(), split.first(), 16).loss();
        double lossMoving = Evaluator.lossAndAccuracy(moving.graph(), split.first(), 16).loss();
        assertTrue(lossPrecise < lossMoving, "inference loss on the training images: " + lossPrecise + " against " + lossMoving);
    }
}
