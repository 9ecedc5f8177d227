package org.convlab.zoo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.NotFoundException;
import org.convlab.io.FileTrees;
import org.convlab.io.IoErrors;
import org.convlab.io.JsonFiles;
import org.convlab.io.OwnerLock;
import org.convlab.io.Sha256;
import org.convlab.io.StagingFolder;
import org.convlab.runtime.Networks;
import org.convlab.runtime.NativeSetup;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.convlab.runtime.ModelZip;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Versioned stored models: {@code ROOT/<name>/<version>/model.zip} (DL4J's ModelSerializer format, written by {@link org.convlab.runtime.ModelZip}:
 * configuration, weights, updater state) and {@code card.json} ({@link ModelCard}), plus any
 * pictures and logs of the run.
 *
 * <p>Writes are atomic: a version is written into a hidden temporary folder and renamed into
 * place, so a crash or a kill never leaves half a model, and two processes saving the same name at
 * once get two different versions. Loading checks the model file's sha256 against the card.
 *
 * <pre>{@code
 * ModelRegistry registry = ModelRegistry.at(Path.of("models"));
 * StoredModel saved = registry.save("fashion-cnn", graph, card, Map.of("curves.png", curves));
 * StoredModel newest = registry.load("fashion-cnn");     // or "fashion-cnn:3"
 * }</pre>
 */
public final class ModelRegistry {
    public static final String MODEL_FILE = "model.zip";
    public static final String CARD_FILE = "card.json";
    /** The marker left in a removed version's folder, so its number is never given out again. */
    static final String REMOVED = "REMOVED";
    private static final String REMOVING = ".rm-";
    private static final String RUN_LOCK = ".train.lock";
    /** Where the registry is when no {@code --registry} is given. */
    public static final String ENV = "CONVLAB_REGISTRY";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    static final ObjectMapper JSON = JsonFiles.mapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path root;

    private ModelRegistry(Path root) {
        this.root = root;
    }

    public static ModelRegistry at(Path root) {
        return new ModelRegistry(root);
    }

    /** {@code --registry} if given, else {@code CONVLAB_REGISTRY}, else {@code models/}. */
    public static ModelRegistry fromOption(Path option) {
        if (option != null) {
            return at(option);
        }
        String env = System.getenv(ENV);
        return at(Path.of(env != null && !env.isBlank() ? env : "models"));
    }

    public Path root() {
        return root;
    }

