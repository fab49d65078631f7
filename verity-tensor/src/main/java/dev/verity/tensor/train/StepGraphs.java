package dev.verity.tensor.train;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Autograd;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.GraphRole;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.nn.Init;
import dev.verity.tensor.nn.Params;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Builds the graph of one training step — data gather, forward, loss, backward, clipping,
 * schedule, optimizer — from the model and training configs alone, and the matching initial state.
 */
public final class StepGraphs {
    private StepGraphs() {
    }

    /** The shape of the training data a step reads. */
    public record DataShape(int samples, int[] sampleShape, int tokens) {
        public static DataShape images(int samples, int[] sampleShape) {
            return new DataShape(samples, sampleShape.clone(), 0);
        }

        public static DataShape text(int tokens) {
            return new DataShape(0, new int[0], tokens);
        }
    }

    /**
     * A built training step: its graph, the parameters it declared (trained by the optimizer) and the buffers (model
     * tensors the graph updates itself, as BatchNorm's running statistics).
     */
    public record TrainingStep(Graph graph, SortedMap<String, Params.Spec> params, long paramCount,
                               SortedMap<String, Params.Spec> buffers) {
        /** Parameters and buffers: every tensor of the trained model, by name. */
        public SortedMap<String, Params.Spec> modelTensors() {
            TreeMap<String, Params.Spec> all = new TreeMap<>(params);
            all.putAll(buffers);
            return all;
        }
    }

    public static final String STEP = "step";
    public static final String FEATURES = "data.features";
    public static final String LABELS = "data.labels";
    public static final String TOKENS = "data.tokens";
    /** Optimizer state (momentum, Adam moments) starts at zero. */
    private static final Attrs OPTIMIZER_ZEROS = Init.zeros().stateAttrs(0, false);

    /**
     * Builds the step. The node order is part of the committed graph root, so each helper below
     * appends its nodes in a fixed order and they are called in a fixed order.
     */
    public static TrainingStep training(ModelConfig model, TrainConfig cfg, DataShape data) {
        GraphBuilder g = new GraphBuilder();
        Params p = new Params(g, cfg.seed());
        int step = g.input(STEP, 1);
        g.role(GraphRole.DATA);
        Batch batch = model.isText() ? textBatch(g, model, cfg, data, step) : sampleBatch(g, cfg, data, step);
        int logits = model.logits(p, batch.x(), step, cfg.seed(), true);
        int loss = g.crossEntropy(logits, batch.y());
        g.output("loss", loss);
        g.output("logits", logits);
        SortedMap<String, Integer> grads = Autograd.backward(g, loss, p.nodes());
        g.role(GraphRole.OPTIMIZER);
        if (cfg.clipNorm() > 0f) {
            grads = clipped(g, grads, cfg.clipNorm());
        }
        int lr = learningRate(g, cfg.schedule(), step);
        switch (cfg.optimizer()) {
            case TrainConfig.Optimizer.Sgd sgd -> sgd(g, p, grads, sgd, lr);
            case TrainConfig.Optimizer.AdamW a -> adamW(g, p, grads, a, lr);
        }
        g.role(GraphRole.FORWARD);
        return new TrainingStep(g.build(), p.specs(), p.count(), p.buffers());
    }

    /** The nodes of one batch as the model reads it: inputs {@code x} and labels {@code y}. */
    private record Batch(int x, int y) {
    }

    /** Windows of {@code context} tokens; the targets are the same windows shifted by one token. */
    private static Batch textBatch(GraphBuilder g, ModelConfig model, TrainConfig cfg, DataShape data, int step) {
        int t = model.context();
        int toks = g.input(TOKENS, data.tokens());
        Attrs.Builder w = Attrs.builder().put(OpAttr.BATCH, cfg.batch()).put(OpAttr.SEED, cfg.seed()).put(OpAttr.WINDOW, t);
        int x = g.append(OpKind.GATHER_WINDOWS, w.put(OpAttr.OFFSET, 0).build(), "inputs", toks, step);
        int y = g.append(OpKind.GATHER_WINDOWS, w.put(OpAttr.OFFSET, 1).build(), "targets", toks, step);
        g.role(GraphRole.FORWARD);
        y = g.reshape(y, cfg.batch() * t);
        return new Batch(x, y);
    }

    /** Rows of features and their labels; each sample is flattened to one feature vector. */
    private static Batch sampleBatch(GraphBuilder g, TrainConfig cfg, DataShape data, int step) {
        Attrs gather = Attrs.builder().put(OpAttr.BATCH, cfg.batch()).put(OpAttr.SEED, cfg.seed()).build();
        int[] fs = new int[data.sampleShape().length + 1];
        fs[0] = data.samples();
        System.arraycopy(data.sampleShape(), 0, fs, 1, data.sampleShape().length);
        int feats = g.input(FEATURES, fs);
        int labs = g.input(LABELS, data.samples());
        int x = g.append(OpKind.GATHER_ROWS, gather, "inputs", feats, step);
        int y = g.append(OpKind.GATHER_ROWS, gather, "labels", labs, step);
        g.role(GraphRole.FORWARD);
        int features = 1;
        for (int d : data.sampleShape()) {
            features *= d;
        }
        x = g.reshape(x, cfg.batch(), features);
        return new Batch(x, y);
    }

