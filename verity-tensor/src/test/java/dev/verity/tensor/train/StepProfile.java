package dev.verity.tensor.train;

import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.model.ModelConfig;

/** Prints where a training step's time goes, per op kind: {@code StepProfile mlp|lenet5|gpt [threads]}. */
public final class StepProfile {
    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "mlp";
        Parallel.setThreads(args.length > 1 ? Integer.parseInt(args[1]) : 1);
        Trainer t;
        if (model.equals("gpt")) {
            TextCorpus c = Datasets.kjv();
            t = Trainer.text(ModelConfig.defaults("gpt", c.vocabSize()), TrainConfig.defaults("gpt", 1000, 1), c);
        } else {
            t = Trainer.images(ModelConfig.defaults(model, 10), TrainConfig.defaults(model, 1000, 1),
                    Datasets.fashionMnistShipped().train());
        }
        TrainingState s = t.initialState();
        t.train(s, 20, true, null);
        t.executor().profile(true);
        long t0 = System.nanoTime();
        int n = 40;
        t.train(s, 20 + n, true, null);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: %.1f steps/s, %.0f samples/s, %.1f GFLOP/s model%n", model, n / secs,
                n * t.config().batch() / secs, t.trainingStep().graph().flops() * n / secs / 1e9);
        t.executor().profile().entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> System.out.printf("  %-22s %8.2f ms/step%n", e.getKey(), e.getValue() / 1e6 / n));
    }
}
