package org.convlab.train;

import org.convlab.job.TrainingJob;
import org.convlab.ConvLabException;
import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumeTest {
    @TempDir
    Path dir;

    private static TrainingOptions.Builder options(Path checkpoints, ByteArrayOutputStream log) {
        return TrainingOptions.builder().optBatch(16).optSeed(3).optPatience(0).optCheckpointDir(checkpoints);
    }

    @Test
    void resumeContinuesFromTheLastCheckpointWithTheSameOptimizerState() {
        DataSources.Bundle data = DataSources.open(org.convlab.data.DataSource.parse("synthetic:4:40"), TinyModels.spec().input());
        ImageSource.Split split = data.train().split(0.2, 1);
        Path checkpoints = dir.resolve("ckpt");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        // An uninterrupted 3-epoch run, for reference.
        TrainingResult straight = Trainer.train(TinyModels.spec(), split.first(), split.second(),
                options(dir.resolve("ref"), log).optEpochs(3).build(), TinyModels.listener(log));
        // The same run stopped after 2 epochs (as if killed during the third), then resumed.
        Trainer.train(TinyModels.spec(), split.first(), split.second(), options(checkpoints, log).optEpochs(2).build(), TinyModels.listener(log));
        TrainingResult resumed = Trainer.train(TinyModels.spec(), split.first(), split.second(),
                options(checkpoints, log).optEpochs(3).optResume(true).build(), TinyModels.listener(log));
        assertTrue(log.toString().contains("resuming after epoch 2 of 3"), log.toString());
        assertEquals(3, resumed.history().size());
        assertEquals(straight.history().get(0).trainLoss(), resumed.history().get(0).trainLoss(), 1e-6);
        // Same weights, same Adam state, same data order: the third epoch ends where the straight run did.
        assertEquals(straight.history().get(2).trainLoss(), resumed.history().get(2).trainLoss(), 1e-4);
        assertEquals(straight.graph().params(), resumed.graph().params());
    }

    @Test
    void resumeWithOtherSettingsOrNothingToResumeIsRefused() {
        DataSources.Bundle data = DataSources.open(org.convlab.data.DataSource.parse("synthetic:4:20"), TinyModels.spec().input());
        ImageSource.Split split = data.train().split(0.25, 1);
        Path checkpoints = dir.resolve("ckpt");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ConvLabException none = assertThrows(ConvLabException.class, () -> Trainer.train(TinyModels.spec(), split.first(),
                split.second(), options(checkpoints, log).optEpochs(2).optResume(true).build(), TinyModels.listener(log)));
        assertTrue(none.getMessage().contains("no checkpoint"), none.getMessage());
        Trainer.train(TinyModels.spec(), split.first(), split.second(), options(checkpoints, log).optEpochs(1).build(), TinyModels.listener(log));
        ConvLabException other = assertThrows(ConvLabException.class, () -> Trainer.train(TinyModels.spec(), split.first(),
                split.second(), options(checkpoints, log).optEpochs(2).optBatch(8).optResume(true).build(), TinyModels.listener(log)));
        assertTrue(other.getMessage().contains("other settings"), other.getMessage());
    }

    /** A real SIGKILL in the middle of an epoch: the finished epochs survive and --resume continues. */
    @Test
    void killedRunResumes() throws Exception {
        Path registry = dir.resolve("models");
        Path arch = dir.resolve("tiny.json");
        Files.writeString(arch, org.convlab.arch.SpecJson.write(TinyModels.spec()));
        String[] args = {"train", "--data", "synthetic:4:300", "--arch", arch.toString(), "--epochs", "40", "--batch", "8",
            "--patience", "0", "--lr-schedule", "constant", "--name", "killed", "--registry", registry.toString()};
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "org.convlab.cli.ConvLab"));
        command.addAll(List.of(args));
        Path out = dir.resolve("child.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        Path ckpt = registry.resolve(".checkpoints/killed");
        long deadline = System.currentTimeMillis() + 120_000;
        while (!hasEpoch(ckpt, 2) && child.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(hasEpoch(ckpt, 2), "no checkpoint appeared: " + Files.readString(out));
        // Let it get into the next epoch, then kill it without warning.
        Thread.sleep(300);
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        int finished = lastEpoch(ckpt);
        assertTrue(finished >= 2, "checkpoint lost: " + finished);

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingOptions resume = TrainingOptions.builder().optEpochs(finished + 1).optBatch(8).optPatience(0).optResume(true)
                .optCheckpointDir(ckpt).build();
        TrainingJob.Outcome outcome = TrainingJob.run(org.convlab.job.TrainingRequest.builder().setArchitecture(TinyModels.spec())
                .setData(org.convlab.data.DataSource.synthetic(4, 300)).setName("killed").optOptions(resume).build(),
                org.convlab.zoo.ModelRegistry.at(registry), TinyModels.listener(log));
        assertTrue(log.toString().contains("resuming after epoch " + finished), log.toString());
        assertEquals(finished + 1, outcome.training().history().size());
        assertEquals("killed:1", outcome.model().ref());
    }

    private static boolean hasEpoch(Path ckpt, int epoch) {
        return lastEpoch(ckpt) >= epoch;
    }

    private static int lastEpoch(Path ckpt) {
        if (!Files.isDirectory(ckpt)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(ckpt)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("epoch-\\d{4}"))
                    .mapToInt(n -> Integer.parseInt(n.substring(6))).max().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }
}
