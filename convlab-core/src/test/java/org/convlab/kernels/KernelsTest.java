package org.convlab.kernels;

import org.convlab.ConvLabException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelsTest {

    @Test
    void theAuthorsSevenInHisOrder() {
        List<String> names = Kernels.authors().stream().map(Kernel::name).toList();
        assertEquals(List.of("identity", "edge-detection-1", "edge-detection-2", "edge-detection-3", "sharpen",
                "box-blur", "gaussian-blur"), names);
        assertArrayEquals(new double[][] {{1, 0, -1}, {0, 0, 0}, {-1, 0, 1}}, Kernels.get("edge-detection-1").values());
        assertArrayEquals(new double[][] {{0, -1, 0}, {-1, 5, -1}, {0, -1, 0}}, Kernels.get("sharpen").values());
    }

    @Test
    void blursAndSharpenKeepBrightnessEdgesRemoveIt() {
        for (String name : List.of("identity", "sharpen", "box-blur", "gaussian-blur", "gaussian-blur-5x5")) {
            assertEquals(1.0, sum(Kernels.get(name).values()), 1e-12, name);
        }
        for (String name : List.of("edge-detection-1", "edge-detection-2", "edge-detection-3", "sobel-x", "sobel-y", "prewitt-x", "prewitt-y")) {
            assertEquals(0.0, sum(Kernels.get(name).values()), 1e-12, name);
        }
        assertEquals(6.0 / 256 * 6, Kernels.get("gaussian-blur-5x5").values()[2][2], 1e-12);
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        ConvLabException e = assertThrows(ConvLabException.class, () -> Kernels.get("blur"));
        assertTrue(e.getMessage().contains("box-blur") && e.getMessage().contains("sobel-x"), e.getMessage());
    }

    private static double sum(double[][] m) {
        double s = 0;
        for (double[] row : m) {
            for (double v : row) {
                s += v;
            }
        }
        return s;
    }
}
