package org.convlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convlab.arch.Architectures;
import org.convlab.arch.GraphBuilder;
import org.convlab.arch.InputShape;
import org.convlab.runtime.dnnl.InferencePlan;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link InferencePlan} through {@link Networks#frozen}: a frozen graph that is one chain answers through the
 * compiled oneDNN chain, and that answer is checked against DL4J's own layers (a plain ComputationGraph on the
 * same parameters, no ConvLab kernels): batch norm folded, taken as post-ops, or run on its own, with running
 * statistics far from 0 and 1 and a head whose probabilities are far from uniform.
 */
class InferencePlanTest {

    /** Every kind of step the plan compiles, in the orders that exercise each fusion. */
    private static ComputationGraphConfiguration everyStep() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(15, 13, 3))
                // conv without activation -> batch norm (keeping log10 of its deviation, DL4J's default) -> ReLU layer:
                // norm folded into the weights, ReLU a post-op
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("n1", new BatchNormalization.Builder().build(), "c1")
                .addLayer("r1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "n1")
                // strided, padded conv with ReLU -> batch norm: the norm as per-channel post-ops
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(32)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU).build(), "r1")
                .addLayer("n2", new BatchNormalization.Builder().useLogStd(false).build(), "c2")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "n2")
                // a pooled map normalised on its own, then average pooling with padding and global pooling
                .addLayer("n3", new BatchNormalization.Builder().build(), "p1")
                .addLayer("p2", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Same).build(), "n3")
                .addLayer("c3", new ConvolutionLayer.Builder(1, 1).nOut(24).activation(Activation.RELU).build(), "p2")
                .addLayer("g", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c3")
                .addLayer("d1", new DenseLayer.Builder().nOut(20).activation(Activation.RELU).build(), "g")
                .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "d1")
                .addLayer("d2", new DenseLayer.Builder().nOut(12).hasBias(false).activation(Activation.IDENTITY).build(), "drop")
                .addLayer("n4", new BatchNormalization.Builder().build(), "d2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(7)
                        .activation(Activation.SOFTMAX).build(), "n4")
                .setOutputs("out").build();
    }

    /** Running statistics and scale/shift well away from a fresh layer's, and a sharp head. */
    private static void perturb(ComputationGraph graph, long seed) {
        long s = seed;
        for (var layer : graph.getLayers()) {
            for (var e : layer.paramTable().entrySet()) {
                INDArray p = e.getValue();
                switch (e.getKey()) {
                    case "mean", "beta" -> p.assign(SeededArrays.centred(s++, p.shape()));
                    case "var", "gamma" -> p.assign(SeededArrays.centred(s++, p.shape()).addi(1.0));
                    case "log10stdev" -> p.assign(SeededArrays.centred(s++, p.shape()).muli(0.4));
                    default -> { }
                }
            }
        }
        graph.getOutputLayer(0).getParam("W").muli(8);
    }

    /** The same parameters in a plain DL4J graph: a second implementation of every layer. */
    private static ComputationGraph dl4j(ComputationGraph graph) {
        ComputationGraph plain = new ComputationGraph(graph.getConfiguration().clone());
        plain.init(graph.params().dup(), true);
        return plain;
    }

    private static double maxAbsDifference(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void everyStepItCompilesAgreesWithDl4jsOwnLayers() {
        ComputationGraph graph = Networks.create(everyStep());
        perturb(graph, 1);
        ComputationGraph reference = dl4j(graph);
        try (PlannedGraph frozen = (PlannedGraph) Networks.frozen(graph, Precision.FP32, null)) {
            InferencePlan plan = frozen.plan();
            assertNotNull(plan, "a chain of these layers compiles");
            // n1 folded into c1 and r1 its post-op; n2 taken into c2; n3 on its own; dropout gone.
            assertEquals("conv2d+relu, conv2d+relu+batch_norm, max_pool, batch_norm, avg_pool, conv2d+relu, avg_global_pool,"
                    + " dense+relu, dense, batch_norm, output+softmax", plan.describe());
            for (int batch : new int[] {1, 5}) {
                INDArray x = SeededArrays.centred(10 + batch, batch, 3, 15, 13);
                INDArray expected = reference.outputSingle(false, x);
                INDArray actual = frozen.outputSingle(false, x);
                assertTrue(expected.maxNumber().doubleValue() > 0.5, "the head is sharp enough to show a difference");
                // Float rounding, amplified by the sharp head: a wrong padding, epsilon or fold shows as 1e-3 and more.
                assertTrue(maxAbsDifference(actual, expected) < 5e-5, "batch " + batch + ": " + maxAbsDifference(actual, expected));
                assertTrue(maxAbsDifference(frozen.layerByLayer(x), expected) < 5e-5, "the layer-by-layer path agrees too: "
                        + maxAbsDifference(frozen.layerByLayer(x), expected));
            }
        }
    }

    @Test
    void theMainJobsModelAgreesInFp32AndBf16() {
        ComputationGraph graph = GraphBuilder.of(Architectures.get("fruits-cnn-bn").withInput(InputShape.parse("28x28x1"))
                .withClasses(10)).optSeed(3).build();
        perturb(graph, 20);
        ComputationGraph reference = dl4j(graph);
        INDArray x = SeededArrays.centred(4, 3, 1, 28, 28).addi(0.5);
        INDArray expected = reference.outputSingle(false, x);
        try (PlannedGraph fp32 = (PlannedGraph) Networks.frozen(graph, Precision.FP32, null)) {
            assertNotNull(fp32.plan());
            assertTrue(maxAbsDifference(fp32.outputSingle(false, x), expected) < 1e-5);
        }
        if (Precision.available(Precision.BF16) == Precision.BF16) {
            try (PlannedGraph bf16 = (PlannedGraph) Networks.frozen(graph, Precision.BF16, null)) {
                assertNotNull(bf16.plan());
                INDArray actual = bf16.outputSingle(false, x);
                // bf16 keeps 8 bits of mantissa: probabilities within a few hundredths, the same classes chosen.
                assertTrue(maxAbsDifference(actual, expected) < 3e-2, actual + " vs " + expected);
                assertEquals(expected.argMax(1), actual.argMax(1));
            }
        }
    }

    @Test
    void aNetworkCutAfterAHiddenDenseLayerCompilesToItsActivations() {
        ComputationGraph graph = GraphBuilder.of(Architectures.get("fruits-cnn-bn").withInput(InputShape.parse("28x28x1"))
                .withClasses(10)).optSeed(4).build();
        perturb(graph, 21);
        INDArray x = SeededArrays.centred(5, 3, 1, 28, 28).addi(0.5);
        // DL4J's own layers on the whole graph: the second implementation.
        INDArray expected = Networks.inspectable(graph).feedForward(x, false).get("dense_1");
        try (PlannedGraph cut = (PlannedGraph) Networks.frozen(Networks.truncated(graph, "dense_1"), Precision.FP32, null)) {
            assertNotNull(cut.plan(), "an embedding runs as one compiled chain");
            assertTrue(cut.plan().describe().endsWith("output+relu"), cut.plan().describe());
            INDArray actual = cut.outputSingle(false, x);
            assertEquals(1024, actual.size(1));
            assertTrue(expected.maxNumber().doubleValue() > 0.1, "activations that show a difference");
            assertTrue(maxAbsDifference(actual, expected) < 1e-4, "difference " + maxAbsDifference(actual, expected));
        }
    }

    @Test
    void theMainJobsModelInInt8AgreesWithTheLayerByLayerInt8Path() {
        if (Precision.available(Precision.INT8) != Precision.INT8) {
            return; // no VNNI: int8 requests run in float
        }
        ComputationGraph graph = GraphBuilder.of(Architectures.get("fruits-cnn-bn").withInput(InputShape.parse("28x28x1"))
                .withClasses(10)).optSeed(3).build();
        perturb(graph, 40);
        INDArray x = SeededArrays.centred(8, 16, 1, 28, 28).addi(0.5);
        Int8Calibration calibration = Int8Calibration.measure(graph, java.util.List.of(x));
        INDArray floats = dl4j(graph).outputSingle(false, x);
        try (PlannedGraph int8 = (PlannedGraph) Networks.frozen(graph, Precision.INT8, calibration)) {
            InferencePlan plan = int8.plan();
            assertNotNull(plan);
            assertTrue(plan.describe().startsWith("conv2d+relu+batch_norm int8 (hands over integers),"), plan.describe());
            INDArray planned = int8.outputSingle(false, x);
            INDArray layers = int8.layerByLayer(x);
            // The same quantization points both ways (each layer's input at its calibrated scale): the same integers.
            assertTrue(maxAbsDifference(planned, layers) < 1e-4, "plan against layers: " + maxAbsDifference(planned, layers));
            assertTrue(maxAbsDifference(planned, floats) < 5e-2, "int8 against float: " + maxAbsDifference(planned, floats));
            assertTrue(plan.implementations().values().stream().flatMap(java.util.Set::stream).anyMatch(n -> n.contains("vnni")),
                    plan.implementations().toString());
        }
    }

    @Test
    void aGraphWithAResidualAddRunsLayerByLayer() {
        ComputationGraph graph = GraphBuilder.of(Architectures.get("resnet-small").withInput(InputShape.parse("16x16x3"))
                .withClasses(4)).optSeed(3).build();
        ComputationGraph reference = dl4j(graph);
        INDArray x = SeededArrays.centred(6, 2, 3, 16, 16);
        try (PlannedGraph frozen = (PlannedGraph) Networks.frozen(graph, Precision.FP32, null)) {
            assertNull(frozen.plan(), "an add vertex is not a chain");
            assertTrue(maxAbsDifference(frozen.outputSingle(false, x), reference.outputSingle(false, x)) < 1e-4);
        }
    }

    @Test
    void manyBatchSizesEachGetTheirOwnPrimitivesAndAClosedPlanRefuses() {
        ComputationGraph graph = Networks.create(everyStep());
        perturb(graph, 30);
        ComputationGraph reference = dl4j(graph);
        PlannedGraph frozen = (PlannedGraph) Networks.frozen(graph, Precision.FP32, null);
        InferencePlan plan = frozen.plan();
        // More sizes than the plan keeps compiled, then the first again: an evicted size is compiled anew.
        for (int batch : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1}) {
            INDArray x = SeededArrays.centred(batch, batch, 3, 15, 13);
            assertTrue(maxAbsDifference(frozen.output(false, x)[0], reference.outputSingle(false, x)) < 1e-5, "batch " + batch);
        }
        INDArray x = SeededArrays.centred(1, 1, 3, 15, 13);
        assertInstanceOf(INDArray.class, plan.output(x));
        frozen.close();
        assertThrows(IllegalStateException.class, () -> plan.output(x));
    }
}
