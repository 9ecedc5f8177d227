package org.convlab.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * Keeps calling a piece of work until the JIT compiler has gone quiet, so that what is timed next
 * is the steady state a long-running service sees. Why: on two cores the compiler threads take a
 * core from oneDNN's threads, and single-image latency measured while they still compile had
 * stalls of 2-18 ms (p95 12 ms at 28x28 bf16 after 10 warm-up calls; 0.6 ms once the compiler
 * had been quiet for a second, which took 8-9 s of calls at both 28x28 and 100x100).
 *
 * <pre>{@code
 * int calls = JitSettle.run(() -> graph.outputSingle(false, one), Duration.ofSeconds(20));
 * }</pre>
 */
final class JitSettle {
    /** How long the compiler must have done nothing before the work counts as settled. */
    static final Duration QUIET = Duration.ofSeconds(1);

    private JitSettle() {
    }

    /**
     * Runs {@code work} until no compilation has finished for {@link #QUIET}, or until {@code atMost}
     * has passed; returns the number of calls. Without compilation-time monitoring it returns 0 at once.
     */
    static int run(Runnable work, Duration atMost) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (atMost.isZero() || jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return 0;
        }
        long start = System.nanoTime();
        long quietSince = start;
        long compiled = jit.getTotalCompilationTime();
        int calls = 0;
        while (System.nanoTime() - start < atMost.toNanos()) {
            work.run();
            calls++;
            long now = jit.getTotalCompilationTime();
            if (now != compiled) {
                compiled = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= QUIET.toNanos()) {
                break;
            }
        }
        return calls;
    }
}
