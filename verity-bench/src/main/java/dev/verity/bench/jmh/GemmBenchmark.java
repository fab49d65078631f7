package dev.verity.bench.jmh;

import dev.verity.bench.GemmShape;
import dev.verity.tensor.kernel.Gemm;
import dev.verity.tensor.kernel.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Verity's sgemm at square 1024 and 4096 and the three models' training shapes (forward, input gradient,
 * weight gradient; gpt attention batched). GFLOP/s = {@link GemmShape#flops()} / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-XX:MaxInlineLevel=40"})
public class GemmBenchmark {
    @Param({"square1024", "square4096", "mlp.fc0.fwd", "mlp.fc0.dW", "mlp.fc1.fwd", "mlp.fc1.dX", "mlp.fc1.dW", "gpt.qkv.fwd",
            "gpt.qkv.dW", "gpt.fc.fwd", "gpt.proj4.dX", "gpt.att.qk", "gpt.att.av", "gpt.att.dV"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private GemmShape s;
    private float[] a;
    private float[] b;
    private float[] c;
    private int prevThreads;

    @Setup
    public void setup() {
        s = GemmShape.byName(shape);
        prevThreads = Parallel.threads();
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        a = random(r, s.batch() * s.aRows() * s.aCols());
        b = random(r, s.batch() * s.bRows() * s.bCols());
        c = new float[s.batch() * s.m() * s.n()];
    }

    @TearDown
    public void tearDown() {
        Parallel.setThreads(prevThreads);
    }

    @Benchmark
    public float[] sgemm() {
        if (s.batch() == 1) {
            Gemm.sgemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), a, 0, s.aCols(), b, 0, s.bCols(), c, 0, s.n(), null, false);
        } else {
            Gemm.sgemmBatched(s.batch(), s.transA(), s.transB(), s.m(), s.n(), s.k(), a, 0, s.aCols(),
                    (long) s.aRows() * s.aCols(), b, 0, s.bCols(), (long) s.bRows() * s.bCols(), c, 0, s.n(),
                    (long) s.m() * s.n(), null, false);
        }
        return c;
    }

    static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }
}
