package dev.verity.tensor.train;

import dev.verity.tensor.graph.OpAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.model.ModelConfig;
import org.junit.jupiter.api.Test;

class SmokeTrainTest {
    @Test
    void mlpLossFallsAndFastEqualsScalar() throws Exception {
        Dataset train = Datasets.fashionMnistShipped().train().slice(0, 2000);
        ModelConfig m = new ModelConfig.Mlp(new int[] {784, 64, 10});
        TrainConfig c = TrainConfig.defaults("mlp", 30, 7).withBatch(32);
        Trainer t = Trainer.images(m, c, train);
        TrainingState a = t.initialState();
        float[] first = new float[1];
        float[] last = new float[1];
        t.train(a, 30, true, (s, l) -> {
            if (s == 1) {
                first[0] = l;
            }
            last[0] = l;
        });
        System.out.println("mlp loss " + first[0] + " -> " + last[0]);
        assertTrue(last[0] < first[0]);
        TrainingState b = t.initialState();
        t.train(b, 30, false, null);
        assertEquals(a.sha256Hex(), b.sha256Hex());
    }

    @Test
    void lenetAndGptRun() throws Exception {
        Dataset train = Datasets.fashionMnistShipped().train().slice(0, 1000);
        ModelConfig m = ModelConfig.defaults("lenet5", 10);
        Trainer t = Trainer.images(m, TrainConfig.defaults("lenet5", 5, 1).withBatch(16), train);
        TrainingState a = t.initialState();
        t.train(a, 5, true, (s, l) -> System.out.println("lenet " + s + " " + l));
        TrainingState b = t.initialState();
        t.train(b, 5, false, null);
        assertEquals(a.sha256Hex(), b.sha256Hex());

        TextCorpus corpus = TextCorpus.of("t", "test", Datasets.kjv().tokens().length > 0 ? "In the beginning God created the heaven and the earth. And the earth was without form, and void; and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters.".repeat(20) : "");
        ModelConfig.Gpt g = new ModelConfig.Gpt(1, 32, 4, 16, corpus.vocabSize(), 0.1f);
        Trainer tg = Trainer.text(g, TrainConfig.defaults("gpt", 5, 3).withBatch(4), corpus);
        TrainingState ga = tg.initialState();
        tg.train(ga, 5, true, (s, l) -> System.out.println("gpt " + s + " " + l));
        TrainingState gb = tg.initialState();
        Parallel.setThreads(1);
        tg.train(gb, 5, false, null);
        Parallel.setThreads(2);
        assertEquals(ga.sha256Hex(), gb.sha256Hex());
    }

    /** Regression: the input and target windows are distinct records (offset 0 and 1), not one shared attribute map. */
    @Test
    void gptReadsInputsAndNextCharacterTargets() throws Exception {
        TextCorpus corpus = TextCorpus.of("t", "test", "abcdefghij".repeat(50));
        ModelConfig.Gpt g = new ModelConfig.Gpt(1, 16, 2, 8, corpus.vocabSize(), 0f);
        Trainer t = Trainer.text(g, TrainConfig.defaults("gpt", 5, 3).withBatch(2), corpus);
        var offsets = t.trainingStep().graph().nodes().stream()
                .filter(n -> n.kind() == dev.verity.tensor.graph.OpKind.GATHER_WINDOWS)
                .map(n -> n.attrs().get(OpAttr.OFFSET)).toList();
        assertEquals(java.util.List.of(0, 1), offsets);
        dev.verity.tensor.graph.Attrs.Builder b = dev.verity.tensor.graph.Attrs.builder().put(OpAttr.OFFSET, 0);
        dev.verity.tensor.graph.Attrs first = b.build();
        b.put(OpAttr.OFFSET, 1);
        assertEquals(0, first.get(OpAttr.OFFSET), "a built Attrs must not change with its builder");
        TrainingState s = t.initialState();
        t.train(s, 5, true, null);
        double val = Evaluator.validationLoss(g, s, corpus, 8);
        assertTrue(val > 0.05 && val < 10, "validation loss " + val);
        assertEquals(20, Evaluator.generate(g, s, corpus, 20, 0.8f, 1).length());
    }
}
