package org.convlab.runtime;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What a vertex of a graph depends on. */
public final class Upstream {
    private Upstream() {
    }

    /** {@code vertex} and every vertex it reads from, directly or not; the network's inputs left out. */
    public static Set<String> of(ComputationGraphConfiguration configuration, String vertex) {
        Set<String> found = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (configuration.getVertices().containsKey(v) && found.add(v)) {
                todo.addAll(configuration.getVertexInputs().getOrDefault(v, List.of()));
            }
        }
        return found;
    }
}
