package dev.verity.bench.jmh;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.kernel.Parallel;
import java.util.Map;
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
 * Softmax and layer norm through a one-op graph and the {@link StepExecutor}, at gpt's shapes:
 * softmax over attention rows [128 x 64, 64] (batch x heads x T, T), layer norm over [2048, 128].
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-XX:MaxInlineLevel=40"})
public class NormBenchmark {
    @Param({"1", "2"})
    public int threads;

    private StepExecutor softmax;
    private StepExecutor layerNorm;
    private Map<String, Tensor> softmaxIn;
    private Map<String, Tensor> lnIn;
    private Map<String, Tensor> lnState;
    private int prevThreads;

    @Setup
    public void setup() {
        prevThreads = Parallel.threads();
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);

        GraphBuilder g = new GraphBuilder();
        g.output("y", g.softmax(g.input("x", 128, 64, 64)));
        softmax = new StepExecutor(g.build());
        softmaxIn = Map.of("x", Tensor.of(new int[] {128, 64, 64}, GemmBenchmark.random(r, 128 * 64 * 64)));

        GraphBuilder h = new GraphBuilder();
        int x = h.input("x", 2048, 128);
        h.output("y", h.layerNorm(x, h.state("gamma", 128), h.state("beta", 128), 1e-5f));
        layerNorm = new StepExecutor(h.build());
        lnIn = Map.of("x", Tensor.of(new int[] {2048, 128}, GemmBenchmark.random(r, 2048 * 128)));
        lnState = Map.of("gamma", Tensor.of(new int[] {128}, GemmBenchmark.random(r, 128)),
                "beta", Tensor.of(new int[] {128}, GemmBenchmark.random(r, 128)));
    }

    @TearDown
    public void tearDown() {
        Parallel.setThreads(prevThreads);
    }

    @Benchmark
    public Tensor softmax() {
        softmax.run(Map.of(), softmaxIn, true);
        return softmax.output("y");
    }

    @Benchmark
    public Tensor layerNorm() {
        layerNorm.run(lnState, lnIn, true);
        return layerNorm.output("y");
    }
}
