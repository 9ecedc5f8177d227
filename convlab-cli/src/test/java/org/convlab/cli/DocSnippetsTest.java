package org.convlab.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Java snippet of the README and docs/ compiles against the modules as they are: each becomes the body of a
 * method whose parameters are the names the snippet uses without declaring (a registry, a graph, some paths).
 */
class DocSnippetsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** Names snippets use as given, and their types. */
    private static final Map<String, String> GIVEN = new LinkedHashMap<>();

    static {
        GIVEN.put("registry", "ModelRegistry");
        GIVEN.put("net", "ComputationGraph");
        GIVEN.put("kerasGraph", "ComputationGraph");
        GIVEN.put("trainingBatches", "List<INDArray>");
        GIVEN.put("card", "ModelCard");
        GIVEN.put("upload", "Path");
        GIVEN.put("a", "Path");
        GIVEN.put("b", "Path");
        GIVEN.put("c", "Path");
        GIVEN.put("rgb0to255", "float[]");
    }

    private static final List<String> IMPORTS = List.of("org.convlab.*", "org.convlab.arch.*", "org.convlab.data.*",
            "org.convlab.env.*", "org.convlab.infer.*", "org.convlab.job.*", "org.convlab.runtime.*", "org.convlab.train.*",
            "org.convlab.zoo.*", "org.convlab.plot.*", "org.convlab.serve.*", "org.convlab.interop.*", "org.convlab.ops.Padding",
            "java.util.*", "java.nio.file.*", "java.nio.FloatBuffer", "ai.onnxruntime.*",
            "org.deeplearning4j.nn.graph.ComputationGraph", "org.nd4j.linalg.api.ndarray.INDArray");

    private record Snippet(String page, int line, String code) {
    }

    @Test
    void everyJavaSnippetCompiles(@TempDir Path dir) throws IOException {
        List<Snippet> snippets = snippets();
        assertTrue(snippets.size() >= 10, "snippets found: " + snippets.size());
        List<Path> sources = new ArrayList<>();
        Map<String, Snippet> byClass = new LinkedHashMap<>();
        for (int i = 0; i < snippets.size(); i++) {
            String name = "Snippet" + i;
            byClass.put(name, snippets.get(i));
            sources.add(Files.writeString(dir.resolve(name + ".java"), source(name, snippets.get(i).code())));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            javac.getTask(null, files, diagnostics, List.of("-classpath", System.getProperty("java.class.path"), "-d",
                    dir.resolve("classes").toString(), "-proc:none"), null, files.getJavaFileObjectsFromPaths(sources)).call();
        }
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                String file = Path.of(d.getSource().toUri()).getFileName().toString().replace(".java", "");
                Snippet s = byClass.get(file);
                errors.add(s.page() + ", the snippet at line " + s.line() + ": " + d.getMessage(Locale.ROOT));
            }
        }
        assertEquals(List.of(), errors);
    }

    /** The {@code java} blocks of README.md and docs/*.md, with the line each starts at. */
    private static List<Snippet> snippets() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<Snippet> found = new ArrayList<>();
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals("```java")) {
                    int start = i + 1;
                    StringBuilder code = new StringBuilder();
                    for (i = start; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                        code.append(lines.get(i)).append('\n');
                    }
                    found.add(new Snippet(ROOT.relativize(page).toString(), start + 1, code.toString()));
                }
            }
        }
        return found;
    }

    private static String source(String name, String code) {
        StringBuilder imports = new StringBuilder();
        IMPORTS.forEach(i -> imports.append("import ").append(i).append(";\n"));
        StringBuilder body = new StringBuilder();
        for (String line : code.split("\n")) {
            if (line.startsWith("import ")) {
                imports.append(line).append('\n');
            } else {
                body.append("        ").append(line).append('\n');
            }
        }
        List<String> parameters = new ArrayList<>();
        GIVEN.forEach((given, type) -> {
            boolean used = Pattern.compile("\\b" + given + "\\b").matcher(code).find();
            boolean declared = Pattern.compile("[\\w<>\\[\\]]+\\s+" + given + "\\s*=").matcher(code).find();
            if (used && !declared) {
                parameters.add(type + " " + given);
            }
        });
        return imports + "\nclass " + name + " {\n    void run(" + String.join(", ", parameters) + ") throws Exception {\n"
                + body + "    }\n}\n";
    }
}
