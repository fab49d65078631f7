package dev.verity.bench;

import dev.verity.tensor.kernel.Gemm;
import dev.verity.tensor.kernel.Parallel;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** {@code ./verity bench gemm}: Verity's sgemm against numpy/OpenBLAS at the same shapes. */
public final class GemmBench {
    /** Issue 3's GEMM goal: at least 90% of OpenBLAS's GFLOP/s. */
    public static final double GOAL = 0.9;

    private GemmBench() {
    }

    /** numpy/OpenBLAS timing of the same shapes; argv: min seconds, then "name batch tA tB M N K" ... */
    static final String NUMPY = """
            import json, sys, time
            import numpy as np
            secs = float(sys.argv[1]); out = {}
            rng = np.random.default_rng(1)
            for spec in sys.argv[2:]:
                name, batch, ta, tb, m, n, k = spec.split()
                batch, m, n, k = int(batch), int(m), int(n), int(k)
                ta, tb = ta == '1', tb == '1'
                shp = lambda r, c: (batch, r, c) if batch > 1 else (r, c)
                a = rng.standard_normal(shp(k, m) if ta else shp(m, k), dtype=np.float32)
                b = rng.standard_normal(shp(n, k) if tb else shp(k, n), dtype=np.float32)
                sw = (lambda x: x.swapaxes(-1, -2))
                A = sw(a) if ta else a; B = sw(b) if tb else b
                c = np.matmul(A, B)
                def once():
                    reps = 0; t0 = time.perf_counter()
                    while True:
                        np.matmul(A, B, out=c); reps += 1
                        t = time.perf_counter() - t0
                        if t >= secs: return reps / t
                once()
                rates = sorted(once() for _ in range(5))
                out[name] = 2.0 * batch * m * n * k * rates[-1] / 1e9
            print(json.dumps(out))
            """;

