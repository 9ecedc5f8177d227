package org.convlab.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.convlab.cli.ConvLabTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** conv, pool, kernels and activations from the command line, with the bad inputs the issue lists. */
class TutorialCommandsTest {
    @TempDir
    Path dir;

    private Path csv(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private Path matrix5() throws IOException {
        return csv("x.csv", "1,2,3,4,5\n6,7,8,9,10\n11,12,13,14,15\n16,17,18,19,20\n21,22,23,24,25\n");
    }

    private Path image(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 5) & 0xff) << 16 | ((y * 7) & 0xff) << 8 | 90);
            }
        }
        Path p = dir.resolve("in.png");
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @Test
    void convOnAMatrixPrintsCsv() throws IOException {
        Path k = csv("k.csv", "1,2,3\n4,5,6\n7,8,9\n");
        ConvLabTest.Result r = run("conv", "--matrix", matrix5().toString(), "--kernel", k.toString(), "--stride", "2");
        assertEquals(0, r.code(), r.err());
        // Worked by hand in ConvolutionTest: 45 (5i + j + 1) + 366 at the window corners.
        assertEquals("411,501\n861,951\n", r.out());
    }

    @Test
    void convWithNamedKernelSamePaddingAndBias() throws IOException {
        ConvLabTest.Result r = run("conv", "--matrix", matrix5().toString(), "--kernel", "identity", "--padding", "same", "--bias", "0.5");
        assertEquals(0, r.code(), r.err());
        assertEquals("1.5,2.5,3.5,4.5,5.5", r.out().lines().findFirst().orElseThrow());
        assertEquals(5, r.out().lines().count());
    }

    @Test
    void explainShowsTheSteps() throws IOException {
        Path k = csv("k.csv", "1,2,3\n4,5,6\n7,8,9\n");
        ConvLabTest.Result r = run("conv", "--matrix", matrix5().toString(), "--kernel", k.toString(), "--explain", "--cells", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Step 2: slice") && r.out().contains("sum of products = 411"), r.out());
        assertTrue(r.out().endsWith("411,456,501\n636,681,726\n861,906,951\n"), r.out());
    }

    @Test
    void convOnAnImageWritesAPngOfTheSameSize() throws IOException {
        Path out = dir.resolve("sub/edges.png");
        ConvLabTest.Result r = run("conv", "--image", image(40, 30).toString(), "--kernel", "sobel-x", "--padding", "same", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        BufferedImage written = ImageIO.read(out.toFile());
        assertEquals(40, written.getWidth());
        assertEquals(30, written.getHeight());
    }

    @Test
    void poolPrintsCsv() throws IOException {
        Path x = csv("p.csv", "1,3,2,4\n5,7,6,8\n9,11,10,12\n13,15,14,16\n");
        ConvLabTest.Result max = run("pool", "--matrix", x.toString(), "--type", "max");
        assertEquals("7,8\n15,16\n", max.out());
        ConvLabTest.Result avg = run("pool", "--matrix", x.toString(), "--type", "avg", "--size", "3", "--stride", "1", "--padding", "same");
        assertEquals(0, avg.code(), avg.err());
        assertEquals("4", avg.out().split("[,\n]")[0]);
        ConvLabTest.Result sum = run("pool", "--matrix", x.toString(), "--type", "sum");
        assertEquals("16,20\n48,52\n", sum.out());
    }

    @Test
    void kernelsGridHasARowPerKernel() throws IOException {
        Path out = dir.resolve("grid.png");
        ConvLabTest.Result r = run("kernels", image(64, 48).toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        BufferedImage grid = ImageIO.read(out.toFile());
        assertNotNull(grid);
        // Header, input row and 7 kernel rows, each at least the 170-pixel heat map plus padding.
        assertTrue(grid.getHeight() >= 36 + 8 * 182, "height " + grid.getHeight());
        assertTrue(grid.getWidth() >= 64 + 170 + 190);
        ConvLabTest.Result all = run("kernels", image(64, 48).toString(), "--all", "--out", out.toString());
        assertEquals(0, all.code());
        assertTrue(ImageIO.read(out.toFile()).getHeight() > grid.getHeight());
    }

    @Test
    void activationsPlotIsAGrid() throws IOException {
        Path out = dir.resolve("act.png");
        ConvLabTest.Result r = run("activations", "--functions", "sigmoid,tanh,relu", "--range", "-20:20", "--derivative", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        BufferedImage plot = ImageIO.read(out.toFile());
        assertEquals(3 * 460, plot.getWidth());
        assertEquals(320, plot.getHeight());
        ConvLabTest.Result every = run("activations", "--out", out.toString());
        assertEquals(0, every.code(), every.err());
        assertEquals(4 * 320, ImageIO.read(out.toFile()).getHeight());
    }

    private void assertBadInput(String expected, String... args) {
        ConvLabTest.Result r = run(args);
        assertEquals(2, r.code(), "exit code for " + String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badMatricesGetOneClearLine() throws IOException {
        assertBadInput("line 2 has 2 values but the first row has 3",
                "conv", "--matrix", csv("ragged.csv", "1,2,3\n4,5\n").toString(), "--kernel", "identity");
        assertBadInput("holds no numbers", "conv", "--matrix", csv("empty.csv", "\n\n").toString(), "--kernel", "identity");
        assertBadInput("value 2 is 'x', not a number", "conv", "--matrix", csv("word.csv", "1,x,3\n").toString(), "--kernel", "identity");
        assertBadInput("is NaN; only finite numbers", "pool", "--matrix", csv("nan.csv", "1,NaN\n3,4\n").toString(), "--type", "max");
        assertBadInput("does not exist", "conv", "--matrix", dir.resolve("missing.csv").toString(), "--kernel", "identity");
    }

    @Test
    void badSettingsGetOneClearLine() throws IOException {
        assertBadInput("stride must be at least 1, received 0", "conv", "--matrix", matrix5().toString(), "--kernel", "identity", "--stride", "0");
        assertBadInput("convlab bench: --precision must be fp32, bf16 or int8, received 'bf17' (see", "bench", "--precision", "bf17");
        assertBadInput("stride must be at least 1, received -2", "pool", "--matrix", matrix5().toString(), "--type", "max", "--stride", "-2");
        assertBadInput("larger than the 2-rows input", "conv", "--matrix", csv("small.csv", "1,2\n3,4\n").toString(), "--kernel", "sharpen");
        assertBadInput("kernel 'blurry' is not known; use one of identity, edge-detection-1",
                "conv", "--matrix", matrix5().toString(), "--kernel", "blurry");
        assertBadInput("padding 'full' is not known", "conv", "--matrix", matrix5().toString(), "--kernel", "identity", "--padding", "full");
        assertBadInput("pooling type 'median' is not known", "pool", "--matrix", matrix5().toString(), "--type", "median");
        assertBadInput("--range '5:1' is not FROM:TO", "activations", "--range", "5:1", "--out", dir.resolve("a.png").toString());
        assertBadInput("activation 'relu6' is not known", "activations", "--functions", "relu6", "--out", dir.resolve("a.png").toString());
    }

    @Test
    void evenKernelWithSamePaddingIsExplained() throws IOException {
        Path k = csv("even.csv", "1,1\n1,1\n");
        ConvLabTest.Result r = run("conv", "--matrix", matrix5().toString(), "--kernel", k.toString(), "--padding", "same");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("extra zero row/column goes at the bottom/right"), r.err());
        // Window at (0,0) covers x[0..1][0..1] = 1+2+6+7; the last row only its own row and the padding below.
        assertEquals("16", r.out().split(",")[0]);
        String last = r.out().lines().reduce((a, b) -> b).orElseThrow();
        assertEquals("43,45,47,49,25", last);
    }

    @Test
    void undecodableImagesAreRefusedAndNothingIsWritten() throws IOException {
        Path fake = csv("fake.png", "this is text, not a picture");
        Path out = dir.resolve("never.png");
        assertBadInput("fake.png: not an image", "conv", "--image", fake.toString(), "--kernel", "sharpen", "--out", out.toString());
        assertBadInput("fake.png: not an image", "kernels", fake.toString(), "--out", out.toString());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }
}
