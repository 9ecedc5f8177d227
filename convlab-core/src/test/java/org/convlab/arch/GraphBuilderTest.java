package org.convlab.arch;

import org.convlab.runtime.ConvEngine;
import org.convlab.runtime.NativeSetup;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GraphBuilderTest {
    private static ComputationGraph seedModel;

    @BeforeAll
    static void build() {
        seedModel = GraphBuilder.of(Architectures.get("fruits-cnn")).optSeed(7).build();
    }

    private static DataSet randomBatch(int n, int classes) {
        INDArray features = Nd4j.rand(DataType.FLOAT, n, 3, 100, 100);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, i % classes, 1f);
        }
        return new DataSet(features, labels);
    }

    @Test
    void seedModelHasTheTutorialsParameterCount() {
        assertEquals(10_865_724L, seedModel.numParams());
    }

    @Test
    void forwardPassGivesOneProbabilityRowPerImage() {
        INDArray out = seedModel.outputSingle(randomBatch(4, 60).getFeatures());
        assertArrayEquals(new long[] {4, 60}, out.shape());
        INDArray rowSums = out.sum(1);
        for (int i = 0; i < 4; i++) {
            assertEquals(1.0, rowSums.getDouble(i), 1e-4);
        }
        assertTrue(out.minNumber().doubleValue() >= 0);
    }

    @Test
    void oneFitStepLeavesNoNaN() {
        ComputationGraph net = GraphBuilder.of(Architectures.get("fruits-cnn")).optSeed(3).build();
        INDArray before = net.params().dup();
        net.fit(randomBatch(4, 60));
        INDArray after = net.params();
        assertFalse(after.isNaN().any(), "NaN in parameters after one step");
        assertFalse(after.isInfinite().any(), "Inf in parameters after one step");
        assertTrue(after.sub(before).norm2Number().doubleValue() > 0, "one step of Adam changed nothing");
    }

    @Test
    void weightsAreGlorotUniformAndBiasesZero() {
        Layer conv1 = seedModel.getLayer("conv2d_1");
        INDArray w = conv1.getParam("W");
        INDArray b = conv1.getParam("b");
        // Glorot uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), fan_in = 3*3*3, fan_out = 3*3*32.
        double limit = Math.sqrt(6.0 / (27 + 288));
        assertTrue(w.amaxNumber().doubleValue() <= limit + 1e-6);
        // A uniform sample of 864 values reaches close to its bound; a normal init of the same variance would not stay inside it.
        assertTrue(w.amaxNumber().doubleValue() > 0.9 * limit);
        assertEquals(0.0, b.amaxNumber().doubleValue());
        assertEquals(w.length(), 864);
    }

    /**
     * DL4J 1.0.0-M2.1 silently runs convolution and pooling without oneDNN (see
     * org.nd4j.nativeblas.Nd4jCpu). This fails if any convolution of fruits-cnn lost its oneDNN
     * helper (ConvLab's, or DL4J's with convlab.conv=dl4j) after a forward pass and a training
     * step, so an upgrade that changes the mechanism breaks loudly instead of running ten times
     * slower. Pooling: with ConvLab's convolutions libnd4j's platform helpers are off (its own
     * pooling loops are faster); with DL4J's, pooling keeps DL4J's oneDNN helper.
     */
    @Test
    void everyConvolutionRunsOnOneDnnAndPoolingOnItsFastestKernel() {
        assumeTrue(!"plain".equals(System.getenv(NativeSetup.BUILD_ENV)), "CONVLAB_CPU_BUILD=plain asks for no oneDNN");
        ComputationGraph net = GraphBuilder.of(Architectures.get("fruits-cnn")).build();
        net.fit(randomBatch(2, 60));
        net.outputSingle(randomBatch(2, 60).getFeatures());
        assertTrue(NativeSetup.oneDnnBuildLoaded(), "loaded ND4J library is not a oneDNN build: " + NativeSetup.loadedLibrary());
        boolean ours = ConvEngine.active() == ConvEngine.DNNL;
        List<String> checked = new ArrayList<>();
        for (Layer layer : net.getLayers()) {
            String name = layer.getConfig().getLayerName();
            if (layer instanceof ConvolutionLayer) {
                assertNotNull(layer.getHelper(), name + " runs without a oneDNN helper");
                String expected = ours ? "DnnlConvolution" : "MKLDNN";
                assertTrue(layer.getHelper().getClass().getSimpleName().startsWith(expected),
                        name + " uses " + layer.getHelper().getClass().getName());
                checked.add(name);
            } else if (layer instanceof SubsamplingLayer) {
                if (ours) {
                    assertEquals("DnnlPooling", layer.getClass().getSimpleName(), name + " runs on libnd4j's pooling");
                    assertFalse(Nd4j.getEnvironment().helpersAllowed(), name + ": libnd4j still routes its ops through oneDNN");
                } else {
                    assertNotNull(layer.getHelper(), name + " runs without a oneDNN helper");
                }
                checked.add(name);
            }
        }
        assertEquals(15, checked.size(), "11 convolutions and 4 poolings: " + checked);
    }

    @Test
    void nhwcGraphComputesWhatTheNchwGraphDoesWithTheSameWeights() {
        // Pooling down to 1x1 before flatten makes the flattened order the same in both layouts,
        // so one parameter vector serves both graphs.
        ArchitectureSpec spec = new ArchitectureSpec("layout", null, new InputShape(8, 8, 3), List.of(
                Conv2DSpec.of(6, 3, org.convlab.ops.Padding.SAME, "relu"),
                new PoolSpec("max_pool", null, Size2.square(2), null, org.convlab.ops.Padding.VALID),
                Conv2DSpec.of(5, 3, org.convlab.ops.Padding.VALID, "relu"),
                new PoolSpec("avg_pool", null, Size2.square(2), null, org.convlab.ops.Padding.VALID),
                new FlattenSpec(null), DenseSpec.of(4, "softmax")));
        ComputationGraph nchw = GraphBuilder.of(spec).optSeed(3).build();
        ComputationGraph nhwc = GraphBuilder.of(spec).optSeed(4).optDataFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC)
                .optWorkspaceMode(org.deeplearning4j.nn.conf.WorkspaceMode.NONE).build();
        nhwc.setParams(nchw.params().dup());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8);
        INDArray expected = nchw.outputSingle(x);
        INDArray actual = nhwc.outputSingle(x.permute(0, 2, 3, 1).dup());
        assertTrue(expected.equalsWithEps(actual, 1e-5), expected + " vs " + actual);
    }

    @Test
    void cachingConvolutionOutputsForBackpropChangesNoWeight() {
        ArchitectureSpec spec = org.convlab.train.TinyModels.spec();
        ComputationGraph recompute = GraphBuilder.of(spec).optSeed(9).optCacheMode(org.deeplearning4j.nn.conf.CacheMode.NONE).build();
        ComputationGraph cached = GraphBuilder.of(spec).optSeed(9).build();
        assertEquals(org.deeplearning4j.nn.conf.CacheMode.DEVICE, cached.getConfiguration().getCacheMode());
        assertEquals(recompute.params(), cached.params());
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 16, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 4);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 4, 1f);
        }
        for (int step = 0; step < 3; step++) {
            recompute.fit(new DataSet(x, y));
            cached.fit(new DataSet(x, y));
        }
        assertTrue(recompute.params().equalsWithEps(cached.params(), 1e-6));
        assertFalse(recompute.params().equalsWithEps(GraphBuilder.of(spec).optSeed(9).build().params(), 1e-6), "training moved the weights");
    }
}
