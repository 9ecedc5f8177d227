package org.convlab.arch;

import org.convlab.runtime.Networks;
import org.convlab.ops.Padding;

import org.convlab.runtime.NativeSetup;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/**
 * Builds a DL4J {@link ComputationGraph} from an {@link ArchitectureSpec} with Keras' semantics:
 * 'same'/'valid' convolutions, truncating ('valid') pooling so 25 becomes 12, Glorot-uniform
 * weights and zero biases, Adam, softmax with multi-class cross-entropy. Vertices carry the
 * spec's layer names, so {@code graph.getLayer("conv2d_1")} is the first convolution.
 *
 * <pre>{@code
 * ComputationGraph net = GraphBuilder.of(Architectures.get("fruits-cnn"))
 *         .optSeed(42)
 *         .optLearningRate(1e-3)
 *         .build();
 * net.numParams();   // 10,865,724
 * }</pre>
 */
public final class GraphBuilder {
    /** Suffix of the averaging vertex inside a sum-pooling layer; the summary folds it into its layer. */
    public static final String SUM_POOL_WINDOW_SUFFIX = "__window";
    /** The name of the graph's input vertex, as Keras names it. */
    public static final String INPUT_NAME = "input_1";

    private final ArchitectureSpec spec;
    private long seed = 12345;
    private double learningRate = 1e-3;
    private ISchedule learningRateSchedule;
    private WeightInitName weightInit = WeightInitName.GLOROT_UNIFORM;
    private CNN2DFormat dataFormat = CNN2DFormat.NCHW;
    private WorkspaceMode workspaceMode = WorkspaceMode.ENABLED;
    private CacheMode cacheMode = CacheMode.DEVICE;

    private GraphBuilder(ArchitectureSpec spec) {
        this.spec = spec;
    }

    public static GraphBuilder of(ArchitectureSpec spec) {
        return new GraphBuilder(spec);
    }

    /** Seed for weight initialisation and dropout (default 12345). */
    public GraphBuilder optSeed(long newSeed) {
        this.seed = newSeed;
        return this;
    }

    /** Adam's learning rate (default 1e-3, as Keras). */
    public GraphBuilder optLearningRate(double rate) {
        if (!(rate > 0)) {
            throw new org.convlab.ConvLabException("learning rate must be above 0, received " + rate);
        }
        this.learningRate = rate;
        return this;
    }

    /** A schedule for Adam's learning rate (for example a cosine decay); null keeps it constant. */
    public GraphBuilder optLearningRateSchedule(ISchedule schedule) {
        this.learningRateSchedule = schedule;
        return this;
    }

    /** How weights start (default Glorot uniform, as Keras). */
    public GraphBuilder optWeightInit(WeightInitName init) {
        this.weightInit = init;
        return this;
    }

    /**
     * How images are laid out inside the graph: NCHW (default; what ConvLab's data pipeline
     * produces) or NHWC (Keras' and oneDNN's preferred order; the input must then be NHWC too).
     */
    public GraphBuilder optDataFormat(CNN2DFormat format) {
        this.dataFormat = format;
        return this;
    }

    /** DL4J's workspace mode for training and inference (default ENABLED: reused off-heap buffers). */
    public GraphBuilder optWorkspaceMode(WorkspaceMode mode) {
        this.workspaceMode = mode;
        return this;
    }

    /**
     * Whether a training forward pass keeps each convolution's pre-activation output for the
     * backward pass (DEVICE, our default, or HOST) or the backward pass computes it again (NONE,
     * DL4J's default). Measured with ND4J's op profiler: NONE runs 22 conv2d ops per training step
     * of the 11-convolution seed model instead of 11, a quarter of the step's convolution work.
     */
    public GraphBuilder optCacheMode(CacheMode mode) {
        this.cacheMode = mode;
        return this;
    }

    public ArchitectureSpec spec() {
        return spec;
    }

    public CNN2DFormat dataFormat() {
        return dataFormat;
    }

