package org.convlab.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user documentation: the command reference is the commands' own help, every relative link resolves, the README stays short. */
class DocsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void theCommandReferenceIsWhatTheCommandsSay() throws IOException {
        String inTree = Files.readString(ROOT.resolve("docs/commands.md"));
        assertEquals(CommandReference.render(), inTree, "docs/commands.md is stale; regenerate it: java -cp"
                + " \"convlab-cli/target/classes:convlab-cli/target/lib/*\" org.convlab.cli.CommandReference docs/commands.md");
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CHANGELOG.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            String text = Files.readString(page);
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z]+://.*") || target.startsWith("mailto:")) {
                    continue;
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such file)");
                } else if (anchor != null && !anchors(Files.readString(resolved)).contains(anchor)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such heading)");
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void theReadmeIsShortAndSaysWhereTheRestIs() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        assertTrue(lines.size() <= 350, "README.md has " + lines.size() + " lines; at most 350 (the rest belongs in docs/)");
        String text = String.join("\n", lines);
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            for (Path page : docs.filter(p -> p.toString().endsWith(".md")).toList()) {
                assertTrue(text.contains("](docs/" + page.getFileName() + ")"), "the README's table of contents lacks " + page.getFileName());
            }
        }
    }

    @Test
    void theReadmesFiguresAreThePerformancePagesOwn() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String figures = readme.substring(readme.indexOf("\n## Figures"), readme.indexOf("\n## ", readme.indexOf("\n## Figures") + 1));
        List<String> performance = Files.readAllLines(ROOT.resolve("docs/performance.md"));
        List<String> rows = figures.lines().filter(l -> l.startsWith("| ")).toList();
        assertTrue(rows.size() >= 10, "the README's figure tables: " + rows.size() + " rows");
        for (String row : rows) {
            assertTrue(performance.contains(row), "docs/performance.md has no row equal to the README's " + row);
        }
    }

    /** The anchors GitHub gives a page's headings. */
    private static List<String> anchors(String markdown) {
        List<String> anchors = new ArrayList<>();
        boolean fence = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                fence = !fence;
            } else if (!fence && line.startsWith("#")) {
                anchors.add(CommandReference.anchor(line.replaceFirst("^#+\\s*", "")));
            }
        }
        return anchors;
    }
}
