package org.convlab.job;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.GraphBuilder;
import org.convlab.runtime.Networks;
import org.convlab.runtime.Upstream;
import org.convlab.train.EpochFit;
import org.convlab.train.GraphFactory;
import org.convlab.train.TrainingListener;
import org.convlab.train.TrainingOptions;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;

import java.util.List;
import java.util.Set;

/**
 * Where a fine-tuning run starts: a stored model (trained here or imported from Keras), the layers that keep
 * their weights, and a classifier head for the new data's classes, built with DL4J's
 * {@link TransferLearning.GraphBuilder}. {@code setFeatureExtractor} freezes the named layer and every layer
 * before it (DL4J's {@code FrozenLayer}: no updates, batch norm in inference mode); {@code nOutReplace} gives the
 * head a fresh layer sized for the new classes, unless they are the base's own classes in the base's order, when
 * the head is kept and training continues. Adam starts afresh at the run's learning rate.
 *
 * <pre>{@code
 * FineTuning start = FineTuning.of(registry.load(ModelRegistry.Ref.parse("fashion-base")), "dense_1");
 * TrainingJob.run(TrainingRequest.builder().setFineTuning(start).setData(DataSource.parse("fashion-mnist:classes=5-9"))
 *         .setName("shoes").build(), registry, listener);
 * }</pre>
 */
public final class FineTuning implements GraphFactory {
    /** {@code --freeze none}: every layer trains. */
    public static final String NONE = "none";

    private final StoredModel base;
    private final String frozenThrough;
    private final List<String> frozenLayers;
    private final List<String> labels;
    private final String head;

    private FineTuning(StoredModel base, String frozenThrough, List<String> frozenLayers, List<String> labels, String head) {
        this.base = base;
        this.frozenThrough = frozenThrough;
        this.frozenLayers = frozenLayers;
        this.labels = labels;
        this.head = head;
    }

    /**
     * A start from {@code base} whose layers up to {@code freeze} keep their weights; the new data's classes
     * follow with {@link #forLabels}.
     *
     * @param freeze the last layer that keeps its weights (it and every layer before it), or {@link #NONE}
     */
    public static FineTuning of(StoredModel base, String freeze) {
        if (base.card().architecture() == null) {
            throw new ConvLabException("model " + base.ref() + " has no architecture spec (its layers are not all kinds ConvLab"
                    + " describes); fine-tuning starts from a model with one");
        }
        ComputationGraphConfiguration conf = base.graph().getConfiguration();
        String head = conf.getNetworkOutputs().get(0);
        if (!(conf.getVertices().get(head) instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof FeedForwardLayer)) {
            throw new ConvLabException("model " + base.ref() + "'s output '" + head + "' is not a dense layer; fine-tuning"
                    + " replaces a classifier's dense head");
        }
        if (freeze == null || freeze.equals(NONE)) {
            return new FineTuning(base, null, List.of(), null, head);
        }
        List<String> layers = layerNames(conf);
        if (!layers.contains(freeze)) {
            throw new BadSettingException(Setting.FREEZE, "%s " + BadSettingException.literal(freeze) + ": model " + base.ref()
                    + " has no layer of that name; its layers: " + String.join(", ", layers) + " (or none)");
        }
        if (freeze.equals(head)) {
            throw new BadSettingException(Setting.FREEZE, "%s " + head + " would freeze the head too; name a layer before it"
                    + " (the head always trains)");
        }
        return new FineTuning(base, freeze, upTo(conf, freeze), null, head);
    }

    /** The layers of the graph, in the order they run. */
    private static List<String> layerNames(ComputationGraphConfiguration conf) {
        return conf.getTopologicalOrderStr().stream().filter(n -> conf.getVertices().get(n) instanceof LayerVertex).toList();
    }

    /** {@code last} and every layer it reads from, directly or not, in the order they run. */
    private static List<String> upTo(ComputationGraphConfiguration conf, String last) {
        Set<String> upstream = Upstream.of(conf, last);
        return layerNames(conf).stream().filter(upstream::contains).toList();
    }

