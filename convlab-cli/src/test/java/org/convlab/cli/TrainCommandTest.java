package org.convlab.cli;

import org.convlab.arch.SpecJson;
import org.convlab.train.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
    }
}
