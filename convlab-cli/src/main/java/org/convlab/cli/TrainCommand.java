package org.convlab.cli;

import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.convlab.arch.InputShape;
import org.convlab.data.DataSources;
import org.convlab.data.FashionMnist;
import org.convlab.arch.Architectures;
import org.convlab.arch.WeightInitName;
import org.convlab.data.DataSource;
import org.convlab.job.FineTuning;
import org.convlab.job.TrainingJob;
import org.convlab.plot.RunPictures;
import org.convlab.job.TrainingRequest;
import org.convlab.runtime.Precision;
import org.convlab.spark.SparkTrainer;
import org.convlab.train.ConsoleProgress;
import org.convlab.train.LearningRateSchedule;
import org.convlab.train.TrainingOptions;
import org.convlab.zoo.ModelRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convlab train}: the main job. With no options: fruits-cnn on Fashion-MNIST, stored as fashion-cnn. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an architecture on a data source and store the model in the registry.",
                "With no options: the seed architecture with batch norm (fruits-cnn-bn, input adapted to 28x28x1) on Fashion-MNIST for "
                        + TrainCommand.DEFAULT_EPOCHS + (TrainCommand.DEFAULT_EPOCHS == 1 ? " epoch" : " epochs") + " (batch 64, cosine rate), stored as fashion-cnn,"
                        + " evaluated on the 10,000 test images.",
                "Example: convlab train --data fruits-360 --epochs 5 --augment --name fruits"})
final class TrainCommand implements Callable<Integer> {
    /**
     * The main job's recipe, chosen by measurement (docs/train.md, "The main job"): the seed family with batch
     * norm, 4 epochs of Adam with a cosine rate at batch 64 reaches test accuracy 0.92 on Fashion-MNIST
     * in about 8 minutes on 2 cores; the seed's exact model is --arch fruits-cnn.
     */
    static final int DEFAULT_EPOCHS = 4;

    @Option(names = "--data", defaultValue = DataSources.FASHION_MNIST, paramLabel = "SRC",
            description = "Class folders, fashion-mnist, an IDX folder or synthetic:CLASSES:PER_CLASS, optionally filtered: fashion-mnist:classes=5-9:per-class=50. Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--val", paramLabel = "SRC", description = "Validation data (default: the source's own, else a tenth held out).")
    String val;

    @Option(names = "--test", paramLabel = "SRC", description = "Test data (default: the source's own, if any).")
    String test;

    @Option(names = "--arch", defaultValue = "fruits-cnn-bn", paramLabel = "NAME|FILE",
            description = "Default: ${DEFAULT-VALUE} (the seed model with batch norm; the seed itself: fruits-cnn).")
    String arch;

    @Option(names = "--input", paramLabel = "HxWxC", description = "Bring images to this size (default: the data's own).")
    String input;

    @Option(names = "--from", paramLabel = "MODEL[:VERSION]",
            description = "Fine-tune a stored model (trained here or imported from Keras) instead of starting from new weights:"
                    + " its architecture, input size and preprocessing, a new head for the data's classes (its own head when they"
                    + " are its classes in its order).")
    String from;

    @Option(names = "--freeze", paramLabel = "LAYER|none",
            description = "With --from: LAYER and every layer before it keep their weights (batch norm in them stays in inference"
                    + " mode); none trains every layer. Layer names: convlab models show MODEL. Default: none.")
    String freeze;

    @Option(names = "--epochs", converter = Counts.AtLeastOne.class, defaultValue = "" + DEFAULT_EPOCHS, description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", converter = Counts.AtLeastOne.class, defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam's learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--lr-schedule", defaultValue = "cosine", paramLabel = "constant|cosine",
            description = "Keep the rate, or let it follow a cosine down to 0 by the last epoch. Default: ${DEFAULT-VALUE}.")
    String lrSchedule;
    @Option(names = "--init", defaultValue = "he_uniform", paramLabel = "he_uniform|glorot_uniform",
            description = "Initial weights: he_uniform (suits ReLU) or glorot_uniform (Keras' default). Default: ${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--augment", description = "Flip, rotate, shift and brighten training images at random (seeded).")
    boolean augment;

    @Option(names = "--precise-bn", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "After training, recompute batch norm's running mean and variance from 4,096 training images (Keras' moving"
                    + " average lags the weights on short runs); --no-precise-bn keeps the moving averages. Default: on.")
    boolean preciseBatchNorm;

    @Option(names = "--limit", converter = Counts.AtLeastOne.class, paramLabel = "N", description = "Use at most N training images, the same share of each class.")
    Integer limit;

    @Option(names = "--patience", converter = Counts.AtLeastZero.class, defaultValue = "3", description = "Stop after this many epochs without a better validation loss (0: never). Default: ${DEFAULT-VALUE}.")
    int patience;

    @Option(names = "--name", paramLabel = "NAME", description = "Model name in the registry (default: fashion-cnn for fashion-mnist, else from the data).")
    String name;

    @Option(names = "--resume", description = "Continue an interrupted run of the same name from its last checkpoint.")
    boolean resume;

    @Option(names = "--fresh", description = "Discard the checkpoint an interrupted run of the same name left, and start over.")
    boolean fresh;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Train on Apache Spark: local[N] (inside this JVM), spark://HOST:PORT (a standalone cluster), yarn or k8s://...")
    String spark;

