package org.convlab.data;


import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Zalando, MIT licence) as Debian's {@code dataset-fashion-mnist} package installs
 * it: four gzipped IDX files under {@code /usr/share/datasets/fashion-mnist}. 60,000 training and
 * 10,000 test images of 28x28 grey, 10 classes.
 */
public final class FashionMnist {
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String PACKAGE = "dataset-fashion-mnist";
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /** The folder holding the files, {@code CONVLAB_FASHION_MNIST} or the Debian package's. */
    public static Path dir() {
        String env = System.getenv("CONVLAB_FASHION_MNIST");
        return env != null && !env.isBlank() ? Path.of(env) : DEFAULT_DIR;
    }

    public static boolean isInstalled() {
        return IdxFolder.find(dir(), "train", "images") != null;
    }
}
