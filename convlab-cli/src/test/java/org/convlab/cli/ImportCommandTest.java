package org.convlab.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportCommandTest {
    /** The Keras fixtures live with the import code in convlab-interop (tests run in the module folder). */
    static final String FIXTURES = "../convlab-interop/src/test/resources/org/convlab/interop/";

    @TempDir
    Path registry;

    @Test
    void anImportedSequentialModelPrintsTheTableKerasPrintsForIt() {
        ConvLabTest.Result imported = ConvLabTest.run("import", "keras", FIXTURES + "keras-sequential.h5", "--name", "seq",
                "--labels", "a,b,c,d,e", "--registry", registry.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.out().startsWith("imported keras-sequential.h5 (Keras 2.2.4, Sequential) as seq:1"), imported.out());
        ConvLabTest.Result r = ConvLabTest.run("summary", "--model", "seq", "--registry", registry.toString());
        assertEquals(0, r.code(), r.err());
        // Keras 2's model.summary() for this Sequential, worked out by hand: no input row; conv 3*3*3*6+6, 2*2*6*4+4;
        // batch norm 4 x 4 of which the moving mean and variance (8) are not trainable; dense 16*5+5.
        String keras = String.join("\n",
                "_________________________________________________________________",
                "Layer (type)                 Output Shape              Param #   ",
                "=================================================================",
                "conv2d_1 (Conv2D)            (None, 5, 6, 6)           168       ",
                "_________________________________________________________________",
                "conv2d_2 (Conv2D)            (None, 4, 5, 4)           100       ",
                "_________________________________________________________________",
                "max_pooling2d_1 (MaxPooling2 (None, 2, 2, 4)           0         ",
                "_________________________________________________________________",
                "batch_normalization_1 (Batch (None, 2, 2, 4)           16        ",
                "_________________________________________________________________",
                "flatten_1 (Flatten)          (None, 16)                0         ",
                "_________________________________________________________________",
                "dropout_1 (Dropout)          (None, 16)                0         ",
                "_________________________________________________________________",
                "dense_1 (Dense)              (None, 5)                 85        ",
                "=================================================================",
                "Total params: 369",
                "Trainable params: 361",
                "Non-trainable params: 8",
                "_________________________________________________________________", "");
        assertEquals(keras, r.out());
    }

    @Test
    void badFilesAndLabelsAreOneLineAndNothingIsStored() throws IOException {
        Path labels = Files.writeString(registry.resolve("labels.txt"), "x\ny\nz\n");
        String[][] cases = {
            {"import", "keras", "../README.md", "--name", "m", "--labels", "a", "--registry", registry.toString()},
            {"import", "keras", FIXTURES + "keras-weights-only.h5", "--name", "m", "--labels", "a", "--registry", registry.toString()},
            {"import", "keras", FIXTURES + "keras-sequential.h5", "--name", "m", "--labels-file", labels.toString(),
                "--registry", registry.toString()},
            {"import", "keras", FIXTURES + "keras-sequential.h5", "--name", "m", "--labels", "a,b,c,d,e", "--pixels", "half",
                "--registry", registry.toString()},
            {"import", "keras", FIXTURES + "keras-sequential.h5", "--name", "m", "--labels", "a,a,c,d,e", "--registry", registry.toString()},
        };
        String[] expected = {"is not an HDF5 file", "holds weights only", "has 5 outputs but 3 labels", "--pixels 'half' is not known",
            "must be distinct"};
        for (int i = 0; i < cases.length; i++) {
            ConvLabTest.Result r = ConvLabTest.run(cases[i]);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(expected[i]) && r.err().strip().lines().count() == 1, r.err());
        }
        assertTrue(!Files.exists(registry.resolve("m")) || Files.list(registry.resolve("m")).noneMatch(p -> p.getFileName().toString()
                .matches("[0-9]+")), "nothing stored");
    }
}
