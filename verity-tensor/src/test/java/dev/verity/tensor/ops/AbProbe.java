package dev.verity.tensor.ops;

import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.util.Map;
import java.util.TreeMap;

/**
 * Manual tool (not a test): one side of {@link AbBench}. Loaded once per class loader (engine
 * version), it trains a model and reports wall time per step, per op kind, and the state hash.
 */
public final class AbProbe {
    private final Trainer trainer;
    private final TrainingState state;
    private long step;

    public AbProbe(String model) throws Exception {
        if (model.equals("gpt")) {
            TextCorpus c = Datasets.kjv();
            trainer = Trainer.text(ModelConfig.defaults("gpt", c.vocabSize()), TrainConfig.defaults("gpt", 100000, 1), c);
        } else {
            trainer = Trainer.images(ModelConfig.defaults(model, 10), TrainConfig.defaults(model, 100000, 1),
                    Datasets.fashionMnistShipped().train());
        }
        state = trainer.initialState();
    }

    /** Trains steps more steps at the given thread count; returns ns per kind, "STEP" total, "HASH" hash code. */
    public Map<String, Object> run(int threads, int steps) {
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            trainer.executor().profile(true);
            long t0 = System.nanoTime();
            step += steps;
            trainer.train(state, step, true, null);
            long total = System.nanoTime() - t0;
            Map<String, Object> m = new TreeMap<>();
            for (Map.Entry<OpKind, Long> e : trainer.executor().profile().entrySet()) {
                m.put(e.getKey().name(), e.getValue());
            }
            m.put("STEP", total);
            m.put("HASH", state.sha256Hex());
            return m;
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
