package org.convlab.job;

import org.convlab.arch.ArchitectureSpec;
import org.convlab.data.ImageSource;
import org.convlab.env.EnvironmentInfo;
import org.convlab.train.EvaluationReport;
import org.convlab.train.TrainingOptions;
import org.convlab.train.TrainingResult;
import org.convlab.zoo.ModelCard;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The model card of a finished run: what was trained on what, how, and how well. */
public final class RunCard {
    private RunCard() {
    }

    /**
     * @param dataName       the training data as the user named it
     * @param validationName the validation data as named, or null when it came from the training data
     * @param test           the test report, or null when there is no test set
     */
    public static ModelCard of(String name, ArchitectureSpec spec, ImageSource train, ImageSource validation, String dataName,
                               String validationName, TrainingOptions options, TrainingResult result,
                               EvaluationReport validationReport, EvaluationReport test) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("val_accuracy", validationReport.accuracy());
        metrics.put("val_loss", validationReport.loss());
        if (test != null) {
            metrics.put("test_accuracy", test.accuracy());
            metrics.put("test_top5_accuracy", test.top5Accuracy());
            metrics.put("test_loss", test.loss());
        }
        ModelCard.Training training = new ModelCard.Training(dataName,
                validationName != null ? validationName : validation.description(), train.size(), validation.size(),
                options.epochs(), result.history().size(), result.bestEpoch(), result.stoppedEarly(), options.batch(), "adam",
                options.learningRate(), options.learningRateSchedule().toString(), options.weightInit().toString(), options.seed(),
                options.augment(), options.limit(), Math.round(result.seconds() * 10) / 10.0, options.preciseBatchNorm());
        return new ModelCard(name, null, Instant.now().toString(), spec, spec.input(), train.labels(), train.preprocessing(),
                training, metrics, EnvironmentInfo.describe(), null, null);
    }
}
