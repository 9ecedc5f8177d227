package org.convlab.cli;

import org.convlab.runtime.Backend;
import org.convlab.runtime.NativeSetup;

import java.util.Locale;
import java.util.Optional;

/**
 * Recognises running out of memory (Java heap, JavaCPP's off-heap limit, or the GPU) anywhere in
 * a failure's causes, so the command line can say what to change instead of printing a stack trace.
 */
final class OutOfMemory {
    private OutOfMemory() {
    }

    static Optional<String> explain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            String lower = message.toLowerCase(Locale.ROOT);
            boolean gpu = NativeSetup.backend() == Backend.CUDA
                    && (lower.contains("out of memory") || lower.contains("cudaerrormemoryallocation") || lower.contains("failed to allocate"));
            if (gpu) {
                return Optional.of("out of GPU memory (" + firstLine(message) + "); use a smaller --batch or a smaller --input");
            }
            if (t instanceof OutOfMemoryError || lower.contains("physicalbytes") || lower.contains("cannot allocate")) {
                return Optional.of("out of memory (" + firstLine(message) + "); use a smaller --batch, or raise the limits with"
                        + " CONVLAB_JAVA_OPTS=\"-Xmx... -Dorg.bytedeco.javacpp.maxbytes=...\"");
            }
        }
        return Optional.empty();
    }

    private static String firstLine(String message) {
        String line = message.lines().findFirst().orElse(message);
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }
}
