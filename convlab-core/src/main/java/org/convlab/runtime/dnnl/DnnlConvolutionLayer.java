package org.convlab.runtime.dnnl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's convolution layer with a ReLU (or identity) activation run whole on oneDNN: ReLU is
 * applied as the convolution's post-op, and its backward pass reads the layer's own output
 * ({@link ReluBackward}) instead of the pre-activation sums.
 *
 * <p>DL4J 1.0.0-M2.1's {@code ConvolutionLayer} hands only the convolution to its helper: it
 * applies the activation itself (libnd4j, a second pass over the output), keeps a copy of the sums
 * for backprop (or convolves again to recompute them), and differentiates the activation with
 * libnd4j's relu_bp; on the main job's model those took about a fifth of a training step. So
 * {@link DnnlHelpers} puts this layer object in the graph instead; the configuration, and so every
 * stored model, Keras import and ONNX export, stays DL4J's. Layers with other activations, dropout
 * on their input or weight noise keep DL4J's object with a {@link DnnlConvolution} helper.
 */
final class DnnlConvolutionLayer extends ConvolutionLayer {
    private static final ActivationReLU RELU = new ActivationReLU();
    private final DnnlConvolution engine;
    private final boolean relu;
    private final ReluBackward reluBackward;
    /** The input and output of the last training pass: backprop reads ReLU's derivative off that output. */
    private INDArray trainedOn;
    private INDArray trainedOutput;

    DnnlConvolutionLayer(NeuralNetConfiguration conf, DataType dataType, DnnlConvolution engine) {
        super(conf, dataType);
        var layer = (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) conf.getLayer();
        if (!handles(layer)) {
            throw new IllegalArgumentException("a convolution layer ConvLab does not run whole on oneDNN: " + layer);
        }
        this.engine = engine;
        this.relu = RELU.equals(layer.getActivationFn());
        // The output and its gradient are in the type of the link they travel through.
        LayoutLink out = engine.outputLink();
        reluBackward = new ReluBackward(out == null ? org.bytedeco.dnnl.memory.data_type.f32 : out.type());
        // Also DL4J's helper, for reports and for inputs of another type (DL4J's path then).
        DnnlHelpers.setHelper(this, engine);
    }

    /** Whether a convolution layer of this configuration runs here: plain ReLU or identity, no dropout or weight noise. */
    static boolean handles(org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf) {
        IActivation activation = conf.getActivationFn();
        return (RELU.equals(activation) || activation instanceof ActivationIdentity)
                && conf.getIDropout() == null && conf.getWeightNoise() == null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (input.dataType() != DataType.FLOAT) {
            return super.activate(training, workspaceMgr);
        }
        validateInputRank();
        validateInputDepth(getParam(ConvolutionParamInitializer.WEIGHT_KEY).size(1));
        INDArray output = convolve(workspaceMgr);
        trainedOn = training ? input : null;
        trainedOutput = training ? output : null;
        return output;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray biasGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : dummyBiasGrad();
        if (input.dataType() != DataType.FLOAT || !Dnnl.dense(weightGrad) || !Dnnl.dense(biasGrad)) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray delta = Dnnl.readable(epsilon.castTo(DataType.FLOAT));
        if (relu) {
            INDArray gradAtSums = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                    epsilon.shape(), 'c');
            reluBackward.run(lastOutput(), delta, gradAtSums);
            delta = gradAtSums;
        }
        var conf = layerConf();
        return engine.gradients(input, getParam(ConvolutionParamInitializer.WEIGHT_KEY), delta, conf.getStride(),
                conf.getPadding(), conf.getDilation(), convolutionMode, biasGrad, weightGrad, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        trainedOn = null;
        trainedOutput = null;
    }

    private INDArray convolve(LayerWorkspaceMgr workspaceMgr) {
        var conf = layerConf();
        INDArray bias = hasBias() ? getParam(ConvolutionParamInitializer.BIAS_KEY) : dummyBias();
        return engine.convolve(input, getParam(ConvolutionParamInitializer.WEIGHT_KEY), bias, conf.getStride(),
                conf.getPadding(), conf.getDilation(), convolutionMode, relu, workspaceMgr);
    }

    /**
     * This input's output: the training pass's while its workspace still holds it; otherwise
     * (backprop with no training pass since, as a caller outside {@code fit} may do) convolved again.
     */
    private INDArray lastOutput() {
        if (trainedOn == input && trainedOutput != null && intact(trainedOutput)) {
            return trainedOutput;
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return convolve(LayerWorkspaceMgr.noWorkspaces());
        }
    }

    /** Whether an array still holds what it was written with: not in a workspace, or its workspace not reopened since. */
    private static boolean intact(INDArray array) {
        if (!array.isAttached()) {
            return true;
        }
        MemoryWorkspace workspace = array.data().getParentWorkspace();
        return workspace != null && workspace.isScopeActive() && workspace.getGenerationId() == array.data().getGenerationId();
    }

    private INDArray dummyBias() {
        if (dummyBias == null) {
            dummyBias = zerosPerFilter();
        }
        return dummyBias;
    }

    private INDArray dummyBiasGrad() {
        if (dummyBiasGrad == null) {
            dummyBiasGrad = zerosPerFilter();
        }
        return dummyBiasGrad;
    }

    /** A bias-shaped array of zeros, outside any workspace (a layer without a bias hands oneDNN these). */
    private INDArray zerosPerFilter() {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(DataType.FLOAT, 1, layerConf().getNOut());
        }
    }
}
