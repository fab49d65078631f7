package dev.verity.bench;

import java.util.concurrent.CyclicBarrier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures this machine's fp32 FMA throughput instead of trusting a data sheet: each thread runs
 * a loop of many independent {@code FloatVector.fma} chains (enough to hide the FMA latency), so
 * the loop is bound by FMA issue rate alone. GFLOP/s = 2 x lanes x chains x iterations / time.
 */
public final class Peak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators: latency 4 x 2 FMA ports needs >= 8; 12 fit the register file. */
    static final int CHAINS = 12;

    private Peak() {
    }

    /** Returns the best GFLOP/s of {@code trials} runs with {@code threads} threads at once. */
    public static double gflops(int threads, int trials) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (trials < 1) {
            throw new IllegalArgumentException("trials must be >= 1, got " + trials);
        }
        // Warm-up: let C2 compile the loop before anything is timed.
        for (int i = 0; i < 3; i++) {
            loop(2_000_000);
        }
        double best = 0;
        for (int t = 0; t < trials; t++) {
            best = Math.max(best, once(threads, 20_000_000L));
        }
        return best;
    }

    private static double once(int threads, long iters) {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        float[] sink = new float[threads];
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int id = i;
            ts[i] = Thread.ofPlatform().daemon().start(() -> {
                try {
                    start.await();
                    sink[id] = loop(iters);
                    end.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        try {
            start.await();
            long t0 = System.nanoTime();
            end.await();
            long ns = System.nanoTime() - t0;
            for (Thread t : ts) {
                t.join();
            }
            if (Float.isNaN(sink[0])) {
                throw new IllegalStateException("peak loop produced NaN");
            }
            return 2.0 * S.length() * CHAINS * iters * threads / ns;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** acc = acc * m + c for 12 independent accumulators; |m| < 1 keeps the values finite. */
    static float loop(long iters) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = FloatVector.broadcast(S, 2f);
        FloatVector a2 = FloatVector.broadcast(S, 3f), a3 = FloatVector.broadcast(S, 4f);
        FloatVector a4 = FloatVector.broadcast(S, 5f), a5 = FloatVector.broadcast(S, 6f);
        FloatVector a6 = FloatVector.broadcast(S, 7f), a7 = FloatVector.broadcast(S, 8f);
        FloatVector a8 = FloatVector.broadcast(S, 9f), a9 = FloatVector.broadcast(S, 10f);
        FloatVector a10 = FloatVector.broadcast(S, 11f), a11 = FloatVector.broadcast(S, 12f);
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11);
        return s.lane(0);
    }

    /**
     * The peak of {@code threads} cores as one core's measured peak times {@code threads}: on a
     * shared machine a concurrent measurement is easily disturbed by other work, and an
     * underestimated peak would flatter every share computed from it.
     */
    public static double perCoreTimes(int threads) {
        synchronized (Peak.class) {
            if (perCore == 0) {
                perCore = gflops(1, 5);
            }
        }
        return perCore * threads;
    }

    private static double perCore;

    /**
     * Measures one core again and keeps the best value seen: other work on the machine only ever
     * lowers a measurement, so the maximum over the run is the closest to the real peak.
     */
    public static synchronized double remeasure() {
        perCore = Math.max(perCore, gflops(1, 3));
        return perCore;
    }

    /** The 1-minute load average, or NaN where /proc is absent (printed so readers can judge the noise). */
    public static double loadAverage() {
        try {
            String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"));
            return Double.parseDouble(s.split(" ")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    public static int lanes() {
        return S.length();
    }
}
