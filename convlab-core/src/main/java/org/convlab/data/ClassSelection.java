package org.convlab.data;

import org.convlab.ConvLabException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a data source's {@code classes=} filter against the classes the data holds: comma-separated
 * class names, indices into the data's class list, or ranges of indices ({@code 5-9}). The chosen
 * classes keep the data's order, so {@code classes=9,5} and {@code classes=5,9} train the same model.
 */
final class ClassSelection {
    private ClassSelection() {
    }

    /** The classes {@code selector} names, in {@code labels}' order; {@code source} names the data in messages. */
    static List<String> resolve(String selector, List<String> labels, String source) {
        Set<Integer> chosen = new LinkedHashSet<>();
        for (String token : selector.split(",")) {
            String t = token.trim();
            if (labels.contains(t)) {
                chosen.add(labels.indexOf(t));
            } else if (t.matches("[0-9]{1,6}")) {
                chosen.add(index(Integer.parseInt(t), t, labels, source));
            } else if (t.matches("[0-9]{1,6}-[0-9]{1,6}")) {
                int from = index(Integer.parseInt(t.substring(0, t.indexOf('-'))), t, labels, source);
                int to = index(Integer.parseInt(t.substring(t.indexOf('-') + 1)), t, labels, source);
                if (from > to) {
                    throw new ConvLabException("classes=" + selector + ": the range " + t + " runs backwards; write "
                            + to + "-" + from);
                }
                for (int i = from; i <= to; i++) {
                    chosen.add(i);
                }
            } else {
                throw new ConvLabException("classes=" + selector + ": " + source + " has no class '" + t + "'; its classes are "
                        + described(labels) + " (a name, an index or a range such as 0-4)");
            }
        }
        List<String> keep = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            if (chosen.contains(i)) {
                keep.add(labels.get(i));
            }
        }
        return keep;
    }

    private static int index(int i, String token, List<String> labels, String source) {
        if (i >= labels.size()) {
            throw new ConvLabException("classes=" + token + ": " + source + " has " + labels.size() + " classes, indices 0-"
                    + (labels.size() - 1) + ": " + described(labels));
        }
        return i;
    }

    private static String described(List<String> labels) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < labels.size() && i < 20; i++) {
            shown.add(i + " " + labels.get(i));
        }
        return String.join(", ", shown) + (labels.size() > 20 ? ", ... (" + labels.size() + " in all)" : "");
    }
}
