package org.convlab.runtime.dnnl;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;

/**
 * Per-thread buffers for oneDNN's blocked copies of activations (nChw8c and the like).
 *
 * <p>libnd4j allocates such buffers on every call, and the fresh pages cost more than the
 * copy itself; these are allocated once, grown when a larger layer needs more, and shared by
 * all layers a thread runs, since each copy lives only for the duration of one call. When the
 * thread ends, its buffers are freed (a host's thread pools come and go).
 */
final class Scratch {
    /** What a buffer holds during one call; two roles never share a buffer. */
    enum Slot { SRC, DST, DIFF_DST, DIFF_DST_DATA, DIFF_SRC }

    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong BYTES_HELD = new AtomicLong();

    private final Buffers held = new Buffers();

    private Scratch() {
        CLEANER.register(this, held); // once the thread has ended and its Scratch is unreachable
    }

    /** The native memory all threads' buffers hold now (for checks). */
    static long bytesHeld() {
        return BYTES_HELD.get();
    }

    /** This thread's buffer for {@code slot}, at least {@code bytes} long. */
    static Pointer get(Slot slot, long bytes) {
        return PER_THREAD.get().buffer(slot, bytes);
    }

    private Pointer buffer(Slot slot, long bytes) {
        Pointer[] buffers = held.pointers;
        long[] sizes = held.sizes;
        int i = slot.ordinal();
        if (buffers[i] == null || sizes[i] < bytes) {
            held.free(i);
            buffers[i] = Pointer.malloc(bytes + 64);
            if (buffers[i] == null || buffers[i].isNull()) {
                buffers[i] = null;
                throw new OutOfMemoryError("oneDNN scratch buffer of " + bytes + " bytes");
            }
            sizes[i] = bytes;
            BYTES_HELD.addAndGet(bytes + 64);
        }
        // 64-byte alignment suits every vector width oneDNN may pick.
        long address = buffers[i].address();
        return new PagedPointer(address + (64 - address % 64) % 64);
    }

    /** One thread's native buffers, apart from {@link Scratch} so that the cleaner does not keep it reachable. */
    private static final class Buffers implements Runnable {
        final Pointer[] pointers = new Pointer[Slot.values().length];
        final long[] sizes = new long[Slot.values().length];   // usable bytes; each allocation is 64 more, to align

        void free(int i) {
            if (pointers[i] != null) {
                Pointer.free(pointers[i]);
                BYTES_HELD.addAndGet(-(sizes[i] + 64));
                pointers[i] = null;
                sizes[i] = 0;
            }
        }

        @Override
        public void run() {
            for (int i = 0; i < pointers.length; i++) {
                free(i);
            }
        }
    }
}
