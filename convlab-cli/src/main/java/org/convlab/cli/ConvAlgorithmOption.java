package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.runtime.ConvAlgorithm;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --conv-algorithm auto|direct}: the algorithm the command's convolutions ask oneDNN for, set (like
 * {@code --precision}) while picocli parses the line, before any graph is built or loaded.
 */
final class ConvAlgorithmOption {
    @Option(names = "--conv-algorithm", paramLabel = "auto|direct", converter = Parse.class,
            description = "auto (default): oneDNN's choice, Winograd for 3x3 layers on maps of 32x32 and more on AVX-512 "
                    + "CPUs; direct: direct convolutions everywhere, as PyTorch runs them. Also CONVLAB_CONV_ALGORITHM.")
    void set(ConvAlgorithm value) {
        ConvAlgorithm.request(value);
    }

    /** A bad value reads as the other options' do. */
    static final class Parse implements ITypeConverter<ConvAlgorithm> {
        @Override
        public ConvAlgorithm convert(String text) {
            try {
                return ConvAlgorithm.parse(text);
            } catch (ConvLabException e) {
                throw new TypeConversionException("must be auto or direct, received '" + text + "'");
            }
        }
    }
}
