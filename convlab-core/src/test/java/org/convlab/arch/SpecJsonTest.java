package org.convlab.arch;

import org.convlab.ops.Padding;

import org.convlab.ConvLabException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecJsonTest {

    private static String tiny(String layers) {
        return "{\"name\": \"tiny\", \"input\": {\"height\": 8, \"width\": 8, \"channels\": 1}, \"layers\": [" + layers + "]}";
    }

    private static String failure(String json) {
        ConvLabException e = assertThrows(ConvLabException.class, () -> ShapeInference.outputShapes(SpecJson.read(json, "test.json")));
        return e.getMessage();
    }

    @Test
    void seedSpecRoundTripsThroughJson() {
        ArchitectureSpec seed = Architectures.get("fruits-cnn");
        String json = SpecJson.write(seed);
        ArchitectureSpec again = SpecJson.read(json, "round-trip");
        assertEquals(seed, again);
        assertEquals(json, SpecJson.write(again));
        assertEquals(60, again.classes());
        assertEquals(18, again.layers().size());
    }

    @Test
    void shortFormsAndDefaultsFollowKeras() {
        ArchitectureSpec spec = SpecJson.read(tiny(
                "{\"type\": \"conv2d\", \"filters\": 4, \"kernel\": 3},"
                        + "{\"type\": \"avg_pool\"}, {\"type\": \"flatten\"},"
                        + "{\"type\": \"dense\", \"units\": 3, \"activation\": \"softmax\"}"), "t");
        Conv2DSpec conv = (Conv2DSpec) spec.layers().get(0);
        assertEquals(new Size2(3, 3), conv.kernel());
        assertEquals(new Size2(1, 1), conv.stride());
        assertEquals(Padding.VALID, conv.padding());
        assertEquals("linear", conv.activation());
        PoolSpec pool = (PoolSpec) spec.layers().get(1);
        assertEquals(LayerKind.AVG_POOL, pool.kind());
        assertEquals(new Size2(2, 2), pool.stride());
        assertEquals("average_pooling2d_1", pool.name());
        // 8 -> valid 3x3 -> 6 -> pool 2 -> 3; flat 3*3*4 = 36
        assertEquals(List.of(LayerShape.spatial(6, 6, 4), LayerShape.spatial(3, 3, 4), LayerShape.flat(36), LayerShape.flat(3)),
                ShapeInference.outputShapes(spec));
    }

    @Test
    void unknownLayerTypeNamesTheKnownOnes() {
        String msg = failure(tiny("{\"type\": \"conv3d\", \"filters\": 2}"));
        assertTrue(msg.contains("layers[0]") && msg.contains("unknown layer type 'conv3d'") && msg.contains("conv2d, max_pool"), msg);
    }

    @Test
    void misspelledSettingIsRefused() {
        String msg = failure(tiny("{\"type\": \"conv2d\", \"filters\": 2, \"kernel\": 3, \"strides\": 2}"));
        assertTrue(msg.contains("layers[0]") && msg.contains("unknown setting 'strides'") && msg.contains("stride"), msg);
        String missing = failure(tiny("{\"type\": \"conv2d\", \"kernel\": 3}"));
        assertEquals("test.json at layers[0].filters: missing required setting", missing);
    }

    @Test
    void negativeFiltersNameTheLayer() {
        String msg = failure(tiny("{\"type\": \"conv2d\", \"filters\": -3, \"kernel\": 3}, {\"type\": \"flatten\"},"
                + "{\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}"));
        assertEquals("layer 'conv2d_1' (conv2d): filters must be at least 1, received -3", msg);
    }

    @Test
    void kernelLargerThanValidInputIsRefused() {
        String msg = failure(tiny("{\"type\": \"conv2d\", \"filters\": 2, \"kernel\": 9}, {\"type\": \"flatten\"},"
                + "{\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}"));
        assertTrue(msg.startsWith("layer 'conv2d_1' (conv2d): window 9x9 does not fit its 'valid' input 8x8"), msg);
    }

    @Test
    void poolingThatShrinksASideToZeroIsRefused() {
        ArchitectureSpec tooSmall = Architectures.get("fruits-cnn").withInput(InputShape.parse("12x12x3"));
        ConvLabException e = assertThrows(ConvLabException.class, () -> ShapeInference.outputShapes(tooSmall));
        // 12 -> 6 -> 3 -> 1 -> a 2x2 window no longer fits.
        assertTrue(e.getMessage().startsWith("layer 'max_pooling2d_4' (max_pool): window 2x2 does not fit its 'valid' input 1x1"),
                e.getMessage());
    }

    @Test
    void denseOnFeatureMapsAsksForFlatten() {
        String msg = failure(tiny("{\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}"));
        assertEquals("layer 'dense_1' (dense): expected a flat input, received (None, 8, 8, 1); add a flatten layer before it", msg);
    }

    @Test
    void lastLayerMustBeSoftmax() {
        String msg = failure(tiny("{\"type\": \"flatten\"}, {\"type\": \"dense\", \"units\": 2, \"activation\": \"relu\"}"));
        assertTrue(msg.contains("the last layer must be the classifier"), msg);
    }

    @Test
    void unknownActivationListsTheKnownOnes() {
        String msg = failure(tiny("{\"type\": \"flatten\"}, {\"type\": \"dense\", \"units\": 2, \"activation\": \"sofmax\"}"));
        assertTrue(msg.contains("activation 'sofmax' is not known") && msg.contains("softmax"), msg);
    }

    @Test
    void duplicateNamesAreRefused() {
        String msg = failure(tiny("{\"type\": \"flatten\", \"name\": \"x\"}, {\"type\": \"dense\", \"name\": \"x\", \"units\": 2, \"activation\": \"softmax\"}"));
        assertTrue(msg.contains("name 'x' is used twice"), msg);
    }

    @Test
    void classesOverrideChangesTheOutputLayerOnly() {
        ArchitectureSpec ten = Architectures.get("fruits-cnn").withClasses(10);
        assertEquals(10, ten.classes());
        assertEquals(Architectures.get("fruits-cnn").layers().subList(0, 17), ten.layers().subList(0, 17));
        assertThrows(ConvLabException.class, () -> Architectures.get("fruits-cnn").withClasses(1));
    }
}
