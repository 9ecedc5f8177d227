package org.convlab.runtime.dnnl;

import static org.convlab.runtime.dnnl.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.convlab.runtime.Networks;
import org.convlab.runtime.Precision;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.bytedeco.dnnl.memory;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The bfloat16 convolutions against float32 ones (DL4J's own code, a second implementation). The
 * expectation is bf16's: operands rounded to 8 significant bits, products summed in float. So a
 * first layer fed bf16-exact input and weights must agree with float to float rounding, and whole
 * networks within bf16's precision (about 2^-8 relative per operand).
 */
class DnnlBf16Test {


    private static ComputationGraphConfiguration network(int channels, int filters) {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 10, channels))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(filters).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(filters).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "c1")
                .addLayer("c3", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(filters)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).build(), "c2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "c3")
                .setOutputs("out").build();
    }

    /** A network on ConvLab's bf16 helpers and the same weights on DL4J's float code. */
    private static ComputationGraph[] pair(int channels, int filters, boolean linkedLayouts) {
        ComputationGraph bf16 = new ComputationGraph(network(channels, filters));
        bf16.init();
        DnnlHelpers.install(bf16, linkedLayouts, true, false, Map.of());
        ComputationGraph reference = new ComputationGraph(network(channels, filters));
        reference.init(bf16.params().dup(), true);
        for (String name : new String[] {"c1", "c2", "c3"}) {
            DnnlHelpers.setHelper(conv(reference, name), null);
        }
        return new ComputationGraph[] {bf16, reference};
    }

    private static org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv(ComputationGraph net, String name) {
        return (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer(name);
    }

    /** Rounds every element to the nearest bfloat16 (ties to even), computed here bit by bit. */
    private static INDArray roundedToBf16(INDArray x) {
        float[] v = x.dup('c').data().asFloat();
        for (int i = 0; i < v.length; i++) {
            int bits = Float.floatToRawIntBits(v[i]);
            bits = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
            v[i] = Float.intBitsToFloat(bits);
        }
        return Nd4j.create(v, x.shape(), 'c');
    }

    private static INDArray input(long seed, int channels) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, 4, channels, 12, 10).subi(0.5);
    }

    @Test
    void convolutionsRunOnOneDnnsBf16KernelsAndMultiplyBf16Operands() {
        OneDnn.requireBf16();
        ComputationGraph[] nets = pair(3, 16, false);
        INDArray x = input(1, 3);
        INDArray actual = nets[0].feedForward(x, false).get("c1");
        Map<DnnlConvolution.Geometry, String> used =
                ((DnnlConvolution) DnnlHelpers.helperOf(conv(nets[0], "c1"))).implementations();
        assertTrue(used.values().stream().allMatch(name -> name.contains("bf16")), "c1 ran on " + used);

        // Float arithmetic on bf16-rounded input and weights is what a bf16 product with float sums gives.
        INDArray w = nets[1].getLayer("c1").getParam("W");
        INDArray exactW = roundedToBf16(w);
        nets[1].getLayer("c1").setParam("W", exactW);
        assertClose(nets[1].feedForward(roundedToBf16(x), false).get("c1"), actual, 1e-5, "c1 on bf16-exact operands");
        // ... and not what float arithmetic on the unrounded values gives: the rounding really happened.
        nets[1].getLayer("c1").setParam("W", w);
        INDArray unrounded = nets[1].feedForward(x, false).get("c1");
        double diff = unrounded.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff > 1e-4 * unrounded.amaxNumber().doubleValue(), "bf16 and fp32 agree to " + diff);
    }

    /** One backward pass of a helper: weight, bias and input gradients. */
    private static INDArray[] backward(DnnlConvolution helper, INDArray input, INDArray weights, INDArray delta) {
        INDArray weightGrad = Nd4j.create(DataType.FLOAT, weights.shape());
        INDArray biasGrad = Nd4j.create(DataType.FLOAT, 1, weights.size(0));
        var result = helper.backpropGradient(input, weights, Nd4j.zeros(DataType.FLOAT, 1, weights.size(0)), delta,
                new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, biasGrad, weightGrad,
                new org.nd4j.linalg.activations.impl.ActivationIdentity(), null, null, null, ConvolutionMode.Same,
                new int[] {1, 1}, org.deeplearning4j.nn.conf.CNN2DFormat.NCHW,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        return new INDArray[] {weightGrad, biasGrad, result.getSecond()};
    }

    @Test
    void backwardPassMultipliesBf16OperandsAndSumsInFloat() {
        OneDnn.requireBf16();
        Nd4j.getRandom().setSeed(4);
        INDArray input = Nd4j.rand(DataType.FLOAT, 4, 16, 12, 10).subi(0.5);
        INDArray weights = Nd4j.rand(DataType.FLOAT, 32, 16, 3, 3).subi(0.5).muli(0.2);
        INDArray delta = Nd4j.rand(DataType.FLOAT, 4, 32, 6, 5).subi(0.5);
        INDArray[] bf16 = backward(new DnnlConvolution(true, true, null, null, true, false, null, null, false), input, weights, delta);
        INDArray[] exact = backward(new DnnlConvolution(true, true, null, null, false, false, null, null, false), roundedToBf16(input),
                roundedToBf16(weights), roundedToBf16(delta));
        String[] names = {"weight gradient", "bias gradient", "input gradient"};
        for (int i = 0; i < 3; i++) {
            assertClose(exact[i], bf16[i], 1e-5, names[i] + " against float sums of bf16-exact operands");
        }
    }

    @Test
    void outputsGradientsAndTrainingStepsStayWithinBf16PrecisionOfFloat() {
        OneDnn.requireBf16();
        ComputationGraph[] nets = pair(16, 32, true);
        INDArray x = input(2, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 4);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, (i * 3) % 4, 1f);
        }
        assertClose(nets[1].outputSingle(x), nets[0].outputSingle(x), 2e-2, "output");
        INDArray[] grads = Close.gradients(x, y, nets);
        assertEquals(nets[1].score(), nets[0].score(), 1e-2 * nets[1].score());
        // Sums of many rounded products partly cancel, so single elements (bias gradients above all)
        // may differ by several per cent, in PyTorch's bf16 autocast as here; the vector as a whole
        // stays close.
        double relative = grads[1].sub(grads[0]).norm2Number().doubleValue() / grads[1].norm2Number().doubleValue();
        assertTrue(relative < 0.1, "gradient differs from float's by " + relative + " of its norm");
        for (int step = 0; step < 3; step++) {
            nets[0].fit(new INDArray[] {x}, new INDArray[] {y});
            nets[1].fit(new INDArray[] {x}, new INDArray[] {y});
        }
        assertClose(nets[1].params(), nets[0].params(), 1e-2, "parameters after 3 SGD steps");
    }

    @Test
    void aDnnlDenseLayerMultipliesBf16WeightsAndSumsInFloat() {
        OneDnn.requireBf16();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(8).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(300))
                .addLayer("d", new DenseLayer.Builder().nOut(70).activation(Activation.IDENTITY).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build();
        ComputationGraph frozen = new ComputationGraph(conf);
        frozen.init();
        ComputationGraph reference = new ComputationGraph(conf.clone());
        reference.init(frozen.params().dup(), true);
        DnnlHelpers.install(frozen, true, true, true, Map.of());
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 300).subi(0.5);
        INDArray actual = frozen.feedForward(x, false).get("d");
        DnnlDenseLayer d = (DnnlDenseLayer) frozen.getLayer("d");
        assertTrue(d.product().implementation(5).contains("bf16"), "d ran on " + d.product().implementation(5));

        // DL4J's float product of the bf16-rounded input and weights (the bias stays float).
        INDArray w = reference.getLayer("d").getParam("W");
        reference.getLayer("d").setParam("W", roundedToBf16(w));
        assertClose(reference.feedForward(roundedToBf16(x), false).get("d"), actual, 1e-5, "d on bf16-exact operands");
        reference.getLayer("d").setParam("W", w);
        INDArray unrounded = reference.feedForward(x, false).get("d");
        double diff = unrounded.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff > 1e-4 * unrounded.amaxNumber().doubleValue(), "bf16 and fp32 agree to " + diff);
    }

    private static double relativeDistance(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    private static ComputationGraphConfiguration chain(Activation middle) {
        return new NeuralNetConfiguration.Builder().seed(9).dataType(DataType.FLOAT).updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 10, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "c1")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "bn")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(middle).build(), "p1")
                .addLayer("c3", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "c2")
                .addLayer("d", new DenseLayer.Builder().nOut(20).activation(Activation.RELU).build(), "c3")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build();
    }

    @Test
    void bf16GraphsHandBf16TensorsFromLayerToLayer() {
        OneDnn.requireBf16();
        // DL4J's own float code, trained a little so that the batch norm's running statistics are not 0 and 1.
        ComputationGraph reference = new ComputationGraph(chain(Activation.RELU));
        reference.init();
        INDArray x = input(12, 3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 4);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, (i + 1) % 4, 1f);
        }
        for (int i = 0; i < 3; i++) {
            reference.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        ComputationGraph frozen = new ComputationGraph(chain(Activation.RELU));
        frozen.init(reference.params().dup(), true);
        DnnlHelpers.install(frozen, true, true, true, Map.of());
        INDArray expected = reference.outputSingle(false, x);
        assertClose(expected, frozen.outputSingle(false, x), 2e-2, "frozen bf16 output");
        DnnlBatchNorm bn = (DnnlBatchNorm) DnnlHelpers.helperOf((org.deeplearning4j.nn.layers.normalization.BatchNormalization) frozen.getLayer("bn"));
        assertEquals(memory.data_type.bf16.value, bn.inputLink().type().value, "c1 -> bn -> p1 -> c2 -> c3 carried bf16");

        // A convolution whose activation DL4J applies (tanh) reads floats: the link stays float.
        ComputationGraph mixed = new ComputationGraph(chain(Activation.TANH));
        mixed.init(reference.params().dup(), true);
        DnnlHelpers.install(mixed, true, true, true, Map.of());
        DnnlBatchNorm mixedBn = (DnnlBatchNorm) DnnlHelpers.helperOf((org.deeplearning4j.nn.layers.normalization.BatchNormalization) mixed.getLayer("bn"));
        ComputationGraph mixedReference = new ComputationGraph(chain(Activation.TANH));
        mixedReference.init(reference.params().dup(), true);
        assertClose(mixedReference.outputSingle(false, x), mixed.outputSingle(false, x), 2e-2, "frozen bf16 output with tanh");
        assertEquals(memory.data_type.f32.value, mixedBn.inputLink().type().value);

        // Training: activations and their gradients travel in bf16 too, and a step stays within bf16's precision.
        ComputationGraph training = new ComputationGraph(chain(Activation.RELU));
        training.init(reference.params().dup(), true);
        DnnlHelpers.install(training, true, true, false, Map.of());
        DnnlBatchNorm trainingBn = (DnnlBatchNorm) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.normalization.BatchNormalization) training.getLayer("bn"));
        assertEquals(memory.data_type.bf16.value, trainingBn.inputLink().type().value);
        // With batch norm over 4 images, bf16 products alone put the gradient ~13% (of its norm) off float's
        // on this tiny network; carrying the tensors in bf16 too must not add much to that.
        ComputationGraph unlinked = new ComputationGraph(chain(Activation.RELU));
        unlinked.init(reference.params().dup(), true);
        DnnlHelpers.install(unlinked, false, true, false, Map.of());
        ComputationGraph[] nets = {reference, training, unlinked};
        INDArray[] grads = Close.gradients(x, y, nets);
        double productsAlone = relativeDistance(grads[0], grads[2]);
        double relative = relativeDistance(grads[0], grads[1]);
        assertTrue(relative < 1.5 * productsAlone, "gradient differs from float's by " + relative
                + " of its norm, with bf16 products alone by " + productsAlone);
        for (int step = 0; step < 3; step++) {
            reference.fit(new INDArray[] {x}, new INDArray[] {y});
            training.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        assertClose(reference.params(), training.params(), 1e-2, "parameters after 3 SGD steps");
    }

    @Test
    void theDoorBuildsBf16HelpersOnlyWhenAskedAndUnknownPrecisionsAreRefused() {
        OneDnn.requireBf16();
        try {
            Precision.request(Precision.BF16);
            assertEquals(Precision.BF16, Precision.active());
            ComputationGraph net = Networks.create(network(3, 8));
            net.outputSingle(input(3, 3));
            assertTrue(((DnnlConvolution) DnnlHelpers.helperOf(conv(net, "c2"))).implementations().values().stream()
                    .allMatch(name -> name.contains("bf16")));
            Precision.request(Precision.FP32);
            ComputationGraph plain = Networks.copy(net);
            plain.outputSingle(input(3, 3));
            assertTrue(((DnnlConvolution) DnnlHelpers.helperOf(conv(plain, "c2"))).implementations().values().stream()
                    .noneMatch(name -> name.contains("bf16")));
        } finally {
            Precision.request(null);
        }
        BadSettingException e = assertThrows(BadSettingException.class, () -> Precision.parse("fp16"));
        assertEquals(Setting.PRECISION, e.setting());
        assertEquals("--precision must be fp32, bf16 or int8, received 'fp16'", e.messageNaming(Setting::flag));
    }
}
