package org.convlab.train;

import org.convlab.arch.GraphBuilder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class CheckpointsTest {
    @TempDir
    Path dir;

    private static Checkpoints.State state(int epoch, int bestEpoch) {
        return new Checkpoints.State("f", epoch, bestEpoch, 0.5, epoch - bestEpoch, List.of(), epoch);
    }

    @Test
    void theBestNetworkIsTheEpochThatWasBestAndTheLatestKeepsItsOptimizerState() throws Exception {
        Checkpoints checkpoints = new Checkpoints(dir);
        ComputationGraph epoch1 = GraphBuilder.of(TinyModels.spec()).optSeed(1).build();
        ComputationGraph epoch2 = GraphBuilder.of(TinyModels.spec()).optSeed(2).build();
        epoch2.getUpdater().getStateViewArray().assign(0.25);
        INDArray bestParams = epoch1.params().dup();

        checkpoints.save(state(1, 1), epoch1, true);
        byte[] epoch1Model = Files.readAllBytes(dir.resolve("epoch-0001/model.zip"));
        checkpoints.save(state(2, 1), epoch2, false);
        checkpoints.save(state(3, 1), epoch2, false);

        assertEquals(List.of(dir.resolve("epoch-0003")), Files.list(dir).toList());
        // Epoch 1's network reaches epoch 3's checkpoint through two hand-overs, byte for byte.
        assertArrayEquals(epoch1Model, Files.readAllBytes(dir.resolve("epoch-0003/best.zip")));
        Checkpoints.Loaded loaded = checkpoints.load();
        assertEquals(3, loaded.state().epoch());
        assertEquals(bestParams, loaded.best().params());
        assertEquals(epoch2.params(), loaded.latest().params());
        assertNotEquals(epoch1.params(), loaded.latest().params());
        assertNotNull(loaded.latest().getUpdater().getStateViewArray());
        assertEquals(0.25, loaded.latest().getUpdater().getStateViewArray().meanNumber().doubleValue(), 1e-9);

        checkpoints.save(state(4, 4), epoch2, true);
        assertEquals(epoch2.params(), checkpoints.load().best().params());
    }
}
