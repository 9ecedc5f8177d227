package org.convlab.runtime;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a graph in the file format of DL4J's {@link ModelSerializer} (the same zip entries with the
 * same bytes: {@code configuration.json}, {@code coefficients.bin}, {@code updaterState.bin}), which
 * {@link Networks#restore} and any DL4J reader load as they are, only faster.
 *
 * <p>DL4J writes each float through a {@link DataOutputStream} one call at a time, and deflates at
 * the default level: for the main job's model with its Adam state (4.9 million floats) about 0.3 s
 * warm and seconds cold, every epoch's checkpoint and the stored model. Here the floats go out in
 * bulk, big-endian as {@link DataOutputStream} writes them, and the arrays go into the zip
 * uncompressed (deflate level 0): weights and optimizer state shrank only 7-8% at the fastest level,
 * and deflating the main job's 20 MB took 0.5 s of every checkpoint and of the stored model.
 *
 * <pre>{@code
 * ModelZip.write(graph, Path.of("model.zip"), true);        // with the optimizer state
 * ComputationGraph back = Networks.restore(Path.of("model.zip"), true);
 * }</pre>
 */
public final class ModelZip {
    private ModelZip() {
    }

    /** Writes {@code graph} (its optimizer state too when {@code withUpdater}) to {@code file}, replacing it. */
    public static void write(ComputationGraph graph, Path file, boolean withUpdater) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
             ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED);
            zip.putNextEntry(new ZipEntry("configuration.json"));
            // DL4J encodes the JSON in the platform's charset; so must a byte-identical copy.
            zip.write(graph.getConfiguration().toJson().getBytes(Charset.defaultCharset()));
            zip.setLevel(Deflater.NO_COMPRESSION);
            INDArray params = graph.params();
            if (params != null) {
                zip.putNextEntry(new ZipEntry("coefficients.bin"));
                writeArray(params, zip);
            } else {
                zip.putNextEntry(new ZipEntry("noParams.marker"));
            }
            if (withUpdater && graph.getUpdater() != null) {
                INDArray state = graph.getUpdater().getStateViewArray();
                if (state != null && state.length() > 0) {
                    zip.putNextEntry(new ZipEntry("updaterState.bin"));
                    writeArray(state, zip);
                }
            }
            zip.closeEntry();
        }
    }

    /** {@link Nd4j#write(INDArray, DataOutputStream)}'s bytes: the shape buffer, then the data buffer's header and values. */
    static void writeArray(INDArray array, OutputStream out) throws IOException {
        INDArray dense = array.isView() ? array.dup() : array;
        DataOutputStream data = new DataOutputStream(out);
        DataBuffer values = dense.data();
        if (values == null || values.dataType() != DataType.FLOAT) {
            Nd4j.write(dense, data);
            data.flush();
            return;
        }
        dense.shapeInfoDataBuffer().write(data);
        data.writeUTF(values.allocationMode().name());
        data.writeLong(values.length());
        data.writeUTF(values.dataType().name());
        data.flush();
        float[] floats = values.asFloat();
        ByteBuffer bytes = ByteBuffer.allocate(1 << 16).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < floats.length; ) {
            int n = Math.min(floats.length - i, bytes.capacity() / Float.BYTES);
            bytes.clear();
            bytes.asFloatBuffer().put(floats, i, n);
            out.write(bytes.array(), 0, n * Float.BYTES);
            i += n;
        }
    }
}
