package org.convlab.ops;

import org.convlab.ConvLabException;

import java.util.Locale;

/** What a pooling window keeps: the largest value, the mean, or the sum. */
public enum PoolType {
    MAX, AVG, SUM;

    public static PoolType parse(String text) {
        for (PoolType t : values()) {
            if (t.toString().equalsIgnoreCase(text.trim())) {
                return t;
            }
        }
        throw new ConvLabException("pooling type '" + text + "' is not known; use max, avg or sum");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
