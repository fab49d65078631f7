package dev.verity.tensor.kernel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place Verity's kernels go parallel. Work is split into a fixed number of contiguous
 * ranges by index only (static partitioning), so which thread computes an output never changes
 * what is computed: kernels split <em>outputs</em> across threads, never a reduction.
 */
public final class Parallel {
    private static volatile int threads = Math.max(1, Integer.getInteger("verity.threads",
            Runtime.getRuntime().availableProcessors()));
    private static ExecutorService pool;
    private static int poolSize;

    private Parallel() {
    }

    /** Sets the number of worker threads (1 = run everything on the caller). */
    public static synchronized void setThreads(int n) {
        if (n < 1 || n > 1024) {
            throw new IllegalArgumentException("threads must be between 1 and 1024, got " + n);
        }
        threads = n;
    }

    public static int threads() {
        return threads;
    }

    private static synchronized ExecutorService pool(int size) {
        if (pool == null || poolSize != size) {
            if (pool != null) {
                pool.shutdown();
            }
            poolSize = size;
            pool = Executors.newFixedThreadPool(size, r -> {
                Thread t = new Thread(r, "verity-worker");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /** A body over the half-open index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous ranges.
     * Ranges smaller than {@code grain} are not split further (parallelism has a cost).
     */
    public static void parallelFor(int n, int grain, RangeBody body) {
        int t = threads;
        int parts = (int) Math.min(t, Math.max(1, n / (long) Math.max(1, grain)));
        if (parts <= 1 || n <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        ExecutorService p = pool(t - 1);
        CountDownLatch done = new CountDownLatch(parts - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 1; i < parts; i++) {
            int from = (int) ((long) n * i / parts);
            int to = (int) ((long) n * (i + 1) / parts);
            p.execute(() -> {
                try {
                    body.run(from, to);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            body.run(0, (int) ((long) n / parts));
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for workers", e);
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) {
            throw re;
        } else if (f instanceof Error er) {
            throw er;
        } else if (f != null) {
            throw new IllegalStateException(f);
        }
    }
}
