package org.convlab.cli;

import org.convlab.arch.SpecJson;
import org.convlab.train.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.convlab.cli.ConvLabTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsAndStoresUnderTheGivenName() throws IOException {
        Path arch = Files.writeString(dir.resolve("tiny.json"), SpecJson.write(TinyModels.spec()));
        Path registry = dir.resolve("models");
        ConvLabTest.Result r = run("train", "--data", "synthetic:4:30", "--arch", arch.toString(), "--epochs", "1",
                "--batch", "8", "--name", "cli-shapes", "--registry", registry.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(registry.resolve("cli-shapes/1/card.json")));
        assertFalse(Files.exists(registry.resolve(".checkpoints/cli-shapes")));
    }

    @Test
    void mismatchedValidationClassesAndBadNamesExitTwo() throws IOException {
        Path arch = Files.writeString(dir.resolve("tiny.json"), SpecJson.write(TinyModels.spec()));
        ConvLabTest.Result r = run("train", "--data", "synthetic:4:10", "--val", "synthetic:5:10", "--arch", arch.toString(),
                "--epochs", "1", "--registry", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("classes the training data lacks: [ring]"), r.err());
        ConvLabTest.Result name = run("train", "--data", "synthetic:4:10", "--name", "a/b", "--registry", dir.toString());
        assertEquals(2, name.code());
        assertTrue(name.err().contains("model name 'a/b' is not allowed"), name.err());
        ConvLabTest.Result epochs = run("train", "--data", "synthetic:4:10", "--epochs", "0", "--registry", dir.toString());
        assertEquals(2, epochs.code());
        assertTrue(epochs.err().contains("--epochs must be at least 1"), epochs.err());
    }

    @Test
    void defaultNamesFollowTheData() {
        assertEquals("fashion-cnn", TrainCommand.defaultName("fashion-mnist"));
        assertEquals("synthetic-cnn", TrainCommand.defaultName("synthetic:3:4"));
        assertEquals("training-cnn", TrainCommand.defaultName("/data/fruits-360/Training"));
        assertEquals("fashion-cnn-classes-5-9-per-class-50", TrainCommand.defaultName("fashion-mnist:classes=5-9:per-class=50"));
    }

    @Test
    void fineTunesAStoredModelAndRefusesWhatDoesNotFit() throws IOException {
        Path arch = Files.writeString(dir.resolve("tiny.json"), SpecJson.write(TinyModels.spec()));
        String registry = dir.resolve("models").toString();
        assertEquals(0, run("train", "--data", "synthetic:4:30", "--arch", arch.toString(), "--epochs", "1", "--batch", "8",
                "--name", "base", "--registry", registry).code());

        ConvLabTest.Result tuned = run("train", "--from", "base", "--freeze", "conv2d_2", "--data", "synthetic:4:30:classes=1-3",
                "--epochs", "1", "--batch", "8", "--registry", registry);
        assertEquals(0, tuned.code(), tuned.err());
        String card = Files.readString(dir.resolve("models/base-tuned/1/card.json"));
        assertTrue(card.contains("\"frozenLayers\" : [ \"conv2d_1\", \"max_pooling2d_1\", \"conv2d_2\" ]")
                && card.contains("\"head\" : \"new\"") && card.contains("\"base\" : \"base\""), card);

        for (String[] refused : new String[][] {
                {"--freeze", "conv2d_2"}, // without --from
                {"--from", "nosuch"},
                {"--from", "base", "--freeze", "conv9"},
                {"--from", "base", "--freeze", "dense_2"},
                {"--from", "base", "--arch", "fruits-cnn"},
                {"--from", "base", "--input", "8x8x3"}}) {
            List<String> args = new java.util.ArrayList<>(List.of("train", "--data", "synthetic:4:30", "--epochs", "1",
                    "--name", "refused", "--registry", registry));
            args.addAll(List.of(refused));
            ConvLabTest.Result r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", refused) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(dir.resolve("models/refused/1")), "nothing stored");
        }
        ConvLabTest.Result rm = run("models", "rm", "base:1", "--registry", registry);
        assertEquals(2, rm.code());
        assertTrue(rm.err().contains("base:1 is the base of base-tuned:1; remove it anyway with --force"), rm.err());
        assertTrue(Files.isRegularFile(dir.resolve("models/base/1/model.zip")), "the base stays");
        ConvLabTest.Result arch2 = run("train", "--from", "base", "--arch", "fruits-cnn", "--data", "synthetic:4:30", "--registry", registry);
        assertTrue(arch2.err().contains("--arch fruits-cnn is not the architecture of base:1 (tiny); leave --arch out"), arch2.err());
        ConvLabTest.Result layer = run("train", "--from", "base", "--freeze", "conv9", "--data", "synthetic:4:30", "--registry", registry);
        assertTrue(layer.err().contains("--freeze conv9: model base:1 has no layer of that name; its layers: conv2d_1,"), layer.err());
    }
}
