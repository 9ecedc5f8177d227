package org.convlab.cli;

import org.convlab.kernels.Kernels;
import org.convlab.ops.MatrixCsv;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --kernel K.csv|NAME}: a CSV file when one exists at that path, else a named kernel. */
final class KernelOption {
    private KernelOption() {
    }

    static double[][] resolve(String value) {
        Path file = Path.of(value);
        if (Files.exists(file) || value.endsWith(".csv")) {
            return MatrixCsv.read(file);
        }
        return Kernels.get(value).matrix();
    }
}
