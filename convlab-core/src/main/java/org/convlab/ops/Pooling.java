package org.convlab.ops;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;

/**
 * Down-sampling by pooling, channel by channel: slide an {@code size} window by {@code stride}
 * and keep the window's maximum, mean or sum. Padding follows Keras: with 'same', cells that
 * fall on the padding are left out, so max ignores them and average divides by the number of
 * real cells only.
 *
 * <pre>{@code
 * Volume half = Pooling.of(PoolType.MAX).build().apply(featureMap);   // 2x2, stride 2, 'valid'
 * }</pre>
 */
public final class Pooling {
    private final PoolType type;
    private final int sizeRows;
    private final int sizeCols;
    private final int strideRows;
    private final int strideCols;
    private final Padding padding;

    private Pooling(Builder b) {
        this.type = b.type;
        this.sizeRows = b.sizeRows;
        this.sizeCols = b.sizeCols;
        this.strideRows = b.strideRows == 0 ? b.sizeRows : b.strideRows;
        this.strideCols = b.strideCols == 0 ? b.sizeCols : b.strideCols;
        this.padding = b.padding;
    }

    public static Builder of(PoolType type) {
        return new Builder(type);
    }

    public Volume apply(Volume x) {
        int outH = padding.outputSize(x.height(), sizeRows, strideRows);
        int outW = padding.outputSize(x.width(), sizeCols, strideCols);
        if (outH < 1 || outW < 1) {
            throw new BadSettingException(Setting.PADDING, "the " + sizeRows + "x" + sizeCols + " window does not fit the "
                    + x.height() + "x" + x.width() + " input with 'valid' padding; use %s same or a smaller window ("
                    + Setting.WINDOW_SIZE.flag() + ")");
        }
        int padTop = padding.padBefore(x.height(), sizeRows, strideRows);
        int padLeft = padding.padBefore(x.width(), sizeCols, strideCols);
        Volume out = new Volume(outH, outW, x.channels());
        for (int c = 0; c < x.channels(); c++) {
            for (int i = 0; i < outH; i++) {
                for (int j = 0; j < outW; j++) {
                    out.set(i, j, c, window(x, i * strideRows - padTop, j * strideCols - padLeft, c));
                }
            }
        }
        return out;
    }

    private double window(Volume x, int top, int left, int channel) {
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        int real = 0;
        for (int r = Math.max(top, 0); r < Math.min(top + sizeRows, x.height()); r++) {
            for (int c = Math.max(left, 0); c < Math.min(left + sizeCols, x.width()); c++) {
                double v = x.get(r, c, channel);
                max = Math.max(max, v);
                sum += v;
                real++;
            }
        }
        return switch (type) {
            case MAX -> max;
            case AVG -> sum / real;
            case SUM -> sum;
        };
    }

    /** Builder: window 2x2, stride equal to the window, 'valid' padding (Keras' defaults). */
    public static final class Builder {
        private final PoolType type;
        private int sizeRows = 2;
        private int sizeCols = 2;
        private int strideRows;
        private int strideCols;
        private Padding padding = Padding.VALID;

        private Builder(PoolType type) {
            this.type = type;
        }

        public Builder optSize(int size) {
            if (size < 1) {
                throw new ConvLabException("pooling size must be at least 1, received " + size);
            }
            this.sizeRows = size;
            this.sizeCols = size;
            return this;
        }

        public Builder optStride(int stride) {
            if (stride < 1) {
                throw new ConvLabException("stride must be at least 1, received " + stride);
            }
            this.strideRows = stride;
            this.strideCols = stride;
            return this;
        }

        public Builder optPadding(Padding newPadding) {
            this.padding = newPadding;
            return this;
        }

        public Pooling build() {
            return new Pooling(this);
        }
    }
}
