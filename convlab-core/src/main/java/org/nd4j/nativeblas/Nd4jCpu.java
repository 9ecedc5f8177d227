package org.nd4j.nativeblas;

import org.convlab.runtime.NativeSetup;

/**
 * Compatibility shim that lets DL4J 1.0.0-M2.1 use its oneDNN layer helpers.
 *
 * <p>{@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper#mklDnnEnabled()} asks, by
 * reflection, {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()}.
 * That class existed before M2; in M2 it moved to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and the method became
 * {@code isUseONEDNN()}. The look-up fails silently, every helper's {@code checkSupported()}
 * answers false, and convolution and pooling fall back to Java-side im2col + gemm at about a
 * tenth of the speed. This class restores the old name and answers from the new one.
 *
 * <p>It only answers true when the loaded native build really contains oneDNN:
 * {@code isUseONEDNN()} is true even on builds without it, where the helpers are slower than
 * the fallback. {@link NativeSetup} decides which build loads and records it.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The pre-M2 {@code Environment} facade DL4J's helper check looks for. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            return NativeSetup.dl4jOneDnnUsable();
        }
    }
}
