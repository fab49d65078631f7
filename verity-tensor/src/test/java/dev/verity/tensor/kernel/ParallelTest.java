package dev.verity.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Parallel}'s spinning hand-off: every index runs exactly once, at every thread count and
 * across thread-count changes; failures reach the caller; nested calls and calls from several
 * threads at once complete (inline) instead of deadlocking. The timeout only catches a hang.
 */
@Timeout(60)
class ParallelTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    private static void coversOnce(int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        Parallel.parallelFor(n, grain, (from, to) -> {
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), "index " + i + " of " + n + " at " + Parallel.threads() + " threads");
        }
    }

    @Test
    void everyIndexExactlyOnceAcrossThreadCountsAndManyCalls() {
        for (int t : new int[] {1, 2, 4, 3, 2, 1, 4}) {
            Parallel.setThreads(t);
            for (int call = 0; call < 300; call++) {
                coversOnce(call % 37, 1 + call % 5);
            }
            coversOnce(100_003, 7);
        }
    }

    /**
     * A worker's part that the worker has not claimed by the time the caller is done with its own
     * is run by the caller (a descheduled worker is not waited for): over many tiny calls, where
     * a spinning worker and the caller race for part 1, the caller wins some, and every index is
     * still covered exactly once.
     */
    @Test
    void theCallerRunsPartsItsWorkersHaveNotStarted() {
        Parallel.setThreads(2);
        Thread me = Thread.currentThread();
        int stolen = 0;
        for (int call = 0; call < 5000; call++) {
            AtomicIntegerArray hits = new AtomicIntegerArray(2);
            boolean[] byCaller = new boolean[1];
            Parallel.parallelFor(2, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
                if (from == 1 && Thread.currentThread() == me) {
                    byCaller[0] = true;
                }
            });
            assertEquals(1, hits.get(0));
            assertEquals(1, hits.get(1));
            stolen += byCaller[0] ? 1 : 0;
        }
        assertTrue(stolen > 0, "the caller never ran its worker's part in 5000 calls");
    }

    /** Past 64 parts the claims live in a second bit set: every index still exactly once. */
    @Test
    void moreThanSixtyFourParts() {
        for (int t : new int[] {70, 130, 70}) {
            Parallel.setThreads(t);
            for (int call = 0; call < 20; call++) {
                coversOnce(10_007 + call, 1);
            }
        }
    }

    @Test
    void failureInAnyPartReachesCaller() {
        Parallel.setThreads(4);
        for (int bad = 0; bad < 4; bad++) {
            int b = bad;
            IllegalStateException e = new IllegalStateException("part " + bad);
            AtomicReference<Throwable> got = new AtomicReference<>();
            got.set(assertThrows(IllegalStateException.class, () -> Parallel.parallelFor(4, 1, (from, to) -> {
                if (from == b) {
                    throw e;
                }
            })));
            assertSame(e, got.get());
            coversOnce(1000, 1);
        }
    }

    @Test
    void nestedAndConcurrentCallsComplete() throws InterruptedException {
        Parallel.setThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
        Parallel.parallelFor(64, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = i;
                Parallel.parallelFor(64, 1, (f2, t2) -> {
                    for (int j = f2; j < t2; j++) {
                        hits.incrementAndGet(row * 64 + j);
                    }
                });
            }
        });
        for (int i = 0; i < hits.length(); i++) {
            assertEquals(1, hits.get(i));
        }
        Thread[] callers = new Thread[3];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int c = 0; c < callers.length; c++) {
            callers[c] = new Thread(() -> {
                try {
                    for (int call = 0; call < 200; call++) {
                        coversOnce(5000, 1);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            callers[c].start();
        }
        for (Thread c : callers) {
            c.join();
        }
        assertEquals(null, failure.get());
    }
}
