package org.convlab.job;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.InputShape;
import org.convlab.arch.SpecJson;
import org.convlab.data.DataSource;
import org.convlab.train.TinyModels;
import org.convlab.train.TrainingOptions;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --from}: frozen layers keep every bit, the head fits the new classes, the card names the base. */
@Tag("slow")
class FineTuningTest {
    @TempDir
    static Path root;
    static ModelRegistry registry;
    static StoredModel base;
    static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();

    /** Batch norm inside the frozen part, a second convolution and a hidden dense layer after it. */
    static ArchitectureSpec spec() {
        return SpecJson.read("""
                {"name": "tiny-tune", "input": {"height": 16, "width": 16, "channels": 3}, "layers": [
                  {"type": "conv2d", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"},
                  {"type": "batch_norm"},
                  {"type": "max_pool"},
                  {"type": "conv2d", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"},
                  {"type": "max_pool"},
                  {"type": "flatten"},
                  {"type": "dense", "units": 16, "activation": "relu"},
                  {"type": "dense", "units": 4, "activation": "softmax"}]}
                """, "tiny-tune");
    }

    static TrainingOptions options(int epochs) {
        return TrainingOptions.builder().optEpochs(epochs).optBatch(16).optLearningRate(3e-3).optSeed(3).optPatience(0).build();
    }

    @BeforeAll
    static void trainBase() {
        registry = ModelRegistry.at(root.resolve("models"));
        base = TrainingJob.run(TrainingRequest.builder().setArchitecture(spec()).setData(DataSource.synthetic(4, 60))
                .setName("base").optOptions(options(2)).build(), registry, TinyModels.listener(LOG)).model();
    }

    private static String layer(int index) {
        return base.card().architecture().layers().get(index).name();
    }

    private static float[] weights(ComputationGraph graph, String layer) {
        return graph.getLayer(layer).params().dup().data().asFloat();
    }

    @Test
    void frozenLayersKeepEveryBitAndTheHeadFitsTheNewClasses() {
        String through = layer(2); // conv, batch norm, max pool
        FineTuning start = FineTuning.of(base, through);
        StoredModel tuned = TrainingJob.run(TrainingRequest.builder().setFineTuning(start)
                .setData(DataSource.parse("synthetic:4:60:classes=1-3")).setName("tuned").optOptions(options(2)).build(),
                registry, TinyModels.listener(LOG)).model();

        for (String frozen : List.of(layer(0), layer(1))) { // batch norm's mean and variance are among its parameters
            assertArrayEquals(weights(base.graph(), frozen), weights(tuned.graph(), frozen), frozen + " changed");
        }
        for (String trained : List.of(layer(3), layer(6))) {
            assertFalse(Arrays.equals(weights(base.graph(), trained), weights(tuned.graph(), trained)), trained + " did not train");
        }
        String head = layer(7);
        assertEquals(3, tuned.graph().getLayer(head).getParam("W").size(1), "the head has one output per new class");
        assertEquals(base.card().labels().subList(1, 4), tuned.card().labels());
        for (org.deeplearning4j.nn.api.Layer l : tuned.graph().getLayers()) {
            assertFalse(l.conf().getLayer() instanceof FrozenLayer, "stored with plain layers: " + l.conf().getLayer().getLayerName());
        }

        ModelCard.Lineage lineage = tuned.card().lineage();
        assertEquals(new ModelCard.Lineage("base", 1, base.card().modelSha256(), through, List.of(layer(0), layer(1), layer(2)),
                "new", head, 3), lineage);
        assertEquals(spec().withClasses(3).layers(), tuned.card().architecture().layers());
        assertEquals(base.card().preprocessing(), tuned.card().preprocessing());
        // The stored card reads back with its lineage.
        assertEquals(lineage, registry.load(ModelRegistry.Ref.parse("tuned")).card().lineage());
    }

