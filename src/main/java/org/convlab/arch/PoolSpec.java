package org.convlab.arch;

import org.convlab.ops.Padding;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.convlab.ConvLabException;

/**
 * 2-D pooling: the maximum, mean or sum of each {@code size} window, sliding by {@code stride}.
 * Defaults follow Keras: a 2x2 window, stride equal to the window, 'valid' padding (so a side
 * of 25 becomes 12).
 */
public record PoolSpec(@JsonProperty("type") String type, String name, Size2 size, Size2 stride, Padding padding)
        implements LayerSpec {

    public PoolSpec {
        LayerKind kind = LayerKind.ofJsonName(type);
        if (kind != LayerKind.MAX_POOL && kind != LayerKind.AVG_POOL && kind != LayerKind.SUM_POOL) {
            throw new ConvLabException("pooling type '" + type + "' is not known; use max_pool, avg_pool or sum_pool");
        }
        size = size == null ? Size2.square(2) : size;
        stride = stride == null ? size : stride;
        padding = padding == null ? Padding.VALID : padding;
    }

    /** A square window with stride equal to the window and 'valid' padding. */
    public static PoolSpec of(LayerKind kind, int size) {
        return new PoolSpec(kind.jsonName(), null, Size2.square(size), null, Padding.VALID);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.ofJsonName(type);
    }

    @Override
    public PoolSpec withName(String newName) {
        return new PoolSpec(type, newName, size, stride, padding);
    }
}
