package org.convlab.runtime.dnnl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's dense layer with its products on oneDNN ({@link InnerProduct}); the activation function,
 * dropout and everything else stay DL4J's. Layer norm, masks and weight noise run DL4J's own code.
 */
final class DnnlDenseLayer extends DenseLayer {
    private final InnerProduct product;

    DnnlDenseLayer(NeuralNetConfiguration conf, DataType dataType, InnerProduct product) {
        super(conf, dataType);
        this.product = product;
    }

    /** The inner product this layer runs on (for checks). */
    InnerProduct product() {
        return product;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                           LayerWorkspaceMgr workspaceMgr) {
        if (!runsHere()) {
            return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
        }
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = product.forward(input, getParam(DefaultParamInitializer.WEIGHT_KEY),
                hasBias() ? getParam(DefaultParamInitializer.BIAS_KEY) : null, workspaceMgr);
        return new Pair<>(z, z);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!runsHere() || epsilon.dataType() != DataType.FLOAT) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        // As DL4J does: the sums again (cheap next to keeping them), the activation's derivative, then the products.
        INDArray z = preOutputWithPreNorm(true, true, workspaceMgr).getFirst();
        INDArray delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst();
        INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        INDArray biasGrad = hasBias() ? gradientViews.get(DefaultParamInitializer.BIAS_KEY) : null;
        INDArray gradAtInput = product.backward(input, delta, getParam(DefaultParamInitializer.WEIGHT_KEY), weightGrad,
                biasGrad, workspaceMgr);
        Gradient gradient = new DefaultGradient();
        if (hasBias()) {
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
        }
        gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
        return new Pair<>(gradient, backpropDropOutIfPresent(gradAtInput));
    }

    private boolean runsHere() {
        return !hasLayerNorm() && maskArray == null && layerConf().getWeightNoise() == null
                && InnerProduct.takes(input, getParam(DefaultParamInitializer.WEIGHT_KEY));
    }
}
