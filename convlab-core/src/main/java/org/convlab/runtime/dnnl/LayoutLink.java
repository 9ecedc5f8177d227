package org.convlab.runtime.dnnl;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.memory;

/**
 * The memory layouts of the tensors a graph hands from one oneDNN layer to the next.
 *
 * <p>Between two convolutions DL4J applies at most element-wise work (the activation function, a
 * batch norm that ConvLab's helper runs, an activation layer, a residual add) and keeps copies for
 * backprop; none of it cares how the elements are ordered. So a convolution may write its output
 * in oneDNN's blocked layout (nChw8c with AVX2, nChw16c with AVX-512) into the NCHW-shaped array
 * DL4J gives it, and the layers after it read it as such: the reorders to and from plain NCHW
 * disappear, and so do those of the gradients. The array still has DL4J's shape and size (a layout
 * is only taken when it needs no padding), but its elements are not in NCHW order: nothing else may
 * read it, which {@link DnnlHelpers} ensures when it decides which tensors travel this way.
 *
 * <p>One link serves a whole graph, one layout per tensor shape: the first convolution that writes
 * a shape chooses its layout, and every other layer on a linked tensor of that shape uses the same,
 * so element-wise layers with several inputs (an add) see them all ordered alike.
 *
 * <p>A link may also carry its tensors, and their gradients, in bfloat16, in the first half of each
 * float array: in a bf16 graph whose linked tensors only ConvLab's convolutions, batch norms and
 * pooling touch, so that bf16 convolutions hand their output to the next one without rounding it
 * to bf16 again (and move half the bytes), as PyTorch's autocast keeps activations in bf16.
 */
final class LayoutLink {
    private final Map<List<Long>, memory.desc> layouts = new ConcurrentHashMap<>();
    private final memory.data_type type;

    /** A link whose tensors are of {@code type} (f32, or bf16 where only oneDNN's primitives read them). */
    LayoutLink(memory.data_type type) {
        this.type = type;
    }

    /** The element type of the tensors travelling through this link. */
    memory.data_type type() {
        return type;
    }

    /**
     * A producer offers its preferred output layout for a shape; the first offer for a shape
     * stands (layers built since rely on it), and a padded layout, or one of another element type, is declined.
     */
    void offer(long[] dims, memory.desc preferred) {
        memory.desc plain = plainOf(dims);
        layouts.putIfAbsent(key(dims), preferred.data_type().value == type.value && preferred.get_size() == plain.get_size()
                ? preferred : plain);
    }

    /** Whether some shape travels in a layout other than plain float NCHW. */
    boolean carriesBlockedLayout() {
        return layouts.entrySet().stream().anyMatch(e -> !e.getValue().equals(
                Dnnl.plain(e.getKey().stream().mapToLong(Long::longValue).toArray(), memory.format_tag.nchw)));
    }

    /**
     * The layout of the tensor of shape {@code dims} travelling through {@code link}: the agreed one,
     * else plain NCHW of the link's type; plain float NCHW without a link.
     */
    static memory.desc layout(LayoutLink link, long[] dims) {
        if (link == null) {
            return Dnnl.plain(dims, memory.format_tag.nchw);
        }
        memory.desc agreed = link.layouts.get(key(dims));
        return agreed != null ? agreed : link.plainOf(dims);
    }

    private memory.desc plainOf(long[] dims) {
        return Dnnl.of(dims, type, memory.format_tag.nchw);
    }

    private static List<Long> key(long[] dims) {
        return Arrays.stream(dims).boxed().toList();
    }
}
