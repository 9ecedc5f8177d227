package org.convlab.cli;

import org.convlab.arch.Architectures;
import org.convlab.arch.InputShape;
import org.convlab.data.DataSource;
import org.convlab.data.Preprocessing;
import org.convlab.data.SyntheticShapes;
import org.convlab.interop.KerasImport;
import org.convlab.interop.OnnxExport;
import org.convlab.job.TrainingJob;
import org.convlab.job.TrainingRequest;
import org.convlab.train.TrainingListener;
import org.convlab.train.TrainingOptions;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.junit.jupiter.api.Tag;
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
 * Every Java snippet of the README and docs/ compiles against the modules as they are, and runs: each becomes the
 * body of a method whose parameters are the names the snippet uses without declaring (a registry, a graph, some
 * paths), run in a JVM of its own in a folder holding what the snippets name. A snippet marked
 * {@code <!-- compile only: why -->} (a server that serves until stopped) is compiled only.
 */
@Tag("slow") // trains two small models and starts a JVM per snippet
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

    /** {@code runs}: false where the page marks it {@code <!-- compile only: why -->} (a server that serves until stopped). */
    private record Snippet(String page, int line, String code, boolean runs) {
    }

    /** How a snippet's given names are made in the working folder {@link #workingFolder} prepares. */
    private static final Map<String, String> MADE = Map.of(
            "registry", "ModelRegistry.at(Path.of(\"models\"))",
            "net", "ModelRegistry.at(Path.of(\"models\")).load(\"fashion-cnn\").graph()",
            "kerasGraph", "ModelRegistry.at(Path.of(\"models\")).load(\"fashion-cnn\").graph()",
            "trainingBatches", "List.of(org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 1, 28, 28))",
            "card", "ModelRegistry.at(Path.of(\"models\")).card(\"fashion-cnn\")",
            "upload", "Path.of(\"shoe.png\")",
            "a", "Path.of(\"shoe.png\")",
            "b", "Path.of(\"shoe.png\")",
            "c", "Path.of(\"shoe.png\")",
            "rgb0to255", "new float[144]");

    @Test
    void everyJavaSnippetCompilesAndRuns(@TempDir Path dir) throws Exception {
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

        Path work = workingFolder(dir.resolve("work"));
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Snippet> e : byClass.entrySet()) {
            if (!e.getValue().runs()) {
                continue;
            }
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                    "-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-cp",
                    dir.resolve("classes") + java.io.File.pathSeparator + System.getProperty("java.class.path"), e.getKey())
                    .directory(work.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
                failures.add(e.getValue().page() + ", the snippet at line " + e.getValue().line() + ": "
                        + output.lines().filter(l -> l.contains("Exception") || l.contains("Error")).findFirst().orElse(output));
            }
        }
        assertEquals(List.of(), failures);
    }

    /**
     * What the snippets name, small: {@code models/} with {@code fashion-cnn} and {@code fashion-0-4} (the main job's
     * architecture at 28x28x1, trained for one epoch on generated shapes), {@code shoe.png}, class folders
     * {@code shoes/}, {@code model.zip}, and {@code shapes-keras.onnx} (the Keras fixture exported).
     */
    private static Path workingFolder(Path work) throws IOException {
        ModelRegistry registry = ModelRegistry.at(work.resolve("models"));
        for (String name : List.of("fashion-cnn", "fashion-0-4")) {
            TrainingJob.run(TrainingRequest.builder().setArchitecture(Architectures.get("fruits-cnn-bn"))
                    .setData(DataSource.synthetic(10, 6)).optInput(InputShape.parse("28x28x1")).setName(name)
                    .optOptions(TrainingOptions.builder().optEpochs(1).optBatch(16).build()).build(), registry, TrainingListener.SILENT);
        }
        Files.copy(work.resolve("models/fashion-cnn/1/model.zip"), work.resolve("model.zip"));
        javax.imageio.ImageIO.write(grey(SyntheticShapes.draw(1, 28, 28, new java.util.Random(1))), "png", work.resolve("shoe.png").toFile());
        for (String shoe : List.of("boot", "sandal", "sneaker")) {
            Files.createDirectories(work.resolve("shoes").resolve(shoe));
            for (int i = 0; i < 6; i++) {
                javax.imageio.ImageIO.write(grey(SyntheticShapes.draw(List.of("boot", "sandal", "sneaker").indexOf(shoe), 28, 28,
                        new java.util.Random(10 * i + shoe.length()))), "png", work.resolve("shoes").resolve(shoe).resolve(i + ".png").toFile());
            }
        }
        StoredModel keras = KerasImport.into(registry, Path.of(ImportCommandTest.FIXTURES + "keras-functional.h5"),
                new KerasImport.Options("shapes-keras", List.of("circle", "square", "triangle"), KerasImport.Pixels.UNIT,
                        Preprocessing.Channels.RGB, null));
        OnnxExport.write(keras, work.resolve("shapes-keras.onnx"));
        return work;
    }

    private static java.awt.image.BufferedImage grey(java.awt.image.BufferedImage colour) {
        java.awt.image.BufferedImage grey = new java.awt.image.BufferedImage(colour.getWidth(), colour.getHeight(),
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        grey.getGraphics().drawImage(colour, 0, 0, null);
        return grey;
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
                    boolean compileOnly = start >= 2 && lines.get(start - 2).strip().startsWith("<!-- compile only:");
                    found.add(new Snippet(ROOT.relativize(page).toString(), start + 1, code.toString(), !compileOnly));
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
        List<String> arguments = new ArrayList<>();
        GIVEN.forEach((given, type) -> {
            boolean used = Pattern.compile("\\b" + given + "\\b").matcher(code).find();
            boolean declared = Pattern.compile("[\\w<>\\[\\]]+\\s+" + given + "\\s*=").matcher(code).find();
            if (used && !declared) {
                parameters.add(type + " " + given);
                arguments.add(MADE.get(given));
            }
        });
        return imports + "\npublic class " + name + " {\n    void run(" + String.join(", ", parameters) + ") throws Exception {\n"
                + body + "    }\n\n    public static void main(String[] args) throws Exception {\n        new " + name + "().run("
                + String.join(", ", arguments) + ");\n        System.exit(0);\n    }\n}\n";
    }
}
