package org.convlab.data;

import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;

/**
 * Writes generated shapes as a class-folder tree of JPEG files ({@code out/<class>/<n>.jpg}), for
 * trying the folder pipeline, and benchmarking it, without downloading a dataset. The tree is
 * built under a temporary name ({@code .NAME.partial}) and renamed into place, so an interrupted
 * export never leaves a half-written tree under the name asked for.
 */
public final class FolderExport {
    private FolderExport() {
    }

    public static int exportSynthetic(int classes, int perClass, InputShape shape, long seed, Path out) {
        if (Files.exists(out)) {
            throw new ConvLabException(out + " already exists; choose a new folder for the export");
        }
        List<String> labels = SyntheticShapes.labels(classes);
        if (classes < 2 || classes > SyntheticShapes.MAX_CLASSES || perClass < 1) {
            throw new ConvLabException("synthetic export needs 2 to " + SyntheticShapes.MAX_CLASSES + " classes and at least 1 image per class");
        }
        Path parent = out.toAbsolutePath().getParent();
        Path tmp = parent.resolve("." + out.getFileName() + ".partial");
        try {
            Files.createDirectories(tmp);
            int n = 0;
            for (int k = 0; k < classes; k++) {
                Path dir = Files.createDirectories(tmp.resolve(labels.get(k)));
                for (int i = 0; i < perClass; i++) {
                    BufferedImage img = SyntheticShapes.draw(k, shape.width(), shape.height(), new Random(seed * 7919L + n));
                    if (shape.channels() == 1) {
                        BufferedImage grey = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
                        grey.getGraphics().drawImage(img, 0, 0, null);
                        img = grey;
                    }
                    ImageIO.write(img, "jpg", dir.resolve(String.format("%05d.jpg", i)).toFile());
                    n++;
                }
            }
            Files.move(tmp, out.toAbsolutePath(), StandardCopyOption.ATOMIC_MOVE);
            return n;
        } catch (IOException e) {
            throw new ConvLabException("cannot write " + out + ": " + e.getMessage());
        }
    }
}
