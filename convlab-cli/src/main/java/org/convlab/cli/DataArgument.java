package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;
import org.convlab.data.DataSource;
import org.convlab.data.DataSources;
import org.convlab.data.FashionMnist;
import org.convlab.data.ImageSource;
import org.convlab.zoo.StoredModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A data source named on the command line: parsed, and where it is Fashion-MNIST and the files are
 * missing, installed from Debian's package first (as root, with apt-get). The library itself never
 * installs anything; this is the command line's convenience.
 */
final class DataArgument {
    private static final Logger LOG = LoggerFactory.getLogger(DataArgument.class);

    private DataArgument() {
    }

    /** The source named by {@code text}, made ready to open. */
    static DataSource ready(String text) {
        DataSource source = DataSource.parse(text);
        if (source.root() instanceof DataSource.FashionMnistFiles) {
            installFashionMnist();
        }
        return source;
    }

    static DataSources.Bundle open(String text, InputShape shape) {
        return DataSources.open(ready(text), shape);
    }

    /**
     * {@code source}, opened from {@code text}, made ready for {@code stored}: refused unless its images
     * have the model's input shape and its classes are among the model's, then preprocessed as the model was.
     */
    static ImageSource forModel(String text, ImageSource source, StoredModel stored) {
        if (!source.shape().equals(stored.card().input())) {
            throw new ConvLabException(text + " gives " + source.shape() + " images but " + stored.ref() + " takes "
                    + stored.card().input());
        }
        return DataSources.alignLabels(source, stored.card().labels(), "the model")
                .withPreprocessing(stored.card().preprocessing());
    }

    /**
     * Installs the Debian package when the files are missing and this process may (root, with
     * apt-get). Returns whether the files are there afterwards; says on stderr what it does.
     */
    static boolean installFashionMnist() {
        if (FashionMnist.isInstalled()) {
            return true;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return false;
        }
        System.err.println("Fashion-MNIST is missing: installing Debian's " + FashionMnist.PACKAGE + " (apt-get install -y "
                + FashionMnist.PACKAGE + ")...");
        try {
            if (!aptGet("install", "-y", "-q", FashionMnist.PACKAGE)) {
                // The package lists may be missing on a fresh machine.
                aptGet("update", "-q");
                aptGet("install", "-y", "-q", FashionMnist.PACKAGE);
            }
        } catch (IOException e) {
            LOG.debug("apt-get failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return FashionMnist.isInstalled();
    }

    private static boolean aptGet(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "apt-get";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0;
    }
}
