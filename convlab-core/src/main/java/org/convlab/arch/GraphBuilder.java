package org.convlab.arch;

import org.convlab.runtime.MemoryBudget;
import org.convlab.runtime.Networks;

import org.convlab.runtime.NativeSetup;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

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

    /** Adam as every ConvLab network trains with it (Keras' epsilon), at {@code learningRate} or on {@code schedule} (when not null). */
    public static Adam adam(double learningRate, ISchedule schedule) {
        return schedule == null ? Adam.builder().learningRate(learningRate).epsilon(1e-7).build()
                : Adam.builder().learningRateSchedule(schedule).epsilon(1e-7).build();
    }

    /** The configuration only (no parameters allocated). */
    public ComputationGraphConfiguration configuration() {
        NativeSetup.init();
        List<ShapeInference.Node> nodes = ShapeInference.nodes(spec);
        InputShape in = spec.input();
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(adam(learningRate, learningRateSchedule))
                .weightInit(weightInit.dl4j())
                .biasInit(0)
                .trainingWorkspaceMode(workspaceMode)
                .cacheMode(cacheMode)
                .inferenceWorkspaceMode(workspaceMode)
                .graphBuilder()
                .addInputs(INPUT_NAME)
                .setInputTypes(InputType.convolutional(in.height(), in.width(), in.channels(), dataFormat));

        Dl4jGraph graph = new Dl4jGraph(g, dataFormat);
        for (int i = 0; i < nodes.size(); i++) {
            ShapeInference.Node node = nodes.get(i);
            node.layer().addTo(graph, node.inputs(), node.in(), i == nodes.size() - 1);
        }
        return g.setOutputs(nodes.get(nodes.size() - 1).layer().name()).build();
    }

    /** The initialised graph (parameters allocated and randomly initialised). */
    public ComputationGraph build() {
        ComputationGraphConfiguration conf = configuration();
        MemoryBudget.require(MemoryEstimate.toBuild(spec), "architecture '" + spec.name() + "' with "
                + String.format("%,d", MemoryEstimate.parameters(spec)) + " parameters (weights, gradients and Adam's state)",
                "make it smaller (fewer dense units or filters, a smaller input or more pooling before flatten)");
        return Networks.create(conf);
    }
}