    /** Every gradient scaled by one coefficient, so the global norm is at most {@code maxNorm}. */
    private static SortedMap<String, Integer> clipped(GraphBuilder g, SortedMap<String, Integer> grads, float maxNorm) {
        int[] all = grads.values().stream().mapToInt(Integer::intValue).toArray();
        int norm = g.append(OpKind.GRAD_NORM_SQ, all);
        int coef = g.append(OpKind.CLIP_SCALE, Attrs.builder().put(OpAttr.MAX_NORM, maxNorm).build(), norm);
        TreeMap<String, Integer> clipped = new TreeMap<>();
        for (var e : grads.entrySet()) {
            clipped.put(e.getKey(), g.mul(e.getValue(), coef));
        }
        return clipped;
    }

    private static int learningRate(GraphBuilder g, TrainConfig.Schedule s, int step) {
        return g.append(OpKind.LR_SCHEDULE, Attrs.builder().put(OpAttr.SCHEDULE, s.kind()).put(OpAttr.LR, s.lr())
                .put(OpAttr.WARMUP, s.warmup()).put(OpAttr.TOTAL, s.total()).put(OpAttr.STEP_SIZE, s.stepSize())
                .put(OpAttr.GAMMA, s.gamma()).put(OpAttr.MIN_LR, s.minLr()).build(), "lr", step);
    }

    /** SGD; the momentum buffer exists only when momentum or weight decay needs it. */
    private static void sgd(GraphBuilder g, Params p, SortedMap<String, Integer> grads, TrainConfig.Optimizer.Sgd sgd,
            int lr) {
        for (var e : p.nodes().entrySet()) {
            String name = e.getKey();
            int param = e.getValue();
            int dir = grads.get(name);
            if (sgd.momentum() > 0f || sgd.weightDecay() > 0f) {
                int buf = g.state(name + ".momentum", OPTIMIZER_ZEROS, g.shape(param));
                dir = g.append(OpKind.SGD_BUF, Attrs.builder().put(OpAttr.MOMENTUM, sgd.momentum())
                        .put(OpAttr.WEIGHT_DECAY, sgd.weightDecay()).build(), name + ".momentum", buf, dir, param);
                g.updateState(name + ".momentum", dir);
            }
            g.updateState(name, g.append(OpKind.SGD_PARAM, Attrs.NONE, name, param, dir, lr));
        }
    }

    /**
     * AdamW. The bias corrections come from one shared state of running beta powers; weight decay
     * applies only to matrices and larger, not to biases and norm scales.
     */
    private static void adamW(GraphBuilder g, Params p, SortedMap<String, Integer> grads, TrainConfig.Optimizer.AdamW a,
            int lr) {
        int pows = g.state("adamw.pows", Init.ones().stateAttrs(0, false), 2);
        int powsNext = g.append(OpKind.POW_UPDATE, Attrs.builder().put(OpAttr.BETA1, a.beta1())
                .put(OpAttr.BETA2, a.beta2()).build(), "adamw.pows", pows);
        g.updateState("adamw.pows", powsNext);
        for (var e : p.nodes().entrySet()) {
            String name = e.getKey();
            int param = e.getValue();
            int grad = grads.get(name);
            int m = g.append(OpKind.ADAM_M, Attrs.builder().put(OpAttr.BETA1, a.beta1()).build(), name + ".adam_m",
                    g.state(name + ".adam_m", OPTIMIZER_ZEROS, g.shape(param)), grad);
            int v = g.append(OpKind.ADAM_V, Attrs.builder().put(OpAttr.BETA2, a.beta2()).build(), name + ".adam_v",
                    g.state(name + ".adam_v", OPTIMIZER_ZEROS, g.shape(param)), grad);
            float wd = g.shape(param).length >= 2 ? a.weightDecay() : 0f;
            int upd = g.append(OpKind.ADAMW_PARAM, Attrs.builder().put(OpAttr.EPS, a.eps()).put(OpAttr.WEIGHT_DECAY, wd)
                    .build(), name, param, m, v, lr, powsNext);
            g.updateState(name + ".adam_m", m);
            g.updateState(name + ".adam_v", v);
            g.updateState(name, upd);
        }
    }

    /** The state before step 0, as the graph's STATE nodes prescribe it (their init attributes). */
    public static TreeMap<String, Tensor> initialTensors(TrainingStep step) {
        TreeMap<String, Tensor> out = new TreeMap<>();
        for (var e : step.graph().stateInputs().entrySet()) {
            var node = step.graph().node(e.getValue());
            Tensor t = Tensor.zeros(node.shape());
            Init init = Init.ofStateAttrs(node.attrs());
            init.fill(e.getKey(), init.kind() == Init.Kind.UNIFORM ? node.attrs().get(OpAttr.SEED) : 0, t.data());
            out.put(e.getKey(), t);
        }
        return out;
    }

    /** A forward-only graph for evaluation: input "x" ([batch, features] or [batch, T]) to "logits". */
    public static Graph evaluation(ModelConfig model, int batch, int[] sampleShape, int seqLen) {
        return evaluation(model, batch, sampleShape, seqLen, true);
    }

    /** As above; {@code withLoss} adds input "y" and output "loss" for text models. */
    public static Graph evaluation(ModelConfig model, int batch, int[] sampleShape, int seqLen, boolean withLoss) {
        GraphBuilder g = new GraphBuilder();
        Params p = new Params(g, 0);
        int step = g.input(STEP, 1);
        int x;
        if (model.isText()) {
            x = g.input("x", batch, seqLen);
        } else {
            int features = 1;
            for (int d : sampleShape) {
                features *= d;
            }
            x = g.input("x", batch, features);
        }
        int logits = model.logits(p, x, step, 0L, false);
        g.output("logits", logits);
        if (model.isText() && withLoss) {
            int y = g.input("y", batch * seqLen);
            g.output("loss", g.crossEntropy(logits, y));
        }
        return g.build();
    }
}
