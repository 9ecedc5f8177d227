package org.convlab.interop;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.Architectures;
import org.convlab.arch.GraphBuilder;
import org.convlab.arch.InputShape;
import org.convlab.arch.SpecJson;
import org.convlab.data.Preprocessing;
import org.convlab.infer.Classifier;
import org.convlab.infer.Prediction;
import org.convlab.interop.onnx.OnnxModel.ModelProto;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exported ONNX files run on ONNX Runtime (an independent implementation) and give what
 * {@link Classifier} gives for the same image files, to 1e-5: every shipped architecture, a spec
 * with every layer kind and activation ConvLab supports, and models imported from Keras.
 */
@Tag("slow") // whole trainings, servers or Spark: mvn test -DexcludedGroups=slow runs the rest
class OnnxExportTest {
    @TempDir
    Path dir;

    /** Every kind and activation: strided 'same' with an even kernel, 'valid', max/avg/sum pooling, batch norm, dropout. */
    private static final String EVERYTHING = """
            {"name": "everything", "input": {"height": 20, "width": 18, "channels": 3}, "layers": [
              {"type": "conv2d", "filters": 6, "kernel": 4, "stride": 2, "padding": "same", "activation": "elu"},
              {"type": "batch_norm"},
              {"type": "conv2d", "filters": 5, "kernel": [3, 2], "padding": "valid", "activation": "selu"},
              {"type": "max_pool", "size": 2, "padding": "same"},
              {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same", "activation": "gelu"},
              {"type": "avg_pool", "size": 2, "stride": 1, "padding": "same"},
              {"type": "conv2d", "filters": 4, "kernel": 1, "activation": "swish"},
              {"type": "sum_pool", "size": 2, "padding": "same"},
              {"type": "conv2d", "filters": 3, "kernel": 1, "activation": "leaky_relu"},
              {"type": "flatten"},
              {"type": "dense", "units": 12, "activation": "softplus"},
              {"type": "dropout", "rate": 0.3},
              {"type": "dense", "units": 10, "activation": "tanh"},
              {"type": "dense", "units": 9, "activation": "softsign"},
              {"type": "dense", "units": 8, "activation": "hard_sigmoid"},
              {"type": "dense", "units": 7, "activation": "sigmoid"},
              {"type": "dense", "units": 6, "activation": "relu"},
              {"type": "dense", "units": 4, "activation": "softmax"}]}
            """;

    private StoredModel store(ArchitectureSpec spec) {
        return store(spec, null);
    }

