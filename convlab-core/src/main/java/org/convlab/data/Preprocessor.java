package org.convlab.data;

import org.convlab.arch.InputShape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;

/**
 * Applies a {@link Preprocessing}: the one place where pixels become a network's input, for
 * training batches, {@code predict}, {@code filters} and every later road. Decoded images are
 * resized by DataVec's loader ({@link ConvLabImageLoader}), which delivers 0..255 values in
 * OpenCV's order (BGR, or grey); {@link #normalize} then puts the channels in the model's order and
 * divides. Safe to share between threads.
 *
 * <pre>{@code
 * Preprocessor pre = new Preprocessor(card.preprocessing());
 * INDArray batch = pre.batch(List.of(ImageDecoder.load(Path.of("shoe.png"))));   // [1, C, H, W]
 * }</pre>
 */
public final class Preprocessor {
    private final Preprocessing steps;
    private final ThreadLocal<ConvLabImageLoader> loader;

    public Preprocessor(Preprocessing steps) {
        this.steps = steps;
        InputShape in = steps.input();
        this.loader = ThreadLocal.withInitial(() -> new ConvLabImageLoader(in.height(), in.width(), in.channels()));
    }

    public Preprocessing steps() {
        return steps;
    }

    /** Decoded images, resized and normalised, as one batch of the network's input. */
    public INDArray batch(List<DecodedImage> images) {
        InputShape in = steps.input();
        INDArray batch = Nd4j.create(DataType.FLOAT, images.size(), in.channels(), in.height(), in.width());
        for (int i = 0; i < images.size(); i++) {
            batch.get(NDArrayIndex.point(i)).assign(raw(images.get(i).image()).reshape(in.channels(), in.height(), in.width()));
        }
        return normalize(batch);
    }

    /** One decoded image as the network's input for a batch of one. */
    public INDArray image(DecodedImage image) {
        return batch(List.of(image));
    }

    /** An image resized to the input size, still in the loader's order and 0..255: [1, C, H, W]. */
    public INDArray raw(BufferedImage normalisedBgr) {
        try {
            return loader.get().asMatrix(normalisedBgr);
        } catch (IOException e) {
            throw new org.convlab.ConvLabException("cannot prepare the image: " + e.getMessage());
        }
    }

    /**
     * Turns a batch of 0..255 values in the loader's order ([N, C, H, W]: BGR, or grey) into the
     * network's input: channels reordered where the model wants RGB, divided (both in place),
     * then laid out channels-last where the model wants that (a new array).
     */
    public INDArray normalize(INDArray loaderOrder) {
        if (steps.channels() == Preprocessing.Channels.RGB && loaderOrder.size(1) == 3) {
            swapFirstAndLast(loaderOrder);
        }
        return divideAndLayOut(loaderOrder);
    }

    private INDArray divideAndLayOut(INDArray nchw) {
        if (steps.divideBy() != 1) {
            nchw.divi(steps.divideBy());
        }
        return steps.layout() == Preprocessing.Layout.NHWC ? nchw.permute(0, 2, 3, 1).dup('c') : nchw;
    }

    /**
     * Decoded pixels from outside ConvLab (a KServe tensor, an ONNX runtime's input), [N, C, H, W]
     * of 0..255 in RGB order (or grey), made the network's input: channels reordered to the
     * model's order, divided, and laid out as the model wants.
     */
    public INDArray fromRgb(INDArray rgb) {
        if (steps.channels() == Preprocessing.Channels.BGR && rgb.size(1) == 3) {
            swapFirstAndLast(rgb);
        }
        return divideAndLayOut(rgb);
    }

    private static void swapFirstAndLast(INDArray nchw) {
        INDArray first = nchw.get(NDArrayIndex.all(), NDArrayIndex.point(0)).dup();
        nchw.get(NDArrayIndex.all(), NDArrayIndex.point(0)).assign(nchw.get(NDArrayIndex.all(), NDArrayIndex.point(2)));
        nchw.get(NDArrayIndex.all(), NDArrayIndex.point(2)).assign(first);
    }

    /** {@link #normalize} for each batch of a DataVec iterator. */
    public DataSetPreProcessor asDataSetPreProcessor() {
        return (DataSet ds) -> ds.setFeatures(normalize(ds.getFeatures()));
    }
}
