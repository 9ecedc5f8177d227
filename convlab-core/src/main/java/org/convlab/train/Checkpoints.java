package org.convlab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.io.FileTrees;
import org.convlab.io.JsonFiles;
import org.convlab.io.StagingFolder;
import org.convlab.runtime.Networks;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.convlab.runtime.ModelZip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One checkpoint per finished epoch, each a folder {@code epoch-NNNN/} holding the network with
 * its optimizer state ({@code model.zip}), the best network so far ({@code best.zip}, read without
 * its optimizer state) and the run state ({@code state.json}). A folder is written under a
 * temporary name and renamed into place, so a kill at any moment leaves the previous epoch's
 * checkpoint whole; older ones are then removed.
 */
final class Checkpoints {
    private static final ObjectMapper JSON = JsonFiles.mapper();

    /** What a resumed run needs besides the networks. {@code fingerprint} ties it to its settings. */
    record State(String fingerprint, int epoch, int bestEpoch, double bestLoss, int epochsWithoutImprovement,
                 List<String> history, double seconds) {
    }

    /** A loaded checkpoint. */
    record Loaded(State state, ComputationGraph latest, ComputationGraph best) {
    }

    private final Path dir;

    Checkpoints(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes epoch {@code state.epoch()}'s checkpoint. {@code latestIsBest}: this epoch's network is
     * the best so far, so {@code best.zip} is a second name for {@code model.zip} (a hard link where
     * the file system allows, else a copy) instead of a second serialization of the same weights; a
     * network read with its updater state ignored is the same network.
     */
    void save(State state, ComputationGraph latest, boolean latestIsBest) {
        try (StagingFolder staging = StagingFolder.in(dir)) {
            Path tmp = staging.path();
            Path model = tmp.resolve("model.zip");
            ModelZip.write(latest, model, true);
            Path previous = latestIsBest ? null : newest();
            linkOrCopy(previous == null ? model : previous.resolve("best.zip"), tmp.resolve("best.zip"));
            JSON.writeValue(tmp.resolve("state.json").toFile(), state);
            Path target = dir.resolve(String.format("epoch-%04d", state.epoch()));
            if (!staging.commitAs(target)) {
                throw new IOException(target + " already exists");
            }
            try (Stream<Path> old = Files.list(dir)) {
                old.filter(p -> p.getFileName().toString().startsWith("epoch-") && !p.equals(target)).forEach(FileTrees::delete);
            }
        } catch (IOException e) {
            throw new ConvLabException("cannot write a checkpoint in " + dir + ": " + e.getMessage());
        }
    }

    private static void linkOrCopy(Path existing, Path link) throws IOException {
        try {
            Files.createLink(link, existing);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(existing, link);
        }
    }

    /** The last epoch a complete checkpoint in {@code dir} holds, 0 when there is none. */
    static int lastEpoch(Path dir) {
        Path newest = new Checkpoints(dir).newest();
        return newest == null ? 0 : Integer.parseInt(newest.getFileName().toString().substring("epoch-".length()));
    }

    /** The newest complete checkpoint, or null. */
    Loaded load() {
        Path newest = newest();
        if (newest == null) {
            return null;
        }
        Loaded loaded;
        try {
            State state = JSON.readValue(newest.resolve("state.json").toFile(), State.class);
            loaded = new Loaded(state, Networks.restore(newest.resolve("model.zip"), true),
                    Networks.restore(newest.resolve("best.zip"), false));
        } catch (IOException | RuntimeException e) {
            throw new BadSettingException(Setting.FRESH, "checkpoint " + BadSettingException.literal(newest) + " cannot be read ("
                    + BadSettingException.literal(e.getMessage()) + "); start over with %s");
        }
        return loaded;
    }

    private Path newest() {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().matches("epoch-\\d{4}")
                            && Files.isRegularFile(p.resolve("state.json")))
                    .max(Comparator.comparing(Path::toString)).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }
}
