package org.convlab.zoo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.InputShape;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to use and to trust a stored model, kept beside it as {@code card.json}: the
 * architecture spec, the input shape, the labels in output order, the preprocessing, how it was
 * trained, its metrics, the DL4J version and backend, when it was made, and the sha256 of
 * {@code model.zip} (checked on every load).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "version", "created", "architecture", "input", "labels", "preprocessing", "training", "metrics",
        "environment", "modelSha256", "files"})
public record ModelCard(String name, Integer version, String created, ArchitectureSpec architecture, InputShape input,
                        List<String> labels, Preprocessing preprocessing, Training training, Map<String, Double> metrics,
                        Map<String, String> environment, String modelSha256, List<String> files) {

    /** How pixels become the network's input; applied in one place for training and inference. */
    @JsonPropertyOrder({"decoder", "resize", "channels", "scale"})
    public record Preprocessing(String decoder, String resize, String channels, String scale) {
        /** The one pipeline ConvLab uses: {@code ConvLabImageLoader}, then divide by 255. */
        public static Preprocessing standard(InputShape input) {
            return new Preprocessing("ImageDecoder (ImageIO + TwelveMonkeys) -> 8-bit BGR",
                    "to " + input.height() + "x" + input.width() + " (DataVec NativeImageLoader)",
                    input.channels() == 1 ? "grey" : "BGR (OpenCV order)", "x / 255 -> 0..1");
        }
    }

    /** The training run's settings and outcome. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Training(String data, String validation, int trainImages, int validationImages, int epochsPlanned,
                           int epochsRun, Integer bestEpoch, boolean stoppedEarly, int batch, String optimizer,
                           double learningRate, String learningRateSchedule, String weightInit, long seed, boolean augment, Integer limit, double seconds) {
    }

    public ModelCard withVersion(String newName, int newVersion, String sha256, List<String> newFiles) {
        return new ModelCard(newName, newVersion, created, architecture, input, labels, preprocessing, training, metrics,
                environment, sha256, newFiles);
    }
}
