package org.convlab.train;

import org.convlab.data.ImageSource;
import org.convlab.runtime.MemoryBudget;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Runs a model over a labelled source in evaluation mode (no dropout, batch-norm statistics fixed). */
public final class Evaluator {
    private static final double LOG_FLOOR = 1e-12;

    private Evaluator() {
    }

    /** Mean cross-entropy loss and accuracy, the cheap pair reported after every epoch. */
    public record LossAccuracy(double loss, double accuracy, int examples) {
    }

    public static LossAccuracy lossAndAccuracy(ComputationGraph graph, ImageSource source, int batch) {
        requireMemory(graph, source, batch);
        double lossSum = 0;
        long correct = 0;
        int n = 0;
        DataSetIterator it = source.iterator(batch, false, 0);
        while (it.hasNext()) {
            DataSet ds = it.next();
            INDArray p = graph.outputSingle(false, ds.getFeatures());
            INDArray y = ds.getLabels();
            lossSum -= Transforms.log(Transforms.max(p, LOG_FLOOR, true), false).muli(y).sumNumber().doubleValue();
            INDArray predicted = p.argMax(1);
            INDArray actual = y.argMax(1);
            correct += predicted.eq(actual).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            n += ds.numExamples();
        }
        return new LossAccuracy(lossSum / Math.max(1, n), (double) correct / Math.max(1, n), n);
    }

    private static void requireMemory(ComputationGraph graph, ImageSource source, int batch) {
        MemoryBudget.requireForBatch(graph, InputType.convolutional(source.shape().height(), source.shape().width(),
                source.shape().channels()), Math.min(batch, source.size()), false, "evaluating in batches of " + batch,
                "use a smaller batch size");
    }

    /** The full report; {@code labels} are the model's, in output order. */
    public static EvaluationReport evaluate(ComputationGraph graph, ImageSource source, List<String> labels, int batch) {
        return evaluate(graph, source, labels, batch, false);
    }

    /**
     * The same, with {@code flip} averaging each image's probabilities with its left-right mirror's
     * (test-time augmentation: the mirror is what {@code --augment} trains on half the time).
     */
    public static EvaluationReport evaluate(ComputationGraph graph, ImageSource source, List<String> labels, int batch, boolean flip) {
        requireMemory(graph, source, batch);
        int widthAxis = source.preprocessing().layout() == org.convlab.data.Preprocessing.Layout.NHWC ? 2 : 3;
        Evaluation eval = new Evaluation(labels, Math.min(5, labels.size()));
        double lossSum = 0;
        DataSetIterator it = source.iterator(batch, false, 0);
        while (it.hasNext()) {
            DataSet ds = it.next();
            INDArray p = graph.outputSingle(false, ds.getFeatures());
            if (flip) {
                INDArray mirrored = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.Reverse(ds.getFeatures(), widthAxis))[0];
                p = p.add(graph.outputSingle(false, mirrored)).divi(2);
            }
            eval.eval(ds.getLabels(), p);
            lossSum -= Transforms.log(Transforms.max(p, LOG_FLOOR, true), false).muli(ds.getLabels()).sumNumber().doubleValue();
        }
        int k = labels.size();
        int[][] confusion = new int[k][k];
        List<EvaluationReport.ClassScore> perClass = new ArrayList<>();
        List<EvaluationReport.Confusion> confusions = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            int support = 0;
            for (int p = 0; p < k; p++) {
                confusion[a][p] = eval.getConfusionMatrix().getCount(a, p);
                support += confusion[a][p];
                if (a != p && confusion[a][p] > 0) {
                    confusions.add(new EvaluationReport.Confusion(labels.get(a), labels.get(p), confusion[a][p]));
                }
            }
            perClass.add(new EvaluationReport.ClassScore(labels.get(a), safe(eval.precision(a)), safe(eval.recall(a)),
                    safe(eval.f1(a)), support));
        }
        confusions.sort(Comparator.comparingInt(EvaluationReport.Confusion::count).reversed());
        int n = eval.getNumRowCounter();
        return new EvaluationReport(source.description(), n, eval.accuracy(), eval.topNAccuracy(), lossSum / Math.max(1, n),
                labels, perClass, confusion, List.copyOf(confusions.subList(0, Math.min(10, confusions.size()))));
    }

    private static double safe(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
