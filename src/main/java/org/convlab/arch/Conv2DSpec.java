package org.convlab.arch;

import org.convlab.ops.Padding;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A 2-D convolution: {@code filters} kernels of size {@code kernel}, sliding by {@code stride},
 * with 'same' or 'valid' padding, followed by an activation. Defaults follow Keras: stride 1,
 * 'valid' padding, linear activation, with bias.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record Conv2DSpec(String name, @JsonProperty(required = true) int filters, @JsonProperty(required = true) Size2 kernel, Size2 stride, Padding padding, String activation)
        implements LayerSpec {

    public Conv2DSpec {
        stride = stride == null ? Size2.square(1) : stride;
        padding = padding == null ? Padding.VALID : padding;
        activation = activation == null ? "linear" : activation;
    }

    /** A square-kernel, stride-1 convolution, as the seed model writes them. */
    public static Conv2DSpec of(int filters, int kernel, Padding padding, String activation) {
        return new Conv2DSpec(null, filters, Size2.square(kernel), Size2.square(1), padding, activation);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.CONV2D;
    }

    @Override
    public Conv2DSpec withName(String newName) {
        return new Conv2DSpec(newName, filters, kernel, stride, padding, activation);
    }
}