    /** As {@link #store(ArchitectureSpec)}, first fitted a while to {@code fit} (images and one-hot labels) where given. */
    private StoredModel store(ArchitectureSpec spec, org.nd4j.linalg.dataset.DataSet fit) {
        ComputationGraph graph = GraphBuilder.of(spec).optSeed(3).build();
        for (int i = 0; fit != null && i < 30; i++) {
            graph.fit(fit);
        }
        // Batch norm's running statistics away from 0 and 1, so they count.
        Random r = new Random(5);
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                for (String key : List.of("mean", "var", "gamma", "beta")) {
                    INDArray p = layer.getParam(key);
                    for (int i = 0; i < p.length(); i++) {
                        p.putScalar(i, key.equals("var") || key.equals("gamma") ? 0.5 + r.nextDouble() : r.nextGaussian() * 0.3);
                    }
                }
            }
        }
        List<String> labels = IntStream.range(0, spec.classes()).mapToObj(i -> "c" + i).toList();
        ModelCard card = new ModelCard(spec.name(), null, "now", spec, spec.input(), labels, Preprocessing.standard(spec.input()),
                null, Map.of(), Map.of(), null, null);
        return ModelRegistry.at(dir.resolve("models")).save(spec.name(), graph, card, Map.of());
    }

    /** Random images of the model's input size, as files and as RGB NCHW 0..255. */
    private void assertOnnxEqualsClassifier(StoredModel stored) throws Exception {
        Path onnx = dir.resolve(stored.card().name() + ".onnx");
        OnnxExport.write(stored, onnx);
        InputShape in = stored.card().input();
        Random r = new Random(11);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             Classifier classifier = Classifier.of(stored, 1)) {
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            assertTrue(meta.get("labels").startsWith("[\"" + stored.card().labels().get(0)), meta.toString());
            assertEquals(String.valueOf(stored.card().version()), meta.get("source_version"));
            for (int n = 0; n < 3; n++) {
                BufferedImage img = new BufferedImage(in.width(), in.height(),
                        in.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
                float[] pixels = new float[in.channels() * in.height() * in.width()];
                for (int y = 0; y < in.height(); y++) {
                    for (int x = 0; x < in.width(); x++) {
                        if (in.channels() == 1) {
                            int v = r.nextInt(256);
                            img.getRaster().setSample(x, y, 0, v);
                            pixels[y * in.width() + x] = v;
                        } else {
                            int[] rgb = {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
                            img.setRGB(x, y, rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
                            for (int c = 0; c < 3; c++) {
                                pixels[(c * in.height() + y) * in.width() + x] = rgb[c];
                            }
                        }
                    }
                }
                Path png = dir.resolve("image.png");
                ImageIO.write(img, "png", png.toFile());
                float[] onnxOut;
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, in.channels(), in.height(), in.width()});
                     OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, t))) {
                    onnxOut = ((float[][]) result.get(0).getValue())[0];
                }
                List<Prediction> expected = classifier.predict(png, stored.card().labels().size());
                for (Prediction p : expected) {
                    assertEquals(p.probability(), onnxOut[stored.card().labels().indexOf(p.label())], 1e-5,
                            stored.card().name() + " image " + n + " " + p.label());
                }
            }
        }
    }

    @Test
    void everyShippedArchitectureRunsTheSameOnOnnxRuntime() throws Exception {
        for (String name : Architectures.names()) {
            assertOnnxEqualsClassifier(store(Architectures.get(name)));
        }
    }

    @Test
    void everyLayerKindAndActivationRunsTheSame() throws Exception {
        ArchitectureSpec everything = SpecJson.read(EVERYTHING, "everything");
        assertOnnxEqualsClassifier(store(everything));
        assertOnnxEqualsClassifier(store(everything.withInput(new InputShape(16, 16, 1)).withClasses(4)));
    }

    /** A graph that adds, concatenates and pools globally: ONNX Sum, Concat and GlobalAveragePool. */
    @Test
    void aResidualGraphRunsTheSame() throws Exception {
        assertOnnxEqualsClassifier(store(SpecJson.read(org.convlab.arch.GraphSpecTest.RESIDUAL, "residual")));
    }

    /** Where Debian's python3-onnx is installed, ONNX's own checker (with shape inference) reads the file too. */
    @Test
    void onnxsOwnCheckerAcceptsTheFile() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean onnx = java.nio.file.Files.isExecutable(python)
                && new ProcessBuilder(python.toString(), "-c", "import onnx").start().waitFor() == 0;
        org.junit.jupiter.api.Assumptions.assumeTrue(onnx, () -> {
            System.err.println("skipped: ONNX's checker needs Debian's python3-onnx (apt-get install -y python3-onnx)");
            return "python3-onnx is not installed";
        });
        Path file = dir.resolve("checked.onnx");
        OnnxExport.write(store(SpecJson.read(EVERYTHING, "everything")), file);
        Process p = new ProcessBuilder(python.toString(), "-c", "import onnx, sys; m = onnx.load(sys.argv[1]);"
                + " onnx.checker.check_model(m, full_check=True); print('ok', m.opset_import[0].version)", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertEquals("ok 13", out.strip());
    }

    @Test
    void modelsImportedFromKerasRunTheSameWithTheirPreprocessingInside() throws Exception {
        ModelRegistry registry = ModelRegistry.at(dir.resolve("models"));
        assertOnnxEqualsClassifier(KerasImport.into(registry, KerasImportTest.FIXTURES.resolve("keras-sequential.h5"),
                new KerasImport.Options("seq-bgr-raw", List.of("a", "b", "c", "d", "e"), KerasImport.Pixels.RAW,
                        Preprocessing.Channels.BGR, null)));
        assertOnnxEqualsClassifier(KerasImport.into(registry, KerasImportTest.FIXTURES.resolve("keras-functional.h5"),
                new KerasImport.Options("fn", List.of("x", "y", "z"), KerasImport.Pixels.UNIT, Preprocessing.Channels.RGB, null)));
        assertOnnxEqualsClassifier(KerasImport.into(registry, KerasImportTest.FIXTURES.resolve("keras-residual.h5"),
                new KerasImport.Options("res", List.of("x", "y", "z"), KerasImport.Pixels.UNIT, Preprocessing.Channels.RGB, null)));
    }

    /** The metadata states the graph's own input contract, apart from training's preprocessing, and the source file's hash. */
    @Test
    void metadataStatesTheGraphsInputAndTheImportedFilesHash() throws Exception {
        ModelRegistry registry = ModelRegistry.at(dir.resolve("models"));
        Path h5 = KerasImportTest.FIXTURES.resolve("keras-sequential.h5");
        StoredModel imported = KerasImport.into(registry, h5, new KerasImport.Options("seq", List.of("a", "b", "c", "d", "e"),
                KerasImport.Pixels.RAW, Preprocessing.Channels.BGR, null));
        Path onnx = dir.resolve("seq.onnx");
        OnnxExport.write(imported, onnx);
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            var graphInput = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.get("graph_input"));
            assertEquals("NCHW", graphInput.get("layout").asText());
            assertEquals(imported.card().input().channels() == 1 ? "grey" : "rgb", graphInput.get("channels").asText());
            assertEquals("[0,255]", graphInput.get("range").toString());
            // The Keras model wants BGR: that is training's record, and the graph does the swap itself.
            assertTrue(meta.get("training_preprocessing").contains("bgr"), meta.get("training_preprocessing"));
            assertFalse(meta.containsKey("preprocessing"), "one key that could be mistaken for the graph's contract: gone");
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            assertEquals(java.util.HexFormat.of().formatHex(sha.digest(Files.readAllBytes(h5))), meta.get("source_sha256"));
            assertEquals(imported.card().modelSha256(), meta.get("registry_sha256"));
        }
    }

    /** Batch norms right after convolutions without activation (folded in int8), then ReLU layers. */
    private static final String FOLDED = """
            {"name": "folded", "input": {"height": 28, "width": 28, "channels": 1}, "layers": [
              {"type": "conv2d", "filters": 8, "kernel": 3, "padding": "same"},
              {"type": "batch_norm"},
              {"type": "activation", "activation": "relu"},
              {"type": "max_pool", "size": 2},
              {"type": "conv2d", "filters": 8, "kernel": 3, "padding": "same"},
              {"type": "batch_norm"},
              {"type": "activation", "activation": "relu"},
              {"type": "max_pool", "size": 2},
              {"type": "conv2d", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"},
              {"type": "flatten"},
              {"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 10, "activation": "softmax"}]}
            """;

    /**
     * In int8 the file is ONNX's QDQ form over the stored calibration, and answers as ConvLab's own int8 does (same
     * ranges, same per-channel weight scales), within 0.01 and closer to it than to the float model: fruits-cnn; a spec whose batch
     * norms are folded into the convolutions before them; fruits-cnn-bn, whose batch norms follow the ReLU. ONNX
     * Runtime turns the first two into its integer convolutions (QLinearConv in the graph it optimises); the third's
     * batch norms sit between each convolution and the next quantization, which QDQ cannot fuse, so its convolutions
     * stay float over dequantized weights there.
     */
    @Test
    void int8ExportRunsOnOnnxRuntimesIntegerKernelsAndAnswersAsConvLabsInt8() throws Exception {
        org.nd4j.linalg.api.rng.Random seeded = org.nd4j.linalg.factory.Nd4j.getRandomFactory().getNewRandomInstance(7);
        INDArray sample = org.nd4j.linalg.factory.Nd4j.rand(seeded, 64, 1, 28, 28).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        INDArray labels = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 64, 10);
        for (int i = 0; i < 64; i++) {
            labels.putScalar(i, i % 10, 1f);
        }
        Map<String, ArchitectureSpec> specs = new java.util.LinkedHashMap<>();
        specs.put("fruits-cnn", Architectures.get("fruits-cnn").withInput(InputShape.parse("28x28x1")).withClasses(10));
        specs.put("folded", SpecJson.read(FOLDED, "folded"));
        specs.put("fruits-cnn-bn", Architectures.get("fruits-cnn-bn").withInput(InputShape.parse("28x28x1")).withClasses(10));
        for (String arch : specs.keySet()) {
            // Fitted to arbitrary labels for a while: confident answers, so quantization shows in the probabilities.
            StoredModel stored = store(specs.get(arch), new org.nd4j.linalg.dataset.DataSet(sample, labels));
            org.convlab.runtime.Int8Calibration.measure(stored.graph(), List.of(sample))
                    .write(stored.dir().resolve(org.convlab.runtime.Int8Calibration.FILE));
            Path fp32 = dir.resolve(arch + ".onnx");
            Path int8 = dir.resolve(arch + "-int8.onnx");
            Path optimised = dir.resolve(arch + "-int8-ort.onnx");
            OnnxExport.write(stored, fp32);
            OnnxExport.write(stored, int8, false, org.convlab.runtime.Precision.INT8);

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizedModelFilePath(optimised.toString());
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            boolean vnni = org.convlab.runtime.Precision.available(org.convlab.runtime.Precision.INT8) == org.convlab.runtime.Precision.INT8;
            double toConvLab = 0;
            double toFloat = 0;
            try (OrtSession q = env.createSession(int8.toString(), options);
                 OrtSession f = env.createSession(fp32.toString(), new OrtSession.SessionOptions());
                 Classifier convlabInt8 = Classifier.builder().setRegistry(dir.resolve("models")).setModel(stored.ref())
                         .optPrecision(org.convlab.runtime.Precision.INT8).optReplicas(1).build()) {
                assertEquals("int8", q.getMetadata().getCustomMetadata().get("precision"));
                Random r = new Random(13);
                for (int n = 0; n < 8; n++) {
                    float[] pixels = new float[28 * 28];
                    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                    for (int i = 0; i < pixels.length; i++) {
                        pixels[i] = r.nextInt(256);
                        img.getRaster().setSample(i % 28, i / 28, 0, (int) pixels[i]);
                    }
                    float[] quantized = run(env, q, pixels);
                    float[] exact = run(env, f, pixels);
                    List<Prediction> ours = convlabInt8.predict(img, 10);
                    for (Prediction p : ours) {
                        int k = stored.card().labels().indexOf(p.label());
                        toConvLab = Math.max(toConvLab, Math.abs(quantized[k] - p.probability()));
                        toFloat = Math.max(toFloat, Math.abs(quantized[k] - exact[k]));
                    }
                }
            }
            List<String> ops = ModelProto.parseFrom(Files.readAllBytes(optimised)).getGraph().getNodeList().stream()
                    .map(n -> n.getOpType()).toList();
            long integerConvolutions = ops.stream().filter("QLinearConv"::equals).count();
            assertEquals(arch.equals("fruits-cnn-bn") ? 0 : arch.equals("folded") ? 3 : 11, integerConvolutions, arch + ": " + ops);
            assertFalse(arch.equals("folded") && ops.contains("BatchNormalization"), "folded into the convolutions: " + ops);
            assertTrue(toFloat > 1e-4, arch + ": the int8 graph quantizes (" + toFloat + " from float)");
            if (vnni) {
                // (fruits-cnn-bn, both about 0.004 here: ONNX Runtime's float convolutions over dequantized weights)
                assertTrue(arch.equals("fruits-cnn-bn") || toConvLab < toFloat,
                        arch + ": closer to ConvLab's int8 (" + toConvLab + ") than to float (" + toFloat + ")");
                assertTrue(toConvLab < 0.01, arch + ": ConvLab's int8 " + toConvLab);
            } else {
                assertTrue(toFloat < 0.05, arch + ": without VNNI ConvLab's int8 is float; ONNX Runtime's int8 stays near it: " + toFloat);
            }
        }
    }

    private static float[] run(OrtEnvironment env, OrtSession session, float[] pixels) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, 1, 28, 28});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, t))) {
            return ((float[][]) result.get(0).getValue())[0];
        }
    }

    /** A model without an int8 calibration is refused in int8 with the command that measures one; bf16 is refused. */
    @Test
    void int8NeedsTheStoredCalibration() {
        StoredModel stored = store(Architectures.get("fruits-cnn").withInput(InputShape.parse("16x16x1")).withClasses(3));
        Path out = dir.resolve("x.onnx");
        org.convlab.ConvLabException e = assertThrows(org.convlab.ConvLabException.class,
                () -> OnnxExport.write(stored, out, false, org.convlab.runtime.Precision.INT8));
        assertTrue(e.getMessage().contains("convlab calibrate --model " + stored.ref()), e.getMessage());
        e = assertThrows(org.convlab.ConvLabException.class, () -> OnnxExport.write(stored, out, false, org.convlab.runtime.Precision.BF16));
        assertTrue(e.getMessage().contains("fp32 or int8"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    /** --out takes a new path or a regular file: never a device, a folder or a link, nor another kind of file unasked. */
    @Test
    void theOutputPathIsARegularFileOrANewOne() throws Exception {
        StoredModel stored = store(Architectures.get("fruits-cnn").withInput(InputShape.parse("16x16x1")).withClasses(3));
        Path text = Files.writeString(dir.resolve("notes.txt"), "mine");
        Path link = Files.createSymbolicLink(dir.resolve("link.onnx"), text);
        Object[][] refused = {
            {Path.of("/dev/null"), "not a regular file"},
            {dir, "is a folder"},
            {link, "symbolic link"},
            {text, "is not an ONNX model"},
            {dir.resolve("no/such/folder/m.onnx"), "does not exist"},
        };
        for (Object[] c : refused) {
            org.convlab.ConvLabException e = assertThrows(org.convlab.ConvLabException.class, () -> OnnxExport.write(stored, (Path) c[0]));
            assertTrue(e.getMessage().contains((String) c[1]), e.getMessage());
        }
        assertEquals("mine", Files.readString(text), "a refused write leaves the file as it was");
        assertTrue(Files.isSymbolicLink(link));
        Path onnx = dir.resolve("m.onnx");
        OnnxExport.write(stored, onnx);
        long first = Files.size(onnx);
        OnnxExport.write(stored, onnx);            // an ONNX file is replaced without asking
        assertEquals(first, Files.size(onnx));
        OnnxExport.write(stored, text, true);      // another file only when told to
        assertTrue(Files.size(text) > 1000);
    }
}
