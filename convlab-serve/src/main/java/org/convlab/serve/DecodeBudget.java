package org.convlab.serve;

/**
 * The memory that decoding may hold at once, across all requests. A request reserves what its inputs will take
 * before any is decoded (an image's pixels, read from its header, times {@value #BYTES_PER_PIXEL}; a KServe
 * tensor's values times {@value #BYTES_PER_VALUE}) and frees it once they are one small input tensor. A request
 * that does not fit waits up to a short while for others to finish, then is answered 503; one larger than the
 * whole budget can never fit and is answered 413.
 */
final class DecodeBudget {
    /** Decoding holds the source raster (up to 8 bytes a pixel, 16-bit RGBA) and its 3-byte BGR copy. */
    static final long BYTES_PER_PIXEL = 12;
    /** A KServe value is a float in the request's array, in the tensor made of it, and in its NCHW copy. */
    static final long BYTES_PER_VALUE = 12;

    private final long capacity;
    private final long waitMillis;
    private long used;

    DecodeBudget(long capacity, long waitMillis) {
        this.capacity = capacity;
        this.waitMillis = waitMillis;
    }

    /** What a request holds until it closes the reservation. */
    interface Reservation extends AutoCloseable {
        @Override
        void close();
    }

    /** A request whose inputs alone are over the budget: no wait would let it in. */
    static final class OverBudgetException extends RuntimeException {
        OverBudgetException(String message) {
            super(message);
        }
    }

    /** The budget stayed full for as long as a request may wait. */
    static final class BusyException extends RuntimeException {
        BusyException(String message) {
            super(message);
        }
    }

    Reservation reserve(long bytes, String what) {
        if (bytes > capacity) {
            throw new OverBudgetException(what + " would take " + megabytes(bytes) + " MB to decode, more than the server's"
                    + " decoding budget of " + megabytes(capacity) + " MB; send smaller images");
        }
        synchronized (this) {
            long deadline = System.nanoTime() + waitMillis * 1_000_000;
            while (used + bytes > capacity) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new BusyException("the server is decoding as many images as its memory allows; retry in a moment");
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BusyException("the server is stopping; retry on another instance");
                }
            }
            used += bytes;
        }
        return () -> release(bytes);
    }

    private synchronized void release(long bytes) {
        used -= bytes;
        notifyAll();
    }

    /** Bytes reserved now (for checks). */
    synchronized long used() {
        return used;
    }

    long capacity() {
        return capacity;
    }

    private static long megabytes(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
