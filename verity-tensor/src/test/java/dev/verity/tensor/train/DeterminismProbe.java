package dev.verity.tensor.train;

import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.kernel.Vectors;
import dev.verity.tensor.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trains the three architectures for a few steps on shipped data and reports each final state
 * hash. Run in-process by the tests and in child JVMs with another vector width.
 */
public final class DeterminismProbe {
    public static final int STEPS = 3;

    public static Map<String, String> run() throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        Dataset train = Datasets.fashionMnistShipped().train().slice(0, 3000);
        // the real default architectures; small batches keep the test quick
        ModelConfig mlp = ModelConfig.defaults("mlp", 10);
        out.put("mlp", hash(Trainer.images(mlp, TrainConfig.defaults("mlp", STEPS, 11).withBatch(32), train)));
        ModelConfig lenet = ModelConfig.defaults("lenet5", 10);
        out.put("lenet5", hash(Trainer.images(lenet, TrainConfig.defaults("lenet5", STEPS, 12).withBatch(16), train)));
        TextCorpus kjv = Datasets.kjv();
        String text = new String(kjv.decode(java.util.Arrays.copyOf(kjv.tokens(), 60_000)));
        TextCorpus small = TextCorpus.of("kjv-60k", "test", text);
        ModelConfig.Gpt gpt = new ModelConfig.Gpt(2, 128, 4, 64, small.vocabSize(), 0.1f);
        out.put("gpt", hash(Trainer.text(gpt, TrainConfig.defaults("gpt", STEPS, 13).withBatch(4), small)));
        return out;
    }

    private static String hash(Trainer t) {
        TrainingState s = t.initialState();
        t.train(s, STEPS, true, null);
        return s.sha256Hex();
    }

    public static void main(String[] args) throws Exception {
        Parallel.setThreads(Integer.parseInt(args.length > 0 ? args[0] : "2"));
        for (var e : run().entrySet()) {
            System.out.println("HASH " + e.getKey() + " " + e.getValue() + " bits=" + Vectors.bits());
        }
    }
}
