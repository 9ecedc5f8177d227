package org.convlab.runtime;

import org.convlab.ConvLabException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A calibration file is read back as written, and a damaged one is refused in words, never in Java's. */
class Int8CalibrationFileTest {
    @Test
    void writtenRangesReadBackAndDamagedFilesAreNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(Int8Calibration.FILE);
        assertNull(Int8Calibration.readIfPresent(file));
        Int8Calibration written = new Int8Calibration(3, Map.of("c2", new Int8Calibration.InputRange(0f, 2.5f),
                "c1", new Int8Calibration.InputRange(-1f, 1f)));
        written.write(file);
        assertEquals(written, Int8Calibration.readIfPresent(file));
        String[][] damaged = {
            {"{}", "holds no \"inputs\""},
            {"{\"images\": 3, \"inputs\": {\"c\": {\"min\": 2, \"max\": 1}}}", "finite min <= max, received [2.0, 1.0]"},
            {"{\"images\": 3, \"inputs\": ", "ends inside a value"},
        };
        for (String[] c : damaged) {
            Files.writeString(file, c[0]);
            String message = assertThrows(ConvLabException.class, () -> Int8Calibration.readIfPresent(file)).getMessage();
            assertTrue(message.contains(c[1]) && message.contains("convlab calibrate"), message);
            assertFalse(message.contains("Cannot invoke") || message.contains("java.") || message.contains("Int8Calibration$"),
                    message);
        }
    }
}
