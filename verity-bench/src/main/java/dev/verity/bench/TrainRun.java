package dev.verity.bench;

import dev.verity.tensor.data.DataFiles;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One Verity measurement, run inside a child JVM (so thread pools and JIT state never leak from
 * one configuration into the next): build the default trainer, warm up, time {@code steps} steps,
 * and report samples/s, the allocation per step, the model FLOPs and the final state hash.
 */
public final class TrainRun {
    /** Prefix of the one line a child prints for the parent to parse. */
    public static final String PREFIX = "VERITY-TRAIN ";

    private TrainRun() {
    }

    /** The result of one child run. */
    public record Result(String model, int threads, double samplesPerSec, long allocPerStep, long modelFlopsPerStep,
                         long graphFlopsPerStep, int batch, long params, int classes, String stateHash) {
        public String line() {
            return PREFIX + String.format(Locale.ROOT, "model=%s threads=%d sps=%.3f alloc=%d mflops=%d gflops=%d batch=%d params=%d classes=%d hash=%s",
                    model, threads, samplesPerSec, allocPerStep, modelFlopsPerStep, graphFlopsPerStep, batch, params, classes,
                    stateHash);
        }

        public static Result parse(String line) {
            if (!line.startsWith(PREFIX)) {
                throw new IllegalArgumentException("not a result line: " + line);
            }
            Map<String, String> kv = new TreeMap<>();
            for (String part : line.substring(PREFIX.length()).trim().split(" ")) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("bad field '" + part + "' in " + line);
                }
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
            return new Result(kv.get("model"), Integer.parseInt(kv.get("threads")), Double.parseDouble(kv.get("sps")),
                    Long.parseLong(kv.get("alloc")), Long.parseLong(kv.get("mflops")), Long.parseLong(kv.get("gflops")),
                    Integer.parseInt(kv.get("batch")), Long.parseLong(kv.get("params")), Integer.parseInt(kv.get("classes")), kv.get("hash"));
        }
    }

    /** Prefix of the bench's imported models, whose ONNX and data {@code onnx_models.py} writes. */
    public static final String IMPORTED = "onnx-";

    /** Whether {@code model} is one of the imported (ONNX) bench models. */
    public static boolean imported(String model) {
        return model.startsWith(IMPORTED);
    }

    /**
     * Verity's default trainer for {@code model} configured for {@code totalSteps}: a built-in model on the shipped
     * data, or an imported one from {@code onnxDir/<model>/model.onnx} and {@code data.npz}.
     */
    public static Trainer trainer(String model, Path onnxDir, int totalSteps) throws IOException {
        if (imported(model)) {
            if (onnxDir == null) {
                throw new IllegalArgumentException("imported model '" + model + "' needs the directory onnx_models.py wrote");
            }
            return onnx(onnxDir.resolve(model).resolve("model.onnx"), onnxDir.resolve(model).resolve("data.npz"), totalSteps);
        }
        return trainer(model, totalSteps);
    }

    /**
     * Verity's trainer for an ONNX file and its data, as {@code verity train --model FILE --data DATA} builds it: the
     * imported model's defaults (SGD momentum 0.9) at the batch the model was exported with.
     */
    public static Trainer onnx(Path model, Path data, int totalSteps) throws IOException {
        ModelConfig.Onnx mc = ModelConfig.Onnx.read(model);
        TrainConfig cfg = TrainConfig.defaults("onnx", totalSteps, 1);
        int[] in = mc.graph().input().dims();
        if (in.length > 0 && in[0] > 0) {
            cfg = cfg.withBatch(in[0]);
        }
        if (mc.isText()) {
            return Trainer.text(mc, cfg, DataFiles.corpus(data));
        }
        return Trainer.images(mc, cfg, DataFiles.open(data).train());
    }

    /** Verity's default trainer for a built-in {@code model} on the shipped data, configured for {@code totalSteps}. */
    public static Trainer trainer(String model, int totalSteps) throws IOException {
        if (model.equals("gpt")) {
            TextCorpus c = Datasets.kjv();
            return Trainer.text(ModelConfig.defaults("gpt", c.vocabSize()), TrainConfig.defaults("gpt", totalSteps, 1), c);
        }
        return Trainer.images(ModelConfig.defaults(model, 10), TrainConfig.defaults(model, totalSteps, 1),
                Datasets.fashionMnistShipped().train());
    }

    /**
     * Model FLOPs of one step as the issue counts them: 2 M N K over every matmul and convolution
     * of forward and backward (a matmul's fused bias is not counted; elementwise, normalisation
     * and optimizer ops are not counted). Only the products the step graph actually contains are
     * counted: e.g. no input gradient for the first conv, as in PyTorch.
     */
    public static long modelFlops(Graph g) {
        long f = 0;
        for (Node n : g.nodes()) {
            OpKind k = n.kind();
            if (k == OpKind.MATMUL || k == OpKind.CONV2D || k == OpKind.CONV2D_GRAD_INPUT || k == OpKind.CONV2D_GRAD_WEIGHT) {
                long fl = k.op().flops(n, g.inputShapes(n));
                if (k == OpKind.MATMUL && n.arity() == 3) {
                    long out = 1;
                    for (int d : n.shape()) {
                        out *= d;
                    }
                    fl -= out;
                }
                f += fl;
            }
        }
        return f;
    }

    public static Result run(String model, Path onnxDir, int threads, int warmup, int steps) throws IOException {
        Parallel.setThreads(threads);
        Trainer t = trainer(model, onnxDir, warmup + steps);
        TrainingState s = t.initialState();
        t.train(s, warmup, true, null);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long a0 = allocated(mx);
        long t0 = System.nanoTime();
        t.train(s, warmup + steps, true, null);
        long ns = System.nanoTime() - t0;
        long a1 = allocated(mx);
        Graph g = t.trainingStep().graph();
        int batch = t.config().batch();
        return new Result(model, threads, (double) steps * batch * 1e9 / ns, (a1 - a0) / steps, modelFlops(g), g.flops(),
                batch, t.trainingStep().paramCount(), t.model().classes(), s.sha256Hex());
    }

    /** Bytes allocated so far by every live thread (the pool's workers included). */
    private static long allocated(com.sun.management.ThreadMXBean mx) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            if (b > 0) {
                sum += b;
            }
        }
        return sum;
    }
}
