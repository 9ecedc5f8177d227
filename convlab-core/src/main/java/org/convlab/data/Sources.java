package org.convlab.data;

import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;

/** Checks shared by the image sources. */
final class Sources {
    private Sources() {
    }

    /** {@code steps} if it produces {@code shape}; a source brings its images to its own shape only. */
    static Preprocessing sameSize(Preprocessing steps, InputShape shape) {
        if (!steps.input().equals(shape)) {
            throw new ConvLabException("the data is prepared at " + shape + " but the preprocessing asks for " + steps.input()
                    + "; open the data at the model's input size");
        }
        return steps;
    }
}
