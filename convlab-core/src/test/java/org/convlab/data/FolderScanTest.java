package org.convlab.data;

import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD;

/** A messy class-folder tree: good images of three kinds and every bad file the issue lists. */
class FolderScanTest {
    @TempDir
    Path root;

    @BeforeEach
    void makeTree() throws IOException {
        for (int i = 0; i < 4; i++) {
            TestImages.write(TestImages.solid(30, 20, 0xFF0000), "jpg", root.resolve("apple/a" + i + ".jpg"));
            TestImages.write(TestImages.solid(30, 20, 0x0000FF), "png", root.resolve("blueberry/b" + i + ".png"));
            TestImages.write(TestImages.solid(30, 20, 0x00FF00), "jpg", root.resolve("lime/l" + i + ".jpeg"));
        }
        // Odd but usable: alpha, CMYK, 16-bit, grey in an RGB set, another size.
        TestImages.alphaPng(root.resolve("apple/alpha.png"));
        TestImages.cmykJpeg(root.resolve("apple/cmyk.jpg"));
        TestImages.grey16Png(root.resolve("blueberry/deep.png"), 65535);
        TestImages.greyPng(root.resolve("lime/grey.png"), 128);
        TestImages.write(TestImages.solid(300, 200, 0x00FF00), "jpg", root.resolve("lime/big.jpg"));
        // Bad.
        Files.write(root.resolve("apple/empty.jpg"), new byte[0]);
        TestImages.truncatedJpeg(root.resolve("apple/cut.jpg"));
        Files.writeString(root.resolve("blueberry/notes.jpg"), "this is text");
        Files.writeString(root.resolve("blueberry/readme.txt"), "not an image");
        Files.writeString(root.resolve("lime/.DS_Store"), "mac");
        TestImages.hugePngHeader(root.resolve("lime/bomb.png"));
        Files.createDirectories(root.resolve("mango"));
        Files.createSymbolicLink(root.resolve("apple/loop"), root);
    }

    private static Map<String, String> problemsByName(ScanReport r) {
        return r.problems().stream().collect(Collectors.toMap(p -> Path.of(p.path()).getFileName().toString(), Problem::reason));
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = SEPARATE_THREAD)
    void scanKeepsGoodImagesAndNamesEveryBadFileOnce() {
        ScanReport r = FolderScan.scan(root);
        assertEquals(List.of("apple", "blueberry", "lime"), r.labels());
        assertEquals(Map.of("apple", 6, "blueberry", 5, "lime", 6), r.counts());
        Map<String, String> problems = problemsByName(r);
        assertEquals("empty file (0 bytes)", problems.get("empty.jpg"));
        assertEquals("truncated JPEG (no end-of-image marker)", problems.get("cut.jpg"));
        assertTrue(problems.get("notes.jpg").startsWith("not an image"), problems.get("notes.jpg"));
        assertTrue(problems.get("readme.txt").startsWith("not an image file"), problems.get("readme.txt"));
        assertEquals("hidden, ignored", problems.get(".DS_Store"));
        assertTrue(problems.get("bomb.png").startsWith("too large to decode safely (100000x100000)"), problems.get("bomb.png"));
        assertTrue(problems.get("mango").startsWith("empty class folder"), problems.get("mango"));
        assertTrue(problems.get("loop").startsWith("folder inside a class folder"), problems.get("loop"));
        assertEquals(8, r.problems().size(), r.problems().toString());
        assertEquals(Set.of("RGB", "RGBA", "CMYK", "16-bit grey", "grey"), r.modes().keySet());
        assertEquals(12, r.sizes().get("30x20"));
    }

