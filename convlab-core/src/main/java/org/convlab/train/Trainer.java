package org.convlab.train;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.arch.MemoryEstimate;
import org.convlab.io.FileTrees;
import org.convlab.runtime.MemoryBudget;
import org.convlab.runtime.Networks;
import org.convlab.runtime.TrainingAccuracy;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.SpecJson;
import org.convlab.data.ImageSource;
import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The training loop around {@link ComputationGraph#fit}: prefetching batches on a second thread,
 * progress and per-epoch figures to a {@link TrainingListener}, early stopping on validation loss
 * (keeping the best network), and a checkpoint after every epoch that {@code resume} continues
 * from with the same optimizer state. Another {@link EpochFit} (Spark's workers) may fit the
 * epochs; the rest stays the same.
 *
 * <pre>{@code
 * TrainingResult r = Trainer.train(spec, train, validation, TrainingOptions.builder()
 *         .optEpochs(10).optPatience(3).optCheckpointDir(Path.of("models/.checkpoints/fashion-cnn")).build(),
 *         GraphFactory.STANDARD, ConsoleProgress.onStandardError());
 * }</pre>
 */
public final class Trainer {
    /**
     * Where a fit cannot report the epoch's running loss or accuracy (gradient sharing on Spark, DL4J's
     * own output layer), they are measured after the epoch on this many training images instead.
     */
    static final int TRAIN_ACCURACY_SAMPLE = 2000;
    private static final int PREFETCH_BATCHES = 4;

    private Trainer() {
    }

    /** A run that starts from {@link GraphFactory#STANDARD}. */
    public static TrainingResult train(ArchitectureSpec spec, ImageSource train, ImageSource validation, TrainingOptions o,
                                       TrainingListener listener) {
        return train(spec, train, validation, o, GraphFactory.STANDARD, listener);
    }

    /**
     * Decides, before any work, what happens to a checkpoint an interrupted run left in the
     * options' folder: resumed (with resume), discarded (with fresh), or the run is refused at once
     * with what to add. Without a leftover checkpoint, resume is refused.
     */
    public static void settleCheckpoints(TrainingOptions o) {
        if (o.checkpointDir() == null) {
            return;
        }
        int left = Checkpoints.lastEpoch(o.checkpointDir());
        if (o.resume() && left == 0) {
            throw new BadSettingException(Setting.RESUME, "%s: no checkpoint in " + BadSettingException.literal(o.checkpointDir())
                    + " to continue from; run without %s");
        }
        if (!o.resume() && left > 0) {
            if (!o.fresh()) {
                throw new BadSettingException("an interrupted run left a checkpoint after epoch " + left + " in "
                        + BadSettingException.literal(o.checkpointDir()) + "; add %1$s to continue it, or %2$s to discard it and start over",
                        Setting.RESUME, Setting.FRESH);
            }
            FileTrees.delete(o.checkpointDir());
        }
    }

    public static TrainingResult train(ArchitectureSpec spec, ImageSource train, ImageSource validation, TrainingOptions o,
                                       GraphFactory factory, TrainingListener listener) {
        return train(spec, train, validation, o, factory, listener, inThisJvm(train, o));
    }

    /** The same loop with the epochs fitted by {@code fit} (on Spark, say) instead of in this JVM. */
    public static TrainingResult train(ArchitectureSpec spec, ImageSource train, ImageSource validation, TrainingOptions o,
                                       GraphFactory factory, TrainingListener listener, EpochFit fit) {
        settleCheckpoints(o);
        if (!train.labels().equals(validation.labels())) {
            throw new ConvLabException("training and validation classes differ: " + train.labels() + " vs " + validation.labels());
        }
        String fingerprint = fingerprint(spec, train, validation, o) + factory.startingPoint();
        MemoryBudget.require(MemoryEstimate.toTrain(spec, o.batch()), "training '" + spec.name() + "' at a batch of " + o.batch(),
                "use a smaller batch size or a smaller network");
        Checkpoints checkpoints = o.checkpointDir() == null ? null : new Checkpoints(o.checkpointDir());

        ComputationGraph graph;
        ComputationGraph best;
        int startEpoch = 1;
        int bestEpoch = 0;
        double bestLoss = Double.POSITIVE_INFINITY;
        int stale = 0;
        double previousSeconds = 0;
        List<EpochMetrics> history = new ArrayList<>();
        Checkpoints.Loaded resumed = o.resume() ? checkpoints.load() : null;
        if (resumed != null) {
            if (!resumed.state().fingerprint().equals(fingerprint)) {
                throw new BadSettingException(Setting.RESUME, "%s: the checkpoint in " + BadSettingException.literal(o.checkpointDir())
                        + " was made with other settings (architecture, data, batch, seed or augmentation); use the same ones,"
                        + " or train without %s");
            }
            graph = resumed.latest();
            best = resumed.best();
            Checkpoints.State s = resumed.state();
            startEpoch = s.epoch() + 1;
            bestEpoch = s.bestEpoch();
            bestLoss = s.bestLoss();
            stale = s.epochsWithoutImprovement();
            previousSeconds = s.seconds();
            s.history().forEach(line -> history.add(EpochMetrics.parse(line)));
            listener.onMessage(String.format("resuming after epoch %d of %d from %s", s.epoch(), o.epochs(), o.checkpointDir()));
        } else {
            int iterations = o.epochs() * fit.stepsPerEpoch((int) Math.ceil(train.size() / (double) o.batch()));
            graph = factory.create(spec, o, iterations);
            best = null;
        }

        ImageSource sample = train.limit(TRAIN_ACCURACY_SAMPLE, o.seed());
        long start = System.nanoTime();
        boolean stoppedEarly = false;
        for (int epoch = startEpoch; epoch <= o.epochs(); epoch++) {
            if (o.patience() > 0 && stale >= o.patience()) {
                stoppedEarly = true;
                break;
            }
            listener.onEpochStart(epoch, o.epochs(), train.size());
            long epochStart = System.nanoTime();
            EpochFit.Fitted fitted = fit.fit(graph, epoch, listener);
            double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
            graph = fitted.graph();
            Evaluator.LossAccuracy val = Evaluator.lossAndAccuracy(graph, validation, o.batch());
            Evaluator.LossAccuracy onSample = Double.isNaN(fitted.loss()) || Double.isNaN(fitted.accuracy())
                    ? Evaluator.lossAndAccuracy(graph, sample, o.batch()) : null;
            double trainLoss = Double.isNaN(fitted.loss()) ? onSample.loss() : fitted.loss();
            double trainAccuracy = Double.isNaN(fitted.accuracy()) ? onSample.accuracy() : fitted.accuracy();
            EpochFit.requireFinite(trainLoss, epoch);
            EpochMetrics m = new EpochMetrics(epoch, trainLoss, trainAccuracy,
                    val.loss(), val.accuracy(), epochSeconds, fitted.images() / epochSeconds);
            history.add(m);
            listener.onEpochEnd(m, o.epochs());
            boolean improved = m.valLoss() < bestLoss;
            if (improved) {
                bestLoss = m.valLoss();
                bestEpoch = epoch;
                best = Networks.copy(graph);
                stale = 0;
            } else {
                stale++;
            }
            if (checkpoints != null) {
                List<String> rows = history.stream().map(EpochMetrics::csv).toList();
                double seconds = previousSeconds + (System.nanoTime() - start) / 1e9;
                checkpoints.save(new Checkpoints.State(fingerprint, epoch, bestEpoch, bestLoss, stale, rows, seconds),
                        graph, improved);
            }
        }
        if (stoppedEarly) {
            listener.onMessage(String.format("early stop: validation loss has not improved for %d epochs; keeping epoch %d",
                    o.patience(), bestEpoch));
        }
        ComputationGraph kept = best != null ? best : graph;
        if (o.preciseBatchNorm() && !fit.recomputesBatchNorm()) {
            int layers = BatchNormRecalibration.recalibrate(kept, train.iterator(o.batch(), true, shuffleSeed(o, 0)),
                    BatchNormRecalibration.DEFAULT_IMAGES);
            if (layers > 0) {
                listener.onMessage(String.format(Locale.US, "batch norm: the running mean and variance of %d layer(s) recomputed from %,d"
                        + " training images (--no-precise-bn keeps the moving averages)", layers,
                        Math.min(train.size(), BatchNormRecalibration.DEFAULT_IMAGES)));
            }
        }
        double seconds = previousSeconds + (System.nanoTime() - start) / 1e9;
        return new TrainingResult(kept, List.copyOf(history), bestEpoch, stoppedEarly, seconds);
    }

    /**
     * Epochs in this JVM: the training data shuffled (and augmented) per epoch; batches read from
     * files are prefetched on a second thread. Batches from memory are made on the training thread:
     * on two cores a prefetch thread only took a core from oneDNN's threads (fruits-cnn-bn on
     * Fashion-MNIST, bf16, batch 64: 1,310 img/s with it, 1,400-1,490 without; augmented 1,165 and 1,340).
     */
    private static EpochFit inThisJvm(ImageSource train, TrainingOptions o) {
        return (graph, epoch, listener) -> {
            ImageSource source = o.augment() ? train.augmented(augmentSeed(o, epoch)) : train;
            DataSetIterator batches = source.iterator(o.batch(), true, shuffleSeed(o, epoch));
            if (source.readsFiles()) {
                batches = new AsyncDataSetIterator(batches, PREFETCH_BATCHES);
            }
            long done = 0;
            double lossSum = 0;
            int batchesSeen = 0;
            TrainingAccuracy.take(graph.getOutputLayer(0)); // what passes before this epoch counted
            try {
                while (batches.hasNext()) {
                    DataSet ds = batches.next();
                    graph.fit(ds);
                    double loss = graph.score();
                    EpochFit.requireFinite(loss, epoch);
                    lossSum += loss;
                    batchesSeen++;
                    done += ds.numExamples();
                    listener.onBatch(epoch, o.epochs(), done, lossSum / batchesSeen);
                }
            } finally {
                if (batches instanceof AsyncDataSetIterator async) {
                    async.shutdown();
                }
            }
            TrainingAccuracy counted = TrainingAccuracy.take(graph.getOutputLayer(0));
            // Every image counted, or the sample measures it: a share of the epoch's images would mislead.
            double accuracy = counted != null && counted.examples() == done ? counted.accuracy() : Double.NaN;
            return new EpochFit.Fitted(graph, lossSum / Math.max(1, batchesSeen), accuracy, done);
        };
    }

    /** The seed of epoch {@code epoch}'s order of training images (1-based epochs). */
    public static long shuffleSeed(TrainingOptions o, int epoch) {
        return o.seed() * 1009 + epoch;
    }

    /** The seed of epoch {@code epoch}'s random augmentations. */
    public static long augmentSeed(TrainingOptions o, int epoch) {
        return o.seed() * 31 + epoch;
    }

    /** Ties a checkpoint to the settings that shape the run, so --resume cannot mix two runs. */
    private static String fingerprint(ArchitectureSpec spec, ImageSource train, ImageSource validation, TrainingOptions o) {
        String text = SpecJson.write(spec) + "|" + train.description() + "|" + train.size() + "|" + validation.size() + "|"
                + train.labels() + "|" + o.batch() + "|" + o.seed() + "|" + o.augment() + "|" + o.learningRate() + "|" + o.weightInit()
                + (o.learningRateSchedule() == LearningRateSchedule.CONSTANT ? "" : "|" + o.learningRateSchedule() + "|" + o.epochs());
        return org.convlab.io.Sha256.of(text);
    }
}
