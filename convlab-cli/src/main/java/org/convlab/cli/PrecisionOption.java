package org.convlab.cli;

import org.convlab.BadSettingException;
import org.convlab.runtime.Precision;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --precision fp32|bf16|int8}: the number format the command's convolutions multiply in. Picocli
 * calls the setter while it parses the line, so the precision is requested for the whole process
 * before the command builds or loads any graph.
 */
final class PrecisionOption {
    @Option(names = "--precision", paramLabel = "fp32|bf16|int8", converter = Parse.class,
            description = "Multiply in fp32 (default), bf16 (bfloat16 convolutions with float weights and loss, on CPUs "
                    + "with AVX512_BF16) or int8 (inference only: 8-bit convolution and dense layers over the model's "
                    + "calibration, on CPUs with VNNI); elsewhere a warning and fp32. Also CONVLAB_PRECISION.")
    void set(Precision value) {
        Precision.request(value);
    }

    /** A bad value reads as the other options' do: "--precision must be fp32, bf16 or int8, received 'x'". */
    static final class Parse implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String text) {
            try {
                return Precision.parse(text);
            } catch (BadSettingException e) {
                throw new TypeConversionException(e.messageNaming(setting -> "").trim());
            }
        }
    }
}
