package org.convlab.bench;

import org.convlab.arch.Architectures;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.FlopCount;
import org.convlab.train.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerProfileTest {

    @Test
    void flopsPerLayerAreWorkedOutFromShapesAndAddUpToTheForwardCount() {
        ArchitectureSpec seed = Architectures.get("fruits-cnn");
        Map<String, Long> flops = FlopCount.perLayer(seed);
        // conv2d_1: 100x100x32 outputs, each 3x3x3 multiply-adds (2 FLOPs) plus bias and ReLU.
        assertEquals(2L * 100 * 100 * 32 * 27 + 2L * 100 * 100 * 32, flops.get("conv2d_1"));
        // dense_1: 6x6x256 = 9216 inputs to 1024 units.
        assertEquals(2L * 9216 * 1024 + 2 * 1024, flops.get("dense_1"));
        assertEquals(FlopCount.forward(seed), flops.values().stream().mapToLong(Long::longValue).sum());
        // The performance issue's figure: about 1.58 GFLOP forward per 100x100x3 image, 99% in the convolutions.
        double convShare = flops.entrySet().stream().filter(e -> e.getKey().startsWith("conv2d")).mapToLong(Map.Entry::getValue).sum()
                / (double) FlopCount.forward(seed);
        assertEquals(1.58e9, FlopCount.forward(seed), 0.02e9);
        assertTrue(convShare > 0.98, "conv share " + convShare);
    }

    @Test
    void everyLayerOfTheGraphGetsARowInOrder() {
        ArchitectureSpec tiny = TinyModels.spec();
        LayerProfile.Result r = LayerProfile.run(tiny, 4, 2);
        List<String> names = r.rows().stream().map(LayerProfile.Row::layer).toList();
        List<String> expected = tiny.layers().stream().map(l -> l.name()).filter(n -> !n.startsWith("flatten")).toList();
        assertEquals(expected, names);
        assertTrue(r.rows().stream().allMatch(row -> row.forwardMs() > 0 && row.backwardMs() > 0), r.toString());
        assertEquals(4 * FlopCount.perLayer(tiny).get(expected.get(0)), r.rows().get(0).forwardFlops());
        assertTrue(r.stepMs() > 0);
    }
}
