package org.convlab.job;

import org.convlab.ConvLabException;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.data.DataSource;
import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.convlab.data.Preprocessing;
import org.convlab.arch.InputShape;
import org.convlab.runtime.Networks;
import org.convlab.io.FileTrees;
import org.convlab.io.OwnerLock;
import org.convlab.train.EvaluationReport;
import org.convlab.train.Evaluator;
import org.convlab.train.GraphFactory;
import org.convlab.train.Trainer;
import org.convlab.train.TrainingListener;
import org.convlab.train.TrainingOptions;
import org.convlab.train.TrainingResult;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The main job end to end: open the data, fit the architecture to it, train with checkpoints,
 * evaluate on the test set, and store the model with its card ({@link RunCard}), metrics CSV and
 * the request's figures ({@link RunFiles}) in the registry.
 *
 * <pre>{@code
 * TrainingJob.Outcome out = TrainingJob.run(TrainingRequest.builder()
 *         .setArchitecture(Architectures.get("fruits-cnn")).setData(DataSource.fashionMnist()).setName("fashion-cnn")
 *         .build(), ModelRegistry.at(Path.of("models")), ConsoleProgress.onStandardError());
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

    /** The data of a run, opened, split and limited as the request says. */
    public record Data(ImageSource train, ImageSource validation, ImageSource test) {
    }

    public static Outcome run(TrainingRequest request, ModelRegistry registry, TrainingListener listener) {
        return run(request, registry, GraphFactory.STANDARD, listener);
    }

    /**
     * Before any data is read, the registry can store the name (a writable folder, no damaged
     * version, temporaries of killed saves removed); then the data opens, so a source that cannot
     * be read fails with nothing written; then no other live process may train that name (a lock
     * that dies with this process), and a checkpoint left by an interrupted run is resumed,
     * discarded or refused as the options say.
     */
    public static Outcome run(TrainingRequest request, ModelRegistry registry, GraphFactory factory, TrainingListener listener) {
        registry.checkStorable(request.name());
        Data data = open(request, listener);
        try (OwnerLock lock = registry.lockRun(request.name())) {
            try {
                Trainer.settleCheckpoints(request.options());
                return train(request, data, registry, factory, listener);
            } catch (RuntimeException e) {
                registry.discardEmptyRun(request.name()); // a run that stored nothing leaves no folder behind
                throw e;
            }
        }
    }

    private static Outcome train(TrainingRequest request, Data data, ModelRegistry registry, GraphFactory factory,
                                 TrainingListener listener) {
        TrainingOptions options = request.options();
        ImageSource train = data.train();
        ArchitectureSpec spec = request.architecture().withInput(train.shape()).withClasses(train.labels().size());
        FineTuning start = request.fineTuning() == null ? null : request.fineTuning().forLabels(train.labels());
        if (start != null) {
            factory = start;
            listener.onMessage(String.format("fine-tuning %s (%s): %s, %s", start.base().ref(), spec.name(),
                    start.frozenLayers().isEmpty() ? "every layer trains"
                            : start.frozenLayers().size() + " layer(s) frozen through " + start.lineage().frozenThrough(),
                    start.keepsHead() ? "its head kept (the same classes)" : "a new head for " + train.labels().size() + " classes"));
        }
        listener.onMessage(String.format("training %s on %s: %d images (%d classes, %s), validating on %d", spec.name(),
                train.description(), train.size(), train.labels().size(), train.shape(), data.validation().size()));

        TrainingResult trained = Trainer.train(spec, train, data.validation(), options, factory, listener);
        // A fine-tuned model is stored with plain layers: served, exported and tuned again like any other.
        TrainingResult result = start == null ? trained : trained.withGraph(Networks.thawed(trained.graph()));
        EvaluationReport testReport = data.test() == null ? null
                : Evaluator.evaluate(result.graph(), data.test(), train.labels(), options.batch());
        EvaluationReport valReport = Evaluator.evaluate(result.graph(), data.validation(), train.labels(), options.batch());
        if (testReport != null) {
            listener.onMessage(String.format(Locale.US, "test accuracy %.4f (top-5 %.4f) on %d images", testReport.accuracy(),
                    testReport.top5Accuracy(), testReport.examples()));
        }
        ModelCard card = RunCard.of(request.name(), spec, train, data.validation(), request.data().toString(),
                request.validation() == null ? null : request.validation().toString(), options, result, valReport, testReport);
        if (start != null) {
            card = card.withLineage(start.lineage());
        }

        Path work = null;
        try {
            work = Files.createTempDirectory("convlab-run");
            Map<String, Path> files = RunFiles.write(work, request.name(), result.history(),
                    testReport != null ? testReport : valReport, request.figures());
            RunFiles.addCalibration(files, work, result.graph(), train, options.seed());
            StoredModel stored = registry.save(request.name(), result.graph(), card, files);
            if (options.checkpointDir() != null) {
                registry.discardCheckpoints(request.name());
            }
            listener.onMessage("stored " + stored.ref() + " in " + stored.dir());
            return new Outcome(stored, result, testReport);
        } catch (IOException e) {
            throw new ConvLabException("cannot write the run's files: " + e.getMessage());
        } finally {
            if (work != null) {
                FileTrees.delete(work);
            }
        }
    }

    /** Opens the request's data: validation from its own source, the data's, or held out; then the limit. */
    public static Data open(TrainingRequest request, TrainingListener listener) {
        TrainingOptions options = request.options();
        FineTuning start = request.fineTuning();
        // A fine-tuned model reads images as its base does: class folders are resized to its input, others must fit it.
        DataSources.Bundle bundle = DataSources.open(request.data(),
                start != null && !DataSources.resizes(request.data()) ? null : request.requestedShape());
        ImageSource train = bundle.train();
        if (!train.problems().isEmpty()) {
            listener.onMessage(String.format("left out %d unusable file(s) (convlab data inspect %s lists them)",
                    train.problems().size(), request.data()));
        }
        ImageSource validation = request.validation() != null ? other(request.validation(), train) : bundle.validation();
        ImageSource test = request.test() != null ? other(request.test(), train) : bundle.test();
        if (validation == null) {
            ImageSource.Split split = train.split(options.validationFraction(), options.seed());
            train = split.first();
            validation = split.second();
        }
        if (options.limit() != null) {
            train = train.limit(options.limit(), options.seed());
        }
        if (start != null) {
            InputShape wanted = start.base().card().input();
            if (!train.shape().equals(wanted)) {
                throw new ConvLabException(request.data() + " holds " + train.shape() + " images but " + start.base().ref()
                        + " takes " + wanted + "; fine-tune it on images of that size and channel count (class folders are"
                        + " resized, IDX and Fashion-MNIST data are not)");
            }
            Preprocessing steps = start.base().card().preprocessing();
            train = train.withPreprocessing(steps);
            validation = validation.withPreprocessing(steps);
            test = test == null ? null : test.withPreprocessing(steps);
        }
        return new Data(train, validation, test);
    }

    private static ImageSource other(DataSource source, ImageSource train) {
        return DataSources.alignLabels(DataSources.open(source, train.shape()).train(), train.labels(), "the training data");
    }
}