    @Option(names = "--spark-mode", defaultValue = "averaging", paramLabel = "averaging|sharing",
            description = "How Spark workers combine what they learn: parameter averaging, or gradient sharing. Default: ${DEFAULT-VALUE}.")
    String sparkMode;

    @Option(names = "--spark-workers", defaultValue = "2", converter = Counts.AtLeastOne.class,
            description = "Partitions the batches are spread over (at least the executors' cores). Default: ${DEFAULT-VALUE}.")
    int sparkWorkers;

    @Option(names = "--averaging-frequency", defaultValue = "4", converter = Counts.AtLeastOne.class,
            description = "With --spark: batches each worker fits between two averagings. Default: ${DEFAULT-VALUE}.")
    int averagingFrequency;

    @Option(names = "--spark-data", paramLabel = "DIR|URI",
            description = "With --spark: where the batch files go, a folder every worker sees or a Hadoop URI (hdfs://...)"
                    + " (default: a folder of the registry, removed after the run).")
    String sparkData;

    @Mixin
    PrecisionOption precisionOption;

    @Mixin
    ConvAlgorithmOption convAlgorithmOption;

    @Mixin
    RegistryOption registryOption;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        if (Precision.requested() == Precision.INT8) {
            throw new BadSettingException(Setting.PRECISION, "%s int8 is for inference (evaluate, predict, serve, bench);"
                    + " train in fp32 or bf16: the model is stored with the calibration int8 needs");
        }
        if (freeze != null && from == null) {
            throw new BadSettingException(Setting.FREEZE, "%s names layers of the model --from fine-tunes; add --from MODEL,"
                    + " or leave %s out");
        }
        ModelRegistry registry = registryOption.open();
        FineTuning start = from == null ? null : FineTuning.of(registry.load(from), freeze);
        String modelName = ModelRegistry.checkName(name != null ? name
                : start != null ? start.base().card().name() + "-tuned" : defaultName(data));
        TrainingOptions options = TrainingOptions.builder().optEpochs(epochs).optBatch(batch).optLearningRate(lr)
                .optLearningRateSchedule(LearningRateSchedule.parse(lrSchedule)).optWeightInit(WeightInitName.parse(init))
                .optSeed(seed).optAugment(augment).optPreciseBatchNorm(preciseBatchNorm).optLimit(limit).optPatience(patience).optResume(resume).optFresh(fresh)
                .optCheckpointDir(registry.checkpointDir(modelName)).build();
        org.convlab.arch.ArchitectureSpec spec = Architectures.resolve(arch);
        InputShape shape = input == null ? null : InputShape.parse(input);
        DataSource source = DataArgument.ready(data);
        if (source instanceof DataSource.FashionMnistFiles && !FashionMnist.isInstalled()) {
            System.err.println("Fashion-MNIST is not installed and cannot be installed here (install it with 'apt-get install -y "
                    + FashionMnist.PACKAGE + "' as root); training on generated shapes instead (synthetic:10:1000)");
            source = DataSource.synthetic(10, 1000);
        }
        TrainingRequest.Builder request = TrainingRequest.builder().setData(source)
                .setName(modelName).optOptions(options).optInput(shape).optFigures(RunPictures.INSTANCE);
        if (start == null || command.commandLine().getParseResult().hasMatchedOption("--arch")) {
            request.setArchitecture(spec); // with --from, only an --arch given is checked against the base's
        }
        if (start != null) {
            request.setFineTuning(start);
        }
        if (val != null) {
            request.optValidation(DataArgument.ready(val));
        }
        if (test != null) {
            request.optTest(DataArgument.ready(test));
        }
        TrainingJob.Outcome out = spark == null ? TrainingJob.run(request.build(), registry, ConsoleProgress.onStandardError())
                : SparkTrainer.run(request.build(), registry, sparkSettings(), ConsoleProgress.onStandardError());
        PrintStream stdout = System.out;
        stdout.printf(Locale.US, "model %s: val accuracy %.4f", out.model().ref(), out.model().card().metrics().get("val_accuracy"));
        if (out.test() != null) {
            stdout.printf(Locale.US, ", test accuracy %.4f (top-5 %.4f) on %d images", out.test().accuracy(),
                    out.test().top5Accuracy(), out.test().examples());
        }
        stdout.printf(Locale.US, ", %d epoch(s) in %s%n", out.training().history().size(),
                org.convlab.train.ProgressBar.clock(Math.round(out.training().seconds())));
        stdout.flush();
        return ConvLab.EXIT_OK;
    }

    private SparkTrainer.Settings sparkSettings() {
        return new SparkTrainer.Settings(spark, SparkTrainer.Mode.parse(sparkMode), sparkWorkers, averagingFrequency, sparkData);
    }

    static String defaultName(String data) {
        DataSource source = DataSource.parse(data);
        if (source instanceof DataSource.Subset s) {
            String filters = s.toString().substring(s.base().toString().length()).replaceAll("[^A-Za-z0-9]+", "-");
            return defaultName(s.base().toString()) + filters;
        }
        if (data.equals(DataSources.FASHION_MNIST)) {
            return "fashion-cnn";
        }
        if (data.startsWith(DataSources.SYNTHETIC)) {
            return "synthetic-cnn";
        }
        String base = java.nio.file.Path.of(data).toAbsolutePath().normalize().getFileName().toString()
                .replaceAll("[^A-Za-z0-9_.-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        return (base.isEmpty() ? "model" : base.toLowerCase(Locale.ROOT)) + "-cnn";
    }
}
