package org.convlab.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnist.class);

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

    /**
     * Installs the Debian package when the files are missing and this process may (root, with
     * apt-get). Returns whether the files are there afterwards; says on stderr what it does.
     */
    public static boolean ensureInstalled() {
        if (isInstalled()) {
            return true;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return false;
        }
        System.err.println("Fashion-MNIST is missing: installing Debian's " + PACKAGE + " (apt-get install -y " + PACKAGE + ")...");
        try {
            Process p = new ProcessBuilder("apt-get", "install", "-y", "-q", PACKAGE).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                // The package lists may be missing on a fresh machine.
                new ProcessBuilder("apt-get", "update", "-q").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.MINUTES);
                new ProcessBuilder("apt-get", "install", "-y", "-q", PACKAGE).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.MINUTES);
            }
        } catch (IOException e) {
            LOG.debug("apt-get failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return isInstalled();
    }
}
