package org.convlab.data;

import org.datavec.image.transform.CropImageTransform;
import org.datavec.image.transform.FlipImageTransform;
import org.datavec.image.transform.ImageTransform;
import org.datavec.image.transform.PipelineImageTransform;
import org.datavec.image.transform.RotateImageTransform;
import org.nd4j.common.primitives.Pair;

import java.util.List;
import java.util.Random;

/**
 * The training-time augmentation, from DataVec's image transforms: each image is, independently
 * and with the given odds, mirrored left-right (1/2), rotated by up to 10 degrees (1/2), cropped
 * by up to a tenth of its side and resized back, which shifts and zooms it (1/2), and made
 * brighter or darker by up to 10% (1/2). Seeded, so a run can be repeated exactly.
 */
public final class Augmentation {
    private Augmentation() {
    }

    public static ImageTransform pipeline(long seed, int height, int width) {
        Random random = new Random(seed);
        int crop = Math.max(1, Math.min(height, width) / 10);
        List<Pair<ImageTransform, Double>> steps = List.of(
                new Pair<>(new FlipImageTransform(1), 0.5),
                new Pair<>(new RotateImageTransform(new Random(random.nextLong()), 10), 0.5),
                new Pair<>(new CropImageTransform(new Random(random.nextLong()), crop), 0.5),
                new Pair<>(new BrightnessTransform(new Random(random.nextLong()), 0.1), 0.5));
        return new PipelineImageTransform(random.nextLong(), steps, false);
    }
}
