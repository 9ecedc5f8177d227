package org.convlab.cli;

import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.convlab.plot.ConfusionPlot;
import org.convlab.plot.Pictures;
import org.convlab.train.EvaluationReport;
import org.convlab.train.Evaluator;
import org.convlab.zoo.StoredModel;
import picocli.CommandLine.Command;
import org.convlab.runtime.Precision;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convlab evaluate}: accuracy, top-5, per-class scores, confusion matrix (text and PNG). */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate a stored model on labelled data.",
                "Example: convlab evaluate --model fashion-cnn --data fashion-mnist --confusion confusion.png"})
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    PrecisionOption precisionOption;

    @Mixin
    ConvAlgorithmOption convAlgorithmOption;

    @Mixin
    StoredModelOption modelOption;

    @Option(names = "--data", required = true, paramLabel = "SRC",
            description = "Labelled data; for a source with a test set (fashion-mnist, Fruits-360) the test set is used.")
    String data;

    @Option(names = "--batch", converter = Counts.AtLeastOne.class, defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--confusion", paramLabel = "PNG", description = "Also draw the confusion matrix here.")
    Path confusionPng;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--tta", defaultValue = "none", paramLabel = "none|flip",
            description = "Test-time augmentation: flip averages each image's probabilities with its left-right mirror's. Default: ${DEFAULT-VALUE}.")
    String tta;


    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        StoredModel stored = modelOption.load();
        List<String> labels = stored.card().labels();
        DataSources.Bundle bundle = DataArgument.open(data, stored.card().input());
        ImageSource source = DataArgument.forModel(data, bundle.test() != null ? bundle.test() : bundle.train(), stored);
        boolean flip = switch (tta.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> false;
            case "flip" -> true;
            default -> throw new BadSettingException(Setting.TTA, "%s '" + BadSettingException.literal(tta) + "' is not known; use none or flip");
        };
        EvaluationReport r = Evaluator.evaluate(stored.frozen(), source, labels, batch, flip);
        if (confusionPng != null) {
            Pictures.writePng(ConfusionPlot.render(r.confusion(), labels, stored.ref() + " on " + r.data()), confusionPng);
        }
        PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.print(Json.write(r));
        } else {
            print(out, stored.ref(), r, flip);
        }
        out.flush();
        return ConvLab.EXIT_OK;
    }

    static void print(PrintWriter out, String ref, EvaluationReport r, boolean flip) {
        out.printf(Locale.US, "%s on %s (%d images, %s%s): accuracy %.4f, top-5 %.4f, loss %.4f%n", ref, r.data(), r.examples(),
                Precision.active().label(), flip ? ", test-time flip" : "", r.accuracy(), r.top5Accuracy(), r.loss());
        out.printf("%-24s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "support");
        for (EvaluationReport.ClassScore c : r.perClass()) {
            out.printf(Locale.US, "%-24s %9.4f %9.4f %9.4f %8d%n", c.label(), c.precision(), c.recall(), c.f1(), c.support());
        }
        out.println("confusion matrix (rows: actual, columns: predicted, in class order):");
        for (int[] row : r.confusion()) {
            StringBuilder sb = new StringBuilder("  ");
            for (int v : row) {
                sb.append(String.format("%6d", v));
            }
            out.println(sb);
        }
        out.println("most confused:");
        r.worstConfusions().stream().limit(5).forEach(c -> out.printf("  %s -> %s: %d%n", c.actual(), c.predicted(), c.count()));
    }
}
