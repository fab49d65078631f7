package dev.verity.bench.jmh;

import dev.verity.tensor.kernel.Conv2dKernels;
import dev.verity.tensor.kernel.Conv2dShape;
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

/** LeNet-5's two convolutions at batch 128: forward, weight gradient, input gradient. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-XX:MaxInlineLevel=40"})
public class ConvBenchmark {
    /** conv1: 1 -> 6 channels, 28x28, 5x5, pad 2; conv2: 6 -> 16 channels, 14x14, 5x5, no pad. */
    @Param({"conv1", "conv2"})
    public String layer;

    @Param({"1", "2"})
    public int threads;

    private Conv2dShape s;
    private float[] x;
    private float[] w;
    private float[] bias;
    private float[] y;
    private float[] dy;
    private float[] dw;
    private float[] db;
    private float[] dx;
    private int prevThreads;

    @Setup
    public void setup() {
        s = layer.equals("conv1") ? new Conv2dShape(128, 1, 28, 28, 6, 5, 5, 1, 2)
                : new Conv2dShape(128, 6, 14, 14, 16, 5, 5, 1, 0);
        prevThreads = Parallel.threads();
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        x = GemmBenchmark.random(r, s.xSize());
        w = GemmBenchmark.random(r, s.wSize());
        bias = GemmBenchmark.random(r, s.oc());
        dy = GemmBenchmark.random(r, s.ySize());
        y = new float[s.ySize()];
        dw = new float[s.wSize()];
        db = new float[s.oc()];
        dx = new float[s.xSize()];
    }

    @TearDown
    public void tearDown() {
        Parallel.setThreads(prevThreads);
    }

    @Benchmark
    public float[] forward() {
        Conv2dKernels.forward(s, x, w, bias, y);
        return y;
    }

    @Benchmark
    public float[] backwardWeight() {
        Conv2dKernels.backwardWeight(s, x, dy, dw, db);
        return dw;
    }

    @Benchmark
    public float[] backwardInput() {
        Conv2dKernels.backwardInput(s, w, dy, dx);
        return dx;
    }
}
