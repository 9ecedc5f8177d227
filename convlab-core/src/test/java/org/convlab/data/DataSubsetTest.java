package org.convlab.data;

import org.convlab.ConvLabException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code classes=} and {@code per-class=} on every kind of data source. */
class DataSubsetTest {
    private static final List<String> FIVE = List.of("a", "b", "c", "d", "e");

    @Test
    void filtersAreReadFromTheEndOfTheSourceText() {
        DataSource few = DataSource.parse("fashion-mnist:classes=5-9:per-class=50");
        assertEquals(new DataSource.Subset(new DataSource.FashionMnistFiles(), "5-9", 50), few);
        assertEquals("fashion-mnist:classes=5-9:per-class=50", few.toString());
        assertEquals(new DataSource.Subset(new DataSource.Synthetic(4, 100), "0,2", null), DataSource.parse("synthetic:4:100:classes=0,2"));
        assertEquals(new DataSource.Subset(new DataSource.FashionMnistFiles(), null, 7), DataSource.parse("fashion-mnist:per-class=7"));
        assertEquals(new DataSource.Synthetic(4, 100), DataSource.parse("synthetic:4:100"));
        for (String bad : List.of("fashion-mnist:colour=red", "fashion-mnist:per-class=x", "fashion-mnist:classes=",
                "fashion-mnist:per-class=2:per-class=3")) {
            String message = assertThrows(ConvLabException.class, () -> DataSource.parse(bad)).getMessage();
            assertTrue(message.contains("is not a filter") && message.contains("per-class=N"), message);
        }
        assertTrue(assertThrows(ConvLabException.class, () -> DataSource.parse("fashion-mnist:per-class=0")).getMessage()
                .contains("at least 1"));
    }

    @Test
    void classesAreNamesIndicesOrRangesInTheDataOrder() {
        assertEquals(List.of("b", "c", "d"), ClassSelection.resolve("1-3", FIVE, "x"));
        assertEquals(List.of("b", "d"), ClassSelection.resolve("d,b", FIVE, "x"));
        assertEquals(List.of("a", "c", "e"), ClassSelection.resolve("4, a,2", FIVE, "x"));
        String tooHigh = assertThrows(ConvLabException.class, () -> ClassSelection.resolve("3-5", FIVE, "x")).getMessage();
        assertTrue(tooHigh.contains("5 classes, indices 0-4") && tooHigh.contains("0 a, 1 b"), tooHigh);
        String backwards = assertThrows(ConvLabException.class, () -> ClassSelection.resolve("3-1", FIVE, "x")).getMessage();
        assertTrue(backwards.contains("write 1-3"), backwards);
        String unknown = assertThrows(ConvLabException.class, () -> ClassSelection.resolve("zebra", FIVE, "my data")).getMessage();
        assertTrue(unknown.contains("my data has no class 'zebra'"), unknown);
    }

    @Test
    void inMemoryDataKeepsTheChosenClassesAndTheirTestImages() {
        DataSources.Bundle all = DataSources.open(DataSource.parse("synthetic:4:30"), null);
        DataSources.Bundle some = DataSources.open(DataSource.parse("synthetic:4:30:classes=1-2:per-class=5"), null);
        List<String> labels = all.train().labels();
        assertEquals(labels.subList(1, 3), some.train().labels());
        assertArrayEquals(new int[] {5, 5}, some.train().classCounts());
        assertEquals(labels.subList(1, 3), some.test().labels());
        int[] testCounts = all.test().classCounts();
        assertArrayEquals(new int[] {testCounts[1], testCounts[2]}, some.test().classCounts(), "every test image of those classes");
        // The same pixels, in the same order, as the unfiltered test set's images of classes 1 and 2.
        InMemorySource allTest = (InMemorySource) all.test();
        List<Integer> rows = new ArrayList<>();
        int[] l = allTest.labelIndex();
        for (int i = 0; i < l.length; i++) {
            if (l[i] == 1 || l[i] == 2) {
                rows.add(i);
            }
        }
        INDArray expected = allTest.features().get(NDArrayIndex.indices(rows.stream().mapToLong(Integer::longValue).toArray()));
        assertEquals(expected, ((InMemorySource) some.test()).features());
        int[] relabelled = ((InMemorySource) some.test()).labelIndex();
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(l[rows.get(i)] - 1, relabelled[i]);
        }
        // One text, one choice of training images.
        InMemorySource again = (InMemorySource) DataSources.open(DataSource.parse("synthetic:4:30:classes=1-2:per-class=5"), null).train();
        assertEquals(((InMemorySource) some.train()).features(), again.features());
    }

    @Test
    void classFoldersTakeTheSameFilters(@TempDir Path root) throws IOException {
        for (String c : List.of("apple", "kiwi", "lime")) {
            for (int i = 0; i < 4; i++) {
                TestImages.write(TestImages.solid(12, 12, 0x102030 * (i + 1)), "png", root.resolve(c + "/" + i + ".png"));
            }
        }
        ImageSource some = DataSources.open(DataSource.parse(root + ":classes=lime,apple:per-class=3"), null).train();
        assertEquals(List.of("apple", "lime"), some.labels());
        assertArrayEquals(new int[] {3, 3}, some.classCounts());
        for (ImageFile f : ((ClassFolderSource) some).files()) {
            assertTrue(f.path().getParent().getFileName().toString().equals(f.label()) && !f.label().equals("kiwi"), f.toString());
        }
        String one = assertThrows(ConvLabException.class,
                () -> DataSources.open(DataSource.parse(root + ":classes=kiwi"), null)).getMessage();
        assertTrue(one.contains("keeps one class (kiwi)"), one);
    }
}
