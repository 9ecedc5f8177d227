package org.convlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvLabTest {

    /** Exit code, stdout and stderr of one command line. */
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ConvLab.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void summaryPrintsTheSeedTotals() {
        Result r = run("summary");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Total params: 10,865,724"));
        assertTrue(r.out().contains("conv2d_11 (Conv2D)           (None, 12, 12, 256)       590080"));
    }

    @Test
    void summaryJsonIsData() throws IOException {
        Result r = run("summary", "--input", "28x28x1", "--classes", "10", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(19, json.get("rows").size());
        assertEquals("conv2d_1", json.get("rows").get(1).get("name").asText());
        assertEquals(28, json.get("rows").get(1).get("output_shape").get(0).asInt());
        // fruits-cnn at 28x28x1, 10 classes, counted by hand: 3x3 convolutions 1->32->32->32, 32->64->64->64,
        // 64->128->128->128, 128->256->256 (weights 9*in*out + out biases: 320 + 9,248 x2 + 18,496 + 36,928 x2
        // + 73,856 + 147,584 x2 + 295,168 + 590,080), after four poolings 28->14->7->3->1 a 256-value flatten,
        // Dense 1024 (263,168) and Dense 10 (10,250).
        assertEquals(1_638_858, json.get("total_params").asLong());
        assertEquals(1_638_858, json.get("trainable_params").asLong());
        assertEquals(0, json.get("non_trainable_params").asLong());
        assertEquals(1, json.get("rows").get(15).get("output_shape").get(0).asInt(), "the fourth pooling: 3 -> 1");
    }

    @Test
    void dl4jSummaryNamesTheGraphsLayers() {
        Result r = run("summary", "--dl4j");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("conv2d_1") && r.out().contains("ConvolutionLayer"), r.out());
    }

    @Test
    void badSpecFileExitsTwoWithOneLine(@TempDir Path dir) throws IOException {
        Path spec = dir.resolve("bad.json");
        Files.writeString(spec, "{\"name\": \"bad\", \"input\": {\"height\": 8, \"width\": 8, \"channels\": 1},"
                + " \"layers\": [{\"type\": \"conv2d\", \"filters\": -1, \"kernel\": 3}, {\"type\": \"flatten\"},"
                + " {\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}]}");
        Result r = run("summary", "--arch", spec.toString());
        assertEquals(2, r.code());
        assertEquals("convlab summary: layer 'conv2d_1' (conv2d): filters must be at least 1, received -1", r.err().trim());
        assertEquals("", r.out());
    }

    @Test
    void unknownArchitectureAndMissingFileExitTwo() {
        Result unknown = run("summary", "--arch", "resnet-9000");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("'resnet-9000' is not known") && unknown.err().contains("fruits-cnn"), unknown.err());
        Result missing = run("summary", "--arch", "/no/such/spec.json");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("/no/such/spec.json does not exist"), missing.err());
        assertEquals(1, missing.err().strip().lines().count());
    }

    @Test
    void badUsageExitsTwoWithOneLine() {
        Result r = run("summary", "--input", "28x28");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("input shape '28x28' is not HxWxC"), r.err());
        Result option = run("summary", "--nope");
        assertEquals(2, option.code());
        assertEquals(1, option.err().strip().lines().count(), option.err());
        assertTrue(option.err().contains("Unknown option: '--nope'") && option.err().contains("--help"), option.err());
    }

    @Test
    void helpAndVersionExitZero() {
        Result help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("summary"));
        Result subHelp = run("summary", "--help");
        assertEquals(0, subHelp.code());
        assertTrue(subHelp.out().contains("--arch"));
        Result version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("ConvLab ") && version.out().contains("1.0.0-M2.1"), version.out());
    }

    @Test
    void envReportsTheLoadedBuildAndTheCpusVectorFeatures() throws IOException {
        Result r = run("env", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        String build = json.get("nd4j_build").asText();
        // JavaCPP's own record of what it loaded, and the kernel's list of CPU flags.
        assertTrue(org.bytedeco.javacpp.Loader.getLoadedLibraries().values().stream()
                .anyMatch(path -> path.contains("/" + build + "/") && path.contains("nd4j")), build);
        java.util.Set<String> flags = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("flags")).findFirst()
                .map(line -> java.util.Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))).orElseThrow();
        java.util.List<String> features = java.util.List.of(json.get("cpu_features").asText().split(" "));
        assertEquals(flags.contains("avx2"), features.contains("avx2"));
        assertEquals(flags.contains("avx512f"), features.contains("avx512f"));
        assertEquals(String.valueOf(Runtime.getRuntime().availableProcessors()), json.get("cores").asText());
        Result text = run("env");
        assertTrue(text.out().lines().anyMatch(l -> l.matches("nd4j_build\\s+" + java.util.regex.Pattern.quote(build))), text.out());
    }
}
