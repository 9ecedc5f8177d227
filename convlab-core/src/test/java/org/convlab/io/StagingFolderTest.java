package org.convlab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StagingFolderTest {
    @TempDir
    Path dir;

    /** Another JVM holding {@code file}'s lock until it is killed. */
    private static Process holder(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                file.toString())).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        assertEquals("locked", line);
        return p;
    }

    @Test
    void aLockDiesWithItsProcessEvenUnderKillMinusNine() throws Exception {
        Path file = dir.resolve("x.lock");
        Process p = holder(file);
        try {
            assertTrue(OwnerLock.isHeld(file));
            assertTrue(OwnerLock.tryAcquire(file).isEmpty(), "held by the other process");
            assertEquals(String.valueOf(p.pid()), OwnerLock.owner(file));
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertFalse(OwnerLock.isHeld(file));
        try (OwnerLock mine = OwnerLock.tryAcquire(file).orElseThrow()) {
            // probing our own lock must not release it (POSIX drops a process's locks on any close)
            assertTrue(OwnerLock.isHeld(file));
            assertTrue(OwnerLock.isHeld(file));
            assertTrue(OwnerLock.tryAcquire(file).isEmpty());
        }
        assertFalse(OwnerLock.isHeld(file));
    }

    @Test
    void onlyFoldersWhoseWriterIsGoneAreRemoved() throws Exception {
        // A save killed half way: its owner file is there, nobody holds it.
        Path killed = Files.createDirectories(dir.resolve(StagingFolder.PREFIX + "killed"));
        Files.writeString(killed.resolve(StagingFolder.OWNER), "12345");
        Files.write(killed.resolve("model.zip"), new byte[1 << 20]);
        // A save another live process is writing.
        Path other = Files.createDirectories(dir.resolve(StagingFolder.PREFIX + "other"));
        Process p = holder(other.resolve(StagingFolder.OWNER));
        try (StagingFolder ours = StagingFolder.in(dir)) {
            Files.writeString(ours.path().resolve("state.json"), "{}");
            assertEquals(1, StagingFolder.removeAbandoned(dir));
            assertFalse(Files.exists(killed));
            assertTrue(Files.exists(other), "a live writer's folder stays");
            assertTrue(Files.exists(ours.path().resolve("state.json")), "our own folder stays");
            assertTrue(ours.commitAs(dir.resolve("done")));
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of("state.json"), Files.list(dir.resolve("done")).map(f -> f.getFileName().toString()).toList(),
                "a committed folder carries no owner file");
        assertEquals(1, StagingFolder.removeAbandoned(dir), "its writer is dead now");
        assertFalse(Files.exists(other));
    }
}
