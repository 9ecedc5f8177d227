package org.convlab.ops;

import org.convlab.ConvLabException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Matrices as CSV: one row a line, values separated by commas (spaces around them allowed,
 * blank lines and lines starting with {@code #} skipped). Output keeps full precision: whole
 * numbers print without a decimal point, others as Java's shortest exact decimal.
 */
public final class MatrixCsv {
    private MatrixCsv() {
    }

    public static double[][] read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConvLabException(file + " does not exist or is not a file");
        }
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new ConvLabException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Parses CSV text; {@code source} names it in error messages. */
    public static double[][] parse(String text, String source) {
        List<double[]> rows = new ArrayList<>();
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split(",", -1);
            double[] row = new double[cells.length];
            for (int c = 0; c < cells.length; c++) {
                row[c] = number(cells[c].trim(), source, i + 1, c + 1);
            }
            if (!rows.isEmpty() && row.length != rows.get(0).length) {
                throw new ConvLabException(source + " line " + (i + 1) + " has " + row.length + " values but the first row has "
                        + rows.get(0).length + "; every row must have the same number of values");
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new ConvLabException(source + " holds no numbers; write one matrix row per line, values separated by commas");
        }
        return rows.toArray(new double[0][]);
    }

    private static double number(String cell, String source, int line, int column) {
        try {
            double v = Double.parseDouble(cell);
            if (!Double.isFinite(v)) {
                throw new ConvLabException(source + " line " + line + ", value " + column + " is " + cell
                        + "; only finite numbers are allowed");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConvLabException(source + " line " + line + ", value " + column + " is '" + cell + "', not a number");
        }
    }

    public static String format(double[][] m) {
        StringBuilder sb = new StringBuilder();
        for (double[] row : m) {
            for (int c = 0; c < row.length; c++) {
                sb.append(c == 0 ? "" : ",").append(format(row[c]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** 4 for 4.0, 0.1111111111111111 for 1/9. */
    public static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
