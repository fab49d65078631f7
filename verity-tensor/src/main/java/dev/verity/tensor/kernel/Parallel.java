package dev.verity.tensor.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one place Verity's kernels go parallel. Work is split into a fixed number of contiguous
 * ranges by index only (static partitioning), so which thread computes an output never changes
 * what is computed: kernels split <em>outputs</em> across threads, never a reduction.
 *
 * <p>Hand-off: a training step calls this hundreds of times for pieces of 10-1000 us, so the
 * workers and the caller spin ({@code verity.parallel.spinMicros}, default 2000 us: about
 * half an mlp step, so workers stay awake across a step's serial stretches) before parking,
 * like an OpenMP runtime; a parked thread costs a wake-up of tens of microseconds or more on a
 * busy machine, which for small pieces cost more than the second thread saved. The caller, once
 * its own range is done, runs any range whose worker has not started it yet: on a machine where
 * something else takes a worker's core for a few milliseconds (measured: in about one lenet5 step
 * in ten on a 2-core VM, the caller otherwise waited past its 2 ms spin), the step goes on at one
 * thread's speed instead of stopping.
 * A call made from inside a body, or while another thread's call holds the workers, runs its
 * whole range on the calling thread: same ranges' results, no deadlock.
 */
public final class Parallel {
    private static volatile int threads = Math.max(1, Integer.getInteger("verity.threads",
            Runtime.getRuntime().availableProcessors()));
    private static final long SPIN_NANOS = 1000L * Math.max(0, Integer.getInteger("verity.parallel.spinMicros", 2000));
    /** Held by the one caller whose job the workers run. */
    private static final ReentrantLock LOCK = new ReentrantLock();
    /** True on worker threads and on a caller while it runs its own part. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);
    private static Worker[] workers = new Worker[0];
    /** The current job; workers run each job they see once (compared by identity). */
    private static volatile Job job;

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

    /** A body over the half-open index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * One parallelFor call: the body, its split, which parts have been claimed, and how many
     * workers' parts are still running.
     */
    private static final class Job {
        private static final VarHandle CLAIMED;
        private static final VarHandle PENDING;
        private static final VarHandle FAILURE;
        private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                CLAIMED = l.findVarHandle(Job.class, "claimed", long.class);
                PENDING = l.findVarHandle(Job.class, "pending", int.class);
                FAILURE = l.findVarHandle(Job.class, "failure", Throwable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final RangeBody body;
        final int n;
        final int parts;
        final Thread caller;
        // pending and failure are fields behind VarHandles, not AtomicInteger/AtomicReference
        // objects: a step makes hundreds of jobs, and each would bring two more objects of garbage.
        /** Parts 1..parts-1 not yet finished (part 0 is the caller's own). */
        private volatile int pending;
        /** The first throwable of any part, or null. */
        private volatile Throwable failure;
        volatile boolean callerParked;
        /** Bit i set: part i has been claimed by a thread (parts 0..63; the rest in claimedHigh). */
        @SuppressWarnings("unused") // through CLAIMED
        private volatile long claimed;
        /** Claim bits of parts 64 and up, one per part (null when there are at most 64 parts). */
        private final long[] claimedHigh;

        Job(RangeBody body, int n, int parts) {
            this.body = body;
            this.n = n;
            this.parts = parts;
            this.caller = Thread.currentThread();
            this.pending = parts - 1;
            this.claimedHigh = parts > 64 ? new long[(parts - 64 + 63) / 64] : null;
        }

        /** Claims part i for the calling thread; false if another thread has it. */
        boolean claim(int i) {
            long bit = 1L << (i & 63);
            long before = i < 64 ? (long) CLAIMED.getAndBitwiseOr(this, bit)
                    : (long) WORD.getAndBitwiseOr(claimedHigh, (i - 64) >> 6, bit);
            return (before & bit) == 0;
        }

        /** Counts one of parts 1.. as finished; returns how many are still running. */
        int finishPart() {
            return (int) PENDING.getAndAdd(this, -1) - 1;
        }

        void runPart(int i) {
            try {
                body.run((int) ((long) n * i / parts), (int) ((long) n * (i + 1) / parts));
            } catch (Throwable e) {
                FAILURE.compareAndSet(this, (Throwable) null, e);
            }
        }
    }

    private static final class Worker extends Thread {
        /** Part index: worker w runs part w + 1 (the caller runs part 0). */
        final int part;
        /** The job current when this worker was made: already finished, never to be run. */
        private final Job seen;
        volatile boolean parked;
        volatile boolean stop;

        Worker(int part, Job seen) {
            super("verity-worker-" + part);
            this.part = part + 1;
            this.seen = seen;
            setDaemon(true);
        }

        @Override
        public void run() {
            INSIDE.get()[0] = true;
            // Not "job" as read here: the first job may already have been published.
            Job last = seen;
            while (!stop) {
                Job j = job;
                if (j == last) {
                    idle(last);
                    continue;
                }
                last = j;
                if (part < j.parts && j.claim(part)) {
                    j.runPart(part);
                    if (j.finishPart() == 0 && j.callerParked) {
                        LockSupport.unpark(j.caller);
                    }
                }
            }
        }

        /** Spins for a while waiting for a job other than {@code last}, then parks. */
        private void idle(Job last) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (job == last && !stop) {
                if (System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    // Re-check after announcing: the publisher writes job, then reads parked.
                    if (job == last && !stop) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }

    /** Starts or replaces the workers so that there are exactly {@code size}. Under LOCK. */
    private static void ensureWorkers(int size) {
        if (workers.length == size) {
            return;
        }
        for (Worker w : workers) {
            w.stop = true;
            LockSupport.unpark(w);
        }
        Worker[] ws = new Worker[size];
        for (int i = 0; i < size; i++) {
            ws[i] = new Worker(i, job);
            ws[i].start();
        }
        workers = ws;
    }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous ranges.
     * Ranges smaller than {@code grain} are not split further (parallelism has a cost).
     */
    public static void parallelFor(int n, int grain, RangeBody body) {
        int t = threads;
        int parts = (int) Math.min(t, Math.max(1, n / (long) Math.max(1, grain)));
        boolean[] inside = INSIDE.get();
        if (parts <= 1 || n <= 1 || inside[0] || !LOCK.tryLock()) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        Job j;
        try {
            ensureWorkers(t - 1);
            j = new Job(body, n, parts);
            job = j;
            for (Worker w : workers) {
                if (w.part < parts && w.parked) {
                    LockSupport.unpark(w);
                }
            }
            inside[0] = true;
            try {
                j.runPart(0);
                // A worker that has not claimed its part yet (descheduled, or still waking up) is
                // not waited for: the caller runs that part itself. The ranges stay the same, so
                // the results do too; only which thread computes a range changes.
                for (int i = 1; i < parts; i++) {
                    if (j.claim(i)) {
                        j.runPart(i);
                        j.finishPart();
                    }
                }
            } finally {
                inside[0] = false;
            }
            awaitWorkers(j);
        } finally {
            LOCK.unlock();
        }
        Throwable f = j.failure;
        if (f instanceof RuntimeException re) {
            throw re;
        } else if (f instanceof Error er) {
            throw er;
        } else if (f != null) {
            throw new IllegalStateException(f);
        }
    }

    private static void awaitWorkers(Job j) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (j.pending != 0) {
            if (System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            } else {
                j.callerParked = true;
                if (j.pending != 0) {
                    LockSupport.park(Parallel.class);
                }
            }
        }
    }
}