    /** The configuration only (no parameters allocated). */
    public ComputationGraphConfiguration configuration() {
        NativeSetup.init();
        List<LayerShape> shapes = ShapeInference.outputShapes(spec);
        InputShape in = spec.input();
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(learningRateSchedule == null ? Adam.builder().learningRate(learningRate).epsilon(1e-7).build()
                        : Adam.builder().learningRateSchedule(learningRateSchedule).epsilon(1e-7).build())
                .weightInit(weightInit.dl4j())
                .biasInit(0)
                .trainingWorkspaceMode(workspaceMode)
                .cacheMode(cacheMode)
                .inferenceWorkspaceMode(workspaceMode)
                .graphBuilder()
                .addInputs(INPUT_NAME)
                .setInputTypes(InputType.convolutional(in.height(), in.width(), in.channels(), dataFormat));

        String previous = INPUT_NAME;
        LayerShape previousShape = LayerShape.spatial(in.height(), in.width(), in.channels());
        List<LayerSpec> layers = spec.layers();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            boolean last = i == layers.size() - 1;
            if (layer instanceof PoolSpec p && p.kind() == LayerKind.SUM_POOL) {
                // DL4J's SubsamplingLayer refuses SUM at run time: a zero-padded average times the
                // window's area is the same sum, built from stock (and serialisable) parts.
                String window = p.name() + SUM_POOL_WINDOW_SUFFIX;
                g.addLayer(window, dl4jLayer(p, last), previous);
                g.addVertex(p.name(), new ScaleVertex((double) p.size().rows() * p.size().cols()), window);
            } else if (layer instanceof FlattenSpec) {
                g.addVertex(layer.name(), new PreprocessorVertex(new CnnToFeedForwardPreProcessor(
                        previousShape.height(), previousShape.width(), previousShape.channels(), dataFormat)), previous);
            } else {
                g.addLayer(layer.name(), dl4jLayer(layer, last), previous);
            }
            previous = layer.name();
            previousShape = shapes.get(i);
        }
        return g.setOutputs(previous).build();
    }

    /** DL4J's layer for one spec layer (all but flatten, which is a graph vertex). */
    private Layer dl4jLayer(LayerSpec layer, boolean last) {
        if (layer instanceof Conv2DSpec c) {
            return new ConvolutionLayer.Builder()
                    .kernelSize(c.kernel().rows(), c.kernel().cols())
                    .stride(c.stride().rows(), c.stride().cols())
                    .convolutionMode(mode(c.padding()))
                    .nOut(c.filters())
                    .activation(Activations.toDl4j(c.activation()))
                    .dataFormat(dataFormat)
                    .build();
        }
        if (layer instanceof PoolSpec p) {
            return new SubsamplingLayer.Builder(p.kind() == LayerKind.MAX_POOL ? PoolingType.MAX : PoolingType.AVG)
                    // Keras' average leaves padding out of the divisor; the sum (average x area) needs it in.
                    .avgPoolIncludePadInDivisor(p.kind() == LayerKind.SUM_POOL)
                    .kernelSize(p.size().rows(), p.size().cols())
                    .stride(p.stride().rows(), p.stride().cols())
                    .convolutionMode(mode(p.padding()))
                    .dataFormat(dataFormat)
                    .build();
        }
        if (layer instanceof DenseSpec d && last) {
            return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(d.units())
                    .activation(Activations.toDl4j(d.activation()))
                    .build();
        }
        if (layer instanceof DenseSpec d) {
            return new DenseLayer.Builder()
                    .nOut(d.units())
                    .activation(Activations.toDl4j(d.activation()))
                    .build();
        }
        if (layer instanceof DropoutSpec d) {
            // DL4J's dropout argument is the probability of keeping a value; Keras' rate is of dropping it.
            return new DropoutLayer.Builder(1.0 - d.rate()).build();
        }
        if (layer instanceof BatchNormSpec b) {
            return new BatchNormalization.Builder()
                    .decay(b.momentum())
                    .eps(b.epsilon())
                    .useLogStd(false)
                    .dataFormat(dataFormat)
                    .build();
        }
        throw new IllegalArgumentException("no DL4J layer for " + layer.type());
    }

    /** The initialised graph (parameters allocated and randomly initialised). */
    public ComputationGraph build() {
        return Networks.create(configuration());
    }

    /** Keras 'same' maps to DL4J Same; 'valid' to Truncate (drop the cells a window cannot cover). */
    private static ConvolutionMode mode(Padding padding) {
        return padding == Padding.SAME ? ConvolutionMode.Same : ConvolutionMode.Truncate;
    }
}
