package org.convlab.job;

import org.convlab.ConvLabException;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.InputShape;
import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.convlab.env.EnvironmentInfo;
import org.convlab.io.FileTrees;
import org.convlab.train.EpochMetrics;
import org.convlab.train.EvaluationReport;
import org.convlab.train.Evaluator;
import org.convlab.train.Trainer;
import org.convlab.train.TrainingOptions;
import org.convlab.train.TrainingResult;
import org.convlab.plot.ConfusionPlot;
import org.convlab.plot.Pictures;
import org.convlab.plot.TrainingCurves;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The main job end to end: open the data, fit the architecture to it, train with checkpoints,
 * evaluate on the test set, and store the model with its card, metrics CSV, training curves and
 * confusion matrix in the registry.
 *
 * <pre>{@code
 * TrainingJob.Outcome out = TrainingJob.run(Architectures.get("fruits-cnn"), "fashion-mnist", null, null, null,
 *         "fashion-cnn", ModelRegistry.at(Path.of("models")), TrainingOptions.builder().optEpochs(2).build());
 * out.model().ref();          // "fashion-cnn:1"
 * out.test().accuracy();      // on the 10,000 test images
 * }</pre>
 */
public final class TrainingJob {
    private TrainingJob() {
    }

    /** What the job produced: the stored model and its test report (null when there is no test set). */
    public record Outcome(StoredModel model, TrainingResult training, EvaluationReport test) {
    }

    /**
     * @param input     bring images to this shape (null: the data's own; for generated data the architecture's)
     * @param valSrc    a separate validation source, or null to use the source's own or hold out a share
     * @param testSrc   a separate test source, or null to use the source's own (if any)
     */
    public static Outcome run(ArchitectureSpec arch, String dataSrc, String valSrc, String testSrc, InputShape input,
                              String name, ModelRegistry registry, TrainingOptions options) {
        ModelRegistry.checkName(name);
        PrintStream log = options.progress();
        boolean generated = dataSrc.startsWith(DataSources.SYNTHETIC);
        DataSources.Bundle bundle = DataSources.open(dataSrc, input != null ? input : generated ? arch.input() : null);
        ImageSource train = bundle.train();
        if (!train.problems().isEmpty()) {
            log.printf("left out %d unusable file(s) (convlab data inspect %s lists them)%n", train.problems().size(), dataSrc);
        }
        ImageSource validation = valSrc != null ? DataSources.alignLabels(DataSources.open(valSrc, train.shape()).train(), train.labels(), "the training data")
                : bundle.validation();
        ImageSource test = testSrc != null ? DataSources.alignLabels(DataSources.open(testSrc, train.shape()).train(), train.labels(), "the training data")
                : bundle.test();
        if (validation == null) {
            ImageSource.Split split = train.split(options.validationFraction(), options.seed());
            train = split.first();
            validation = split.second();
        }
        if (options.limit() != null) {
            train = train.limit(options.limit(), options.seed());
        }
        ArchitectureSpec spec = arch.withInput(train.shape()).withClasses(train.labels().size());
        log.printf("training %s on %s: %d images (%d classes, %s), validating on %d%n", spec.name(), train.description(),
                train.size(), train.labels().size(), train.shape(), validation.size());

        TrainingResult result = Trainer.train(spec, train, validation, options);
        EvaluationReport testReport = test == null ? null : Evaluator.evaluate(result.graph(), test, train.labels(), options.batch());
        EvaluationReport valReport = Evaluator.evaluate(result.graph(), validation, train.labels(), options.batch());
        if (testReport != null) {
            log.printf("test accuracy %.4f (top-5 %.4f) on %d images%n", testReport.accuracy(), testReport.top5Accuracy(), testReport.examples());
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("val_accuracy", valReport.accuracy());
        metrics.put("val_loss", valReport.loss());
        if (testReport != null) {
            metrics.put("test_accuracy", testReport.accuracy());
            metrics.put("test_top5_accuracy", testReport.top5Accuracy());
            metrics.put("test_loss", testReport.loss());
        }
        ModelCard.Training training = new ModelCard.Training(dataSrc, valSrc != null ? valSrc : validation.description(),
                train.size(), validation.size(), options.epochs(), result.history().size(), result.bestEpoch(),
                result.stoppedEarly(), options.batch(), "adam", options.learningRate(),
                options.learningRateSchedule().toString(), options.weightInit().toString(), options.seed(), options.augment(),
                options.limit(), Math.round(result.seconds() * 10) / 10.0);
        ModelCard card = new ModelCard(name, null, Instant.now().toString(), spec, spec.input(), train.labels(),
                train.preprocessing(), training, metrics, EnvironmentInfo.describe(), null, null);

        Path work = null;
        try {
            work = Files.createTempDirectory("convlab-run");
            Path csv = work.resolve("metrics.csv");
            Files.write(csv, java.util.stream.Stream.concat(java.util.stream.Stream.of(EpochMetrics.CSV_HEADER),
                    result.history().stream().map(EpochMetrics::csv)).toList());
            Path curves = work.resolve("curves.png");
            Pictures.writePng(TrainingCurves.render(result.history(), name), curves);
            Map<String, Path> files = new LinkedHashMap<>();
            files.put("metrics.csv", csv);
            files.put("curves.png", curves);
            EvaluationReport forMatrix = testReport != null ? testReport : valReport;
            Path confusion = work.resolve("confusion.png");
            Pictures.writePng(ConfusionPlot.render(forMatrix.confusion(), forMatrix.labels(), name + " on " + forMatrix.data()), confusion);
            files.put("confusion.png", confusion);
            StoredModel stored = registry.save(name, result.graph(), card, files);
            if (options.checkpointDir() != null) {
                registry.discardCheckpoints(name);
            }
            log.printf("stored %s in %s%n", stored.ref(), stored.dir());
            return new Outcome(stored, result, testReport);
        } catch (IOException e) {
            throw new ConvLabException("cannot write the run's files: " + e.getMessage());
        } finally {
            if (work != null) {
                FileTrees.delete(work);
            }
        }
    }
}
