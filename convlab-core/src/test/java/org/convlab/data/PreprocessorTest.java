package org.convlab.data;

import org.convlab.arch.InputShape;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PreprocessorTest {
    /** A 2x1 image: a pure-ish red pixel and a grey one, values chosen so every channel differs. */
    private static DecodedImage twoPixels() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, (200 << 16) | (100 << 8) | 50);
        img.setRGB(1, 0, (30 << 16) | (60 << 8) | 90);
        return ImageDecoder.normalise(img);
    }

    @Test
    void standardIsBgrOverTwoHundredFiftyFive() {
        INDArray x = new Preprocessor(Preprocessing.standard(new InputShape(1, 2, 3))).image(twoPixels());
        assertEquals(List.of(1L, 3L, 1L, 2L), List.of(x.size(0), x.size(1), x.size(2), x.size(3)));
        // channel 0 is blue, 2 is red
        assertEquals(50 / 255.0, x.getDouble(0, 0, 0, 0), 1e-6);
        assertEquals(100 / 255.0, x.getDouble(0, 1, 0, 0), 1e-6);
        assertEquals(200 / 255.0, x.getDouble(0, 2, 0, 0), 1e-6);
        assertEquals(30 / 255.0, x.getDouble(0, 2, 0, 1), 1e-6);
    }

    @Test
    void rgbRawPixelsAsAKerasModelTakesThem() {
        Preprocessing keras = new Preprocessing(1, 2, Preprocessing.Channels.RGB, Preprocessing.STRETCH, 1);
        INDArray x = new Preprocessor(keras).image(twoPixels());
        assertEquals(200, x.getDouble(0, 0, 0, 0), 1e-6);
        assertEquals(100, x.getDouble(0, 1, 0, 0), 1e-6);
        assertEquals(50, x.getDouble(0, 2, 0, 0), 1e-6);
        assertEquals(90, x.getDouble(0, 2, 0, 1), 1e-6);
    }

    @Test
    void greyIsOneChannel() {
        INDArray x = new Preprocessor(Preprocessing.standard(new InputShape(1, 2, 1))).image(twoPixels());
        assertEquals(1, x.size(1));
        // luma of (200, 100, 50) in OpenCV's weights: 0.299 R + 0.587 G + 0.114 B = 124.2
        assertEquals(124 / 255.0, x.getDouble(0, 0, 0, 0), 1.5 / 255);
    }

    @Test
    void aSourceDeliversItsBatchesThroughTheModelsPreprocessing() {
        InMemorySource shapes = SyntheticShapes.generate(2, 2, new InputShape(4, 4, 3), 1, "s");
        INDArray standard = shapes.iterator(4, false, 0).next().getFeatures();
        DataSet raw = shapes.withPreprocessing(new Preprocessing(4, 4, Preprocessing.Channels.RGB, Preprocessing.STRETCH, 1))
                .iterator(4, false, 0).next();
        for (int c = 0; c < 3; c++) {
            assertEquals(standard.getDouble(1, 2 - c, 3, 1) * 255, raw.getFeatures().getDouble(1, c, 3, 1), 1e-3);
        }
        assertThrows(org.convlab.ConvLabException.class,
                () -> shapes.withPreprocessing(Preprocessing.standard(new InputShape(8, 8, 3))));
    }
}
