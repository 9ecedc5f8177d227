package org.convlab.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.data.Preprocessing;
import org.convlab.infer.Classifier;
import org.convlab.infer.Prediction;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import org.convlab.arch.LayerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keras .h5 files into the registry, checked against an independent forward pass: the fixtures in
 * src/test/resources/org/convlab/interop were written by make_keras_fixtures.py there (h5py in the
 * Keras 2.2.4 layout, random weights), with the outputs its numpy forward pass computes for three
 * images each (keras-expected.json). They cover strided 'same' and 'valid' convolutions, max and
 * average pooling, batch normalization, flatten in channels_last order, dense, dropout, both
 * model kinds, and a residual block (add, activation, global average pooling).
 */
class KerasImportTest {
    static final Path FIXTURES = Path.of("src/test/resources/org/convlab/interop");
    static JsonNode expected;

    @TempDir
    Path dir;

    @BeforeAll
    static void readExpected() throws IOException {
        expected = new ObjectMapper().readTree(FIXTURES.resolve("keras-expected.json").toFile());
    }

    private static KerasImport.Options options(String name, int classes) {
        List<String> labels = java.util.stream.IntStream.range(0, classes).mapToObj(i -> "class" + i).toList();
        return new KerasImport.Options(name, labels, KerasImport.Pixels.UNIT, Preprocessing.Channels.RGB, null);
    }

