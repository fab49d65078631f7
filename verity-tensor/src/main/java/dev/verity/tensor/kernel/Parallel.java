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
 * busy machine, which for small pieces cost more than the second thread saved.
 *
 * <p>Claiming: every thread, the caller included, claims the next unclaimed range until none is
 * left. The ranges depend only on n, grain and the thread count; which thread runs a range can
 * change from call to call, which kernels that split outputs cannot see. A worker that is late
 * (still waking up, or descheduled: on a 2-core VM something else takes a core for milliseconds
 * now and then) does not stop the call: the caller runs its range. {@code
 * verity.parallel.partsPerThread} cuts a call into more ranges than threads so that such a
 * thread costs less; the default is one, because on this project's 2-core machine finer ranges
 * measured slower (2 threads, ranges per thread 1/2/4, three runs each: lenet5 27-31k / 18-27k /
 * 17-26k samples/s, mlp 23-37k / 33-35k / 35-37k, gpt 579-716 / 543-697 / 631-715): kernels pay
 * per range (packing, scratch set-up), and the spare thread mostly is not late.
 *
 * <p>No garbage per call: there is one job record, reused. A claim names the job's generation, so
 * a thread that is late for one call can never claim a range of the next with the previous call's
 * body or bounds.
 * A call made from inside a body, or while another thread's call holds the workers, runs its
 * whole range on the calling thread: same ranges' results, no deadlock.
 */
public final class Parallel {
    static final int DEFAULT_PARTS_PER_THREAD = 1;
    private static volatile int threads = Math.max(1, Integer.getInteger("verity.threads",
            Runtime.getRuntime().availableProcessors()));
    private static final long SPIN_NANOS = 1000L * Math.max(0, Integer.getInteger("verity.parallel.spinMicros", 2000));
    private static final int PARTS_PER_THREAD = Math.max(1, Math.min(64,
            Integer.getInteger("verity.parallel.partsPerThread", DEFAULT_PARTS_PER_THREAD)));
    /** Held by the one caller whose job the workers run. */
    private static final ReentrantLock LOCK = new ReentrantLock();
    /** True on worker threads and on a caller while it runs its own part. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);
    private static Worker[] workers = new Worker[0];
    /** The one job record, reused by every call (under LOCK). */
    private static final Job JOB = new Job();
    // Hand-off statistics, written only by the caller holding LOCK (see stats()).
    private static long statJobs;
    private static long statPartsTakenOver;
    private static long statWaitNanos;

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
     * The job record. {@code state} packs the generation (high 32 bits), the number of parts (16)
     * and the next unclaimed part (16): one compare-and-set claims part k of generation g only
     * while g is the current call, so the body and bounds a claimer reads afterwards are that
     * call's (the caller does not start the next call before every part of this one is done).
     */
    private static final class Job {
        private static final VarHandle STATE;
        private static final VarHandle DONE;
        private static final VarHandle FAILURE;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                STATE = l.findVarHandle(Job.class, "state", long.class);
                DONE = l.findVarHandle(Job.class, "done", int.class);
                FAILURE = l.findVarHandle(Job.class, "failure", Throwable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** generation | parts | next part; written by the caller to publish a call, then by claims. */
        volatile long state;
        // Written by the caller before it publishes state; read by a claimer after its claim.
        RangeBody body;
        int n;
        Thread caller;
        /** Parts finished in the current call. */
        volatile int done;
        /** The first throwable of any part of the current call, or null. */
        volatile Throwable failure;
        volatile boolean callerParked;

        static int generation(long s) {
            return (int) (s >>> 32);
        }

        static int parts(long s) {
            return (int) (s >>> 16) & 0xFFFF;
        }

        /** Publishes a call of {@code parts} parts as the generation after the current one. Caller only. */
        void publish(RangeBody body, int n, int parts) {
            this.body = body;
            this.n = n;
            this.caller = Thread.currentThread();
            this.failure = null;
            this.callerParked = false;
            this.done = 0;
            int g = generation(state) + 1;
            state = ((long) g << 32) | ((long) parts << 16);
        }

        /** Claims the next part of generation g: its index, or -1 if g has none left (or is over). */
        int claim(int g) {
            while (true) {
                long s = state;
                int next = (int) s & 0xFFFF;
                if (generation(s) != g || next >= parts(s)) {
                    return -1;
                }
                if (STATE.compareAndSet(this, s, s + 1)) {
                    return next;
                }
            }
        }

        /** Runs claimed part i of a call of {@code parts} parts, then counts it done. */
        void runPart(int i, int parts) {
            try {
                body.run((int) ((long) n * i / parts), (int) ((long) n * (i + 1) / parts));
            } catch (Throwable e) {
                FAILURE.compareAndSet(this, (Throwable) null, e);
            }
            // read before counting: once the last part is counted the caller may publish the next call
            Thread c = caller;
            boolean last = (int) DONE.getAndAdd(this, 1) + 1 == parts;
            if (last && callerParked) {
                LockSupport.unpark(c);
            }
        }

        /** Claims and runs parts of generation g until none is left; returns how many this thread ran. */
        int work(int g) {
            int parts = parts(state);
            int ran = 0;
            for (int i = claim(g); i >= 0; i = claim(g)) {
                runPart(i, parts);
                ran++;
            }
            return ran;
        }
    }

