package org.convlab.infer;

import org.convlab.ConvLabException;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Copies of one network for concurrent callers: DL4J networks are not thread-safe ({@code output()} from two
 * threads corrupts results), so a call borrows a copy, runs, and gives it back. Closing frees every copy's
 * native memory, also one that a call was using at the time (freed when that call ends).
 */
final class Replicas implements AutoCloseable {
    private final BlockingQueue<ComputationGraph> pool;
    private volatile boolean closed;

    Replicas(int count, Supplier<ComputationGraph> make) {
        if (count < 1) {
            throw new ConvLabException("a classifier needs at least one replica, received " + count);
        }
        pool = new ArrayBlockingQueue<>(count);
        for (int i = 0; i < count; i++) {
            pool.add(make.get());
        }
    }

    /** {@code call} on a borrowed copy, which only this thread uses meanwhile. */
    <T> T with(Function<ComputationGraph, T> call) {
        ComputationGraph graph = borrow();
        try {
            return call.apply(graph);
        } finally {
            pool.add(graph);
            if (closed) {
                release(); // closed while this call ran: its replica is freed here
            }
        }
    }

    private ComputationGraph borrow() {
        try {
            // Polling, not take(): a call that waits while another thread closes the pool must not wait forever.
            while (true) {
                if (closed) {
                    throw new IllegalStateException("this classifier is closed; load the model again");
                }
                ComputationGraph graph = pool.poll(100, TimeUnit.MILLISECONDS);
                if (graph != null) {
                    return graph;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model replica", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        release();
    }

    private void release() {
        for (ComputationGraph graph = pool.poll(); graph != null; graph = pool.poll()) {
            graph.close();
        }
    }
}
