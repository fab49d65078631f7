package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Manual tool (not a test): times every node of a training step on its own, grouped by kind,
 * attributes and input shapes: {@code NodeProfile mlp|lenet5|gpt [threads] [kindFilter]}.
 */
public final class NodeProfile {
    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "lenet5";
        Parallel.setThreads(args.length > 1 ? Integer.parseInt(args[1]) : 1);
        String filter = args.length > 2 ? args[2] : "";
        Trainer t;
        if (model.equals("gpt")) {
            TextCorpus c = Datasets.kjv();
            t = Trainer.text(ModelConfig.defaults("gpt", c.vocabSize()), TrainConfig.defaults("gpt", 1000, 1), c);
        } else {
            t = Trainer.images(ModelConfig.defaults(model, 10), TrainConfig.defaults(model, 1000, 1),
                    Datasets.fashionMnistShipped().train());
        }
        TrainingState s = t.initialState();
        t.train(s, 60, true, null); // past the JIT's C2 compiles of the step's kernels
        // the step once more on an executor that keeps every node's inputs readable
        StepExecutor ex = t.tracingExecutor();
        ex.run(s.tensors(), t.inputs(), true);
        Graph g = t.trainingStep().graph();
        Map<String, double[]> by = new TreeMap<>();
        for (Node n : g.nodes()) {
            if (n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT || n.kind().op().isView()
                    || !n.kind().name().contains(filter)) {
                continue;
            }
            Tensor[] in = ex.inputsOf(n.id());
            Tensor out = ex.value(n.id());
            StringBuilder key = new StringBuilder(n.kind().name()).append(' ').append(n.attrs());
            for (Tensor x : in) {
                key.append(' ').append(Arrays.toString(x.shape()));
            }
            for (int i = 0; i < 20; i++) {
                n.kind().op().forward(n, in, out, true);
            }
            int reps = 100;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                n.kind().op().forward(n, in, out, true);
            }
            double ms = (System.nanoTime() - t0) / 1e6 / reps;
            double[] acc = by.computeIfAbsent(key.toString(), k -> new double[3]);
            acc[0] += ms;
            acc[1]++;
            acc[2] += n.kind().op().flops(n, g.inputShapes(n));
        }
        by.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).limit(40)
                .forEach(e -> System.out.printf("%8.3f ms x%-3d %6.1f GF/s  %s%n", e.getValue()[0], (int) e.getValue()[1],
                        e.getValue()[2] / e.getValue()[0] / 1e6, e.getKey()));
    }
}
