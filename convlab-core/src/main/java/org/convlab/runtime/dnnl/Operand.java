package org.convlab.runtime.dnnl;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One argument of a primitive: the layer's array and, when the primitive wants another layout,
 * a copy in that layout plus the reorders between them. Activation-sized copies live in this
 * thread's {@link Scratch}; weight-sized ones are owned here. The copy in may also scale (an
 * int8 layer's quantization).
 */
final class Operand {
    final memory inner;
    private final memory user;
    private final boolean reordered;
    private final Scratch.Slot slot;
    private final long bytes;
    private final primitive_attr scaling;
    // Made on first use: an input needs only the one way (and some layouts, Winograd's weights, only go that way).
    private reorder toInner;
    private reorder toUser;

    Operand(memory.desc userDesc, memory.desc wanted, Scratch.Slot slot) {
        this(userDesc, wanted, slot, null);
    }

    /** As the plain operand, the copy in multiplying by {@code scaling}'s scales (rounded and clipped to an integer type). */
    Operand(memory.desc userDesc, memory.desc wanted, Scratch.Slot slot, primitive_attr scaling) {
        this.scaling = scaling;
        user = Dnnl.unbound(userDesc);
        reordered = !wanted.equals(userDesc);
        if (reordered) {
            inner = slot == null ? new memory(wanted, Dnnl.engine()) : Dnnl.unbound(wanted);
            this.slot = slot;
        } else {
            inner = user;
            this.slot = null;
        }
        bytes = wanted.get_size();
    }

    /** Points at an input array and, if needed, copies it into the primitive's layout. */
    void bindIn(INDArray array) {
        user.set_data_handle(Dnnl.address(array));
        if (reordered) {
            bindScratch();
            if (toInner == null) {
                toInner = Dnnl.reorder(user, inner, scaling);
            }
            toInner.execute(Dnnl.stream(), user, inner);
        }
    }

    /** Points at an output array; {@link #copyOut()} fills it after the primitive ran. */
    void bindOut(INDArray array) {
        user.set_data_handle(Dnnl.address(array));
        if (reordered) {
            bindScratch();
        }
    }

    void copyOut() {
        if (reordered) {
            if (toUser == null) {
                toUser = new reorder(inner, user);
            }
            toUser.execute(Dnnl.stream(), inner, user);
        }
    }

    private void bindScratch() {
        if (slot != null) {
            inner.set_data_handle(Scratch.get(slot, bytes));
        }
    }
}
