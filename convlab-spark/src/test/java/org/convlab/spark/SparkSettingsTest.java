package org.convlab.spark;

import org.convlab.BadSettingException;
import org.convlab.data.DataSource;
import org.convlab.job.TrainingRequest;
import org.convlab.train.TinyModels;
import org.convlab.train.TrainingListener;
import org.convlab.zoo.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Masters are checked before Spark starts: a bad one is one line naming the fix, and nothing lands in the registry. */
class SparkSettingsTest {
    private static SparkTrainer.Settings settings(String master) {
        return new SparkTrainer.Settings(master, SparkTrainer.Mode.AVERAGING, 2, 4, null);
    }

    @Test
    void malformedMastersAreRefusedWhileTheSettingsAreMade() {
        for (String master : List.of("local[0]", "local[-1]", "local[abc]", "local[*", "local[2,0]", "locale", "spark://nohost",
                "spark://h:1,", "spark://:7077")) {
            BadSettingException e = assertThrows(BadSettingException.class, () -> settings(master), master);
            assertTrue(e.getMessage().contains("'" + master + "'") && e.getMessage().contains("use "), e.getMessage());
        }
        for (String master : List.of("local", "local[1]", "local[*]", "local[4,2]", "spark://a:7077", "spark://a:7077,b:7078")) {
            assertEquals(master, settings(master).master());
        }
    }

    @Test
    void moreLocalThreadsThanCoresRunOnTheCoresWithAWarning() {
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> said = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onMessage(String message) {
                said.add(message);
            }
        };
        assertEquals("local[" + cores + "]", settings("local[100000]").capped(listener).master());
        assertEquals("local[" + cores + ",3]", settings("local[100000,3]").capped(listener).master());
        assertEquals(2, said.size());
        assertTrue(said.get(0).startsWith("warning: local[100000] asks for more threads"), said.get(0));
        assertEquals("local[1]", settings("local[1]").capped(listener).master());
        assertEquals(2, said.size(), "nothing to say when it fits");
    }

    @Test
    void clusterManagersThisClassPathLacksAreRefusedBeforeAnythingIsWritten(@TempDir Path dir) {
        ModelRegistry registry = ModelRegistry.at(dir.resolve("models"));
        TrainingRequest request = TrainingRequest.builder().setArchitecture(TinyModels.spec()).setData(DataSource.synthetic(4, 20))
                .setName("m").build();
        for (String master : List.of("yarn", "k8s://https://127.0.0.1:6443", "mesos://127.0.0.1:5050")) {
            BadSettingException e = assertThrows(BadSettingException.class,
                    () -> SparkTrainer.run(request, registry, settings(master), TrainingListener.SILENT), master);
            assertTrue(e.getMessage().contains("spark-submit"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("models/m")), "no folder and no lock for a run that never started");
    }
}
