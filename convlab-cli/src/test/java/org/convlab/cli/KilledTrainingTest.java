package org.convlab.cli;

import org.convlab.job.TrainingJob;
import org.convlab.job.TrainingRequest;
import org.convlab.data.DataSource;
import org.convlab.train.TinyModels;
import org.convlab.train.TrainingOptions;
import org.convlab.zoo.ModelRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code convlab train} killed with SIGKILL mid-epoch, then resumed from its checkpoint. */
@Tag("slow")
class KilledTrainingTest {
    @TempDir
    Path dir;

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
        TrainingJob.Outcome outcome = TrainingJob.run(TrainingRequest.builder().setArchitecture(TinyModels.spec())
                .setData(DataSource.synthetic(4, 300)).setName("killed").optOptions(resume).build(),
                ModelRegistry.at(registry), TinyModels.listener(log));
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
