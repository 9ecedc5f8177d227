package org.convlab.train;

import org.convlab.arch.GraphBuilder;
import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Test-time flip: each image's probabilities averaged with those of its left-right mirror. */
class FlipEvaluationTest {
    @Test
    void flipAveragesEachImageWithItsMirror() {
        ImageSource source = DataSources.open(org.convlab.data.DataSource.parse("synthetic:4:10"), TinyModels.spec().input()).train();
        ComputationGraph graph = GraphBuilder.of(TinyModels.spec().withClasses(4)).optSeed(9).build();
        List<String> labels = source.labels();

        // The expected loss, mirroring each image by hand: column w becomes column width-1-w.
        double lossSum = 0;
        int n = 0;
        DataSetIterator it = source.iterator(16, false, 0);
        while (it.hasNext()) {
            DataSet ds = it.next();
            INDArray x = ds.getFeatures();
            INDArray mirror = x.dup();
            long width = x.size(3);
            for (long w = 0; w < width; w++) {
                mirror.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(w))
                        .assign(x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(width - 1 - w)));
            }
            INDArray p = graph.outputSingle(false, x).add(graph.outputSingle(false, mirror)).div(2);
            for (int i = 0; i < ds.numExamples(); i++) {
                lossSum -= Math.log(p.getDouble(i, ds.getLabels().getRow(i).argMax().getInt(0)));
            }
            n += ds.numExamples();
        }
        EvaluationReport flipped = Evaluator.evaluate(graph, source, labels, 16, true);
        EvaluationReport plain = Evaluator.evaluate(graph, source, labels, 16, false);
        assertEquals(lossSum / n, flipped.loss(), 1e-5);
        assertNotEquals(plain.loss(), flipped.loss(), "generated shapes are not all mirror-symmetric");
    }
}
