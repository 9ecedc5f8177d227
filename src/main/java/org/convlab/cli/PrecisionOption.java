package org.convlab.cli;

import org.convlab.runtime.Precision;
import picocli.CommandLine.Option;

/**
 * {@code --precision fp32|bf16}: the number format the command's convolutions multiply in. Picocli
 * calls the setter while it parses the line, so the precision is requested for the whole process
 * before the command builds or loads any graph.
 */
final class PrecisionOption {
    @Option(names = "--precision", paramLabel = "fp32|bf16",
            description = "Multiply in fp32 (default) or bf16: bfloat16 convolutions with float weights and loss, "
                    + "on CPUs with AVX512_BF16 (elsewhere a warning and fp32). Also CONVLAB_PRECISION.")
    void set(String value) {
        Precision.request(Precision.parse(value));
    }
}