    /** Each fixture image as a PNG, predicted through Classifier (decode, preprocessing, NHWC graph), against numpy. */
    private void assertEqualsTheReference(String file, int h, int w, int c) throws IOException {
        StoredModel stored = KerasImport.into(ModelRegistry.at(dir), FIXTURES.resolve(file), options("m", classes(file)));
        JsonNode cases = expected.get(file);
        try (Classifier classifier = Classifier.of(stored, 1)) {
            for (int n = 0; n < cases.get("input_nhwc").size(); n++) {
                JsonNode pixels = cases.get("input_nhwc").get(n);
                BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int at = (y * w + x) * c;
                        if (c == 1) {
                            img.getRaster().setSample(x, y, 0, pixels.get(at).asInt());
                        } else {
                            img.setRGB(x, y, pixels.get(at).asInt() << 16 | pixels.get(at + 1).asInt() << 8 | pixels.get(at + 2).asInt());
                        }
                    }
                }
                Path png = dir.resolve("image" + n + ".png");
                ImageIO.write(img, "png", png.toFile());
                List<Prediction> got = classifier.predict(png, classes(file));
                JsonNode want = cases.get("output").get(n);
                for (Prediction p : got) {
                    int k = classifier.labels().indexOf(p.label());
                    assertEquals(want.get(k).asDouble(), p.probability(), 1e-5, file + " image " + n + " " + p.label());
                }
            }
        }
    }

    private static int classes(String file) {
        return expected.get(file).get("output").get(0).size();
    }

    @Test
    void aSequentialModelGivesTheReferenceProbabilities() throws IOException {
        assertEqualsTheReference("keras-sequential.h5", 9, 11, 3);
    }

    @Test
    void aFunctionalModelGivesTheReferenceProbabilities() throws IOException {
        assertEqualsTheReference("keras-functional.h5", 12, 12, 1);
    }

    /** A residual block (Add of a batch-normed branch and its shortcut, then ReLU) and global average pooling. */
    @Test
    void aResidualModelGivesTheReferenceProbabilitiesAndItsSpec() throws IOException {
        assertEqualsTheReference("keras-residual.h5", 8, 8, 3);
        ModelCard card = ModelRegistry.at(dir).card("m");
        assertNotNull(card.architecture(), "the card carries the graph as ConvLab's spec");
        LayerSpec add = card.architecture().layers().stream().filter(l -> l.name().equals("add_1")).findFirst().orElseThrow();
        assertEquals(List.of("batch_normalization_1", "conv2d_1"), add.inputs());
        assertEquals(List.of("conv2d_1", "conv2d_2", "batch_normalization_1", "add_1", "activation_1", "global_average_pooling2d_1",
                "dense_1"), card.architecture().layers().stream().map(LayerSpec::name).toList());
    }

    /** An imported model ends in a dense layer without a loss: fine-tuning gives it an output layer and keeps the frozen part. */
    @Test
    void anImportedModelFineTunesOnNewClassesWithItsFrozenLayersUntouched() {
        ModelRegistry registry = ModelRegistry.at(dir.resolve("tune"));
        StoredModel base = KerasImport.into(registry, FIXTURES.resolve("keras-sequential.h5"),
                new KerasImport.Options("seq", List.of("a", "b", "c", "d", "e"), KerasImport.Pixels.UNIT, Preprocessing.Channels.RGB, null));
        org.convlab.job.FineTuning start = org.convlab.job.FineTuning.of(base, "batch_normalization_1");
        StoredModel tuned = org.convlab.job.TrainingJob.run(org.convlab.job.TrainingRequest.builder().setFineTuning(start)
                .setData(org.convlab.data.DataSource.synthetic(4, 30)).setName("tuned")
                .optOptions(org.convlab.train.TrainingOptions.builder().optEpochs(2).optBatch(16).optPatience(0).build()).build(),
                registry, org.convlab.train.TinyModels.listener(new java.io.ByteArrayOutputStream())).model();
        for (String frozen : List.of("conv2d_1", "conv2d_2", "batch_normalization_1")) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(base.graph().getLayer(frozen).params().dup().data().asFloat(),
                    tuned.graph().getLayer(frozen).params().dup().data().asFloat(), frozen);
        }
        assertTrue(tuned.graph().getLayer("dense_1").conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.OutputLayer);
        assertEquals(4, tuned.card().labels().size());
        assertEquals(base.card().preprocessing(), tuned.card().preprocessing(), "the base's NHWC layout and pixel scale");
        assertEquals("seq", tuned.card().lineage().base());
        try (Classifier c = Classifier.of(tuned, 1)) {
            double sum = c.predict(new BufferedImage(20, 20, BufferedImage.TYPE_3BYTE_BGR), 4).stream().mapToDouble(Prediction::probability).sum();
            assertEquals(1.0, sum, 1e-4);
        }
    }

    @Test
    void theCardRecordsTheSourceThePreprocessingAndTheSpec() {
        StoredModel stored = KerasImport.into(ModelRegistry.at(dir), FIXTURES.resolve("keras-sequential.h5"),
                new KerasImport.Options("seq", List.of("a", "b", "c", "d", "e"), KerasImport.Pixels.RAW, Preprocessing.Channels.BGR, null));
        ModelCard card = ModelRegistry.at(dir).card("seq");
        assertEquals("keras-sequential.h5", card.source().file());
        assertEquals(org.convlab.io.Sha256.of(FIXTURES.resolve("keras-sequential.h5")), card.source().sha256());
        assertEquals("2.2.4", card.source().kerasVersion());
        assertEquals("tensorflow", card.source().backend());
        assertEquals("Sequential", card.source().modelClass());
        assertEquals(new Preprocessing(9, 11, Preprocessing.Channels.BGR, "stretch", 1, Preprocessing.Layout.NHWC), card.preprocessing());
        assertNotNull(card.architecture(), "a chain of ConvLab's kinds is expressed as a spec");
        assertEquals(List.of("conv2d_1", "conv2d_2", "max_pooling2d_1", "batch_normalization_1", "flatten_1", "dropout_1", "dense_1"),
                card.architecture().layers().stream().map(l -> l.name()).toList());
        assertEquals("stored:1".replace("stored", "seq"), stored.ref());
        assertNull(new ModelCard(null, null, null, null, null, null, null, null, null, null, null, null).source());
    }

    @Test
    void whatCannotBeImportedIsRefusedAndNothingStored() throws IOException {
        ModelRegistry registry = ModelRegistry.at(dir.resolve("models"));
        Path saved = Files.createDirectories(dir.resolve("saved"));
        Files.writeString(saved.resolve("saved_model.pb"), "x");
        Path zip = dir.resolve("model.keras");
        Files.write(zip, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        Object[][] cases = {
            {FIXTURES.resolve("make_keras_fixtures.py"), options("a", 5), "is not an HDF5 file"},
            {saved, options("a", 5), "TensorFlow SavedModel folder"},
            {zip, options("a", 5), "Keras 3 .keras file"},
            {FIXTURES.resolve("keras-weights-only.h5"), options("a", 5), "holds weights only"},
            {FIXTURES.resolve("keras-unsupported.h5"), options("a", 5), "layer 1 of"},
            {FIXTURES.resolve("keras-sequential.h5"), options("a", 4), "has 5 outputs but 4 labels"},
        };
        for (Object[] c : cases) {
            ConvLabException e = assertThrows(ConvLabException.class, () -> KerasImport.into(registry, (Path) c[0],
                    (KerasImport.Options) c[1]));
            assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
        }
        ConvLabException lambda = assertThrows(ConvLabException.class, () -> KerasImport.into(registry,
                FIXTURES.resolve("keras-unsupported.h5"), options("a", 5)));
        assertTrue(lambda.getMessage().contains("'lambda_1' (Lambda)"), lambda.getMessage());
        BadSettingException input = assertThrows(BadSettingException.class, () -> KerasImport.into(registry,
                FIXTURES.resolve("keras-sequential.h5"), new KerasImport.Options("a", List.of("a", "b", "c", "d", "e"),
                        KerasImport.Pixels.UNIT, Preprocessing.Channels.RGB, new org.convlab.arch.InputShape(10, 10, 3))));
        assertTrue(input.messageNaming(org.convlab.Setting::flag).contains("takes 9x11x3 images; leave --input out"), input.getMessage());
        assertTrue(registry.names().isEmpty(), "nothing stored");
    }

    /** Where Debian's python3-h5py is installed, the numpy reference is run again on the committed .h5 files. */
    @Test
    void theCommittedOutputsAreWhatTheNumpyReferenceComputes() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean h5py = Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c", "import h5py, numpy")
                .start().waitFor() == 0;
        org.junit.jupiter.api.Assumptions.assumeTrue(h5py, () -> {
            System.err.println("skipped: the numpy reference needs Debian's python3-h5py (apt-get install -y python3-h5py)");
            return "python3-h5py is not installed";
        });
        Process p = new ProcessBuilder(python.toString(), FIXTURES.resolve("make_keras_fixtures.py").toString(), "--check",
                FIXTURES.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
