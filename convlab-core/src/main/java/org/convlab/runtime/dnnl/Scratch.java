package org.convlab.runtime.dnnl;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;

/**
 * Per-thread buffers for oneDNN's blocked copies of activations (nChw8c and the like).
 *
 * <p>libnd4j allocates such buffers on every call, and the fresh pages cost more than the
 * copy itself; these are allocated once, grown when a larger layer needs more, and shared by
 * all layers a thread runs, since each copy lives only for the duration of one call.
 */
final class Scratch {
    /** What a buffer holds during one call; two roles never share a buffer. */
    enum Slot { SRC, DST, DIFF_DST, DIFF_DST_DATA, DIFF_SRC }

    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    private final Pointer[] buffers = new Pointer[Slot.values().length];
    private final long[] sizes = new long[Slot.values().length];

    private Scratch() {
    }

    /** This thread's buffer for {@code slot}, at least {@code bytes} long. */
    static Pointer get(Slot slot, long bytes) {
        return PER_THREAD.get().buffer(slot, bytes);
    }

    private Pointer buffer(Slot slot, long bytes) {
        int i = slot.ordinal();
        if (buffers[i] == null || sizes[i] < bytes) {
            if (buffers[i] != null) {
                Pointer.free(buffers[i]);
            }
            buffers[i] = Pointer.malloc(bytes + 64);
            if (buffers[i] == null || buffers[i].isNull()) {
                throw new OutOfMemoryError("oneDNN scratch buffer of " + bytes + " bytes");
            }
            sizes[i] = bytes;
        }
        // 64-byte alignment suits every vector width oneDNN may pick.
        long address = buffers[i].address();
        return new PagedPointer(address + (64 - address % 64) % 64);
    }
}
