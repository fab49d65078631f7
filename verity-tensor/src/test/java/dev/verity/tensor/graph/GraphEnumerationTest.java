package dev.verity.tensor.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainConfig;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A training step's graph is a pure function of the configs: built from shapes alone (no data,
 * nothing run), identical when built twice, different when a hyperparameter changes, and made of
 * data, forward, backward and optimizer records whose FLOPs add up to an independent count.
 */
class GraphEnumerationTest {
    static final int MNIST_SAMPLES = 1000;
    static final int TEXT_TOKENS = 5000;
    static final int VOCAB = 65;

    static ModelConfig model(String name) {
        return switch (name) {
            case "mlp" -> new ModelConfig.Mlp(new int[] {784, 32, 10});
            case "lenet5" -> ModelConfig.defaults("lenet5", 10);
            default -> new ModelConfig.Gpt(1, 32, 4, 16, VOCAB, 0.1f);
        };
    }

    static TrainConfig config(String name) {
        return TrainConfig.defaults(name, 100, 7).withBatch(name.equals("gpt") ? 2 : 8);
    }

    static Graph graph(ModelConfig m, TrainConfig c) {
        StepGraphs.DataShape d = m.isText() ? StepGraphs.DataShape.text(TEXT_TOKENS)
                : StepGraphs.DataShape.images(MNIST_SAMPLES, new int[] {28, 28});
        return StepGraphs.training(m, c, d).graph();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mlp", "lenet5", "gpt"})
    void builtFromShapesAloneAndDeterministic(String name) {
        ModelConfig m = model(name);
        TrainConfig c = config(name);
        Graph a = graph(m, c);
        Graph b = graph(m, c);
        assertArrayEquals(a.digest(), b.digest(), "same configs, different graphs");
        assertEquals(a.describe(), b.describe());

        // each record is well formed: ids in order, inputs earlier, the recorded shape re-derivable
        for (Node n : a.nodes()) {
            for (int in : n.inputs()) {
                assertTrue(in >= 0 && in < n.id(), n + " reads a later node");
            }
            assertArrayEquals(n.kind().op().shape(n.attrs(), a.inputShapes(n)), n.shape(), n.toString());
        }
        assertEquals(a.stateInputs().keySet(), a.stateUpdates().keySet(), "every state tensor is updated by the step");

        // any hyperparameter change is a different step
        TrainConfig.Schedule s = c.schedule();
        TrainConfig lr = new TrainConfig(c.batch(), c.steps(), c.seed(), c.optimizer(),
                new TrainConfig.Schedule(s.kind(), s.lr() * 2, s.warmup(), s.total(), s.stepSize(), s.gamma(), s.minLr()), c.clipNorm());
        for (TrainConfig other : new TrainConfig[] {lr, c.withSeed(c.seed() + 1), c.withBatch(c.batch() + 1)}) {
            assertFalse(Arrays.equals(a.digest(), graph(m, other).digest()), "graph ignores a change to " + other);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mlp", "lenet5", "gpt"})
    void hasDataForwardBackwardAndOptimizerRecords(String name) {
        Graph g = graph(model(name), config(name));
        Map<GraphRole, Set<OpKind>> byRole = new EnumMap<>(GraphRole.class);
        for (Node n : g.nodes()) {
            byRole.computeIfAbsent(n.role(), r -> EnumSet.noneOf(OpKind.class)).add(n.kind());
        }
        for (GraphRole r : GraphRole.values()) {
            assertTrue(byRole.containsKey(r), name + " has no " + r + " records");
        }
        Set<OpKind> data = byRole.get(GraphRole.DATA);
        assertTrue(data.contains(name.equals("gpt") ? OpKind.GATHER_WINDOWS : OpKind.GATHER_ROWS), name + " DATA: " + data);
        if (name.equals("gpt")) {
            assertTrue(data.contains(OpKind.DROPOUT_MASK), "gpt with dropout 0.1 has no dropout mask: " + data);
            assertTrue(byRole.get(GraphRole.OPTIMIZER).containsAll(EnumSet.of(OpKind.ADAM_M, OpKind.ADAM_V, OpKind.ADAMW_PARAM,
                    OpKind.GRAD_NORM_SQ, OpKind.CLIP_SCALE, OpKind.LR_SCHEDULE)), "gpt optimizer: " + byRole.get(GraphRole.OPTIMIZER));
            assertTrue(byRole.get(GraphRole.FORWARD).containsAll(EnumSet.of(OpKind.LAYERNORM, OpKind.SOFTMAX, OpKind.CAUSAL_MASK,
                    OpKind.EMBEDDING, OpKind.GELU, OpKind.TRANSPOSE)), "gpt forward: " + byRole.get(GraphRole.FORWARD));
            assertTrue(byRole.get(GraphRole.BACKWARD).containsAll(EnumSet.of(OpKind.LAYERNORM_GRAD_INPUT, OpKind.SOFTMAX_GRAD,
                    OpKind.EMBEDDING_GRAD, OpKind.GELU_GRAD)), "gpt backward: " + byRole.get(GraphRole.BACKWARD));
        } else {
            assertTrue(byRole.get(GraphRole.OPTIMIZER).containsAll(EnumSet.of(OpKind.SGD_BUF, OpKind.SGD_PARAM, OpKind.LR_SCHEDULE)));
            assertTrue(byRole.get(GraphRole.FORWARD).contains(OpKind.MATMUL));
            assertTrue(byRole.get(GraphRole.BACKWARD).containsAll(EnumSet.of(OpKind.CROSS_ENTROPY_GRAD, OpKind.RELU_GRAD)));
        }
        if (name.equals("lenet5")) {
            assertTrue(byRole.get(GraphRole.BACKWARD).containsAll(EnumSet.of(OpKind.CONV2D_GRAD_WEIGHT, OpKind.CONV2D_GRAD_INPUT,
                    OpKind.MAXPOOL2D_GRAD)), "lenet5 backward: " + byRole.get(GraphRole.BACKWARD));
        }
        // the loss is forward; every backward record comes after it and every optimizer record after those
        int loss = g.output("loss");
        assertEquals(GraphRole.FORWARD, g.node(loss).role());
        int lastBackward = -1;
        for (Node n : g.nodes()) {
            if (n.role() == GraphRole.BACKWARD) {
                assertTrue(n.id() > loss, n + " precedes the loss");
                lastBackward = n.id();
            }
        }
        for (Node n : g.nodes()) {
            if (n.role() == GraphRole.OPTIMIZER) {
                assertTrue(n.id() > lastBackward, n + " precedes a backward record");
            }
        }
    }

    @Test
    void gptWithoutDropoutDrawsNoMask() {
        ModelConfig.Gpt m = new ModelConfig.Gpt(1, 32, 4, 16, VOCAB, 0f);
        for (Node n : graph(m, config("gpt")).nodes()) {
            assertFalse(n.kind() == OpKind.DROPOUT_MASK, "dropout 0 still draws " + n);
        }
    }

    /**
     * The mlp 784-32-10 with batch B, SGD with momentum (no weight decay, no clipping). Matmuls
     * count 2*M*N*K, plus M*N for a fused bias. Forward: fc0 2*B*32*784 + B*32, ReLU B*32 (1 per
     * element), fc1 2*B*10*32 + B*10, cross-entropy 24*B*10. Backward: cross-entropy gradient
     * 26*B*10; fc1 dX 2*B*32*10, dW 2*10*32*B, db (sum over rows) B*10; ReLU gradient 3*B*32;
     * fc0 dW 2*32*784*B, db B*32 (no dX: the input needs no gradient). Optimizer: momentum buffer
     * 4 and update 2 per parameter element.
     */
    @Test
    void mlpFlopsMatchAnIndependentCount() {
        int b = 8;
        int in = 784;
        int h = 32;
        int c = 10;
        Graph g = graph(model("mlp"), TrainConfig.defaults("mlp", 100, 7).withBatch(b));
        long matmuls = 2L * b * h * in + b * h + 2L * b * c * h + b * c // forward, with the bias adds
                + 2L * b * h * c + 2L * c * h * b // fc1: dX, dW
                + 2L * h * in * b; // fc0: dW
        long params = (long) in * h + h + (long) h * c + c;
        long total = matmuls
                + b * h // relu
                + 24L * b * c // cross-entropy
                + 26L * b * c // its gradient
                + b * c + b * h // bias gradients (reductions over the batch)
                + 3L * b * h // relu gradient
                + 6L * params; // SGD momentum buffer (4) and update (2)
        long gotMatmuls = 0;
        for (Node n : g.nodes()) {
            if (n.kind() == OpKind.MATMUL) {
                gotMatmuls += n.kind().op().flops(n, g.inputShapes(n));
            }
        }
        assertEquals(matmuls, gotMatmuls, "matmul FLOPs");
        assertEquals(total, g.flops(), "total FLOPs\n" + g.describe());
    }
}
