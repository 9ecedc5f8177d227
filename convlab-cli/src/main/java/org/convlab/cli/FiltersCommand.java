package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.data.Preprocessor;
import org.convlab.data.ImageDecoder;
import org.convlab.plot.FilterPictures;
import org.convlab.plot.Pictures;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code convlab filters}: the first layer's learned kernels and each conv block's feature maps for an image. */
@Command(name = "filters", mixinStandardHelpOptions = true,
        description = {"Draw what a trained model learned: its first kernels and its feature maps.",
                "The first convolution's kernels, and the feature maps at the end of each convolution block for one image.",
                "Example: convlab filters --model fashion-cnn --image shoe.png --out filters/"})
final class FiltersCommand implements Callable<Integer> {
    @Mixin
    StoredModelOption modelOption;

    @Option(names = "--image", required = true, paramLabel = "IMG", description = "The image whose feature maps are drawn.")
    Path image;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the pictures go (created if missing).")
    Path out;

    @Option(names = "--maps", converter = Counts.AtLeastOne.class, defaultValue = "32", description = "Feature maps per layer, at most. Default: ${DEFAULT-VALUE}.")
    int maps;


    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws IOException {
        StoredModel stored = modelOption.load();
        ComputationGraph graph = stored.graph();
        List<String> convs = new ArrayList<>();
        for (String name : graph.getConfiguration().getTopologicalOrderStr()) {
            if (graph.getConfiguration().getVertices().get(name) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof ConvolutionLayer) {
                convs.add(name);
            }
        }
        if (convs.isEmpty()) {
            throw new ConvLabException(stored.ref() + " has no convolution layers to draw");
        }
        INDArray x = new Preprocessor(stored.card().preprocessing()).image(ImageDecoder.load(image));
        PrintWriter stdout = command.commandLine().getOut();
        Path kernels = out.resolve("filters-" + convs.get(0) + ".png");
        Pictures.writePng(FilterPictures.kernels(graph.getLayer(convs.get(0)).getParam("W"), 48), kernels);
        stdout.println("wrote " + kernels);
        Map<String, INDArray> acts = FilterPictures.activations(graph, x);
        List<String> blockEnds = blockEnds(graph, convs);
        boolean channelsLast = stored.card().preprocessing().layout() == org.convlab.data.Preprocessing.Layout.NHWC;
        for (String name : blockEnds) {
            // Pictures read channels first; a model imported from Keras computes channels last.
            INDArray a = channelsLast ? acts.get(name).permute(0, 3, 1, 2) : acts.get(name);
            Path file = out.resolve("featuremaps-" + name + ".png");
            int tile = (int) Math.max(48, Math.min(120, 4 * a.size(2)));
            Pictures.writePng(FilterPictures.featureMaps(a, maps, tile, name + ": " + a.size(1) + " maps of " + a.size(2) + "x" + a.size(3)
                    + " for " + image.getFileName()), file);
            stdout.println("wrote " + file);
        }
        stdout.flush();
        return ConvLab.EXIT_OK;
    }

    /** The last convolution of each run of consecutive convolutions (a block). */
    private static List<String> blockEnds(ComputationGraph graph, List<String> convs) {
        List<String> order = graph.getConfiguration().getTopologicalOrderStr();
        List<String> ends = new ArrayList<>();
        for (String c : convs) {
            int i = order.indexOf(c);
            if (i + 1 >= order.size() || !convs.contains(order.get(i + 1))) {
                ends.add(c);
            }
        }
        return ends;
    }
}
