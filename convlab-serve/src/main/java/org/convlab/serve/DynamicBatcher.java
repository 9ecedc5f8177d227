package org.convlab.serve;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the requests for one model as few forward passes as it can: the first waiting request
 * opens a batch, which takes more requests until it holds {@code maxBatch} images or
 * {@code maxDelay} has passed, then one forward pass answers them all. It waits only while more
 * requests are on their way (being decoded for this model): a lone client is answered at once
 * instead of waiting out the delay for company that is not coming. A single worker thread owns
 * the network (DL4J networks are not thread-safe). The queue is bounded: when it is full a request
 * is refused at once ({@link QueueFullException}) instead of waiting without end.
 */
final class DynamicBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);
    /** How often a waiting batch looks again whether requests are still on their way. */
    private static final long POLL_NANOS = 100_000;

    /** One request: its preprocessed images [n, C, H, W] and where the probabilities [n, K] go. */
    private record Job(INDArray input, long enqueued, CompletableFuture<INDArray> result) {
    }

    /** What the batcher reports, for metrics. */
    interface Observer {
        void batchRan(int images, double seconds);

        void waited(double seconds);
    }

    private final ComputationGraph graph;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final BlockingQueue<Job> queue;
    private final Observer observer;
    private final Thread worker;
    private final AtomicInteger preparing = new AtomicInteger();
    private volatile boolean accepting = true;
    private Job carried;

    DynamicBatcher(String name, ComputationGraph graph, int maxBatch, long maxDelayMicros, int queueCapacity, Observer observer) {
        this.graph = graph;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelayMicros * 1000;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.observer = observer;
        this.worker = new Thread(this::work, "batcher-" + name);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues {@code input} ([n, C, H, W], already preprocessed) for the next batch.
     *
     * @throws QueueFullException when the queue is full
     * @throws ClosedException    once the batcher no longer accepts work (a newer version took over)
     */
    CompletableFuture<INDArray> submit(INDArray input) {
        if (!accepting) {
            throw new ClosedException();
        }
        Job job = new Job(input, System.nanoTime(), new CompletableFuture<>());
        if (!queue.offer(job)) {
            throw new QueueFullException(queue.size());
        }
        return job.result();
    }

    /** A request for this model is being decoded and will be submitted (or abandoned: {@link #prepared()}). */
    void preparing() {
        preparing.incrementAndGet();
    }

    /** The request announced by {@link #preparing()} was submitted or failed. */
    void prepared() {
        preparing.decrementAndGet();
    }

    /** Requests waiting for a batch. */
    int depth() {
        return queue.size() + (carried != null ? 1 : 0);
    }

    private void work() {
        while (accepting || !queue.isEmpty() || carried != null) {
            List<Job> batch;
            try {
                batch = collect();
            } catch (InterruptedException e) {
                break;
            }
            if (!batch.isEmpty()) {
                run(batch);
            }
        }
        // Whatever is still queued when the thread ends gets an answer, never a hang.
        for (Job j; (j = queue.poll()) != null; ) {
            j.result().completeExceptionally(new ClosedException());
        }
    }

    private List<Job> collect() throws InterruptedException {
        List<Job> batch = new ArrayList<>();
        Job first = carried != null ? carried : queue.poll(100, TimeUnit.MILLISECONDS);
        carried = null;
        if (first == null) {
            return batch;
        }
        batch.add(first);
        long images = first.input().size(0);
        long deadline = System.nanoTime() + maxDelayNanos;
        while (images < maxBatch) {
            long left = deadline - System.nanoTime();
            Job next = queue.poll();
            if (next == null) {
                if (left <= 0 || preparing.get() == 0) {
                    break; // out of time, or nobody else is coming
                }
                next = queue.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
                if (next == null) {
                    continue;
                }
            }
            if (images + next.input().size(0) > maxBatch) {
                carried = next; // opens the next batch
                break;
            }
            batch.add(next);
            images += next.input().size(0);
        }
        return batch;
    }

    private void run(List<Job> batch) {
        long start = System.nanoTime();
        for (Job j : batch) {
            observer.waited((start - j.enqueued()) / 1e9);
        }
        try {
            INDArray x = batch.size() == 1 ? batch.get(0).input()
                    : Nd4j.concat(0, batch.stream().map(Job::input).toArray(INDArray[]::new));
            INDArray p = graph.outputSingle(false, x);
            long row = 0;
            for (Job j : batch) {
                long n = j.input().size(0);
                j.result().complete(p.get(NDArrayIndex.interval(row, row + n), NDArrayIndex.all()).dup());
                row += n;
            }
            observer.batchRan((int) x.size(0), (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException | Error e) {
            // One bad batch fails its own requests; the worker lives on for the next.
            LOG.warn("a batch of {} request(s) failed", batch.size(), e);
            for (Job j : batch) {
                j.result().completeExceptionally(e);
            }
        }
    }

    /** Stops taking work; what is queued is still answered. Waits up to {@code seconds} for that. */
    void drain(double seconds) {
        accepting = false;
        try {
            worker.join((long) (seconds * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        drain(30);
    }

    /** The queue was full: the client should come back later (HTTP 503 with Retry-After). */
    static final class QueueFullException extends RuntimeException {
        QueueFullException(int depth) {
            super("the server is busy (" + depth + " requests queued); retry in a moment");
        }
    }

    /** This batcher stopped taking work: the caller takes the model's current one. */
    static final class ClosedException extends RuntimeException {
        ClosedException() {
            super("this model version is no longer served");
        }
    }
}
