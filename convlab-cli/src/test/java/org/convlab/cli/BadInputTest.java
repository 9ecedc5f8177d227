package org.convlab.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input found by trying ConvLab as a new user would: one line naming the problem, exit code 2. */
class BadInputTest {
    private static final String SPEC = "{\"name\": \"t\", \"input\": {\"height\": 28, \"width\": 28, \"channels\": 1}, \"layers\": ["
            + "{\"type\": \"conv2d\", \"filters\": FILTERS, \"kernel\": 3}, {\"type\": \"flatten\"},"
            + " {\"type\": \"dense\", \"units\": 10, \"activation\": \"softmax\"}]}";

    private static ConvLabTest.Result refused(String... args) {
        ConvLabTest.Result r = ConvLabTest.run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("com.fasterxml") || r.err().contains("`"),
                "no Java or Jackson names: " + r.err());
        return r;
    }

    @Test
    void textAfterTheSpecIsRefusedNotIgnored(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("spec.json"), SPEC.replace("FILTERS", "4") + " garbage}}");
        ConvLabTest.Result r = refused("summary", "--arch", spec.toString());
        assertTrue(r.err().contains("spec.json") && r.err().contains("line 1"), r.err());
    }

    @Test
    void aWrongTypeIsSaidInWords(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("spec.json"), SPEC.replace("FILTERS", "\"abc\""));
        ConvLabTest.Result r = refused("summary", "--arch", spec.toString());
        assertTrue(r.err().contains("layers[0].filters: expected a whole number, received \"abc\""), r.err());
    }

    @Test
    void sizesBeyondWhatFitsAreRefusedWithTheLimit(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("spec.json"), SPEC.replace("FILTERS", "2000000000"));
        assertTrue(refused("summary", "--arch", spec.toString()).err().contains("filters must be at most 1,048,576"));
        assertTrue(refused("summary", "--input", "99999999x99999999x3").err().contains("too large"));
        assertTrue(refused("summary", "--input", "20000x20000x3").err().contains("each side must be at most 16384"));
    }

    @Test
    void aNetworkTooLargeForMemoryIsRefusedBeforeAnythingIsAllocated(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("big.json"), "{\"name\": \"big\", \"input\": {\"height\": 1000, \"width\": 1000,"
                + " \"channels\": 3}, \"layers\": [{\"type\": \"flatten\"}, {\"type\": \"dense\", \"units\": 100000},"
                + " {\"type\": \"dense\", \"units\": 10, \"activation\": \"softmax\"}]}");
        ConvLabTest.Result r = refused("bench", "--arch", spec.toString(), "--no-data");
        assertTrue(r.err().contains("300,001,100,010 parameters") && r.err().contains("needs about 4.8 TB"), r.err());
    }

    @Test
    void aBatchTooLargeForMemoryIsRefusedNotACrash() {
        ConvLabTest.Result r = refused("bench", "--no-data", "--batch", "100000000", "--input", "28x28x1", "--classes", "10");
        assertTrue(r.err().contains("100,000,000 examples at once") && r.err().contains("use a smaller batch size"), r.err());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "conv --matrix ../data/samples/matrix5x5.csv --kernel sharpen --explain --cells -3|--cells",
        "conv --matrix ../data/samples/matrix5x5.csv --kernel sharpen --stride 0|--stride",
        "pool --matrix ../data/samples/matrix5x5.csv --type max --size 0|--size",
        "bench --no-data --iterations 0|--iterations",
        "bench --no-data --warmup -1|--warmup",
        "predict --model x --top 0 a.png|--top",
        "evaluate --model x --data synthetic --batch 0|--batch",
        "train --epochs 0|--epochs",
        "train --patience -2|--patience",
        "data bench synthetic --seconds 0|--seconds"})
    void countsOutOfRangeAreRefusedWhileTheCommandLineIsRead(String line, String option) {
        ConvLabTest.Result r = refused(line.split(" "));
        assertTrue(r.err().contains(option), r.err());
    }

    @Test
    void aHugeStrideIsArithmeticNotAnOverflow() {
        ConvLabTest.Result r = ConvLabTest.run("conv", "--matrix", "../data/samples/matrix5x5.csv", "--kernel", "../data/samples/kernel3x3.csv",
                "--stride", "2147483647", "--padding", "same");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "'same' padding with that stride leaves one cell: " + r.out());
    }
}
