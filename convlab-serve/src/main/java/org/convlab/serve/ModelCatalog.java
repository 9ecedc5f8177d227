package org.convlab.serve;

import org.convlab.ConvLabException;
import org.convlab.NotFoundException;
import org.convlab.zoo.ModelRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models a server answers for, kept in step with the registry. A followed name serves its
 * newest version; a pinned {@code NAME:VERSION} stays on that version. {@link #refresh()} (run every
 * second or so) loads a newer version when one appears and falls back when the newest is removed;
 * a version that fails to load (damaged) is logged and the one before keeps serving. A replaced
 * version drains its queue, so no request in flight fails.
 */
final class ModelCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);
    private volatile boolean started;

    /** What the server was asked to serve: every model (empty), or these references. */
    private final List<ModelRegistry.Ref> asked;
    private final ModelRegistry registry;
    private final ServedModel.BatchSettings settings;
    private final ServerMetrics metrics;
    /** The version {@code /predictions/NAME} answers with, by name. */
    private final Map<String, ServedModel> current = new ConcurrentHashMap<>();
    /** Every loaded version, by NAME:VERSION (current ones and explicitly requested ones). */
    private final Map<String, ServedModel> loaded = new ConcurrentHashMap<>();
    /** Versions that failed to load, so a damaged one is not retried every second. */
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    ModelCatalog(ModelRegistry registry, List<ModelRegistry.Ref> asked, ServedModel.BatchSettings settings, ServerMetrics metrics) {
        this.registry = registry;
        this.asked = List.copyOf(asked);
        this.settings = settings;
        this.metrics = metrics;
    }

    /** Loads what is asked for; fails (bad input) when that is nothing or a named model cannot be had. */
    void loadAll() {
        if (asked.isEmpty() && registry.names().isEmpty()) {
            throw new ConvLabException("no models to serve in " + registry.root() + "; train one first (convlab train)");
        }
        for (ModelRegistry.Ref ref : asked) {
            registry.resolve(ref); // a missing name or version is refused now, with what exists
        }
        refresh();
        if (current.isEmpty()) {
            throw new ConvLabException("none of the models in " + registry.root() + " could be loaded: " + refused.values());
        }
        started = true;
    }

    /** Brings the served versions in step with the registry. */
    synchronized void refresh() {
        for (String name : names()) {
            ModelRegistry.Ref pin = pinned(name);
            List<Integer> versions = registry.versions(name);
            Integer want = pin != null ? pin.version() : versions.isEmpty() ? null : versions.get(versions.size() - 1);
            ServedModel now = current.get(name);
            if (want == null || !versions.contains(want)) {
                // removed (by models rm): try the newest left
                want = versions.isEmpty() ? null : versions.get(versions.size() - 1);
            }
            if (want == null) {
                if (now != null) {
                    retire(current.remove(name));
                }
                continue;
            }
            if (now != null && now.version() == want) {
                continue;
            }
            ServedModel next = load(name, want);
            if (next != null) {
                current.put(name, next);
                if (now == null) {
                    // At start the server names what it serves itself; later this is a model that appeared.
                    if (started) {
                        LOG.info("serving {}", next.ref());
                    }
                } else {
                    LOG.info("hot reload: {} now answers with version {} (was {})", name, next.version(), now.version());
                }
                if (now != null) {
                    // Its queue drains; a request that finds it closed asks again and gets this one.
                    retire(loaded.remove(now.ref()));
                }
            }
        }
        // Loaded versions that left the registry are dropped.
        for (ServedModel m : List.copyOf(loaded.values())) {
            if (!registry.versions(m.name()).contains(m.version()) && current.get(m.name()) != m) {
                retire(loaded.remove(m.ref()));
            }
        }
    }

    private List<String> names() {
        if (asked.isEmpty()) {
            return registry.names();
        }
        return asked.stream().map(ModelRegistry.Ref::name).distinct().toList();
    }

    private ModelRegistry.Ref pinned(String name) {
        return asked.stream().filter(r -> r.name().equals(name) && r.version() != null).findFirst().orElse(null);
    }

    private ServedModel load(String name, int version) {
        String ref = name + ":" + version;
        ServedModel have = loaded.get(ref);
        if (have != null) {
            return have;
        }
        if (refused.containsKey(ref)) {
            return null;
        }
        try {
            ServedModel m = ServedModel.of(registry.load(ref), settings, metrics);
            loaded.put(ref, m);
            return m;
        } catch (ConvLabException e) {
            refused.put(ref, ref + ": " + e.getMessage());
            LOG.warn("not serving {}: {}", ref, e.getMessage());
            return null;
        }
    }

    private void retire(ServedModel m) {
        if (m != null) {
            LOG.info("no longer serving {}", m.ref());
            new Thread(() -> m.drain(30), "retire-" + m.ref()).start();
        }
    }

    /**
     * The model that answers {@code name} (its current version) or {@code name:version}.
     *
     * @throws NotFoundException when the name is not served or the version does not exist
     */
    ServedModel get(String name, Integer version) {
        ServedModel now = current.get(name);
        if (now == null) {
            throw new NotFoundException("model '" + name + "' is not served here; served: " + String.join(", ", servedNames()));
        }
        if (version == null || version == now.version()) {
            return now;
        }
        ModelRegistry.Ref pin = pinned(name);
        if (pin != null) {
            throw new NotFoundException("model '" + name + "' is served at version " + pin.version() + " only");
        }
        if (!registry.versions(name).contains(version)) {
            throw new NotFoundException("model '" + name + "' has no version " + version + "; versions: " + registry.versions(name));
        }
        synchronized (this) {
            ServedModel m = load(name, version);
            if (m == null) {
                throw new ConvLabException(refused.get(name + ":" + version));
            }
            return m;
        }
    }

    /** The served names, sorted. */
    List<String> servedNames() {
        return new ArrayList<>(new TreeMap<>(current).keySet());
    }

    /** The current version of every served name, by name. */
    Map<String, ServedModel> current() {
        return new TreeMap<>(current);
    }

    /** Every name asked for has a version loaded. */
    boolean ready() {
        return !current.isEmpty() && current.keySet().containsAll(asked.stream().map(ModelRegistry.Ref::name).toList());
    }

    /** Requests waiting in every loaded version's queue. */
    int queued() {
        return loaded.values().stream().mapToInt(ServedModel::depth).sum();
    }

    @Override
    public synchronized void close() {
        for (ServedModel m : loaded.values()) {
            m.drain(30);
        }
        loaded.clear();
        current.clear();
    }
}
