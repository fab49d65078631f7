package dev.verity.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** Many ranges (one per thread at 70 and 130 threads): every index still exactly once. */
    @Test
    void moreThanSixtyFourParts() {
        for (int t : new int[] {70, 130, 70}) {
            Parallel.setThreads(t);
            for (int call = 0; call < 20; call++) {
                coversOnce(10_007 + call, 1);
            }
        }
    }

    /**
     * The job record is reused from call to call: a thread late for one call must never run a
     * range of it after the call has returned, nor a range of the next call twice. Over many tiny
     * calls, each with its own body and counters, no body runs after its call returned and every
     * index runs exactly once.
     */
    @Test
    void noRangeRunsAfterItsCallReturned() {
        for (int t : new int[] {2, 4}) {
            Parallel.setThreads(t);
            AtomicInteger late = new AtomicInteger();
            for (int call = 0; call < 20_000; call++) {
                int n = 2 + call % 7;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                boolean[] returned = new boolean[1];
                Parallel.parallelFor(n, 1, (from, to) -> {
                    if (returned[0]) {
                        late.incrementAndGet();
                    }
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                returned[0] = true;
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "call " + call + " index " + i + " at " + t + " threads");
                }
            }
            assertEquals(0, late.get(), "ranges run after their call returned");
        }
    }

    private static final float[] SINK = new float[64];

    /**
     * A hand-off allocates nothing (one reused job record): measured on the caller over calls
     * whose body captures nothing (a lambda without captures is a constant). A record per call
     * would be 10,000 x 40 B or more.
     */
    @Test
    void aHandOffAllocatesNothing() {
        Parallel.setThreads(2);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Parallel.RangeBody body = (from, to) -> {
            for (int i = from; i < to; i++) {
                SINK[i] += 1f;
            }
        };
        for (int call = 0; call < 30_000; call++) {
            Parallel.parallelFor(64, 1, body);
        }
        long id = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(id);
        for (int call = 0; call < 10_000; call++) {
            Parallel.parallelFor(64, 1, body);
        }
        long bytes = mx.getThreadAllocatedBytes(id) - before;
        assertTrue(bytes < 40_000, "10,000 hand-offs allocated " + bytes + " bytes on the caller");
    }

    @Test
    void statsCountHandOffs() {
        Parallel.setThreads(2);
        Parallel.resetStats();
        for (int call = 0; call < 100; call++) {
            coversOnce(1000, 1);
        }
        coversOnce(1000, 1000); // one range: runs inline, no hand-off
        Parallel.Stats s = Parallel.stats();
        assertEquals(100, s.jobs());
        assertTrue(s.partsTakenOver() >= 0 && s.partsTakenOver() <= 100, s.toString());
        assertTrue(s.waitNanos() >= 0, s.toString());
        Parallel.resetStats();
        assertEquals(new Parallel.Stats(0, 0, 0), Parallel.stats());
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