    @Test
    void batchesAreNchwInZeroToOneWithTheFolderLabels() {
        ClassFolderSource src = DataSources.folder(root, new InputShape(16, 16, 3));
        assertEquals(17, src.size());
        DataSetIterator it = src.iterator(17, false, 0);
        DataSet ds = it.next();
        assertArrayEquals(new long[] {17, 3, 16, 16}, ds.getFeatures().shape());
        assertArrayEquals(new long[] {17, 3}, ds.getLabels().shape());
        assertTrue(ds.getFeatures().minNumber().doubleValue() >= 0);
        assertTrue(ds.getFeatures().maxNumber().doubleValue() <= 1);
        // Files are in label order when not shuffled: the first is a red apple (BGR: red is channel 2).
        INDArray first = ds.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0));
        assertEquals(0, ds.getLabels().getRow(0).argMax().getInt(0));
        assertTrue(first.getDouble(2, 8, 8) > 0.9 && first.getDouble(0, 8, 8) < 0.1, first.toString());
    }

    @Test
    void oddFormatsDecodeToTheirColours() throws IOException {
        ConvLabImageLoader loader = new ConvLabImageLoader(8, 8, 3);
        // 16-bit white becomes 255, not 65535.
        assertEquals(255.0, loader.asMatrix(root.resolve("blueberry/deep.png").toFile()).maxNumber().doubleValue(), 1e-6);
        // CMYK red comes out red (BGR order), not black.
        INDArray cmyk = loader.asMatrix(root.resolve("apple/cmyk.jpg").toFile());
        assertTrue(cmyk.getDouble(0, 2, 4, 4) > 180 && cmyk.getDouble(0, 0, 4, 4) < 160, cmyk.toString());
        // Transparent pixels become white.
        assertEquals(255.0, loader.asMatrix(root.resolve("apple/alpha.png").toFile()).getDouble(0, 0, 0, 0), 1e-6);
        // Grey is repeated in the three channels.
        INDArray grey = loader.asMatrix(root.resolve("lime/grey.png").toFile());
        assertEquals(grey.getDouble(0, 0, 3, 3), grey.getDouble(0, 2, 3, 3), 1e-6);
    }

    @Test
    void nativeShapeIsTheCommonSize() {
        ClassFolderSource src = DataSources.folder(root, null);
        assertEquals(new InputShape(20, 30, 3), src.shape());
    }

    @Test
    void splitIsStratifiedAndRepeatable() {
        ClassFolderSource src = DataSources.folder(root, new InputShape(8, 8, 3));
        ImageSource.Split a = src.split(0.34, 5);
        ImageSource.Split b = src.split(0.34, 5);
        assertEquals(17, a.first().size() + a.second().size());
        // round(6 * 0.34) = 2, round(5 * 0.34) = 2, round(6 * 0.34) = 2
        assertArrayEquals(new int[] {2, 2, 2}, a.second().classCounts());
        assertEquals(((ClassFolderSource) a.second()).files(), ((ClassFolderSource) b.second()).files());
        assertTrue(!((ClassFolderSource) src.split(0.34, 6).second()).files().equals(((ClassFolderSource) a.second()).files()));
        ImageSource limited = src.limit(9, 1);
        assertArrayEquals(new int[] {3, 3, 3}, limited.classCounts());
    }

    @Test
    void oneClassOrNothingUsableIsRefused(@TempDir Path other) throws IOException {
        TestImages.write(TestImages.solid(10, 10, 0), "png", other.resolve("only/x.png"));
        ConvLabException one = assertThrows(ConvLabException.class, () -> DataSources.open(org.convlab.data.DataSource.folder(other), null));
        assertTrue(one.getMessage().contains("one class (only)"), one.getMessage());
        Files.delete(other.resolve("only/x.png"));
        Files.writeString(other.resolve("only/x.png"), "junk");
        ConvLabException none = assertThrows(ConvLabException.class, () -> DataSources.folder(other, null));
        assertTrue(none.getMessage().contains("holds no usable images"), none.getMessage());
        ConvLabException missing = assertThrows(ConvLabException.class, () -> FolderScan.scan(other.resolve("nope")));
        assertTrue(missing.getMessage().contains("does not exist"));
        ConvLabException file = assertThrows(ConvLabException.class, () -> FolderScan.scan(other.resolve("only/x.png")));
        assertTrue(file.getMessage().contains("is a file"));
    }

    @Test
    void validationFolderWithForeignClassIsRefused(@TempDir Path fruits) throws IOException {
        TestImages.write(TestImages.solid(10, 10, 0xFF0000), "png", fruits.resolve("Training/apple/1.png"));
        TestImages.write(TestImages.solid(10, 10, 0x00FF00), "png", fruits.resolve("Training/lime/1.png"));
        TestImages.write(TestImages.solid(10, 10, 0x00FF00), "png", fruits.resolve("Test/lime/1.png"));
        DataSources.Bundle ok = DataSources.open(org.convlab.data.DataSource.folder(fruits), null);
        assertEquals(List.of("apple", "lime"), ok.test().labels());
        assertEquals(1, ok.test().classCounts()[1]);
        TestImages.write(TestImages.solid(10, 10, 0x0000FF), "png", fruits.resolve("Test/plum/1.png"));
        ConvLabException e = assertThrows(ConvLabException.class, () -> DataSources.open(org.convlab.data.DataSource.folder(fruits), null));
        assertTrue(e.getMessage().contains("[plum]"), e.getMessage());
    }

    @Test
    void augmentationIsRepeatableAndChangesPixels() {
        ClassFolderSource src = DataSources.folder(root, new InputShape(16, 16, 3));
        INDArray plain = src.iterator(17, false, 0).next().getFeatures();
        INDArray a = src.augmented(9).iterator(17, false, 0).next().getFeatures();
        INDArray b = src.augmented(9).iterator(17, false, 0).next().getFeatures();
        assertEquals(a, b);
        assertTrue(a.sub(plain).norm1Number().doubleValue() > 1, "augmentation changed nothing");
        INDArray c = src.augmented(10).iterator(17, false, 0).next().getFeatures();
        assertTrue(!c.equals(a));
    }

    @Test
    void shuffleIsSeededAndChangesPerEpoch() {
        ClassFolderSource src = DataSources.folder(root, new InputShape(8, 8, 3));
        DataSetIterator one = src.iterator(17, true, 3);
        DataSetIterator two = src.iterator(17, true, 3);
        INDArray l1 = one.next().getLabels();
        assertEquals(l1, two.next().getLabels());
        one.reset();
        assertTrue(!one.next().getLabels().equals(l1), "epoch 2 repeated epoch 1's order");
    }
}
