package org.convlab.arch;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * GELU in its exact form, {@code x * Phi(x)} with {@code Phi(x) = (1 + erf(x / sqrt 2)) / 2}, as
 * Keras and PyTorch compute it by default. DL4J 1.0.0-M2.1's two GELUs are approximations that
 * differ from it by up to 0.02 (default) and 0.03 ("precise"), measured over [-6, 6].
 */
public final class ExactGelu extends BaseActivationFunction {
    private static final double SQRT_2 = Math.sqrt(2);
    private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);

    /** Phi(x), the standard normal distribution function, element-wise. */
    private static INDArray cdf(INDArray x) {
        INDArray z = x.div(SQRT_2);
        Nd4j.getExecutioner().exec(new Erf(z, z));
        return z.addi(1).muli(0.5);
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return in.muli(cdf(in));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        // d/dx x Phi(x) = Phi(x) + x phi(x), phi the standard normal density.
        INDArray density = Transforms.exp(in.mul(in).muli(-0.5), false).divi(SQRT_2PI);
        INDArray gradient = cdf(in).addi(density.muli(in));
        return new Pair<>(gradient.muli(epsilon), null);
    }

    @Override
    public String toString() {
        return "gelu";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExactGelu;
    }

    @Override
    public int hashCode() {
        return ExactGelu.class.hashCode();
    }
}
