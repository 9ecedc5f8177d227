package org.convlab.tutorial;

/** The small matrices the tutorial mains work on (also in {@code data/samples/}). */
final class Examples {
    /** 1..25, row by row. */
    static final double[][] MATRIX_5X5 = {
        {1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}, {11, 12, 13, 14, 15}, {16, 17, 18, 19, 20}, {21, 22, 23, 24, 25}};
    static final double[][] KERNEL_3X3 = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    static final double[][] MATRIX_4X4 = {{1, 3, 2, 4}, {5, 7, 6, 8}, {9, 11, 10, 12}, {13, 15, 14, 16}};

    private Examples() {
    }

    /** The first argument as an output path, or {@code target/tutorial/NAME}. */
    static java.nio.file.Path output(String[] args, String name) {
        return args.length > 0 ? java.nio.file.Path.of(args[0]) : java.nio.file.Path.of("target", "tutorial", name);
    }
}
