package org.convlab.runtime.dnnl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's output layer with its products on oneDNN ({@link InnerProduct}); the loss, its gradient
 * and the activation stay DL4J's. Masks and weight noise run DL4J's own code. Its training passes
 * count the examples they classify right (read as {@code org.convlab.runtime.TrainingAccuracy}).
 */
final class DnnlOutputLayer extends OutputLayer {
    private final InnerProduct product;
    private long correct;
    private long examples;

    DnnlOutputLayer(NeuralNetConfiguration conf, DataType dataType, InnerProduct product) {
        super(conf, dataType);
        this.product = product;
    }

    /** See {@link DnnlHelpers#takeOutputCounts}. */
    long[] takeCounts() {
        long[] counts = {correct, examples};
        correct = 0;
        examples = 0;
        return counts;
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
        if (!runsHere()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray labels = getLabels2d(workspaceMgr, ArrayType.BP_WORKING_MEM);
        INDArray z = preOutput2d(true, workspaceMgr);
        // The largest logit is the largest output of softmax, or of any monotonic activation.
        correct += z.argMax(1).eq(labels.argMax(1)).castTo(DataType.INT).sumNumber().longValue();
        examples += z.size(0);
        INDArray delta = layerConf().getLossFn().computeGradient(labels, z, layerConf().getActivationFn(), maskArray);
        INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        INDArray biasGrad = hasBias() ? gradientViews.get(DefaultParamInitializer.BIAS_KEY) : null;
        INDArray gradAtInput = product.backward(input, delta, getParam(DefaultParamInitializer.WEIGHT_KEY), weightGrad,
                biasGrad, workspaceMgr);
        // DL4J's order: the weights' gradient first.
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
        if (hasBias()) {
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
        }
        return new Pair<>(gradient, backpropDropOutIfPresent(gradAtInput));
    }

    private boolean runsHere() {
        return maskArray == null && layerConf().getWeightNoise() == null
                && InnerProduct.takes(input, getParam(DefaultParamInitializer.WEIGHT_KEY));
    }
}
