package org.convlab.arch;

import org.convlab.ops.ActivationFunction;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExactGeluTest {

    @Test
    void backpropIsTheDerivative() {
        INDArray x = Nd4j.linspace(-4, 4, 33, DataType.DOUBLE).reshape(1, 33);
        INDArray eps = Nd4j.ones(DataType.DOUBLE, 1, 33).muli(2);
        INDArray grad = new ExactGelu().backprop(x.dup(), eps).getFirst();
        for (int i = 0; i < 33; i++) {
            double xi = x.getDouble(0, i);
            // Independent: the reference derivative, times epsilon 2.
            assertEquals(2 * ActivationFunction.GELU.derivative(xi), grad.getDouble(0, i), 1e-6, "at " + xi);
        }
    }

    @Test
    void survivesTheGraphJsonRoundTrip() {
        ArchitectureSpec spec = new ArchitectureSpec("g", null, new InputShape(4, 4, 1), List.of(
                new FlattenSpec(null), DenseSpec.of(3, "gelu"), DenseSpec.of(2, "softmax")));
        ComputationGraphConfiguration conf = GraphBuilder.of(spec).configuration();
        ComputationGraphConfiguration again = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, again);
        assertTrue(conf.toJson().contains("ExactGelu"));
    }
}
