package org.convlab.job;

import org.convlab.data.DataSources;
import org.convlab.train.EpochMetrics;
import org.convlab.train.EvaluationReport;
import org.convlab.train.Evaluator;
import org.convlab.train.TinyModels;
import org.convlab.data.ImageSource;
import org.convlab.data.InMemorySource;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow") // whole trainings, servers or Spark: mvn test -DexcludedGroups=slow runs the rest
class TrainingJobTest {
    @TempDir
    static Path registry;
    static TrainingJob.Outcome outcome;
    static ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeAll
    static void trainOnce() {
        outcome = TinyModels.train(registry, 8, log, TrainingJobTest::drawSummary);
    }

    /** A stand-in for the plot module's drawer: what it was handed, as text, so the test sees the job passed the run. */
    private static java.util.Map<String, Path> drawSummary(Path dir, String name, List<EpochMetrics> history,
                                                           EvaluationReport confusionFrom) throws IOException {
        Path file = dir.resolve("figures.txt");
        Files.writeString(file, name + " " + history.size() + " epochs, confusion of " + confusionFrom.data() + " ("
                + confusionFrom.examples() + " images)");
        return java.util.Map.of("figures.txt", file);
    }

    @Test
    void learnsClearlyAboveChance() {
        // Four classes: chance is 0.25.
        assertTrue(outcome.test().accuracy() > 0.6, "test accuracy " + outcome.test().accuracy() + "\n" + log);
        assertEquals(8, outcome.training().history().size());
        EpochMetrics last = outcome.training().history().get(7);
        assertTrue(last.trainLoss() < outcome.training().history().get(0).trainLoss(), "loss did not fall");
        String text = log.toString();
        assertTrue(text.contains("epoch 8/8  train loss"), text);
        assertTrue(text.contains("img/s"), text);
    }

    @Test
    void storedWithCardAndFiles() throws IOException {
        StoredModel stored = outcome.model();
        assertEquals("shapes:1", stored.ref());
        ModelCard card = ModelRegistry.at(registry).card("shapes");
        assertEquals(List.of("circle", "square", "triangle", "cross"), card.labels());
        assertEquals("16x16x3", card.input().toString());
        assertEquals(new org.convlab.data.Preprocessing(16, 16, org.convlab.data.Preprocessing.Channels.BGR, "stretch", 255),
                card.preprocessing());
        assertEquals(8, card.training().epochsRun());
        assertEquals(card.modelSha256(), org.convlab.io.Sha256.of(stored.dir().resolve("model.zip")));
        assertTrue(card.metrics().get("test_accuracy") > 0.6);
        assertNotNull(card.environment().get("nd4j_build"));
        for (String f : List.of("metrics.csv", "figures.txt")) {
            assertTrue(card.files().contains(f));
        }
        assertEquals(9, Files.readAllLines(stored.dir().resolve("metrics.csv")).size());
        // The confusion drawn is the test set's, the one the job evaluated last.
        assertEquals("shapes 8 epochs, confusion of " + outcome.test().data() + " (" + outcome.test().examples() + " images)",
                Files.readString(stored.dir().resolve("figures.txt")));
        // The run's checkpoints are gone once the model is stored.
        assertFalse(Files.exists(ModelRegistry.at(registry).checkpointDir("shapes")));
        assertFalse(Files.exists(registry.resolve(".checkpoints")), "no empty checkpoint folder left behind");
    }

    /** What the card says is what prediction does: pixels in B, G, R order divided by 255, worked out here by hand. */
    @Test
    void predictionScalesPixelsAsTheCardSays(@TempDir Path dir) throws IOException {
        java.awt.image.BufferedImage img = org.convlab.data.SyntheticShapes.draw(2, 16, 16, new java.util.Random(7));
        Path png = dir.resolve("shape.png");
        ImageIO.write(img, "png", png.toFile());
        float[] manual = new float[3 * 16 * 16];
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int rgb = img.getRGB(x, y);
                int[] bgr = {rgb & 0xFF, (rgb >> 8) & 0xFF, (rgb >> 16) & 0xFF};
                for (int c = 0; c < 3; c++) {
                    manual[(c * 16 + y) * 16 + x] = bgr[c] / 255f;
                }
            }
        }
        INDArray expected = outcome.model().graph().outputSingle(false,
                org.nd4j.linalg.factory.Nd4j.create(manual, new long[] {1, 3, 16, 16}, org.nd4j.linalg.api.buffer.DataType.FLOAT));
        try (org.convlab.infer.Classifier classifier = org.convlab.infer.Classifier.load(registry, "shapes:1")) {
            for (org.convlab.infer.Prediction p : classifier.predict(png, 4)) {
                assertEquals(expected.getDouble(0, classifier.labels().indexOf(p.label())), p.probability(), 1e-6, p.label());
            }
        }
    }

    @Test
    void reloadedModelPredictsExactlyTheSame() {
        ImageSource test = DataSources.open(org.convlab.data.DataSource.parse("synthetic:4:200"), outcome.model().card().input()).test();
        INDArray x = ((InMemorySource) test).features();
        INDArray before = outcome.model().graph().outputSingle(false, x);
        StoredModel again = ModelRegistry.at(registry).load("shapes:1");
        INDArray after = again.graph().outputSingle(false, x);
        assertEquals(before, after);
        EvaluationReport r = Evaluator.evaluate(again.graph(), test, again.card().labels(), 32);
        assertEquals(outcome.test().accuracy(), r.accuracy(), 1e-9);
        assertEquals(test.size(), java.util.Arrays.stream(r.confusion()).flatMapToInt(java.util.Arrays::stream).sum());
    }
}