    @Test
    void frozenBatchNormRunsInInferenceModeWhileTheRestTrains() {
        ComputationGraph start = FineTuning.of(base, layer(2)).forLabels(base.card().labels().subList(0, 3))
                .create(spec().withClasses(3), options(1), 10);
        org.nd4j.linalg.api.ndarray.INDArray x = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 6, 3, 16, 16);
        // In a training pass a trainable batch norm normalises by the batch's own statistics; a frozen one by its running ones.
        float[] training = start.feedForward(x, true).get(layer(1)).dup().data().asFloat();
        float[] inference = start.feedForward(x, false).get(layer(1)).dup().data().asFloat();
        assertArrayEquals(inference, training, 1e-6f);
        ComputationGraph unfrozen = FineTuning.of(base, FineTuning.NONE).forLabels(base.card().labels())
                .create(spec(), options(1), 10);
        assertFalse(Arrays.equals(unfrozen.feedForward(x, true).get(layer(1)).dup().data().asFloat(),
                unfrozen.feedForward(x, false).get(layer(1)).dup().data().asFloat()), "a batch norm that trains uses the batch's statistics");
    }

    /** A fine-tuning run stopped after its first epoch continues from its checkpoint, still frozen, to the same weights. */
    @Test
    void anInterruptedFineTuningResumesToTheSameModel() {
        java.util.function.BiFunction<String, Boolean, TrainingRequest> request = (name, resume) -> TrainingRequest.builder()
                .setFineTuning(FineTuning.of(base, layer(2))).setData(DataSource.parse("synthetic:4:60:classes=0-2")).setName(name)
                .optOptions(TrainingOptions.builder().optEpochs(2).optBatch(16).optLearningRate(3e-3).optSeed(3).optPatience(0)
                        .optCheckpointDir(registry.checkpointDir(name)).optResume(resume).build()).build();
        StoredModel whole = TrainingJob.run(request.apply("whole", false), registry, TinyModels.listener(LOG)).model();
        org.convlab.train.TrainingListener stopsAtEpoch2 = new org.convlab.train.TrainingListener() {
            @Override
            public void onEpochStart(int epoch, int epochs, long images) {
                if (epoch == 2) {
                    throw new IllegalStateException("stopped");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> TrainingJob.run(request.apply("halves", false), registry, stopsAtEpoch2));
        StoredModel resumed = TrainingJob.run(request.apply("halves", true), registry, TinyModels.listener(LOG)).model();
        for (String l : List.of(layer(0), layer(3), layer(6), layer(7))) {
            assertArrayEquals(weights(whole.graph(), l), weights(resumed.graph(), l), l);
        }
        assertArrayEquals(weights(base.graph(), layer(0)), weights(resumed.graph(), layer(0)), "still frozen");
        assertEquals(whole.card().lineage(), resumed.card().lineage());
    }

    @Test
    void theSameClassesKeepTheHeadAndNoneTrainsEveryLayer() {
        StoredModel tuned = TrainingJob.run(TrainingRequest.builder().setFineTuning(FineTuning.of(base, FineTuning.NONE))
                .setData(DataSource.synthetic(4, 60)).setName("continued").optOptions(options(1)).build(),
                registry, TinyModels.listener(LOG)).model();
        ModelCard.Lineage lineage = tuned.card().lineage();
        assertEquals("kept", lineage.head());
        assertNull(lineage.frozenThrough());
        assertEquals(List.of(), lineage.frozenLayers());
        for (int i : new int[] {0, 3, 6, 7}) {
            assertFalse(Arrays.equals(weights(base.graph(), layer(i)), weights(tuned.graph(), layer(i))), layer(i) + " did not train");
        }
        // Kept, the head continues from the base's weights: one epoch at a small rate leaves it close to them.
        float[] before = weights(base.graph(), layer(7));
        float[] after = weights(tuned.graph(), layer(7));
        double moved = 0;
        double size = 0;
        for (int i = 0; i < before.length; i++) {
            moved += Math.abs(after[i] - before[i]);
            size += Math.abs(before[i]);
        }
        assertTrue(moved < 0.5 * size, "the head moved " + moved + " against a size of " + size);
    }

    @Test
    void whatCannotBeFineTunedIsRefusedBeforeAnyWork() throws IOException {
        String unknown = assertThrows(BadSettingException.class, () -> FineTuning.of(base, "conv9")).getMessage();
        assertTrue(unknown.contains("has no layer of that name") && unknown.contains(layer(3)), unknown);
        String head = assertThrows(BadSettingException.class, () -> FineTuning.of(base, layer(7))).getMessage();
        assertTrue(head.contains("would freeze the head"), head);
        FineTuning start = FineTuning.of(base, layer(2));
        String arch = assertThrows(BadSettingException.class, () -> TrainingRequest.builder().setFineTuning(start)
                .setArchitecture(TinyModels.spec()).setData(DataSource.synthetic(4, 60)).setName("x").build()).getMessage();
        assertTrue(arch.contains("is not the architecture of base:1 (tiny-tune)"), arch);
        String input = assertThrows(BadSettingException.class, () -> TrainingRequest.builder().setFineTuning(start)
                .optInput(new InputShape(32, 32, 3)).setData(DataSource.synthetic(4, 60)).setName("x").build()).getMessage();
        assertTrue(input.contains("takes 16x16x3 images"), input);

        Path idx = grey16x16Idx(root.resolve("idx"));
        String size = assertThrows(ConvLabException.class, () -> TrainingJob.run(TrainingRequest.builder().setFineTuning(start)
                .setData(DataSource.parse(idx.toString())).setName("grey").optOptions(options(1)).build(), registry,
                TinyModels.listener(LOG))).getMessage();
        assertTrue(size.contains("holds 16x16x1 images but base:1 takes 16x16x3"), size);
        assertFalse(Files.exists(root.resolve("models/grey/1")), "nothing stored");
    }

    /** Eight grey 16x16 images of two classes as IDX files. */
    private static Path grey16x16Idx(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("train-images-idx3-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(8);
            out.writeInt(16);
            out.writeInt(16);
            for (int i = 0; i < 8 * 256; i++) {
                out.writeByte(i % 251);
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("train-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(8);
            out.write(new byte[] {0, 1, 0, 1, 0, 1, 0, 1});
        }
        return dir;
    }
}