    /** This start for data of {@code newLabels} (in output order): the head is sized for them. */
    public FineTuning forLabels(List<String> newLabels) {
        return new FineTuning(base, frozenThrough, frozenLayers, List.copyOf(newLabels), head);
    }

    public StoredModel base() {
        return base;
    }

    /** The base's architecture (its classes; {@link TrainingJob} sizes it for the data's). */
    public ArchitectureSpec architecture() {
        return base.card().architecture();
    }

    /** Whether the head stays: the new classes are the base's own, in the same order. */
    public boolean keepsHead() {
        return labels().equals(base.card().labels());
    }

    private List<String> labels() {
        if (labels == null) {
            throw new IllegalStateException("the new data's classes are not known yet: call forLabels first");
        }
        return labels;
    }

    public List<String> frozenLayers() {
        return frozenLayers;
    }

    @Override
    public ComputationGraph create(ArchitectureSpec spec, TrainingOptions o, int iterations) {
        FineTuneConfiguration tuning = new FineTuneConfiguration.Builder().seed(o.seed())
                .updater(GraphBuilder.adam(o.learningRate(), o.learningRateSchedule().dl4j(o.learningRate(), iterations))).build();
        TransferLearning.GraphBuilder builder = new TransferLearning.GraphBuilder(Networks.copy(base.graph()))
                .fineTuneConfiguration(tuning);
        if (frozenThrough != null) {
            builder.setFeatureExtractor(frozenThrough);
        }
        ComputationGraphConfiguration conf = base.graph().getConfiguration();
        FeedForwardLayer headConf = (FeedForwardLayer) ((LayerVertex) conf.getVertices().get(head)).getLayerConf().getLayer();
        boolean trainable = headConf instanceof BaseOutputLayer;
        if (!trainable) {
            // An imported Keras model ends in a dense layer without a loss: an output layer of the same size
            // (softmax, cross-entropy) takes its place, so that it can be fitted.
            builder.removeVertexKeepConnections(head)
                    .addLayer(head, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(headConf.getNIn())
                            .nOut(labels().size()).activation(Activation.SOFTMAX).weightInit(o.weightInit().dl4j()).build(),
                            conf.getVertexInputs().get(head).toArray(String[]::new))
                    .setOutputs(head);
        } else if (!keepsHead()) {
            builder.nOutReplace(head, labels().size(), o.weightInit().dl4j());
        }
        ComputationGraph graph = builder.build();
        if (!trainable && keepsHead()) {
            graph.getLayer(head).setParams(base.graph().getLayer(head).params());
        }
        // A schedule counts this run's steps, not the base's.
        graph.getConfiguration().setIterationCount(0);
        graph.getConfiguration().setEpochCount(0);
        return Networks.adopt(graph);
    }

    @Override
    public String startingPoint() {
        return "|from " + base.ref() + " " + base.card().modelSha256() + " frozen through " + frozenThrough + " head " + keepsHead();
    }

    /**
     * {@code epochs} with the frozen layers set back to the base's weights after each epoch. Parameter averaging
     * over three or more workers adds the same value that many times and divides: the result can differ from it in
     * the last bit, and frozen means every bit.
     */
    public EpochFit keepingFrozen(EpochFit epochs) {
        return new EpochFit() {
            @Override
            public Fitted fit(ComputationGraph graph, int epoch, TrainingListener listener) {
                Fitted fitted = epochs.fit(graph, epoch, listener);
                for (String layer : frozenLayers) {
                    if (fitted.graph().getLayer(layer).numParams() > 0) {
                        fitted.graph().getLayer(layer).setParams(base.graph().getLayer(layer).params());
                    }
                }
                return fitted;
            }

            @Override
            public int stepsPerEpoch(int batches) {
                return epochs.stepsPerEpoch(batches);
            }

            @Override
            public boolean recomputesBatchNorm() {
                return epochs.recomputesBatchNorm();
            }
        };
    }

    /** What the card of the fine-tuned model records. */
    public ModelCard.Lineage lineage() {
        return new ModelCard.Lineage(base.card().name(), base.card().version(), base.card().modelSha256(), frozenThrough,
                frozenLayers, keepsHead() ? "kept" : "new", head, labels().size());
    }
}
