package dev.verity.tensor.train;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.math.DetMath;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.rng.Philox;
import java.util.HashMap;
import java.util.Map;

/** Test accuracy, validation loss and text generation for a trained state. */
public final class Evaluator {
    private Evaluator() {
    }

    /** Fraction of {@code test} classified correctly (first maximum of the logits). */
    public static double accuracy(ModelConfig model, TrainingState state, Dataset test) {
        Map<String, Tensor> tensors = modelTensors(model, state);
        int batch = Math.min(500, test.size());
        int correct = 0;
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put(StepGraphs.STEP, Tensor.zeros(1));
        StepExecutor full = new StepExecutor(StepGraphs.evaluation(model, batch, test.sampleShape(), 0));
        int features = test.featureSize();
        for (int from = 0; from < test.size(); from += batch) {
            int n = Math.min(batch, test.size() - from);
            StepExecutor ex = n == batch ? full : new StepExecutor(StepGraphs.evaluation(model, n, test.sampleShape(), 0));
            float[] x = new float[n * features];
            System.arraycopy(test.features(), from * features, x, 0, x.length);
            inputs.put("x", Tensor.of(new int[] {n, features}, x));
            ex.run(tensors, inputs, true);
            float[] logits = ex.output("logits").data();
            int c = model.classes();
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int j = 1; j < c; j++) {
                    if (logits[i * c + j] > logits[i * c + best]) {
                        best = j;
                    }
                }
                if (best == test.label(from + i)) {
                    correct++;
                }
            }
        }
        return correct / (double) test.size();
    }

    /** Mean cross-entropy (nats per character) over up to {@code maxWindows} consecutive validation windows. */
    public static double validationLoss(ModelConfig.Gpt model, TrainingState state, TextCorpus corpus, int maxWindows) {
        Map<String, Tensor> tensors = modelTensors(model, state);
        int t = model.context();
        int offsets = corpus.numWindows(TextCorpus.Split.VALIDATION, t);
        // consecutive, non-overlapping windows at offsets 0, t, 2t, ...
        int windows = Math.min(maxWindows, offsets == 0 ? 0 : (offsets - 1) / t + 1);
        if (windows < 1) {
            throw new IllegalArgumentException("the validation text is shorter than one window of " + t);
        }
        int batch = Math.min(16, windows);
        windows = windows / batch * batch;
        StepExecutor ex = new StepExecutor(StepGraphs.evaluation(model, batch, null, t));
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put(StepGraphs.STEP, Tensor.zeros(1));
        double total = 0;
        int[] in = new int[batch * t];
        int[] tg = new int[batch * t];
        for (int w = 0; w < windows; w += batch) {
            for (int b = 0; b < batch; b++) {
                corpus.window(TextCorpus.Split.VALIDATION, (w + b) * t, t, in, b * t, tg, b * t);
            }
            inputs.put("x", floats(new int[] {batch, t}, in));
            inputs.put("y", floats(new int[] {batch * t}, tg));
            ex.run(tensors, inputs, true);
            total += ex.output("loss").data()[0];
        }
        return total / (windows / batch);
    }

    /** Entropy (nats) of the training text's character frequencies: the loss of the best context-free guess. */
    public static double unigramLoss(TextCorpus corpus) {
        int[] toks = corpus.tokens(TextCorpus.Split.TRAIN);
        long[] counts = new long[corpus.vocabSize()];
        for (int tk : toks) {
            counts[tk]++;
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = c / (double) toks.length;
                h -= p * StrictMath.log(p);
            }
        }
        return h;
    }

    /**
     * Generates {@code length} characters after the first context window of the validation text,
     * sampling at {@code temperature} with Philox-drawn uniforms (deterministic for a seed).
     */
    public static String generate(ModelConfig.Gpt model, TrainingState state, TextCorpus corpus, int length,
                                  float temperature, long seed) {
        Map<String, Tensor> tensors = modelTensors(model, state);
        int t = model.context();
        StepExecutor ex = new StepExecutor(StepGraphs.evaluation(model, 1, null, t, false));
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put(StepGraphs.STEP, Tensor.zeros(1));
        int[] ctx = new int[t];
        System.arraycopy(corpus.tokens(TextCorpus.Split.VALIDATION), 0, ctx, 0, t);
        int[] out = new int[length];
        int v = model.vocab();
        float[] p = new float[v];
        for (int i = 0; i < length; i++) {
            inputs.put("x", floats(new int[] {1, t}, ctx));
            ex.run(tensors, inputs, true);
            float[] logits = ex.output("logits").data();
            int off = (t - 1) * v;
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                m = Math.max(m, logits[off + j]);
            }
            float s = 0f;
            for (int j = 0; j < v; j++) {
                p[j] = DetMath.exp((logits[off + j] - m) / temperature);
                s += p[j];
            }
            float u = Philox.uniform(Philox.word((int) seed, (int) (seed >>> 32), 0x47454e, i, 0, 0, 0)) * s;
            int pick = v - 1;
            for (int j = 0; j < v; j++) {
                u -= p[j];
                if (u < 0f) {
                    pick = j;
                    break;
                }
            }
            out[i] = pick;
            System.arraycopy(ctx, 1, ctx, 0, t - 1);
            ctx[t - 1] = pick;
        }
        return corpus.decode(out);
    }

    private static Tensor floats(int[] shape, int[] ids) {
        float[] f = new float[ids.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = ids[i];
        }
        return Tensor.of(shape, f);
    }

    /** A state's tensors and what the model's evaluation graph derives from them (an imported BatchNorm's statistics). */
    private static Map<String, Tensor> modelTensors(ModelConfig model, TrainingState state) {
        Map<String, Tensor> extra = model.evaluationTensors(state.tensors());
        if (extra.isEmpty()) {
            return state.tensors();
        }
        Map<String, Tensor> all = new HashMap<>(state.tensors());
        all.putAll(extra);
        return all;
    }
}
