package org.convlab.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for numeric options with a lower bound, so a value out of range is refused while the
 * command line is read (one line, exit code 2), for every option alike:
 * {@code @Option(names = "--cells", converter = Counts.AtLeastOne.class)}.
 */
final class Counts {
    private Counts() {
    }

    static int parse(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a whole number");
        }
    }

    /** A count of things: 1 or more. */
    static final class AtLeastOne implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            int n = parse(text);
            if (n < 1) {
                throw new TypeConversionException("must be at least 1, received " + n);
            }
            return n;
        }
    }

    /** 0 (none, off) or more. */
    static final class AtLeastZero implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            int n = parse(text);
            if (n < 0) {
                throw new TypeConversionException("must be 0 or more, received " + n);
            }
            return n;
        }
    }

    /** A positive amount (seconds, a rate). */
    static final class AboveZero implements ITypeConverter<Double> {
        @Override
        public Double convert(String text) {
            double v;
            try {
                v = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + text + "' is not a number");
            }
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new TypeConversionException("must be above 0, received " + text.trim());
            }
            return v;
        }
    }
}
