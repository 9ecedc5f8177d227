package org.convlab.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.convlab.ConvLabException;
import org.convlab.io.JsonFiles;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a Keras {@code .h5} file holds, read before DL4J sees it: its Keras version and backend,
 * whether it is a {@code Sequential} or a functional {@code Model}, its layers and its input shape.
 * Anything that is not a whole Keras 2 model in HDF5 is refused here in one line that says what
 * to do: another format (a TensorFlow SavedModel folder, a Keras 3 {@code .keras} archive), a
 * weights-only file, a file that is not HDF5 at all.
 */
record KerasFile(Path path, String kerasVersion, String backend, String modelClass, JsonNode modelConfig, List<Layer> layers,
                 int[] inputShape) {

    /** One layer as the file names it: its name and Keras class, in order. */
    record Layer(String name, String kerasClass) {
    }

    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = JsonFiles.mapper();
    private static final String SAVE_AS_H5 = "in Python, load it with Keras and save it as .h5:"
            + " model.save('model.h5') (Keras 2), or model.save('model.h5', save_format='h5')";

    static KerasFile read(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve("saved_model.pb"))) {
                throw new ConvLabException(path + " is a TensorFlow SavedModel folder, not a Keras .h5 file; " + SAVE_AS_H5);
            }
            throw new ConvLabException(path + " is a folder; give the Keras .h5 file");
        }
        if (!Files.isRegularFile(path)) {
            throw new ConvLabException(path + " does not exist or is not a file");
        }
        byte[] head = head(path);
        if (head.length >= 2 && head[0] == 'P' && head[1] == 'K') {
            throw new ConvLabException(path + " is a zip archive (a Keras 3 .keras file?), not a Keras 2 .h5 file; " + SAVE_AS_H5);
        }
        long superblock = hdf5Superblock(path, head);
        if (superblock < 0) {
            throw new ConvLabException(path + " is not an HDF5 file (no HDF5 signature); give a model saved by Keras 2 as .h5");
        }
        // Checked here, in Java: the HDF5 library would print its own stack of diagnostics on a cut file first.
        long declared = hdf5DeclaredSize(path, superblock);
        long size = size(path);
        if (declared > size) {
            throw new ConvLabException(path + " is cut short: its HDF5 header says " + declared + " bytes, the file has " + size
                    + "; copy or download it again");
        }
        try (Hdf5Archive archive = new Hdf5Archive(path.toString())) {
            if (!archive.hasAttribute("model_config")) {
                throw new ConvLabException(path + " holds weights only (saved with save_weights: no model_config); save the whole"
                        + " model in Python with model.save('model.h5') and import that");
            }
            JsonNode config = JSON.readTree(unpadded(archive.readAttributeAsJson("model_config")));
            String version = archive.hasAttribute("keras_version") ? unpadded(archive.readAttributeAsString("keras_version")) : "unknown";
            String backend = archive.hasAttribute("backend") ? unpadded(archive.readAttributeAsString("backend")) : "unknown";
            if (version.startsWith("3")) {
                throw new ConvLabException(path + " was written by Keras " + version + "; DL4J reads Keras 1 and 2 files: " + SAVE_AS_H5
                        + " with Keras 2, or tf.keras 2.x");
            }
            String modelClass = config.path("class_name").asText("");
            JsonNode layerConfigs = config.path("config").isArray() ? config.path("config") : config.path("config").path("layers");
            List<Layer> layers = new ArrayList<>();
            for (JsonNode l : layerConfigs) {
                layers.add(new Layer(l.path("config").path("name").asText(l.path("name").asText("?")), l.path("class_name").asText("?")));
            }
            return new KerasFile(path, version, backend, modelClass, config, List.copyOf(layers), inputShape(layerConfigs));
        } catch (IOException e) {
            throw new ConvLabException(path + ": its model_config is not JSON (" + e.getMessage() + "); the file is damaged");
        } catch (org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException | RuntimeException e) {
            if (e instanceof ConvLabException c) {
                throw c;
            }
            throw new ConvLabException(path + " cannot be read as a Keras file (" + e.getMessage() + ")");
        }
    }

    /** HDF5 hands fixed-length strings back padded with NULs. */
    private static String unpadded(String text) {
        int end = text.indexOf('\0');
        return (end < 0 ? text : text.substring(0, end)).trim();
    }

    /** {@code Sequential}: its layers follow one another. */
    boolean sequential() {
        return modelClass.equals("Sequential");
    }

    /**
     * The model as a functional {@code Model} configuration, which DL4J imports into a
     * {@code ComputationGraph} keeping every Keras layer name (a Sequential is rewritten: an input
     * layer, then each layer reading the one before).
     */
    String functionalJson(int[] input) {
        if (!sequential()) {
            return modelConfig.toString();
        }
        ArrayNode layers = JSON.createArrayNode();
        ObjectNode in = layers.addObject();
        in.put("name", "input_1").put("class_name", "InputLayer");
        ObjectNode inConfig = in.putObject("config");
        ArrayNode shape = inConfig.putArray("batch_input_shape");
        shape.addNull();
        Arrays.stream(input).forEach(shape::add);
        inConfig.put("dtype", "float32").put("sparse", false).put("name", "input_1");
        in.putArray("inbound_nodes");
        String previous = "input_1";
        JsonNode sequence = modelConfig.path("config").isArray() ? modelConfig.path("config") : modelConfig.path("config").path("layers");
        for (JsonNode l : sequence) {
            ObjectNode layer = layers.addObject();
            ObjectNode config = ((ObjectNode) l.path("config")).deepCopy();
            config.remove("batch_input_shape");
            String name = config.path("name").asText();
            layer.put("name", name).put("class_name", l.path("class_name").asText()).set("config", config);
            layer.putArray("inbound_nodes").addArray().addArray().add(previous).add(0).add(0).addObject();
            previous = name;
        }
        ObjectNode model = JSON.createObjectNode();
        model.put("class_name", "Model");
        ObjectNode config = model.putObject("config");
        config.put("name", modelConfig.path("config").path("name").asText("sequential_1"));
        config.set("layers", layers);
        config.putArray("input_layers").addArray().add("input_1").add(0).add(0);
        config.putArray("output_layers").addArray().add(previous).add(0).add(0);
        model.put("keras_version", kerasVersion).put("backend", backend);
        return model.toString();
    }

    /** [height, width, channels] from the first layer that declares it; null entries (left open) are 0. */
    private static int[] inputShape(JsonNode layers) {
        for (JsonNode l : layers) {
            JsonNode shape = l.path("config").path("batch_input_shape");
            if (shape.isArray() && shape.size() == 4) {
                return new int[] {shape.get(1).asInt(0), shape.get(2).asInt(0), shape.get(3).asInt(0)};
            }
        }
        return null;
    }

    private static byte[] head(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return in.readNBytes(8);
        } catch (IOException e) {
            throw new ConvLabException("cannot read " + path + ": " + e.getMessage());
        }
    }

    /** Where HDF5's superblock (its signature) sits: byte 0, or 512, 1024, 2048... when a user block comes first; -1: none. */
    private static long hdf5Superblock(Path path, byte[] head) {
        if (Arrays.equals(head, HDF5_SIGNATURE)) {
            return 0;
        }
        try (var channel = Files.newByteChannel(path)) {
            for (long at = 512; at < Math.min(channel.size(), 1 << 20); at *= 2) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(8);
                channel.position(at).read(buffer);
                if (Arrays.equals(buffer.array(), HDF5_SIGNATURE)) {
                    return at;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /**
     * The file size the superblock declares: its base address plus its end-of-file address (HDF5 file format
     * specification, superblock versions 0 and 1: after 16 bytes of versions and sizes and 8 (v1: 12) of tree
     * parameters; versions 2 and 3: after 4 bytes of versions, sizes and flags). 0 where it cannot be read.
     */
    private static long hdf5DeclaredSize(Path path, long superblock) {
        try (var channel = Files.newByteChannel(path)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            channel.position(superblock).read(b);
            int version = b.get(8) & 0xFF;
            int offsets = (version <= 1 ? b.get(13) : b.get(9)) & 0xFF;
            int addresses = version == 0 ? 24 : version == 1 ? 28 : 12;
            if (offsets != 4 && offsets != 8 || addresses + 3 * offsets > b.position()) {
                return 0;
            }
            long base = offsets == 8 ? b.getLong(addresses) : b.getInt(addresses) & 0xFFFFFFFFL;
            long end = offsets == 8 ? b.getLong(addresses + 2 * offsets) : b.getInt(addresses + 2 * offsets) & 0xFFFFFFFFL;
            return end < 0 || base < 0 ? 0 : base + end;
        } catch (IOException e) {
            return 0;
        }
    }

    private static long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
