package org.convlab.job;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.data.DataSource;
import org.convlab.io.OwnerLock;
import org.convlab.train.TinyModels;
import org.convlab.train.Trainer;
import org.convlab.train.TrainingListener;
import org.convlab.train.TrainingOptions;
import org.convlab.zoo.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run checks before it reads any data: leftovers, a second run of the same name, the registry's own state. */
class RegistryGuardsTest {
    @TempDir
    Path dir;

    private static TrainingRequest request(ModelRegistry registry, String name, TrainingOptions.Builder options) {
        return TrainingRequest.builder().setArchitecture(TinyModels.spec()).setData(DataSource.synthetic(4, 20)).setName(name)
                .optOptions(options.optEpochs(1).optBatch(16).optPatience(0).optCheckpointDir(registry.checkpointDir(name)).build())
                .build();
    }

    @Test
    void aLeftoverCheckpointIsResumedDiscardedOrRefusedAtOnce() {
        ModelRegistry registry = ModelRegistry.at(dir);
        // An interrupted run: one epoch checkpointed, nothing stored.
        var data = org.convlab.data.DataSources.open(DataSource.synthetic(4, 20), TinyModels.spec().input()).train().split(0.2, 1);
        Trainer.train(TinyModels.spec(), data.first(), data.second(), TrainingOptions.builder().optEpochs(1).optBatch(16)
                .optCheckpointDir(registry.checkpointDir("run")).build(), TrainingListener.SILENT);
        BadSettingException refused = assertThrows(BadSettingException.class,
                () -> TrainingJob.run(request(registry, "run", TrainingOptions.builder()), registry, TrainingListener.SILENT));
        String line = refused.messageNaming(Setting::flag);
        assertTrue(line.contains("left a checkpoint after epoch 1") && line.contains("add --resume to continue it, or --fresh"), line);
        TrainingJob.Outcome fresh = TrainingJob.run(request(registry, "run", TrainingOptions.builder().optFresh(true)), registry,
                TrainingListener.SILENT);
        assertEquals("run:1", fresh.model().ref());
        assertFalse(Files.exists(registry.checkpointDir("run")));
    }

    @Test
    void aSecondRunOfTheSameNameIsToldAtStartUp() {
        ModelRegistry registry = ModelRegistry.at(dir);
        try (OwnerLock first = registry.lockRun("busy")) {
            BadSettingException e = assertThrows(BadSettingException.class,
                    () -> TrainingJob.run(request(registry, "busy", TrainingOptions.builder()), registry, TrainingListener.SILENT));
            assertTrue(e.messageNaming(Setting::flag).contains("already in progress") && e.messageNaming(Setting::flag)
                    .contains("use another --name"), e.getMessage());
        }
        assertEquals("busy:1", TrainingJob.run(request(registry, "busy", TrainingOptions.builder()), registry,
                TrainingListener.SILENT).model().ref(), "the lock is gone with its holder");
    }

    @Test
    void registryProblemsAreNamedBeforeTraining() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        ModelRegistry onFile = ModelRegistry.at(file);
        BadSettingException root = assertThrows(BadSettingException.class,
                () -> TrainingJob.run(request(onFile, "m", TrainingOptions.builder()), onFile, TrainingListener.SILENT));
        assertTrue(root.messageNaming(Setting::flag).contains("is a file, not a folder; use another --registry"), root.getMessage());

        ModelRegistry registry = ModelRegistry.at(dir.resolve("models"));
        Files.createDirectories(dir.resolve("models"));
        Files.writeString(dir.resolve("models/blocked"), "x");
        ConvLabException name = assertThrows(ConvLabException.class,
                () -> TrainingJob.run(request(registry, "blocked", TrainingOptions.builder()), registry, TrainingListener.SILENT));
        assertTrue(name.getMessage().contains("is a file where the folder of model 'blocked' belongs"), name.getMessage());

        Files.createDirectories(dir.resolve("models/half/3"));
        ConvLabException damaged = assertThrows(ConvLabException.class,
                () -> TrainingJob.run(request(registry, "half", TrainingOptions.builder()), registry, TrainingListener.SILENT));
        assertTrue(damaged.getMessage().contains("half/3 is a damaged version of 'half' (no card.json)"), damaged.getMessage());
    }

    @Test
    void dataThatCannotBeReadLeavesNothingInTheRegistry() {
        ModelRegistry registry = ModelRegistry.at(dir.resolve("models"));
        TrainingRequest missing = TrainingRequest.builder().setArchitecture(TinyModels.spec())
                .setData(DataSource.folder(dir.resolve("no-such-folder"))).setName("unread")
                .optOptions(TrainingOptions.builder().optEpochs(1).optCheckpointDir(registry.checkpointDir("unread")).build())
                .build();
        assertThrows(ConvLabException.class, () -> TrainingJob.run(missing, registry, TrainingListener.SILENT));
        assertFalse(Files.exists(dir.resolve("models/unread")), "no folder (nor run lock) for a model that never trained");
    }
}
