package dev.verity.bench.jmh;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Autograd;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.kernel.Parallel;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
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
 * gpt's causal self-attention core at its training shapes, through the step graph and the
 * {@link StepExecutor} the trainer uses: q, k, v of [batch x heads = 128, T = 64, head size 32];
 * softmax(causalMask(q k^T / sqrt(32))) v. {@code forward} runs those ops;
 * {@code forwardBackward} also the backward pass to dq, dk, dv (through an upstream gradient dy,
 * so that the loss is sum(y * dy) and no gradient is a constant).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-XX:MaxInlineLevel=40"})
public class AttentionBenchmark {
    static final int HEADS_X_BATCH = 128;
    static final int T = 64;
    static final int HEAD = 32;

    @Param({"1", "2"})
    public int threads;

    private StepExecutor forward;
    private StepExecutor forwardBackward;
    private Map<String, Tensor> state;
    private Map<String, Tensor> inputs;
    private int prevThreads;

    /** Appends attention over the states q, k, v to g; returns the ids of y, q, k, v. */
    static int[] attention(GraphBuilder g) {
        int q = g.state("q", HEADS_X_BATCH, T, HEAD);
        int k = g.state("k", HEADS_X_BATCH, T, HEAD);
        int v = g.state("v", HEADS_X_BATCH, T, HEAD);
        int att = g.scale(g.matmul(q, k, false, true, -1), 1f / (float) Math.sqrt(HEAD));
        att = g.softmax(g.causalMask(att, Float.NEGATIVE_INFINITY));
        return new int[] {g.matmul(att, v), q, k, v};
    }

    @Setup
    public void setup() {
        prevThreads = Parallel.threads();
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        int n = HEADS_X_BATCH * T * HEAD;
        state = new TreeMap<>();
        for (String name : new String[] {"q", "k", "v"}) {
            state.put(name, Tensor.of(new int[] {HEADS_X_BATCH, T, HEAD}, GemmBenchmark.random(r, n)));
        }
        inputs = Map.of("dy", Tensor.of(new int[] {HEADS_X_BATCH, T, HEAD}, GemmBenchmark.random(r, n)));

        GraphBuilder f = new GraphBuilder();
        f.output("y", attention(f)[0]);
        forward = new StepExecutor(f.build());

        GraphBuilder g = new GraphBuilder();
        int[] ids = attention(g);
        int loss = g.sum(g.mul(ids[0], g.input("dy", HEADS_X_BATCH, T, HEAD)));
        TreeMap<String, Integer> params = new TreeMap<>(Map.of("q", ids[1], "k", ids[2], "v", ids[3]));
        for (var e : Autograd.backward(g, loss, params).entrySet()) {
            g.output("d" + e.getKey(), e.getValue());
        }
        forwardBackward = StepExecutor.sharingBuffers(g.build());
    }

    @TearDown
    public void tearDown() {
        Parallel.setThreads(prevThreads);
    }

    @Benchmark
    public Tensor forward() {
        forward.run(state, Map.of(), true);
        return forward.output("y");
    }

    @Benchmark
    public Tensor forwardBackward() {
        forwardBackward.run(state, inputs, true);
        return forwardBackward.output("dq");
    }
}
