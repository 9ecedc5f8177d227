package org.convlab.tutorial;

import org.convlab.arch.Architectures;
import org.convlab.arch.GraphBuilder;
import org.convlab.arch.ModelSummary;
import org.convlab.ops.Dense;
import org.convlab.ops.Flatten;

import java.util.Locale;

/**
 * "Flatten layers" and "Dense layers": the tutorial's (32, 6, 6, 256) -> (32, 9216) and
 * 9216 x 1024 + 1024 = 9,438,208, then the same counts read off the seed model built in DL4J.
 */
public final class FlattenAndDense {
    private FlattenAndDense() {
    }

    public static void main(String[] args) {
        long flat = Flatten.outputSize(6, 6, 256);
        System.out.printf(Locale.US, "Flatten: (32, 6, 6, 256) -> (32, %d)%n", flat);
        System.out.printf(Locale.US, "Dense(1024) on %d inputs: %d x 1024 + 1024 = %,d parameters%n", flat, flat, Dense.paramCount(flat, 1024));
        System.out.printf(Locale.US, "Dense(60) on 1024 inputs: %,d parameters%n", Dense.paramCount(1024, 60));
        var spec = Architectures.get("fruits-cnn");
        ModelSummary s = ModelSummary.of(GraphBuilder.of(spec).build(), spec.input());
        s.rows().stream().filter(r -> r.type().equals("Flatten") || r.type().equals("Dense"))
                .forEach(r -> System.out.printf(Locale.US, "DL4J's %s: %s, %,d parameters%n", r.name(), r.kerasShape(), r.params()));
    }
}
