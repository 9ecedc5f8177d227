package org.convlab.zoo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.InputShape;
import org.convlab.data.Preprocessing;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to use and to trust a stored model, kept beside it as {@code card.json}: the
 * architecture spec, the input shape, the labels in output order, the preprocessing (as data: the
 * one {@link org.convlab.data.Preprocessor} applies it wherever the model reads pixels), how it was
 * trained, its metrics, the DL4J version and backend, when it was made, and the sha256 of
 * {@code model.zip} (checked on every load).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "version", "created", "architecture", "input", "labels", "preprocessing", "source", "training",
        "lineage", "metrics", "environment", "modelSha256", "files"})
public record ModelCard(String name, Integer version, String created, ArchitectureSpec architecture, InputShape input,
                        List<String> labels, Preprocessing preprocessing, Training training, Map<String, Double> metrics,
                        Map<String, String> environment, String modelSha256, List<String> files, Source source,
                        Lineage lineage) {

    /** A model trained by ConvLab: no imported source. */
    public ModelCard(String name, Integer version, String created, ArchitectureSpec architecture, InputShape input,
                     List<String> labels, Preprocessing preprocessing, Training training, Map<String, Double> metrics,
                     Map<String, String> environment, String modelSha256, List<String> files) {
        this(name, version, created, architecture, input, labels, preprocessing, training, metrics, environment, modelSha256,
                files, null, null);
    }

    /** An imported model: where it came from, no base model. */
    public ModelCard(String name, Integer version, String created, ArchitectureSpec architecture, InputShape input,
                     List<String> labels, Preprocessing preprocessing, Training training, Map<String, Double> metrics,
                     Map<String, String> environment, String modelSha256, List<String> files, Source source) {
        this(name, version, created, architecture, input, labels, preprocessing, training, metrics, environment, modelSha256,
                files, source, null);
    }

    /**
     * Where an imported model came from: the file's name and sha256, its format and the version
     * and backend that wrote it, and its layers as the file names them ("conv2d_1 (Conv2D)").
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(String file, String sha256, String format, String kerasVersion, String backend, String modelClass,
                         List<String> layers) {
    }

    /**
     * The model a fine-tuned one started from: its name, version and the sha256 of its {@code model.zip}; the
     * last layer that kept its weights ({@code frozenThrough}, null when every layer trained) and every layer
     * that did; and the head: {@code "kept"} (the same classes in the same order) or {@code "new"}, with the
     * head layer's name and its number of classes.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Lineage(String base, int baseVersion, String baseSha256, String frozenThrough, List<String> frozenLayers,
                          String head, String headLayer, int classes) {
        /** {@code name:version}, as the command line writes it. */
        public String baseRef() {
            return base + ":" + baseVersion;
        }
    }

    /** Cards written before preprocessing was data carry no size in it: the input gives it. */
    public ModelCard {
        if (preprocessing != null && !preprocessing.hasSize() && input != null) {
            preprocessing = preprocessing.withSize(input);
        }
    }

    /**
     * The training run's settings and outcome. {@code preciseBatchNorm}: whether batch norm's running
     * statistics were recomputed after training (null on cards written before it existed).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Training(String data, String validation, int trainImages, int validationImages, int epochsPlanned,
                           int epochsRun, Integer bestEpoch, boolean stoppedEarly, int batch, String optimizer,
                           double learningRate, String learningRateSchedule, String weightInit, long seed, boolean augment, Integer limit, double seconds,
                           Boolean preciseBatchNorm) {
    }

    /**
     * The first field a stored model cannot be used without (name, version, input, labels,
     * preprocessing, sha256), or null when the card is whole.
     */
    String missingField() {
        if (name == null) {
            return "name";
        }
        if (version == null) {
            return "version";
        }
        if (input == null) {
            return "input";
        }
        if (labels == null || labels.isEmpty()) {
            return "labels";
        }
        if (preprocessing == null) {
            return "preprocessing";
        }
        return modelSha256 == null ? "modelSha256" : null;
    }

    public ModelCard withVersion(String newName, int newVersion, String sha256, List<String> newFiles) {
        return new ModelCard(newName, newVersion, created, architecture, input, labels, preprocessing, training, metrics,
                environment, sha256, newFiles, source, lineage);
    }

    /** This card with another environment (a trainer adding what it ran on). */
    public ModelCard withEnvironment(Map<String, String> newEnvironment) {
        return new ModelCard(name, version, created, architecture, input, labels, preprocessing, training, metrics,
                newEnvironment, modelSha256, files, source, lineage);
    }

    /** This card naming the model it was fine-tuned from. */
    public ModelCard withLineage(Lineage newLineage) {
        return new ModelCard(name, version, created, architecture, input, labels, preprocessing, training, metrics,
                environment, modelSha256, files, source, newLineage);
    }
}
