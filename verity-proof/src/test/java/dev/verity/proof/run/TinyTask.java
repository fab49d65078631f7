package dev.verity.proof.run;

import dev.verity.proof.spec.DatasetCatalog;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.tensor.model.ModelConfig;
import java.io.IOException;

/** Tasks small enough to train many times in a test. */
public final class TinyTask {
    public static final ModelConfig MLP = new ModelConfig.Mlp(new int[] {784, 16, 10});

    private TinyTask() {
    }

    /** An mlp 784-16-10 on 500 fashion-mnist images, batch 8: {@code steps} steps, a checkpoint every {@code interval}. */
    public static TaskSpec spec(int steps, int interval) throws IOException {
        String dataset = "fashion-mnist:500";
        TaskSpec d = TaskSpec.defaults(MLP, dataset, TaskRun.datasetRootFor(dataset, MLP, 8), steps, 3, interval);
        return new TaskSpec(d.model(), d.dataset(), d.datasetRoot(), null, null, d.train().withBatch(8), interval);
    }

    /** A one-layer gpt with dropout on a little text, so that RNG and the transformer ops are in its steps. */
    public static TaskSpec gpt(int steps, int interval) throws IOException {
        String dataset = "kjv:20000";
        int vocab = DatasetCatalog.resolve(dataset).corpus().vocabSize();
        ModelConfig.Gpt g = new ModelConfig.Gpt(1, 32, 4, 16, vocab, 0.1f);
        TaskSpec d = TaskSpec.defaults(g, dataset, TaskRun.datasetRootFor(dataset, g, 4), steps, 9, interval);
        return new TaskSpec(g, dataset, d.datasetRoot(), null, null, d.train().withBatch(4), interval);
    }
}
