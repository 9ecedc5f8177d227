package org.convlab.train;

import org.convlab.ConvLabException;
import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;

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
}
