package org.convlab.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistakes whose message came out wrong or long, run in a JVM of their own so that the whole of standard error is
 * seen, native libraries' output included: each is one line naming the thing and the fix, and exit code 2.
 */
@Tag("slow") // a JVM per case
class OneLineRefusalsTest {
    @TempDir
    Path dir;

    private record Run(int code, String err) {
    }

    private Run convlab(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ConvLab.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), err);
    }

    private static void assertOneLine(Run r, String words) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(words), r.err());
    }

    @Test
    void aCutKerasFileIsOneLineWithoutHdf5sDiagnostics() throws Exception {
        byte[] whole = Files.readAllBytes(Path.of(ImportCommandTest.FIXTURES + "keras-sequential.h5"));
        Path cut = Files.write(dir.resolve("cut.h5"), java.util.Arrays.copyOf(whole, whole.length / 2));
        assertOneLine(convlab(Map.of(), "import", "keras", cut.toString(), "--name", "m", "--labels", "a,b,c,d,e",
                "--registry", dir.resolve("models").toString()), "is cut short: its HDF5 header says " + whole.length + " bytes");
        assertTrue(!Files.exists(dir.resolve("models/m")), "nothing stored");
    }

    @Test
    void aBadPrecisionInTheEnvironmentIsNamedAsSuch() throws Exception {
        assertOneLine(convlab(Map.of("CONVLAB_PRECISION", "nope"), "summary"), "CONVLAB_PRECISION='nope' is not a precision");
    }

    @Test
    void aHostThatIsNotThisMachinesIsNotAPortInUse() throws Exception {
        Path models = dir.resolve("models");
        Files.createDirectories(models);
        assertOneLine(convlab(Map.of(), "serve", "--host", "nonsense.invalid", "--registry", models.toString()),
                "host 'nonsense.invalid' cannot be resolved");
    }
}
