package org.convlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.convlab.data.SyntheticShapes;
import org.convlab.runtime.ConvEngine;
import org.convlab.runtime.Int8Calibration;
import org.convlab.runtime.Precision;
import org.convlab.runtime.dnnl.Dnnl;
import org.convlab.train.TinyModels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.convlab.cli.ConvLabTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** evaluate, predict, models and filters from the command line, against a model trained once. */
@Tag("slow") // whole trainings, servers or Spark: mvn test -DexcludedGroups=slow runs the rest
class ModelCommandsTest {
    @TempDir
    static Path registry;
    @TempDir
    static Path work;
    static Path image;

    @BeforeAll
    static void train() throws IOException {
        TinyModels.train(registry, 3, new ByteArrayOutputStream());
        image = work.resolve("square.jpg");
        ImageIO.write(SyntheticShapes.draw(1, 40, 40, new Random(5)), "jpg", image.toFile());
    }

    private static String[] with(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--registry";
        all[args.length + 1] = registry.toString();
        return all;
    }

    @Test
    void embeddingsAndNearestImagesFromTheCommandLine() throws IOException {
        ConvLabTest.Result e = run(with("predict", "--model", "shapes", "--embedding", "--l2", image.toString()));
        assertEquals(0, e.code(), e.err());
        JsonNode doc = new ObjectMapper().readTree(e.out());
        assertEquals("dense_1", doc.get("layer").asText());
        assertEquals(32, doc.get("size").asInt());
        JsonNode v = doc.get("embeddings").get(image.toString());
        double norm = 0;
        for (JsonNode x : v) {
            norm += x.asDouble() * x.asDouble();
        }
        assertEquals(1.0, norm, 1e-4, "--l2: unit length");
        ConvLabTest.Result noEmbedding = run(with("predict", "--model", "shapes", "--l2", image.toString()));
        assertEquals(2, noEmbedding.code());
        assertTrue(noEmbedding.err().contains("--l2 shapes an embedding; add --embedding"), noEmbedding.err());

        ConvLabTest.Result similar = run(with("similar", "--model", "shapes", "--index", "synthetic:4:10", "--query",
                image.toString(), "--top", "3"));
        assertEquals(0, similar.code(), similar.err());
        assertEquals(3, similar.out().lines().filter(l -> l.startsWith("  ")).count(), similar.out());
        ConvLabTest.Result neither = run(with("similar", "--model", "shapes", "--index", "synthetic:4:10"));
        assertEquals(2, neither.code());
        assertTrue(neither.err().contains("give --query IMG... to search, or --evaluate"), neither.err());
        Path folder = work.resolve("flat/one");
        Files.createDirectories(folder);
        Files.copy(image, folder.resolve("a.jpg"));
        ConvLabTest.Result noTest = run(with("similar", "--model", "shapes", "--index", work.resolve("flat").toString(), "--evaluate"));
        assertEquals(2, noTest.code());
        assertTrue(noTest.err().contains("has no test images for --evaluate"), noTest.err());
    }

