package org.convlab.zoo;

import org.convlab.ConvLabException;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.GraphBuilder;
import org.convlab.train.TinyModels;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelRegistryTest {
    @TempDir
    Path root;
    static ComputationGraph graph;
    static ArchitectureSpec spec;

    @BeforeAll
    static void build() {
        spec = TinyModels.spec();
        graph = GraphBuilder.of(spec).build();
    }

    private static ModelCard card() {
        return new ModelCard("x", null, "now", spec, spec.input(), List.of("a", "b", "c", "d"),
                org.convlab.data.Preprocessing.standard(spec.input()), null, Map.of(), Map.of(), null, null);
    }

    @Test
    void cardsWrittenWhenPreprocessingWasProseStillLoad() throws java.io.IOException {
        ModelRegistry r = ModelRegistry.at(root);
        Path dir = r.save("old", graph, card(), Map.of()).dir();
        Path cardFile = dir.resolve(ModelRegistry.CARD_FILE);
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(cardFile.toFile());
        // The preprocessing exactly as cards of the first round wrote it.
        json.set("preprocessing", new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"decoder\": \"ImageDecoder (ImageIO + TwelveMonkeys) -> 8-bit BGR\", \"resize\": \"to 16x16 (DataVec NativeImageLoader)\","
                        + " \"channels\": \"BGR (OpenCV order)\", \"scale\": \"x / 255 -> 0..1\"}"));
        java.nio.file.Files.writeString(cardFile, json.toPrettyString());
        org.convlab.data.Preprocessing p = r.load("old").card().preprocessing();
        assertEquals(new org.convlab.data.Preprocessing(16, 16, org.convlab.data.Preprocessing.Channels.BGR, "stretch", 255), p);
    }

    @Test
    void versionsCountUpAndNameAloneIsTheNewest() {
        ModelRegistry r = ModelRegistry.at(root);
        assertEquals(1, r.save("net", graph, card(), Map.of()).card().version());
        assertEquals(2, r.save("net", graph, card(), Map.of()).card().version());
        assertEquals(List.of(1, 2), r.versions("net"));
        assertEquals(2, r.load("net").card().version());
        assertEquals(1, r.load("net:1").card().version());
        assertEquals("net", r.card("net:2").name());
        r.remove(ModelRegistry.Ref.parse("net:2"));
        assertEquals(List.of(1), r.versions("net"));
        assertEquals(3, r.save("net", graph, card(), Map.of()).card().version(), "a removed version's number is never reused");
        ConvLabException gone = assertThrows(org.convlab.NotFoundException.class, () -> r.load("net:2"));
        assertTrue(gone.getMessage().contains("no version 2"), gone.getMessage());
    }

    @Test
    void missingModelsListWhatExists() {
        ModelRegistry r = ModelRegistry.at(root);
        ConvLabException empty = assertThrows(ConvLabException.class, () -> r.load("nothing"));
        assertTrue(empty.getMessage().contains("the registry is empty"), empty.getMessage());
        r.save("alpha", graph, card(), Map.of());
        ConvLabException other = assertThrows(ConvLabException.class, () -> r.load("beta"));
        assertTrue(other.getMessage().contains("models: alpha"), other.getMessage());
        ConvLabException version = assertThrows(ConvLabException.class, () -> r.load("alpha:7"));
        assertTrue(version.getMessage().contains("no version 7; versions: [1]"), version.getMessage());
    }

    @Test
    void changedModelFileIsDetected() throws IOException {
        ModelRegistry r = ModelRegistry.at(root);
        StoredModel s = r.save("net", graph, card(), Map.of());
        Path model = s.dir().resolve("model.zip");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(model, bytes);
        ConvLabException e = assertThrows(ConvLabException.class, () -> r.load("net"));
        assertTrue(e.getMessage().contains("does not match its card"), e.getMessage());
        Files.writeString(s.dir().resolve("card.json"), "{ not json");
        ConvLabException card = assertThrows(ConvLabException.class, () -> r.load("net:1"));
        assertTrue(card.getMessage().contains("cannot be read"), card.getMessage());
    }

    @Test
    void unsafeNamesAreRefused() {
        for (String bad : List.of("../up", "a/b", "..", ".hidden", "", "x".repeat(65), "name with space")) {
            assertThrows(ConvLabException.class, () -> ModelRegistry.checkName(bad), bad);
        }
        assertThrows(ConvLabException.class, () -> ModelRegistry.at(root).save("../escape", graph, card(), Map.of()));
        assertEquals("fashion-cnn_2.v1", ModelRegistry.checkName("fashion-cnn_2.v1"));
        assertThrows(ConvLabException.class, () -> ModelRegistry.Ref.parse("net:0"));
        assertThrows(ConvLabException.class, () -> ModelRegistry.Ref.parse("net:x"));
    }

    @Test
    void concurrentSavesGetDifferentVersions() throws Exception {
        ModelRegistry r = ModelRegistry.at(root);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            futures.add(pool.submit(() -> r.save("race", graph, card(), Map.of()).card().version()));
        }
        Set<Integer> versions = new HashSet<>();
        for (Future<Integer> f : futures) {
            versions.add(f.get());
        }
        pool.shutdown();
        assertEquals(Set.of(1, 2, 3, 4, 5, 6), versions);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), r.versions("race"));
    }

    @Test
    void halfWrittenSaveIsInvisible() throws IOException {
        ModelRegistry r = ModelRegistry.at(root);
        r.save("net", graph, card(), Map.of());
        // What a kill in the middle of a save leaves: a hidden temporary folder with part of a model.
        Path partial = Files.createDirectories(root.resolve("net/.tmp-killed"));
        Files.write(partial.resolve("model.zip"), new byte[] {1, 2, 3});
        assertEquals(List.of(1), r.versions("net"));
        assertEquals(1, r.list().cards().size());
        assertEquals(2, r.save("net", graph, card(), Map.of()).card().version());
    }

    @Test
    void aCardLackingAFieldIsNamedAndDoesNotHideTheHealthyOnes() throws IOException {
        ModelRegistry r = ModelRegistry.at(root);
        r.save("good", graph, card(), Map.of());
        Path bad = r.save("bad", graph, card(), Map.of()).dir().resolve(ModelRegistry.CARD_FILE);
        Files.writeString(bad, Files.readString(bad).replaceAll("\"labels\" : \\[[^\\]]*\\],?", ""));
        ModelRegistry.Listing listing = r.list();
        assertEquals(List.of("good"), listing.cards().stream().map(ModelCard::name).toList());
        assertEquals(1, listing.damaged().size());
        assertTrue(listing.damaged().get(0).startsWith("bad:1: model card ") && listing.damaged().get(0).contains("has no 'labels'"),
                listing.damaged().get(0));
        ConvLabException load = assertThrows(ConvLabException.class, () -> r.load("bad"));
        assertTrue(load.getMessage().contains("has no 'labels'"), "names the field, not the sha256: " + load.getMessage());
    }
}