    /**
     * Best GFLOP/s of 5 trials of at least {@code secs} seconds each, after a warm-up. Best, not
     * median, on both sides: on a shared machine other work only ever slows a trial down.
     */
    public static double verity(GemmShape s, int threads, double secs) {
        int prev = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            SplittableRandom r = new SplittableRandom(1);
            float[] a = random(r, (long) s.batch() * s.aRows() * s.aCols());
            float[] b = random(r, (long) s.batch() * s.bRows() * s.bCols());
            float[] c = new float[s.batch() * s.m() * s.n()];
            Runnable op = () -> Gemm.sgemmBatched(s.batch(), s.transA(), s.transB(), s.m(), s.n(), s.k(),
                    a, 0, s.aCols(), (long) s.aRows() * s.aCols(), b, 0, s.bCols(), (long) s.bRows() * s.bCols(),
                    c, 0, s.n(), (long) s.m() * s.n(), null, false);
            if (s.batch() == 1) {
                op = () -> Gemm.sgemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), a, 0, s.aCols(), b, 0, s.bCols(),
                        c, 0, s.n(), null, false);
            }
            // Warm-up long enough for C2 to finish the kernel at this shape (0.2 s was not, for 1024^3).
            rate(op, Math.max(1.0, 3 * secs));
            double[] rates = new double[5];
            for (int i = 0; i < rates.length; i++) {
                rates[i] = rate(op, secs);
            }
            java.util.Arrays.sort(rates);
            return s.flops() * rates[rates.length - 1] / 1e9;
        } finally {
            Parallel.setThreads(prev);
        }
    }

    private static double rate(Runnable op, double secs) {
        long t0 = System.nanoTime();
        long reps = 0;
        while (true) {
            op.run();
            reps++;
            long ns = System.nanoTime() - t0;
            if (ns >= secs * 1e9) {
                return reps * 1e9 / ns;
            }
        }
    }

    private static float[] random(SplittableRandom r, long n) {
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** numpy GFLOP/s per shape name, or null (with a message on {@code log}) when numpy is unavailable. */
    static java.util.Map<String, Double> numpy(List<GemmShape> shapes, int threads, double secs, PrintStream log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Procs.python(), "-c", NUMPY, Double.toString(secs)));
        for (GemmShape s : shapes) {
            cmd.add(s.name() + " " + s.batch() + " " + (s.transA() ? 1 : 0) + " " + (s.transB() ? 1 : 0) + " " + s.m()
                    + " " + s.n() + " " + s.k());
        }
        Procs.Out out = Procs.run(cmd, Procs.pythonEnv(threads), 3600);
        if (out.exit() != 0) {
            log.println("numpy reference failed (exit " + out.exit() + "): " + TrainBench.lastLine(out.stderr()));
            return null;
        }
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        for (GemmShape s : shapes) {
            m.put(s.name(), Procs.jsonNumber(out.stdout(), s.name()));
        }
        return m;
    }

    /** The child's one output line. */
    static String childLine(double gflops) {
        return String.format(Locale.ROOT, "{\"gflops\": %.4f}", gflops);
    }

    /**
     * Verity's GFLOP/s at one shape in a fresh JVM, as JMH forks: in one JVM that has already run
     * other shapes, C2 compiles the shared kernels with the earlier shapes' profiles, and some
     * shapes measured 10-30% lower depending on the order (e.g. 64x64x32 NT 51 vs 69 GFLOP/s).
     */
    static double forked(GemmShape s, int threads, double secs) throws IOException, InterruptedException {
        Procs.Out out = Procs.run(Procs.java(BenchMain.class.getName(), "gemm-child", "--shape", s.name(),
                "--threads", Integer.toString(threads), "--seconds", Double.toString(secs)), java.util.Map.of(), 600);
        double v = Procs.jsonNumber(out.stdout(), "gflops");
        if (out.exit() != 0 || Double.isNaN(v)) {
            throw new IOException("gemm child for " + s.name() + " at " + threads + " thread(s) failed (exit "
                    + out.exit() + "): " + TrainBench.lastLine(out.stderr()));
        }
        return v;
    }

    public static String run(List<GemmShape> shapes, List<Integer> threads, boolean reference, double secs, boolean fork,
                             PrintStream log) throws IOException, InterruptedException {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"shape", "form", "batch x MxNxK", "threads", "verity GFLOP/s", "openblas GFLOP/s",
                "ratio", "verity % peak", "openblas % peak", "goal"});
        int met = 0;
        int rows = 0;
        log.printf(Locale.ROOT, "load average before the runs: %.2f (on %d cores)%n", Peak.loadAverage(),
                Runtime.getRuntime().availableProcessors());
        log.println(fork ? "verity: each shape and thread count in a fresh JVM (--same-jvm: all in this one)"
                : "verity: all shapes in this JVM, one after another");
        for (int t : threads) {
            Peak.perCoreTimes(t);
            double peak = Peak.remeasure() * t;
            log.printf(Locale.ROOT, "peak: %.1f GFLOP/s fp32 FMA for %d thread(s) (one core's times %d)%n", peak, t, t);
            java.util.Map<String, Double> np = reference ? numpy(shapes, t, secs, log) : null;
            for (GemmShape s : shapes) {
                double v = fork ? forked(s, t, secs) : verity(s, t, secs);
                double o = np == null ? Double.NaN : np.getOrDefault(s.name(), Double.NaN);
                double ratio = v / o;
                boolean ok = !Double.isNaN(ratio) && ratio >= GOAL;
                rows++;
                met += ok ? 1 : 0;
                cells.add(new String[] {s.name(), s.form(), s.batch() + " x " + s.m() + "x" + s.n() + "x" + s.k(),
                        Integer.toString(t), f1(v), Double.isNaN(o) ? "-" : f1(o),
                        Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio),
                        String.format(Locale.ROOT, "%.0f%%", 100 * v / peak),
                        Double.isNaN(o) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * o / peak), ok ? "met" : "no"});
                log.printf(Locale.ROOT, "  %s threads %d: verity %.1f, openblas %s%n", s.name(), t, v, Double.isNaN(o) ? "-" : f1(o));
            }
        }
        return TrainTable.grid(cells) + gemmGoalLine(met, rows) + "\n";
    }

    public static String gemmGoalLine(int met, int rows) {
        return "gemm goal: " + met + "/" + rows + " rows meet (verity >= 90% of OpenBLAS GFLOP/s)";
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
