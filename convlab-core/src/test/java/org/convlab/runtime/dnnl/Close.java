package org.convlab.runtime.dnnl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Agreement between two implementations, relative to the largest value expected. */
final class Close {
    private Close() {
    }

    static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": max difference " + diff + " against a scale of " + scale);
    }

    /** Each network's whole gradient (a copy) and, as DL4J keeps it, its loss, for inputs {@code x} and labels {@code y}. */
    static INDArray[] gradients(INDArray x, INDArray y, ComputationGraph... nets) {
        INDArray[] gradients = new INDArray[nets.length];
        for (int i = 0; i < nets.length; i++) {
            nets[i].setInputs(x);
            nets[i].setLabels(y);
            nets[i].computeGradientAndScore();
            gradients[i] = nets[i].gradient().gradient().dup();
        }
        return gradients;
    }
}
