package org.convlab.data;

import org.bytedeco.javacv.Java2DFrameConverter;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.transform.ImageTransform;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;

/**
 * DataVec's {@link NativeImageLoader} (resizing, transforms, the NCHW array) fed by
 * {@link ImageDecoder} instead of OpenCV's own decoder, which returns 16-bit PNGs unscaled and
 * CMYK JPEGs black. Every image ConvLab reads, in training and in prediction, goes through here.
 */
public final class ConvLabImageLoader extends NativeImageLoader {
    private final Java2DFrameConverter toFrame = new Java2DFrameConverter();
    private final OpenCVFrameConverter.ToMat toMat = new OpenCVFrameConverter.ToMat();

    public ConvLabImageLoader(long height, long width, long channels) {
        super(height, width, channels);
    }

    public ConvLabImageLoader(long height, long width, long channels, ImageTransform transform) {
        super(height, width, channels, transform);
    }

    /** The normalised pixels as an OpenCV matrix (8-bit BGR); a copy, safe to keep. */
    Mat toMat(BufferedImage bgr) {
        synchronized (toFrame) {
            return toMat.convert(toFrame.convert(bgr)).clone();
        }
    }

    @Override
    public INDArray asMatrix(File file) throws IOException {
        return asMatrix(toMat(ImageDecoder.decode(file.toPath()).image()));
    }

    @Override
    public INDArray asMatrix(InputStream in) throws IOException {
        return asMatrix(toMat(ImageDecoder.decode(in.readAllBytes()).image()));
    }

    @Override
    public void asMatrixView(File file, INDArray view) throws IOException {
        asMatrixView(toMat(ImageDecoder.decode(file.toPath()).image()), view);
    }

    @Override
    public void asMatrixView(InputStream in, INDArray view) throws IOException {
        asMatrixView(toMat(ImageDecoder.decode(in.readAllBytes()).image()), view);
    }

    /**
     * Runs {@code transform} over one [1, C, H, W] image of 0..255 values (an example held in
     * memory) and returns it in the same shape.
     */
    public INDArray transform(INDArray image, ImageTransform transform) throws IOException {
        Mat eight = new Mat();
        asMat(image).convertTo(eight, opencv_core.CV_8U);
        ImageWritable out = transform.transform(new ImageWritable(converter.convert(eight)));
        return asMatrix(converter.convert(out.getFrame()));
    }

    /** A picture already in memory, through the same path as files: shape [1, channels, height, width], 0..255. */
    public INDArray asMatrix(BufferedImage image) throws IOException {
        return asMatrix(toMat(ImageDecoder.normalise(image).image()));
    }
}
