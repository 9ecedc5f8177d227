package org.convlab.data;

import org.bytedeco.javacv.Java2DFrameConverter;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ConvLabImageLoaderTest {
    private static byte[] bytes(Mat mat) {
        byte[] out = new byte[(int) (mat.total() * mat.channels())];
        mat.data().get(out);
        return out;
    }

    /** The raster copied straight into a matrix is byte for byte what JavaCV's converters make of it. */
    @Test
    void aBgrRasterBecomesTheMatrixJavaCvWouldMake() throws Exception {
        BufferedImage image = new BufferedImage(37, 23, BufferedImage.TYPE_3BYTE_BGR);
        Random r = new Random(4);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ConvLabImageLoader loader = new ConvLabImageLoader(16, 16, 3);
        Mat javacv = new OpenCVFrameConverter.ToMat().convert(new Java2DFrameConverter().convert(image)).clone();
        try (Mat direct = loader.toMat(image)) {
            assertEquals(javacv.rows(), direct.rows());
            assertEquals(javacv.cols(), direct.cols());
            assertArrayEquals(bytes(javacv), bytes(direct));
        }
        // A part of a larger picture (no plain raster) takes the converters' way, to the same bytes.
        BufferedImage part = image.getSubimage(3, 2, 20, 15);
        Mat javacvPart = new OpenCVFrameConverter.ToMat().convert(new Java2DFrameConverter().convert(part)).clone();
        try (Mat viaLoader = loader.toMat(part)) {
            assertArrayEquals(bytes(javacvPart), bytes(viaLoader));
        }
        assertEquals(loader.asMatrix(javacv), loader.asMatrix(image));
    }
}
