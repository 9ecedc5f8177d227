package org.convlab.data;

import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.transform.BaseImageTransform;

import java.util.Random;

/**
 * Adds one random offset in [-delta, +delta] (of 255) to every pixel: DataVec has flips,
 * rotations and crops but no brightness change.
 */
final class BrightnessTransform extends BaseImageTransform<Mat> {
    private final double delta;

    BrightnessTransform(Random random, double delta) {
        super(random);
        this.delta = delta;
        this.converter = new OpenCVFrameConverter.ToMat();
    }

    @Override
    protected ImageWritable doTransform(ImageWritable image, Random random) {
        if (image == null) {
            return null;
        }
        Random r = random != null ? random : this.random;
        double offset = (r.nextDouble() * 2 - 1) * delta * 255;
        Mat mat = converter.convert(image.getFrame());
        Mat out = new Mat();
        mat.convertTo(out, -1, 1, offset);
        return new ImageWritable(converter.convert(out));
    }

    @Override
    public float[] query(float... coordinates) {
        return coordinates;
    }
}
