package org.convlab.infer;

import org.convlab.ConvLabException;
import org.convlab.data.SyntheticShapes;
import org.convlab.train.TinyModels;
import org.convlab.job.TrainingJob;
import org.convlab.runtime.Precision;
import org.convlab.zoo.ModelRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow") // whole trainings, servers or Spark: mvn test -DexcludedGroups=slow runs the rest
class ClassifierTest {
    @TempDir
    static Path registry;
    @TempDir
    static Path images;
    static List<Path> files = new ArrayList<>();

    @BeforeAll
    static void trainAndDraw() throws IOException {
        TinyModels.train(registry, 8, new ByteArrayOutputStream());
        // Test images of another size than the model's 16x16 (40x40), as PNG and JPEG.
        for (int i = 0; i < 16; i++) {
            BufferedImage img = SyntheticShapes.draw(i % 4, 40, 40, new Random(1000 + i));
            Path f = images.resolve("img" + i + (i % 2 == 0 ? ".png" : ".jpg"));
            ImageIO.write(img, i % 2 == 0 ? "png" : "jpg", f.toFile());
            files.add(f);
        }
    }

    @Test
    void embeddingsAreALayersActivationsAsDl4jComputesThem() throws IOException {
        org.convlab.zoo.StoredModel stored = ModelRegistry.at(registry).load("shapes");
        org.nd4j.linalg.api.ndarray.INDArray x = new org.convlab.data.Preprocessor(stored.card().preprocessing()).batch(List.of(
                org.convlab.data.ImageDecoder.load(files.get(0)), org.convlab.data.ImageDecoder.load(files.get(1))));
        // DL4J's own layer-by-layer forward pass on a plain copy: the second implementation.
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> dl4j =
                org.convlab.runtime.Networks.inspectable(stored.graph()).feedForward(x, false);
        try (Classifier c = Classifier.load(registry, "shapes")) {
            assertEquals("dense_1", c.embeddingLayer(), "the layer that feeds the head");
            List<float[]> got = c.embedBatch(files.subList(0, 2), null, false);
            for (int i = 0; i < 2; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(dl4j.get("dense_1").getRow(i).toFloatVector(), got.get(i), 1e-4f);
            }
            assertEquals(32, got.get(0).length);
            float[] pooled = c.embed(Files.readAllBytes(files.get(1)), "max_pooling2d_2", false);
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    dl4j.get("max_pooling2d_2").get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).dup('c').reshape(-1).toFloatVector(),
                    pooled, 1e-4f, "a map flattened channel by channel");
            float[] unit = c.embed(Files.readAllBytes(files.get(0)), null, true);
            double norm = 0;
            for (float v : got.get(0)) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            assertTrue(norm > 0);
            for (int j = 0; j < unit.length; j++) {
                assertEquals(got.get(0)[j] / norm, unit[j], 1e-5, "unit length, the same direction");
            }
            String unknown = assertThrows(ConvLabException.class, () -> c.embed(files.get(0).toUri().toURL().openStream().readAllBytes(),
                    "nosuch", false)).getMessage();
            assertTrue(unknown.contains("model shapes has no layer 'nosuch'; its layers: conv2d_1,"), unknown);
            String head = assertThrows(ConvLabException.class, () -> c.embed(Files.readAllBytes(files.get(0)), "dense_2", false)).getMessage();
            assertTrue(head.contains("output layer") && head.contains("by default dense_1"), head);
            c.close();
            assertThrows(IllegalStateException.class, () -> c.embed(files.get(0)));
        }
    }

    @Test
    void theFlatIndexRanksAsCosineSimilarityWorkedOutByHand(@TempDir Path folders) throws IOException {
        List<String> labels = SyntheticShapes.labels(4);
        List<Path> indexed = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Path f = folders.resolve(labels.get(i % 4) + "/s" + i + ".png");
            Files.createDirectories(f.getParent());
            ImageIO.write(SyntheticShapes.draw(i % 4, 16, 16, new Random(2000 + i)), "png", f.toFile());
            indexed.add(f);
        }
        try (Classifier c = Classifier.load(registry, "shapes")) {
            org.convlab.data.ImageSource source = org.convlab.data.DataSources.open(
                    org.convlab.data.DataSource.parse(folders.toString()), c.card().input()).train();
            FlatIndex index = FlatIndex.build(c, source, null, 5);
            assertEquals(16, index.size());
            assertEquals(32, index.dimensions());
            float[] query = c.embed(files.get(3));
            // By hand: cosine of the query with each indexed image's own embedding.
            List<double[]> expected = new ArrayList<>();
            for (Path f : indexed) {
                float[] v = c.embed(f);
                double dot = 0;
                double nq = 0;
                double nv = 0;
                for (int j = 0; j < v.length; j++) {
                    dot += (double) v[j] * query[j];
                    nq += (double) query[j] * query[j];
                    nv += (double) v[j] * v[j];
                }
                expected.add(new double[] {indexed.indexOf(f), dot / Math.sqrt(nq * nv)});
            }
            expected.sort((a, b) -> Double.compare(b[1], a[1]));
            List<FlatIndex.Hit> hits = index.nearest(query, 5);
            for (int k = 0; k < 5; k++) {
                assertEquals(expected.get(k)[1], hits.get(k).similarity(), 1e-4, "rank " + k);
                assertTrue(Files.isSameFile(indexed.get((int) expected.get(k)[0]), Path.of(hits.get(k).name())), "rank " + k);
            }
            FlatIndex.Hit self = index.nearest(c.embed(indexed.get(6)), 1).get(0);
            assertEquals(1.0, self.similarity(), 1e-5, "an indexed image finds itself");
            assertEquals(labels.get(2), self.label());
            assertEquals(1.0, index.topOneAccuracy(c, source, null, 7), "every indexed image's nearest is itself");
            assertThrows(ConvLabException.class, () -> index.nearest(new float[3], 1));
        }
    }

    @Test
    void predictsRankedProbabilitiesForAnySizeAndFormat() {
        try (Classifier c = Classifier.load(registry, "shapes")) {
            int right = 0;
            for (int i = 0; i < files.size(); i++) {
                List<Prediction> top = c.predict(files.get(i), 4);
                assertEquals(4, top.size());
                double sum = top.stream().mapToDouble(Prediction::probability).sum();
                assertEquals(1.0, sum, 1e-4);
                assertTrue(top.get(0).probability() >= top.get(1).probability());
                if (top.get(0).label().equals(SyntheticShapes.labels(4).get(i % 4))) {
                    right++;
                }
            }
            assertTrue(right >= 10, "only " + right + " of 16 shapes recognised");
            assertEquals(2, c.predict(files.get(0), 2).size());
        }
    }

    @Test
    void pathBytesAndBufferedImageAgree() throws IOException {
        try (Classifier c = Classifier.load(registry.resolve("shapes/1"))) {
            Path f = files.get(2);
            List<Prediction> fromPath = c.predict(f, 4);
            assertEquals(fromPath, c.predict(Files.readAllBytes(f), 4));
            assertEquals(fromPath, c.predict(ImageIO.read(f.toFile()), 4));
            assertEquals(fromPath, c.predictBatch(List.of(files.get(1), f), 4).get(1));
        }
    }

    @Test
    void eightThreadsGetExactlyTheSequentialResults() throws Exception {
        try (Classifier c = Classifier.of(ModelRegistry.at(registry).load("shapes"), 3)) {
            List<List<Prediction>> sequential = new ArrayList<>();
            for (Path f : files) {
                sequential.add(c.predict(f, 4));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<List<Prediction>>> futures = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (Path f : files) {
                    futures.add(pool.submit((Callable<List<Prediction>>) () -> c.predict(f, 4)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(sequential.get(i % files.size()), futures.get(i).get(), "call " + i);
            }
            pool.shutdown();
        }
    }

    /** An fp32 and an int8 classifier of one model in one JVM, called from 8 threads in turn: each answers in its own precision. */
    @Test
    void fp32AndInt8ClassifiersOfOneModelAnswerSideBySide() throws Exception {
        try (Classifier fp32 = Classifier.builder().setRegistry(registry).setModel("shapes").optPrecision(Precision.FP32)
                .optReplicas(2).build();
             Classifier int8 = Classifier.builder().setRegistry(registry).setModel("shapes:1").optPrecision(Precision.INT8)
                .optReplicas(2).build()) {
            assertEquals(Precision.FP32, fp32.precision());
            assertEquals(Precision.available(Precision.INT8), int8.precision(), "int8 where the CPU has VNNI, else fp32");
            List<Classifier> both = List.of(fp32, int8);
            List<List<List<Prediction>>> alone = new ArrayList<>();
            for (Classifier c : both) {
                List<List<Prediction>> answers = new ArrayList<>();
                for (Path f : files) {
                    answers.add(c.predict(f, 4));
                }
                alone.add(answers);
            }
            if (int8.precision() == Precision.INT8) {
                assertNotEquals(alone.get(0), alone.get(1), "8-bit products give other probabilities than float ones");
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<List<Prediction>>> futures = new ArrayList<>();
            for (int call = 0; call < 8 * files.size(); call++) {
                Classifier c = both.get(call % 2);
                Path f = files.get(call / 2 % files.size());
                futures.add(pool.submit((Callable<List<Prediction>>) () -> c.predict(f, 4)));
            }
            for (int call = 0; call < futures.size(); call++) {
                assertEquals(alone.get(call % 2).get(call / 2 % files.size()), futures.get(call).get(),
                        "call " + call + " (" + both.get(call % 2).precision() + ")");
            }
            pool.shutdown();
        }
    }

    @Test
    void aClassifierWithoutRegistryOrModelIsRefused() {
        ConvLabException e = assertThrows(ConvLabException.class, () -> Classifier.builder().setModel("shapes").build());
        assertTrue(e.getMessage().contains("setRegistry"), e.getMessage());
        assertThrows(ConvLabException.class, () -> Classifier.builder().setRegistry(registry).setModel("shapes").optReplicas(0)
                .build());
    }

    @Test
    void badImagesAreNamed() throws IOException {
        try (Classifier c = Classifier.load(registry, "shapes")) {
            Path text = Files.writeString(images.resolve("x.png"), "no");
            ConvLabException e = assertThrows(ConvLabException.class, () -> c.predict(text, 1));
            assertTrue(e.getMessage().contains("x.png") && e.getMessage().contains("not an image"), e.getMessage());
            assertThrows(ConvLabException.class, () -> c.predict(files.get(0), 0));
        }
    }

    @Test
    void aClosedClassifierRefusesAtOnceInsteadOfWaiting() {
        Classifier c = Classifier.load(registry, "shapes");
        c.close();
        // Before the fix this call blocked forever on the emptied replica pool.
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> assertThrows(IllegalStateException.class, () -> c.predict(files.get(0), 1)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
