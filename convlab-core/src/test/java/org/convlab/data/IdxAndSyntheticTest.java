package org.convlab.data;

import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxAndSyntheticTest {
    @TempDir
    Path dir;

    /** Three 2x3 images with pixels i*10 + p, labels 2, 0, 1. */
    private void writeIdx(Path folder, boolean gzip) throws IOException {
        Files.createDirectories(folder);
        String ext = gzip ? ".gz" : "";
        try (DataOutputStream out = new DataOutputStream(open(folder.resolve("train-images-idx3-ubyte" + ext), gzip))) {
            out.writeInt(0x803);
            out.writeInt(3);
            out.writeInt(2);
            out.writeInt(3);
            for (int i = 0; i < 3; i++) {
                for (int p = 0; p < 6; p++) {
                    out.writeByte(i * 100 + p); // up to 205: pixels are unsigned
                }
            }
        }
        try (DataOutputStream out = new DataOutputStream(open(folder.resolve("train-labels-idx1-ubyte" + ext), gzip))) {
            out.writeInt(0x801);
            out.writeInt(3);
            out.write(new byte[] {2, 0, 1});
        }
    }

    private static OutputStream open(Path p, boolean gzip) throws IOException {
        OutputStream raw = Files.newOutputStream(p);
        return gzip ? new GZIPOutputStream(raw) : raw;
    }

    @Test
    void idxFilesReadPlainAndGzipped() throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            Path folder = dir.resolve(gzip ? "gz" : "plain");
            writeIdx(folder, gzip);
            InMemorySource train = (InMemorySource) DataSources.open(org.convlab.data.DataSource.folder(folder), null).train();
            assertEquals(new InputShape(2, 3, 1), train.shape());
            assertArrayEquals(new int[] {2, 0, 1}, train.labelIndex());
            assertEquals(List.of("0", "1", "2"), train.labels());
            INDArray x = train.features();
            // image 1, row 1, column 2 = pixel 5: (100 + 5) / 255; image 2's: 205 / 255
            assertEquals(105 / 255.0, x.getDouble(1, 0, 1, 2), 1e-6);
            assertEquals(205 / 255.0, x.getDouble(2, 0, 1, 2), 1e-6);
            DataSet batch = train.iterator(3, false, 0).next();
            assertEquals(1.0, batch.getLabels().getDouble(0, 2));
            assertEquals(x, batch.getFeatures());
            DataSet shuffled = train.iterator(3, true, 5).next(); // rows pulled in another order
            for (int i = 0; i < 3; i++) {
                int image = (int) Math.round(shuffled.getFeatures().getDouble(i, 0, 0, 0) * 255 / 100);
                assertEquals(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(image)), shuffled.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)));
                assertEquals(1.0, shuffled.getLabels().getDouble(i, new int[] {2, 0, 1}[image]));
            }
        }
    }

    @Test
    void anInputSizeIdxDataDoesNotHaveIsRefusedNotIgnored() throws IOException {
        Path folder = dir.resolve("sized");
        writeIdx(folder, false);
        assertEquals(new InputShape(2, 3, 1), DataSources.open(org.convlab.data.DataSource.folder(folder), new InputShape(2, 3, 1)).train().shape());
        org.convlab.BadSettingException e = org.junit.jupiter.api.Assertions.assertThrows(org.convlab.BadSettingException.class,
                () -> DataSources.open(org.convlab.data.DataSource.folder(folder), new InputShape(5, 5, 1)));
        // The library names the setting in words, the command line by its flag.
        assertTrue(e.getMessage().contains("holds 2x3x1 images") && e.getMessage().contains("leave input size out"), e.getMessage());
        assertTrue(e.messageNaming(org.convlab.Setting::flag).contains("leave --input out"), e.getMessage());
    }

    @Test
    void damagedIdxFilesAreNamed() throws IOException {
        writeIdx(dir, false);
        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] bytes = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 4));
        ConvLabException cut = assertThrows(ConvLabException.class, () -> DataSources.open(org.convlab.data.DataSource.folder(dir), null));
        assertTrue(cut.getMessage().contains("truncated"), cut.getMessage());
        Files.write(images, new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        ConvLabException magic = assertThrows(ConvLabException.class, () -> DataSources.open(org.convlab.data.DataSource.folder(dir), null));
        assertTrue(magic.getMessage().contains("not an IDX image file"), magic.getMessage());
    }

    @Test
    void syntheticDataIsDeterministicAndBalanced() {
        InMemorySource a = SyntheticShapes.generate(5, 6, new InputShape(24, 24, 3), 11, "a");
        InMemorySource b = SyntheticShapes.generate(5, 6, new InputShape(24, 24, 3), 11, "b");
        assertEquals(a.features(), b.features());
        assertArrayEquals(new int[] {6, 6, 6, 6, 6}, a.classCounts());
        assertEquals(List.of("circle", "square", "triangle", "cross", "ring"), a.labels());
        assertTrue(a.features().maxNumber().doubleValue() <= 1 && a.features().minNumber().doubleValue() >= 0);
        InMemorySource grey = SyntheticShapes.generate(9, 1, new InputShape(10, 12, 1), 1, "g");
        assertEquals(new InputShape(10, 12, 1), grey.shape());
        assertEquals("circle-2", grey.labels().get(8));
        assertTrue(!SyntheticShapes.generate(5, 6, new InputShape(24, 24, 3), 12, "c").features().equals(a.features()));
    }

    @Test
    void syntheticSpecIsParsed() {
        DataSources.Bundle b = DataSources.open(org.convlab.data.DataSource.parse("synthetic:3:10"), new InputShape(16, 16, 1));
        assertEquals(30, b.train().size());
        assertEquals(6, b.test().size());
        ConvLabException bad = assertThrows(ConvLabException.class, () -> DataSources.open(org.convlab.data.DataSource.parse("synthetic:x"), null));
        assertTrue(bad.getMessage().contains("synthetic:CLASSES:PER_CLASS"));
    }

    @Test
    void inMemoryAugmentationIsRepeatableAndChangesPixels() {
        InMemorySource src = SyntheticShapes.generate(4, 4, new InputShape(20, 20, 3), 3, "s");
        INDArray plain = src.iterator(16, false, 0).next().getFeatures();
        INDArray a = src.augmented(5).iterator(16, false, 0).next().getFeatures();
        INDArray b = src.augmented(5).iterator(16, false, 0).next().getFeatures();
        assertEquals(a, b);
        assertTrue(a.sub(plain).norm1Number().doubleValue() > 1);
        assertTrue(a.maxNumber().doubleValue() <= 1.0 + 1e-6 && a.minNumber().doubleValue() >= 0);
    }

    @Test
    void inMemorySplitAndLimitAreStratified() {
        InMemorySource src = SyntheticShapes.generate(4, 10, new InputShape(8, 8, 1), 3, "s");
        ImageSource.Split s = src.split(0.2, 1);
        assertArrayEquals(new int[] {2, 2, 2, 2}, s.second().classCounts());
        assertArrayEquals(new int[] {8, 8, 8, 8}, s.first().classCounts());
        assertArrayEquals(new int[] {5, 5, 5, 5}, src.limit(20, 1).classCounts());
        assertEquals(((InMemorySource) src.split(0.2, 1).second()).features(), ((InMemorySource) s.second()).features());
    }
}
