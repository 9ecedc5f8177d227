package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.convlab.ConvLabException;

import java.util.List;

/**
 * A (rows, columns) pair such as a kernel size or a stride. In JSON it is written
 * {@code [3, 3]}; a single number {@code 3} means a square.
 */
public record Size2(int rows, int cols) {

    public static Size2 square(int n) {
        return new Size2(n, n);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Size2 fromJson(Object value) {
        if (value instanceof Number n) {
            return square(n.intValue());
        }
        if (value instanceof List<?> list && list.size() == 2
                && list.get(0) instanceof Number r && list.get(1) instanceof Number c) {
            return new Size2(r.intValue(), c.intValue());
        }
        throw new ConvLabException("expected a size as N or [rows, cols], received " + value);
    }

    @JsonValue
    List<Integer> toJson() {
        return List.of(rows, cols);
    }

    @Override
    public String toString() {
        return rows + "x" + cols;
    }
}
