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

    /**
     * The normalised pixels as an OpenCV matrix (8-bit BGR); a copy, safe to keep. A plain 3-byte BGR raster (what
     * {@link ImageDecoder} makes) is copied straight into the matrix, byte for byte what JavaCV's converters give, but
     * without their direct buffer of the whole picture, which only a garbage collection frees.
     */
    Mat toMat(BufferedImage bgr) {
        if (bgr.getType() == BufferedImage.TYPE_3BYTE_BGR
                && bgr.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte bytes
                && bgr.getRaster().getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel layout
                && layout.getScanlineStride() == 3 * bgr.getWidth() && bytes.getOffset() == 0
                && bgr.getRaster().getSampleModelTranslateX() == 0 && bgr.getRaster().getSampleModelTranslateY() == 0
                && bytes.getData().length == 3L * bgr.getWidth() * bgr.getHeight()) {
            Mat mat = new Mat(bgr.getHeight(), bgr.getWidth(), opencv_core.CV_8UC3);
            mat.data().put(bytes.getData());
            return mat;
        }
        synchronized (toFrame) {
            return toMat.convert(toFrame.convert(bgr)).clone();
        }
    }

    @Override
    public INDArray asMatrix(File file) throws IOException {
        return released(toMat(ImageDecoder.decode(file.toPath()).image()));
    }

    @Override
    public INDArray asMatrix(InputStream in) throws IOException {
        return released(toMat(ImageDecoder.decode(in.readAllBytes()).image()));
    }

    @Override
    public void asMatrixView(File file, INDArray view) throws IOException {
        try (Mat mat = toMat(ImageDecoder.decode(file.toPath()).image())) {
            asMatrixView(mat, view);
        }
    }

    @Override
    public void asMatrixView(InputStream in, INDArray view) throws IOException {
        try (Mat mat = toMat(ImageDecoder.decode(in.readAllBytes()).image())) {
            asMatrixView(mat, view);
        }
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
        return released(toMat(ImageDecoder.normalise(image).image()));
    }

    /**
     * The full-size copy as the network's input size, its native memory freed at once: left to the garbage
     * collector, which does not see it, a server decoding large pictures grew by gigabytes between collections.
     */
    private INDArray released(Mat fullSize) throws IOException {
        try (fullSize) {
            return asMatrix(fullSize);
        }
    }
}
