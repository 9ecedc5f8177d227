package org.convlab.arch;

import org.convlab.ops.Padding;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSummaryTest {

    private static ModelSummary summaryOf(ArchitectureSpec spec) {
        return ModelSummary.of(GraphBuilder.of(spec).build(), spec.input());
    }

    private static String collapse(String text) {
        return text.trim().replaceAll("\\s+", " ");
    }

    @Test
    void fruitsCnnSummaryIsTheSeedTable() throws IOException {
        String seed;
        try (InputStream in = getClass().getResourceAsStream("seed-summary.txt")) {
            seed = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#")).reduce("", String::concat);
        }
        String ours = summaryOf(Architectures.get("fruits-cnn")).toKerasText();
        assertEquals(collapse(seed), collapse(ours));
    }

    @Test
    void rowsAreLaidOutInKerasColumns() {
        List<String> lines = summaryOf(Architectures.get("fruits-cnn")).toKerasText().lines().toList();
        // Worked out from Keras 2's print_row with line_length 65 and positions [.45, .85, 1.]:
        // fields end at columns 29, 55 and 65, the character before each next field forced to ' '.
        assertEquals("_".repeat(65), lines.get(0));
        assertEquals("Layer (type)                 Output Shape              Param #   ", lines.get(1));
        assertEquals("=".repeat(65), lines.get(2));
        assertEquals("input_1 (InputLayer)         (None, 100, 100, 3)       0         ", lines.get(3));
        assertTrue(lines.contains("max_pooling2d_1 (MaxPooling2 (None, 50, 50, 32)        0         "));
        assertTrue(lines.contains("dense_1 (Dense)              (None, 1024)              9438208   "));
        assertEquals("Total params: 10,865,724", lines.get(lines.size() - 4));
        assertEquals("Non-trainable params: 0", lines.get(lines.size() - 2));
    }

    @Test
    void everyRowMatchesTheSeedShapesAndCounts() {
        ModelSummary s = summaryOf(Architectures.get("fruits-cnn"));
        // (name, shape, params) from the seed's table.
        Object[][] seed = {
            {"input_1", "(None, 100, 100, 3)", 0}, {"conv2d_1", "(None, 100, 100, 32)", 896},
            {"conv2d_2", "(None, 100, 100, 32)", 9248}, {"conv2d_3", "(None, 100, 100, 32)", 9248},
            {"max_pooling2d_1", "(None, 50, 50, 32)", 0}, {"conv2d_4", "(None, 50, 50, 64)", 18496},
            {"conv2d_5", "(None, 50, 50, 64)", 36928}, {"conv2d_6", "(None, 50, 50, 64)", 36928},
            {"max_pooling2d_2", "(None, 25, 25, 64)", 0}, {"conv2d_7", "(None, 25, 25, 128)", 73856},
            {"conv2d_8", "(None, 25, 25, 128)", 147584}, {"conv2d_9", "(None, 25, 25, 128)", 147584},
            {"max_pooling2d_3", "(None, 12, 12, 128)", 0}, {"conv2d_10", "(None, 12, 12, 256)", 295168},
            {"conv2d_11", "(None, 12, 12, 256)", 590080}, {"max_pooling2d_4", "(None, 6, 6, 256)", 0},
            {"flatten_1", "(None, 9216)", 0}, {"dense_1", "(None, 1024)", 9438208}, {"dense_2", "(None, 60)", 61500},
        };
        assertEquals(seed.length, s.rows().size());
        for (int i = 0; i < seed.length; i++) {
            ModelSummary.Row row = s.rows().get(i);
            assertEquals(seed[i][0], row.name());
            assertEquals(seed[i][1], row.kerasShape(), row.name());
            assertEquals(((Integer) seed[i][2]).longValue(), row.params(), row.name());
        }
        assertEquals(10_865_724L, s.totalParams());
        assertEquals(10_865_724L, s.trainableParams());
    }

    @Test
    void inputOverrideShrinksTo28_14_7_3_1() {
        ArchitectureSpec spec = Architectures.get("fruits-cnn").withInput(InputShape.parse("28x28x1")).withClasses(10);
        ModelSummary s = summaryOf(spec);
        List<String> pools = s.rows().stream().filter(r -> r.type().equals("MaxPooling2D"))
                .map(ModelSummary.Row::kerasShape).toList();
        assertEquals(List.of("(None, 14, 14, 32)", "(None, 7, 7, 64)", "(None, 3, 3, 128)", "(None, 1, 1, 256)"), pools);
        ModelSummary.Row first = s.rows().get(1);
        assertEquals("(None, 28, 28, 32)", first.kerasShape());
        assertEquals(3 * 3 * 1 * 32 + 32, first.params());
        ModelSummary.Row dense1 = s.rows().get(s.rows().size() - 2);
        assertEquals(256L * 1024 + 1024, dense1.params());
        assertEquals("(None, 10)", s.rows().get(s.rows().size() - 1).kerasShape());
        assertEquals(1024L * 10 + 10, s.rows().get(s.rows().size() - 1).params());
    }

    @Test
    void sumPoolingIsOneRowWithItsShape() {
        ArchitectureSpec spec = new ArchitectureSpec("sum", null, new InputShape(9, 9, 2), List.of(
                new PoolSpec("sum_pool", null, Size2.square(3), null, Padding.VALID),
                new FlattenSpec(null), DenseSpec.of(2, "softmax")));
        ModelSummary s = summaryOf(spec);
        assertEquals(4, s.rows().size());
        assertEquals("sum_pooling2d_1", s.rows().get(1).name());
        assertEquals("SumPooling2D", s.rows().get(1).type());
        assertEquals("(None, 3, 3, 2)", s.rows().get(1).kerasShape());
        assertEquals(18L * 2 + 2, s.totalParams());
    }

    @Test
    void batchNormStatisticsAreNonTrainable() {
        ArchitectureSpec spec = new ArchitectureSpec("bn", null, new InputShape(8, 8, 3), List.of(
                Conv2DSpec.of(16, 3, Padding.SAME, "relu"),
                new BatchNormSpec(null, null, null),
                new FlattenSpec(null),
                new DropoutSpec(null, 0.5),
                DenseSpec.of(4, "softmax")));
        ModelSummary s = summaryOf(spec);
        ModelSummary.Row bn = s.rows().get(2);
        assertEquals("batch_normalization_1", bn.name());
        assertEquals("BatchNormalization", bn.type());
        // Keras: gamma, beta (trainable) and moving mean, moving variance (not): 4 x 16.
        assertEquals(64, bn.params());
        assertEquals(32, s.nonTrainableParams());
        assertEquals("Dropout", s.rows().get(4).type());
        assertEquals(s.totalParams() - 32, s.trainableParams());
    }

    @Test
    void theBatchNormVariantIsTheSeedModelPlusFourValuesPerConvChannel() {
        ArchitectureSpec seed = Architectures.get("fruits-cnn");
        ModelSummary plain = summaryOf(seed);
        ModelSummary bn = summaryOf(Architectures.get("fruits-cnn-bn"));
        // 3x32 + 3x64 + 3x128 + 2x256 = 1,184 conv channels, each with gamma, beta, mean and variance.
        int channels = 3 * 32 + 3 * 64 + 3 * 128 + 2 * 256;
        assertEquals(10_865_724L + 4L * channels, bn.totalParams());
        assertEquals(2L * channels, bn.nonTrainableParams());
        assertEquals(plain.rows().size() + 11 + 1, bn.rows().size());
        assertEquals(seed.input(), Architectures.get("fruits-cnn-bn").input());
    }

    /**
     * The opening of Keras' ResNet50 (no padding layers), small: its published summary lists the
     * first block's two 1x1 convolutions before their batch norms (res2a_branch2c, res2a_branch1,
     * bn2a_branch2c, bn2a_branch1), as Keras orders a graph by depth, and prints each add's second
     * input on a line of its own.
     */
    @Test
    void aResidualGraphGetsKerasFunctionalTable() {
        StringBuilder layers = new StringBuilder("""
                {"type": "conv2d", "name": "conv1", "filters": 8, "kernel": 3, "padding": "same"},
                {"type": "batch_norm", "name": "bn_conv1"}, {"type": "activation", "name": "activation_1", "activation": "relu"},
                {"type": "max_pool", "name": "max_pooling2d_1"},
                """);
        String[][] blocks = {{"2a", "max_pooling2d_1", "2", "1"}, {"2b", "activation_4", "5", "2"}};
        for (String[] b : blocks) {
            String n = b[0];
            int act = Integer.parseInt(b[2]);
            layers.append(String.format("""
                    {"type": "conv2d", "name": "res%1$s_branch2a", "filters": 4, "kernel": 1, "inputs": ["%2$s"]},
                    {"type": "batch_norm", "name": "bn%1$s_branch2a"}, {"type": "activation", "name": "activation_%3$d", "activation": "relu"},
                    {"type": "conv2d", "name": "res%1$s_branch2b", "filters": 4, "kernel": 3, "padding": "same"},
                    {"type": "batch_norm", "name": "bn%1$s_branch2b"}, {"type": "activation", "name": "activation_%4$d", "activation": "relu"},
                    {"type": "conv2d", "name": "res%1$s_branch2c", "filters": 16, "kernel": 1}, {"type": "batch_norm", "name": "bn%1$s_branch2c"},
                    """, n, b[1], act, act + 1));
            String shortcut = b[1];
            if (n.equals("2a")) {
                layers.append("""
                        {"type": "conv2d", "name": "res2a_branch1", "filters": 16, "kernel": 1, "inputs": ["max_pooling2d_1"]},
                        {"type": "batch_norm", "name": "bn2a_branch1"},
                        """);
                shortcut = "bn2a_branch1";
            }
            layers.append(String.format("""
                    {"type": "add", "name": "add_%1$s", "inputs": ["bn%2$s_branch2c", "%3$s"]},
                    {"type": "activation", "name": "activation_%4$d", "activation": "relu"},
                    """, b[3], n, shortcut, act + 2));
        }
        layers.append("""
                {"type": "global_avg_pool", "name": "avg_pool"}, {"type": "dense", "name": "fc1000", "units": 4, "activation": "softmax"}""");
        ArchitectureSpec spec = SpecJson.read("{\"name\": \"resnet\", \"input\": {\"height\": 32, \"width\": 32, \"channels\": 3},"
                + " \"layers\": [" + layers + "]}", "resnet.json");
        ModelSummary s = summaryOf(spec);
        assertEquals(List.of("input_1", "conv1", "bn_conv1", "activation_1", "max_pooling2d_1",
                "res2a_branch2a", "bn2a_branch2a", "activation_2", "res2a_branch2b", "bn2a_branch2b", "activation_3",
                "res2a_branch2c", "res2a_branch1", "bn2a_branch2c", "bn2a_branch1", "add_1", "activation_4",
                "res2b_branch2a", "bn2b_branch2a", "activation_5", "res2b_branch2b", "bn2b_branch2b", "activation_6",
                "res2b_branch2c", "bn2b_branch2c", "add_2", "activation_7", "avg_pool", "fc1000"),
                s.rows().stream().map(ModelSummary.Row::name).toList());

        List<String> lines = s.toKerasText().lines().toList();
        // Keras 2's print_row with line_length 98 and positions [.33, .55, .67, 1.]: fields end at 32, 53, 65 and 98.
        assertEquals("_".repeat(98), lines.get(0));
        assertEquals("Layer (type)" + " ".repeat(20) + "Output Shape" + " ".repeat(9) + "Param #" + " ".repeat(5) + "Connected to"
                + " ".repeat(21), lines.get(1));
        assertEquals("=".repeat(98), lines.get(2));
        assertEquals("input_1 (InputLayer)" + " ".repeat(12) + "(None, 32, 32, 3)" + " ".repeat(4) + "0" + " ".repeat(11 + 33),
                lines.get(3));
        int add = lines.indexOf(lines.stream().filter(l -> l.startsWith("add_1 (Add)")).findFirst().orElseThrow());
        assertEquals("add_1 (Add)" + " ".repeat(21) + "(None, 16, 16, 16)" + " ".repeat(3) + "0" + " ".repeat(11)
                + "bn2a_branch2c[0][0]" + " ".repeat(14), lines.get(add));
        assertEquals(" ".repeat(65) + "bn2a_branch1[0][0]" + " ".repeat(15), lines.get(add + 1));
        assertEquals("_".repeat(98), lines.get(add + 2));
        assertTrue(lines.contains("bn2a_branch2c (BatchNormalizati (None, 16, 16, 16)   64          res2a_branch2c[0][0]"
                + " ".repeat(13)), "a long type is cut where its column ends");
        assertEquals("Total params: " + String.format("%,d", s.totalParams()), lines.get(lines.size() - 4));
        assertEquals("_".repeat(98), lines.get(lines.size() - 1));
    }
}
