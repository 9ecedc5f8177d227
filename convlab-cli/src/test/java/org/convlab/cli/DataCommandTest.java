package org.convlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.convlab.cli.ConvLabTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataCommandTest {
    @TempDir
    Path dir;

    @Test
    void exportThenInspectAsJson() throws IOException {
        Path out = dir.resolve("shapes");
        ConvLabTest.Result export = run("data", "export", "synthetic:3:4", "--size", "24x24x3", "--out", out.toString());
        assertEquals(0, export.code(), export.err());
        Files.writeString(out.resolve("circle/broken.jpg"), "not a jpeg");
        ConvLabTest.Result r = run("data", "inspect", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(12, json.get("usable").asInt());
        assertEquals(4, json.get("classes").get("triangle").asInt());
        assertEquals(1, json.get("problems").size());
        assertTrue(json.get("problems").get(0).get("path").asText().endsWith("circle/broken.jpg"));
        assertEquals(12, json.get("sizes").get("24x24").asInt());
        ConvLabTest.Result again = run("data", "export", "synthetic:3:4", "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists"));
    }

    @Test
    void missingPathOrFileExitsTwo() throws IOException {
        ConvLabTest.Result missing = run("data", "inspect", dir.resolve("nowhere").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        ConvLabTest.Result notDir = run("data", "inspect", file.toString());
        assertEquals(2, notDir.code());
        assertTrue(notDir.err().contains("is a file"), notDir.err());
        assertEquals(1, notDir.err().strip().lines().count());
    }

    @Test
    void benchReportsImagesPerSecond() throws IOException {
        ConvLabTest.Result r = run("data", "bench", "synthetic:2:8", "--input", "16x16x3", "--batch", "4", "--seconds", "0.2",
                "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("16x16x3", json.get("shape").asText());
        assertFalse(json.get("augment").asBoolean());
        long images = json.get("images").asLong();
        double seconds = json.get("seconds").asDouble();
        // The 16 images come in whole batches of 4, over at least the 0.2 s asked for, and the rate is their quotient.
        assertTrue(images >= 4 && images % 4 == 0, "images " + images);
        assertTrue(seconds >= 0.2 && seconds < 30, "seconds " + seconds);
        assertEquals(images / seconds, json.get("images_per_sec").asDouble(), 1e-9 * images / seconds);
    }
}
