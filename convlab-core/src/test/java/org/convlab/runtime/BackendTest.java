package org.convlab.runtime;

import org.convlab.ConvLabException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendTest {

    @Test
    void autoTakesTheGpuOnlyWithBothTheCudaBuildAndADriver() {
        assertEquals(Backend.CUDA, Backend.resolve(Backend.AUTO, true, true));
        assertEquals(Backend.CPU, Backend.resolve(Backend.AUTO, true, false));
        assertEquals(Backend.CPU, Backend.resolve(Backend.AUTO, false, true));
        assertEquals(Backend.CPU, Backend.resolve(Backend.CPU, true, true));
        assertEquals(Backend.CUDA, Backend.resolve(Backend.CUDA, true, true));
    }

    @Test
    void cudaThatCannotRunIsRefusedWithTheFix() {
        ConvLabException noBuild = assertThrows(ConvLabException.class, () -> Backend.resolve(Backend.CUDA, false, true));
        assertTrue(noBuild.getMessage().contains("mvn -Pcuda package"), noBuild.getMessage());
        org.convlab.BadSettingException noDriver = assertThrows(org.convlab.BadSettingException.class,
                () -> Backend.resolve(Backend.CUDA, true, false));
        assertTrue(noDriver.getMessage().contains("no usable NVIDIA GPU driver"), noDriver.getMessage());
        assertTrue(noDriver.getMessage().contains("use backend cpu"), noDriver.getMessage());
        assertTrue(noDriver.messageNaming(org.convlab.Setting::flag).contains("use --backend cpu"), noDriver.getMessage());
    }

    @Test
    void namesParseAndUnknownOnesAreRefused() {
        assertEquals(Backend.CUDA, Backend.parse(" CUDA "));
        assertEquals(Backend.AUTO, Backend.parse("auto"));
        ConvLabException e = assertThrows(ConvLabException.class, () -> Backend.parse("gpu"));
        assertEquals("backend 'gpu' is not known; use cpu, cuda or auto", e.getMessage());
    }

    @Test
    void thisMachineRunsTheBackendItsBuildAndDriverAllow() {
        NativeSetup.init();
        // The GPU only where both ND4J's CUDA backend is on the class path and the NVIDIA kernel driver answers.
        boolean cudaBackend = getClass().getClassLoader().getResource("org/nd4j/linalg/jcublas/JCublasBackend.class") != null;
        boolean driver = java.nio.file.Files.exists(java.nio.file.Path.of("/proc/driver/nvidia/version"))
                || java.nio.file.Files.exists(java.nio.file.Path.of("/dev/nvidiactl"));
        Backend expected = cudaBackend && driver ? Backend.CUDA : Backend.CPU;
        assertEquals(expected, NativeSetup.backend());
        String loaded = org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName();
        assertEquals(expected == Backend.CUDA ? "JCublasBackend" : "CpuBackend", loaded);
    }
}
