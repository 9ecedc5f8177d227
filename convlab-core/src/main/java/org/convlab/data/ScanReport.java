package org.convlab.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link FolderScan} found: the classes in sorted order with their counts of usable images,
 * the usable images, and every problem with its path.
 */
public record ScanReport(Path root, List<String> labels, Map<String, Integer> counts,
                         List<ImageFile> usable, List<Problem> problems) {

    /** Image sizes found, "WxH" -> count. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new TreeMap<>();
        usable.forEach(f -> sizes.merge(f.width() + "x" + f.height(), 1, Integer::sum));
        return sizes;
    }

    /** Modes found ("RGB", "grey", ...) -> count. */
    public Map<String, Integer> modes() {
        Map<String, Integer> modes = new TreeMap<>();
        usable.forEach(f -> modes.merge(f.mode(), 1, Integer::sum));
        return modes;
    }
}