    @Test
    void modelsListShowAndRemove() throws IOException {
        ConvLabTest.Result list = run(with("models", "list"));
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("shapes") && list.out().contains("16x16x3"), list.out());
        JsonNode card = new ObjectMapper().readTree(run(with("models", "show", "shapes:1")).out());
        assertEquals("shapes", card.get("name").asText());
        assertEquals(4, card.get("labels").size());
        ConvLabTest.Result noVersion = run(with("models", "rm", "shapes"));
        assertEquals(2, noVersion.code());
        assertTrue(noVersion.err().contains("say which version"), noVersion.err());
    }

    @Test
    void evaluatePrintsScoresAndDrawsTheMatrix() throws IOException {
        Path png = work.resolve("cm.png");
        ConvLabTest.Result r = run(with("evaluate", "--model", "shapes", "--data", "synthetic:4:200", "--confusion", png.toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(160, json.get("examples").asInt());
        assertEquals(4, json.get("per_class").size());
        assertTrue(json.get("top5_accuracy").asDouble() >= json.get("accuracy").asDouble());
        assertTrue(Files.size(png) > 0);
        ConvLabTest.Result text = run(with("evaluate", "--model", "shapes", "--data", "synthetic:4:200"));
        assertTrue(text.out().contains("precision") && text.out().contains("confusion matrix"), text.out());
    }

    /**
     * export onnx in int8 writes the QDQ graph over the stored calibration (its int8 weights in the file, its metadata
     * saying so); bf16 is refused in one line before anything is written.
     */
    @Test
    void exportOnnxInInt8WritesQuantizedWeights() throws IOException {
        Path fp32 = work.resolve("shapes.onnx");
        Path int8 = work.resolve("shapes-int8.onnx");
        ConvLabTest.Result f = run(with("export", "onnx", "--model", "shapes", "--out", fp32.toString()));
        assertEquals(0, f.code(), f.err());
        ConvLabTest.Result q = run(with("export", "onnx", "--model", "shapes", "--precision", "int8", "--out", int8.toString()));
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains("int8 QDQ"), q.out());
        var model = org.convlab.interop.onnx.OnnxModel.ModelProto.parseFrom(Files.readAllBytes(int8));
        assertTrue(model.getMetadataPropsList().stream().anyMatch(m -> m.getKey().equals("precision") && m.getValue().equals("int8")));
        long quantizing = model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("QuantizeLinear")).count();
        long int8Weights = model.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == org.convlab.interop.onnx.OnnxModel.TensorProto.DataType.INT8_VALUE && t.getDimsCount() > 1)
                .count();
        long calibrated = Int8Calibration.readIfPresent(registry.resolve("shapes/1").resolve(Int8Calibration.FILE)).inputs().size();
        assertEquals(calibrated, int8Weights, "one s8 weight tensor per calibrated layer");
        assertTrue(quantizing >= calibrated, quantizing + " QuantizeLinear for " + calibrated + " layers");
        // s8 weights take a quarter of the bytes the float ones take
        assertTrue(Files.size(int8) < Files.size(fp32) / 2, Files.size(int8) + " against " + Files.size(fp32));

        Path bf16 = work.resolve("shapes-bf16.onnx");
        ConvLabTest.Result refused = run(with("export", "onnx", "--model", "shapes", "--precision", "bf16", "--out", bf16.toString()));
        assertEquals(2, refused.code());
        assertEquals("convlab export onnx: --precision must be fp32 or int8, received 'bf16'", refused.err().strip());
        assertFalse(Files.exists(bf16));
    }

    /**
     * Int8 end to end: training stores the calibration beside the model, evaluate runs on it and
     * scores as float does (within 4 of 160 images: the tiny model has many close calls), calibrate measures it again, and a
     * model without one, or training in int8, is refused with the fix.
     */
    @Test
    void int8EvaluatesOnTheStoredCalibrationAndCalibrateMeasuresIt() throws IOException {
        assumeTrue(Dnnl.nativeInt8() && ConvEngine.active() == ConvEngine.DNNL, "int8 needs VNNI and oneDNN");
        Path calibration = registry.resolve("shapes/1").resolve(Int8Calibration.FILE);
        assertTrue(Files.isRegularFile(calibration), "train stores the int8 calibration");
        try {
            JsonNode floats = new ObjectMapper().readTree(run(with("evaluate", "--model", "shapes", "--data",
                    "synthetic:4:200", "--json")).out());
            ConvLabTest.Result r = run(with("evaluate", "--model", "shapes", "--data", "synthetic:4:200", "--precision",
                    "int8", "--json"));
            assertEquals(0, r.code(), r.err());
            double int8 = new ObjectMapper().readTree(r.out()).get("accuracy").asDouble();
            assertEquals(floats.get("accuracy").asDouble(), int8, 0.025, "int8 accuracy against float's (4 of 160 images)");

            Files.delete(calibration);
            ConvLabTest.Result none = run(with("evaluate", "--model", "shapes", "--data", "synthetic:4:200", "--precision", "int8"));
            assertEquals(2, none.code());
            assertTrue(none.err().contains("has no int8 calibration") && none.err().contains("convlab calibrate --model shapes:1"),
                    none.err());
            ConvLabTest.Result otherClasses = run(with("calibrate", "--model", "shapes", "--data", "synthetic:5:20"));
            assertEquals(2, otherClasses.code());
            assertTrue(otherClasses.err().contains("has classes the model lacks: [ring]"), otherClasses.err());
            assertFalse(Files.exists(calibration), "a refused calibration writes nothing");
            ConvLabTest.Result measured = run(with("calibrate", "--model", "shapes", "--data", "synthetic:4:200"));
            assertEquals(0, measured.code(), measured.err());
            assertTrue(measured.out().contains("input ranges of 3 layers over 800 images"), measured.out());
            assertEquals(0, run(with("evaluate", "--model", "shapes", "--data", "synthetic:4:200", "--precision", "int8")).code());

            ConvLabTest.Result train = run(with("train", "--precision", "int8", "--data", "synthetic:4:20"));
            assertEquals(2, train.code());
            assertTrue(train.err().contains("--precision int8 is for inference"), train.err());
        } finally {
            Precision.request(null);
        }
    }

    @Test
    void predictAndFilters() throws IOException {
        ConvLabTest.Result r = run(with("predict", "--model", "shapes:1", image.toString(), "--top", "2", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode preds = new ObjectMapper().readTree(r.out()).get("predictions").get(image.toString());
        assertEquals(2, preds.size());
        Path out = work.resolve("filters");
        ConvLabTest.Result f = run(with("filters", "--model", "shapes", "--image", image.toString(), "--out", out.toString()));
        assertEquals(0, f.code(), f.err());
        assertTrue(Files.exists(out.resolve("filters-conv2d_1.png")));
        assertTrue(Files.exists(out.resolve("featuremaps-conv2d_2.png")));
    }

    @Test
    void badModelsAndDataExitTwo() throws IOException {
        ConvLabTest.Result missing = run(with("predict", "--model", "nope", image.toString()));
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no model named 'nope'") && missing.err().contains("models: shapes"), missing.err());
        ConvLabTest.Result badName = run(with("predict", "--model", "../etc", image.toString()));
        assertEquals(2, badName.code());
        ConvLabTest.Result wrongData = run(with("evaluate", "--model", "shapes", "--data", "synthetic:5:10"));
        assertEquals(2, wrongData.code());
        assertTrue(wrongData.err().contains("has classes the model lacks: [ring]"), wrongData.err());
        ConvLabTest.Result notImage = run(with("predict", "--model", "shapes", Files.writeString(work.resolve("t.jpg"), "x").toString()));
        assertEquals(2, notImage.code());
        assertEquals(1, notImage.err().strip().lines().count(), notImage.err());
    }

    /**
     * A stored model holds plain weights, nothing of the native code that made it: a second JVM on
     * another ND4J build (the generic one, no oneDNN helpers; on a GPU machine this is where the
     * CUDA build would go) predicts the same probabilities.
     */
    @Test
    void aStoredModelPredictsTheSameOnAnotherNativeBuild() throws Exception {
        ConvLabTest.Result here = run(with("predict", "--model", "shapes:1", image.toString(), "--top", "4", "--json"));
        assertEquals(0, here.code(), here.err());

        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ConvLab.class.getName(),
                "predict", "--model", "shapes:1", image.toString(), "--top", "4", "--json", "--registry", registry.toString());
        pb.environment().put(org.convlab.runtime.NativeSetup.BUILD_ENV, "plain");
        pb.environment().put(org.convlab.runtime.Backend.ENV, "cpu");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process other = pb.start();
        String out = new String(other.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, other.waitFor(), out);

        JsonNode a = new ObjectMapper().readTree(here.out()).get("predictions").get(image.toString());
        JsonNode b = new ObjectMapper().readTree(out).get("predictions").get(image.toString());
        assertEquals(4, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("label").asText(), b.get(i).get("label").asText());
            assertEquals(a.get(i).get("probability").asDouble(), b.get(i).get("probability").asDouble(), 1e-5);
        }
    }
}
