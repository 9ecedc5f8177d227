package org.convlab.runtime.dnnl;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.memory;

/**
 * The memory layout of one tensor passed from a convolution straight to the next one.
 *
 * <p>Between two convolutions DL4J only applies the activation function, element by element,
 * and keeps a copy for backprop; neither cares how the elements are ordered. So the producer
 * may write its output in oneDNN's blocked layout (nChw8c with AVX2, nChw16c with AVX-512) into
 * the NCHW-shaped array DL4J gives it, and the consumer reads it as such: the two reorders per
 * tensor per pass that plain NCHW costs disappear, and so do the two for its gradient. The array
 * still has DL4J's shape and size (a layout is only offered when it needs no padding), but its
 * elements are not in NCHW order: nothing else may read it, which {@link DnnlHelpers} ensures
 * by linking only a producer whose sole consumer is the next convolution.
 */
final class LayoutLink {
    private final Map<List<Long>, memory.desc> layouts = new ConcurrentHashMap<>();

    /** The producer offers its preferred output layout for a shape; a padded layout is declined. */
    void offer(long[] dims, memory.desc preferred) {
        memory.desc plain = Dnnl.plain(dims, memory.format_tag.nchw);
        layouts.put(key(dims), preferred.get_size() == plain.get_size() ? preferred : plain);
    }

    /** Whether some shape travels in a layout other than plain NCHW. */
    boolean carriesBlockedLayout() {
        return layouts.entrySet().stream().anyMatch(e -> !e.getValue().equals(
                Dnnl.plain(e.getKey().stream().mapToLong(Long::longValue).toArray(), memory.format_tag.nchw)));
    }

    /** The layout of the tensor of shape {@code dims} travelling through {@code link}; plain NCHW without one. */
    static memory.desc layout(LayoutLink link, long[] dims) {
        memory.desc agreed = link == null ? null : link.layouts.get(key(dims));
        return agreed != null ? agreed : Dnnl.plain(dims, memory.format_tag.nchw);
    }

    private static List<Long> key(long[] dims) {
        return Arrays.stream(dims).boxed().toList();
    }
}