    /** Checks a model name: letters, digits, '_', '.', '-', starting with a letter or digit; no "..". */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
            throw new ConvLabException("model name '" + name + "' is not allowed; use 1-64 letters, digits, '_', '.' or '-'"
                    + " starting with a letter or digit (no '/', no '..')");
        }
        return name;
    }

    /** A parsed {@code NAME[:VERSION]}. */
    public record Ref(String name, Integer version) {
        public static Ref parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                return new Ref(checkName(text), null);
            }
            String v = text.substring(colon + 1);
            try {
                int version = Integer.parseInt(v);
                if (version < 1) {
                    throw new NumberFormatException();
                }
                return new Ref(checkName(text.substring(0, colon)), version);
            } catch (NumberFormatException e) {
                throw new ConvLabException("'" + text + "' is not NAME or NAME:VERSION with a version of 1 or more");
            }
        }
    }

    /** Versions of a name, ascending. */
    public List<Integer> versions(String name) {
        Path dir = root.resolve(checkName(name));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(s -> s.matches("[1-9][0-9]*"))
                    .map(Integer::parseInt).filter(v -> Files.isRegularFile(dir.resolve(v + "/" + CARD_FILE))).sorted().toList();
        } catch (IOException e) {
            throw new ConvLabException("cannot list " + dir + ": " + e.getMessage());
        }
    }

    /** Names that have at least one version, sorted. */
    public List<String> names() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> NAME.matcher(n).matches() && !versions(n).isEmpty()).sorted().toList();
        } catch (IOException e) {
            throw new ConvLabException("cannot list registry " + root + ": " + e.getMessage());
        }
    }

    /** The registry's contents: every readable card, and a line for each version that is damaged. */
    public record Listing(List<ModelCard> cards, List<String> damaged) {
    }

    /** Every stored version's card, by name then version; a damaged one is listed apart, never stops the rest. */
    public Listing list() {
        removeAbandoned();
        List<ModelCard> cards = new ArrayList<>();
        List<String> damaged = new ArrayList<>();
        for (String name : names()) {
            for (int v : versions(name)) {
                try {
                    cards.add(card(new Ref(name, v)));
                } catch (ConvLabException e) {
                    damaged.add(name + ":" + v + ": " + e.getMessage());
                }
            }
        }
        return new Listing(List.copyOf(cards), List.copyOf(damaged));
    }

    /**
     * Before a run stores a model named {@code name}: the registry must be a writable folder, the
     * name's folder a folder, and every version folder in it whole (a card, or a removal marker).
     * Temporaries of saves that were killed are removed here. Each problem is one message naming
     * the path.
     */
    public void checkStorable(String name) {
        checkName(name);
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new BadSettingException(Setting.REGISTRY, "the %s " + BadSettingException.literal(root)
                    + " is a file, not a folder; use another %s");
        }
        Path dir = root.resolve(name);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ConvLabException(dir + " is a file where the folder of model '" + name + "' belongs; move it away");
        }
        boolean created = !Files.exists(dir);
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".probe-", ""));
            if (created) {
                // Probed, not kept: a run that fails before it stores anything leaves no empty model folder.
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new BadSettingException(Setting.REGISTRY, "cannot write in " + BadSettingException.literal(dir) + " ("
                    + BadSettingException.literal(IoErrors.describe(e)) + "); fix its permissions or use another %s");
        }
        try (Stream<Path> entries = created ? Stream.empty() : Files.list(dir)) {
            for (Path version : entries.filter(p -> p.getFileName().toString().matches("[1-9][0-9]*")).sorted().toList()) {
                if (!Files.isDirectory(version) || !Files.isRegularFile(version.resolve(CARD_FILE)) && !Files.exists(version.resolve(REMOVED))) {
                    throw new ConvLabException(version + " is a damaged version of '" + name + "' (no " + CARD_FILE
                            + "); remove it (rm -r " + version + ") and run again");
                }
            }
        } catch (IOException e) {
            throw new ConvLabException("cannot list " + dir + ": " + e.getMessage());
        }
        removeAbandoned();
    }

    /**
     * Holds the right to train and store {@code name} for this process until closed; the lock dies
     * with the process, so a killed run never blocks the next.
     *
     * @throws BadSettingException when a live process is training that name
     */
    public OwnerLock lockRun(String name) {
        Path file = root.resolve(checkName(name)).resolve(RUN_LOCK);
        try {
            return OwnerLock.tryAcquire(file).orElseThrow(() -> new BadSettingException(Setting.NAME,
                    "a training run of '" + name + "' is already in progress in " + BadSettingException.literal(root) + " (process "
                            + OwnerLock.owner(file) + "); wait for it to finish, or use another %s"));
        } catch (IOException e) {
            throw new ConvLabException("cannot lock " + file + ": " + e.getMessage());
        }
    }

    /**
     * After a run of {@code name} failed while holding its lock: removes the model's folder when the run created it
     * and left nothing in it but the lock file, so a failed start leaves no trace in the registry.
     */
    public void discardEmptyRun(String name) {
        Path dir = root.resolve(checkName(name));
        try (Stream<Path> inside = Files.list(dir)) {
            if (inside.allMatch(p -> p.getFileName().toString().equals(RUN_LOCK))) {
                Files.deleteIfExists(dir.resolve(RUN_LOCK));
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            // the folder stays; the next run of the name takes it as it is
        }
    }

    /**
     * Removes what killed processes left: staging folders of saves and checkpoints nobody writes any
     * more, and folders of removals that stopped half way. Returns how many.
     */
    public int removeAbandoned() {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> names = Files.list(root)) {
            for (Path dir : names.filter(Files::isDirectory).toList()) {
                removed += StagingFolder.removeAbandoned(dir);
                try (Stream<Path> inside = Files.list(dir)) {
                    for (Path half : inside.filter(p -> p.getFileName().toString().startsWith(REMOVING)).toList()) {
                        FileTrees.delete(half);
                        removed++;
                    }
                }
            }
        } catch (IOException e) {
            // unreadable: nothing more removed
        }
        Path checkpoints = checkpointRoot();
        if (Files.isDirectory(checkpoints)) {
            try (Stream<Path> runs = Files.list(checkpoints)) {
                for (Path run : runs.filter(Files::isDirectory).toList()) {
                    removed += StagingFolder.removeAbandoned(run);
                }
            } catch (IOException e) {
                // as above
            }
        }
        return removed;
    }

    /** The folder of a reference; a missing version means the newest. Fails listing what exists. */
    public Path resolve(Ref ref) {
        List<Integer> versions = versions(ref.name());
        if (versions.isEmpty()) {
            List<String> names = names();
            throw new NotFoundException("no model named '" + ref.name() + "' in " + root + "; "
                    + (names.isEmpty() ? "the registry is empty (train one with convlab train)" : "models: " + String.join(", ", names)));
        }
        int version = ref.version() != null ? ref.version() : versions.get(versions.size() - 1);
        if (!versions.contains(version)) {
            throw new NotFoundException("model '" + ref.name() + "' has no version " + version + "; versions: " + versions);
        }
        return root.resolve(ref.name()).resolve(String.valueOf(version));
    }

    public ModelCard card(Ref ref) {
        return readCard(resolve(ref));
    }

    public ModelCard card(String ref) {
        return card(Ref.parse(ref));
    }

    static ModelCard readCard(Path dir) {
        Path file = dir.resolve(CARD_FILE);
        ModelCard card;
        try {
            card = JSON.readValue(file.toFile(), ModelCard.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String at = JsonFiles.path(e).isEmpty() ? JsonFiles.location(e) : JsonFiles.path(e);
            throw new ConvLabException("model card " + file + " cannot be read (" + (at.isEmpty() ? "" : at + ": ")
                    + JsonFiles.problem(e) + "); the stored model is damaged");
        } catch (IOException e) {
            throw new ConvLabException("model card " + file + " cannot be read (" + e.getMessage() + "); the stored model is damaged");
        }
        String missing = card.missingField();
        if (missing != null) {
            throw new ConvLabException("model card " + file + " has no '" + missing + "'; the stored model is damaged"
                    + " (remove it with convlab models rm NAME:VERSION)");
        }
        return card;
    }

    public StoredModel load(String ref) {
        return load(Ref.parse(ref));
    }

    public StoredModel load(Ref ref) {
        return loadDir(resolve(ref));
    }

    /** Loads a model folder (one holding {@code model.zip} and {@code card.json}), checking its sha256. */
    public static StoredModel loadDir(Path dir) {
        NativeSetup.init();
        ModelCard card = readCard(dir);
        Path model = dir.resolve(MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            throw new ConvLabException(model + " is missing; the stored model is damaged (remove it with convlab models rm)");
        }
        String sha = Sha256.of(model);
        if (!sha.equals(card.modelSha256())) {
            throw new ConvLabException(model + " does not match its card (sha256 " + sha.substring(0, 12) + "..., card says "
                    + (card.modelSha256() == null ? "nothing" : card.modelSha256().substring(0, Math.min(12, card.modelSha256().length())) + "...")
                    + "); the file was changed or damaged");
        }
        ComputationGraph graph;
        try {
            graph = Networks.restore(model, false);
        } catch (IOException | RuntimeException e) {
            throw new ConvLabException(model + " cannot be loaded (" + e.getMessage() + "); the stored model is damaged");
        }
        return new StoredModel(graph, card, dir);
    }

    /**
     * Stores a new version of {@code name}: the graph (with its updater state, so training can go
     * on from it), the card (version, sha256 and file list filled in), and {@code extraFiles}
     * (file name -> existing file to copy). Returns the stored version.
     */
    public StoredModel save(String name, ComputationGraph graph, ModelCard card, Map<String, Path> extraFiles) {
        checkName(name);
        Path nameDir = root.resolve(name);
        try (StagingFolder staging = StagingFolder.in(nameDir)) {
            Path tmp = staging.path();
            Path model = tmp.resolve(MODEL_FILE);
            ModelZip.write(graph, model, true);
            List<String> files = new ArrayList<>(List.of(MODEL_FILE, CARD_FILE));
            for (Map.Entry<String, Path> extra : extraFiles.entrySet()) {
                Files.copy(extra.getValue(), tmp.resolve(extra.getKey()));
                files.add(extra.getKey());
            }
            String sha = Sha256.of(model);
            for (int attempt = 0; attempt < 100; attempt++) {
                int version = highestNumberedFolder(nameDir) + 1;
                ModelCard stored = card.withVersion(name, version, sha, files);
                JSON.writeValue(tmp.resolve(CARD_FILE).toFile(), stored);
                Path target = nameDir.resolve(String.valueOf(version));
                // The rename is the commit point: a folder appears whole or not at all, and
                // fails if another process took this version first (then: the next number).
                if (staging.commitAs(target)) {
                    return new StoredModel(graph, stored, target);
                }
            }
            throw new ConvLabException("could not find a free version number for '" + name + "' in " + nameDir);
        } catch (AtomicMoveNotSupportedException e) {
            throw new ConvLabException("the registry " + root + " is on a file system without atomic renames; move it elsewhere");
        } catch (IOException e) {
            throw new ConvLabException("cannot save model '" + name + "' in " + nameDir + ": " + e.getMessage());
        }
    }

    /** The largest numeric folder name under {@code dir} (complete or not), 0 when none. */
    private static int highestNumberedFolder(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(s -> s.matches("[1-9][0-9]{0,8}"))
                    .mapToInt(Integer::parseInt).max().orElse(0);
        }
    }

    /** The stored models fine-tuned from {@code ref} (a version), as {@code name:version}. */
    public List<String> tunedFrom(Ref ref) {
        List<String> tuned = new ArrayList<>();
        for (ModelCard card : list().cards()) {
            ModelCard.Lineage l = card.lineage();
            if (l != null && l.base().equals(ref.name()) && ref.version() != null && l.baseVersion() == ref.version()) {
                tuned.add(card.name() + ":" + card.version());
            }
        }
        return tuned;
    }

    /**
     * Removes one version that no stored model names as its base ({@link #tunedFrom}); {@link #remove(Ref, boolean)}
     * removes a base too.
     */
    public void remove(Ref ref) {
        remove(ref, false);
    }

    /**
     * Removes one version. Its number is never given out again: an empty folder with a
     * {@code REMOVED} marker keeps it, so {@code name:3} can never silently mean another model. A version that
     * fine-tuned models name as their base is removed only with {@code evenIfBase} (their cards keep its name,
     * version and sha256).
     */
    public void remove(Ref ref, boolean evenIfBase) {
        if (ref.version() == null) {
            throw new ConvLabException("say which version to remove: " + ref.name() + ":VERSION (versions: " + versions(ref.name()) + ")");
        }
        List<String> tuned = evenIfBase ? List.of() : tunedFrom(ref);
        if (!tuned.isEmpty()) {
            throw new ConvLabException(ref.name() + ":" + ref.version() + " is the base of " + String.join(", ", tuned)
                    + "; remove it anyway with --force (their cards keep its name, version and sha256)");
        }
        Path dir = resolve(ref);
        // Rename first so a crash in the middle never leaves a half-deleted version that looks whole.
        Path doomed = dir.resolveSibling(REMOVING + UUID.randomUUID());
        try {
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(REMOVED), "version " + ref.version() + " was removed\n");
        } catch (IOException e) {
            throw new ConvLabException("cannot remove " + dir + ": " + e.getMessage());
        }
        FileTrees.delete(doomed);
    }

    /** Where a named run keeps its checkpoints while it trains: {@code ROOT/.checkpoints/NAME}. */
    public Path checkpointDir(String name) {
        return checkpointRoot().resolve(checkName(name));
    }

    /** Removes a finished run's checkpoints (and the checkpoint folder once no run uses it). */
    public void discardCheckpoints(String name) {
        FileTrees.delete(checkpointDir(name));
        FileTrees.deleteIfEmpty(checkpointRoot());
    }

    private Path checkpointRoot() {
        return root.resolve(".checkpoints");
    }
}
