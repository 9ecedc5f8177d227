package org.convlab.data;

import java.util.List;
import java.util.Map;

/**
 * What {@code convlab data inspect} prints: classes with their counts of usable images, the total,
 * image sizes and modes found, every problem with its path, and the parts (training, validation,
 * test) where the source has several.
 */
public record DataReport(String source, Map<String, Integer> classes, int usable, Map<String, Integer> sizes,
                         Map<String, Integer> modes, List<Problem> problems, List<Part> parts) {

    /** One part of a source: its name, usable images and class count. */
    public record Part(String name, int usable, int classes) {
    }
}
