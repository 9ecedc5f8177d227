package org.convlab.data;

import org.convlab.arch.InputShape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code convlab data inspect}: reports a source without training on it. Unlike
 * {@link DataSources#open}, an empty or one-class folder is reported, not refused.
 */
public final class DataInspector {
    private DataInspector() {
    }

    public static DataReport inspect(DataSource source) {
        String src = source.toString();
        boolean folder = source instanceof DataSource.Folder;
        Path path = folder ? ((DataSource.Folder) source).path() : null;
        if (folder) {
            FolderScan.requireFolder(path);
        }
        if (folder && !IdxFolder.looksLikeIdx(path)) {
            List<Path> roots = new ArrayList<>();
            for (String part : List.of("Training", "Validation", "Test")) {
                if (Files.isDirectory(path.resolve(part))) {
                    roots.add(path.resolve(part));
                }
            }
            return roots.isEmpty() ? fromScans(src, List.of(path)) : fromScans(src, roots);
        }
        DataSources.Bundle bundle = DataSources.open(source, null);
        List<ImageSource> parts = new ArrayList<>();
        parts.add(bundle.train());
        if (bundle.validation() != null) {
            parts.add(bundle.validation());
        }
        if (bundle.test() != null) {
            parts.add(bundle.test());
        }
        Map<String, Integer> classes = new LinkedHashMap<>();
        List<DataReport.Part> partList = new ArrayList<>();
        Map<String, Integer> sizes = new TreeMap<>();
        int usable = 0;
        for (ImageSource s : parts) {
            int[] counts = s.classCounts();
            for (int i = 0; i < counts.length; i++) {
                classes.merge(s.labels().get(i), counts[i], Integer::sum);
            }
            usable += s.size();
            InputShape shape = s.shape();
            sizes.merge(shape.width() + "x" + shape.height(), s.size(), Integer::sum);
            partList.add(new DataReport.Part(s.description(), s.size(), s.labels().size()));
        }
        String mode = parts.get(0).shape().channels() == 1 ? "grey" : "RGB";
        return new DataReport(src, classes, usable, sizes, Map.of(mode, usable), List.of(), partList);
    }

    private static DataReport fromScans(String src, List<Path> roots) {
        Map<String, Integer> classes = new TreeMap<>();
        Map<String, Integer> sizes = new TreeMap<>();
        Map<String, Integer> modes = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        List<DataReport.Part> parts = new ArrayList<>();
        int usable = 0;
        for (Path root : roots) {
            ScanReport scan = FolderScan.scan(root);
            scan.counts().forEach((k, v) -> classes.merge(k, v, Integer::sum));
            scan.sizes().forEach((k, v) -> sizes.merge(k, v, Integer::sum));
            scan.modes().forEach((k, v) -> modes.merge(k, v, Integer::sum));
            problems.addAll(scan.problems());
            usable += scan.usable().size();
            parts.add(new DataReport.Part(root.toString(), scan.usable().size(), scan.labels().size()));
        }
        return new DataReport(src, classes, usable, sizes, modes, problems, roots.size() > 1 ? parts : List.of());
    }
}