    private static final class Worker extends Thread {
        /** The generation current when this worker was made: already finished, never to be run. */
        private final int seen;
        volatile boolean parked;
        volatile boolean stop;

        Worker(int index, int seen) {
            super("verity-worker-" + index);
            this.seen = seen;
            setDaemon(true);
        }

        @Override
        public void run() {
            INSIDE.get()[0] = true;
            int last = seen;
            while (!stop) {
                int g = Job.generation(JOB.state);
                if (g == last) {
                    idle(last);
                    continue;
                }
                last = g;
                JOB.work(g);
            }
        }

        /** Spins for a while waiting for a generation other than {@code last}, then parks. */
        private void idle(int last) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (Job.generation(JOB.state) == last && !stop) {
                if (System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    // Re-check after announcing: the publisher writes state, then reads parked.
                    if (Job.generation(JOB.state) == last && !stop) {
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
            ws[i] = new Worker(i, Job.generation(JOB.state));
            ws[i].start();
        }
        workers = ws;
    }

    /**
     * Runs {@code body} over [0, n) split into contiguous ranges of at least {@code grain} indices
     * (parallelism has a cost), at most {@code verity.parallel.partsPerThread} (default 1) per thread.
     */
    public static void parallelFor(int n, int grain, RangeBody body) {
        int t = threads;
        long fit = Math.max(1, n / (long) Math.max(1, grain));
        int parts = t <= 1 ? 1 : (int) Math.min(Math.min((long) t * PARTS_PER_THREAD, 0xFFFF), fit);
        boolean[] inside = INSIDE.get();
        if (parts <= 1 || n <= 1 || inside[0] || !LOCK.tryLock()) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        Throwable f;
        try {
            ensureWorkers(t - 1);
            Job j = JOB;
            j.publish(body, n, parts);
            int g = Job.generation(j.state);
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            inside[0] = true;
            int ran;
            try {
                ran = j.work(g);
            } finally {
                inside[0] = false;
            }
            statJobs++;
            // with one range per thread, what the caller ran beyond its own share
            statPartsTakenOver += Math.max(0, ran - (parts + t - 1) / t);
            if (j.done != parts) {
                long w0 = System.nanoTime();
                awaitWorkers(j, parts);
                statWaitNanos += System.nanoTime() - w0;
            }
            f = j.failure;
            j.body = null; // the call's captures are not kept alive by the shared record
        } finally {
            LOCK.unlock();
        }
        if (f instanceof RuntimeException re) {
            throw re;
        } else if (f instanceof Error er) {
            throw er;
        } else if (f != null) {
            throw new IllegalStateException(f);
        }
    }

    private static void awaitWorkers(Job j, int parts) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (j.done != parts) {
            if (System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            } else {
                j.callerParked = true;
                if (j.done != parts) {
                    LockSupport.park(Parallel.class);
                }
            }
        }
    }

    /**
     * How the hand-off went since the last {@link #resetStats}: calls handed to the workers, ranges
     * the caller ran beyond its even share (it found them unclaimed), and the time the caller
     * waited for workers after the last range was claimed. Where something else takes a core,
     * the last two grow: a benchmark can tell a slow engine from a busy machine.
     */
    public record Stats(long jobs, long partsTakenOver, long waitNanos) {
    }

    /** The hand-off statistics (read them on the thread that runs the kernels, or after it has stopped). */
    public static Stats stats() {
        LOCK.lock();
        try {
            return new Stats(statJobs, statPartsTakenOver, statWaitNanos);
        } finally {
            LOCK.unlock();
        }
    }

    public static void resetStats() {
        LOCK.lock();
        try {
            statJobs = 0;
            statPartsTakenOver = 0;
            statWaitNanos = 0;
        } finally {
            LOCK.unlock();
        }
    }
}
