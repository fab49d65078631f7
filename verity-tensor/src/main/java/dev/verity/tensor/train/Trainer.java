package dev.verity.tensor.train;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.model.ModelConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs training steps: binds the data and the state to the step graph and executes it, step after
 * step. The result is a pure function of (model, config, data, start state), whatever the thread
 * count or vector width.
 */
public final class Trainer {
    /** Called after every step. */
    @FunctionalInterface
    public interface Listener {
        void onStep(long step, float loss);
    }

    private final ModelConfig model;
    private final TrainConfig config;
    private final StepGraphs.TrainingStep step;
    private final StepExecutor executor;
    private StepExecutor tracing;
    private final Map<String, Tensor> inputs = new HashMap<>();
    private final Tensor stepInput = Tensor.zeros(1);
    private final String dataName;

    private Trainer(ModelConfig model, TrainConfig config, StepGraphs.DataShape shape, String dataName) {
        this.model = model;
        this.config = config;
        this.dataName = dataName;
        this.step = StepGraphs.training(model, config, shape);
        this.executor = StepExecutor.sharingBuffers(step.graph());
        inputs.put(StepGraphs.STEP, stepInput);
    }

    /** A trainer for an image classifier on {@code train}. */
    public static Trainer images(ModelConfig model, TrainConfig config, Dataset train) {
        if (model.isText()) {
            throw new IllegalArgumentException(model.name() + " trains on text, not on " + train.name());
        }
        if (train.numClasses() > model.classes()) {
            throw new IllegalArgumentException(train.name() + " has " + train.numClasses() + " classes, the model "
                    + model.classes());
        }
        Trainer t = new Trainer(model, config, StepGraphs.DataShape.images(train.size(), train.sampleShape()), train.name());
        t.inputs.putAll(dataArrays(train));
        return t;
    }

    /** The step graph's data inputs for images: the features, and the labels as floats (what the dataset root covers). */
    public static java.util.SortedMap<String, Tensor> dataArrays(Dataset train) {
        float[] labels = new float[train.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = train.label(i);
        }
        java.util.TreeMap<String, Tensor> m = new java.util.TreeMap<>();
        m.put(StepGraphs.FEATURES, train.featuresTensor());
        m.put(StepGraphs.LABELS, Tensor.of(new int[] {labels.length}, labels));
        return m;
    }

    /** The step graph's data input for a corpus: its training tokens as floats (what the dataset root covers). */
    public static java.util.SortedMap<String, Tensor> dataArrays(TextCorpus corpus) {
        int[] toks = corpus.tokens(TextCorpus.Split.TRAIN);
        float[] f = new float[toks.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = toks[i];
        }
        return new java.util.TreeMap<>(java.util.Map.of(StepGraphs.TOKENS, Tensor.of(new int[] {f.length}, f)));
    }

    /** A trainer for a token model on the training split of {@code corpus}. */
    public static Trainer text(ModelConfig model, TrainConfig config, TextCorpus corpus) {
        if (!model.isText()) {
            throw new IllegalArgumentException(model.name() + " trains on images, not on text");
        }
        if (corpus.vocabSize() > model.classes()) {
            throw new IllegalArgumentException("the text has " + corpus.vocabSize() + " symbols, the model's vocabulary "
                    + model.classes());
        }
        Trainer t = new Trainer(model, config, StepGraphs.DataShape.text(corpus.trainSize()), corpus.name());
        t.inputs.putAll(dataArrays(corpus));
        return t;
    }

    public StepGraphs.TrainingStep trainingStep() {
        return step;
    }

    public ModelConfig model() {
        return model;
    }

    public TrainConfig config() {
        return config;
    }

    /** The run's identity, recorded in saved states and checked on resume. */
    public Map<String, String> identity() {
        TreeMap<String, String> m = new TreeMap<>();
        m.put("verity.model", model.describe());
        m.put("verity.train", config.withSteps(0).toString());
        m.put("verity.data", dataName);
        return m;
    }

    /** The state before step 0: each state tensor as its init rule says, or as the model gives it (an imported model). */
    public TrainingState initialState() {
        TreeMap<String, Tensor> tensors = StepGraphs.initialTensors(step);
        var given = model.initialTensors();
        for (String name : step.modelTensors().keySet()) {
            Tensor v = given.get(name);
            if (v != null) {
                System.arraycopy(v.data(), 0, tensors.get(name).data(), 0, v.size());
            }
        }
        return new TrainingState(tensors, 0, 0, 0);
    }

    /** Runs one step on {@code state} and returns the step's loss. */
    public float step(TrainingState state, boolean fast) {
        stepInput.data()[0] = (float) state.step();
        executor.run(state.tensors(), inputs, fast);
        float loss = executor.output("loss").data()[0];
        executor.commit(state.tensors());
        state.advance(config.batch());
        return loss;
    }

    /** The loss of the last step this trainer ran (its executor's loss output; NaN before any step). */
    public float lastLoss() {
        try {
            return executor.output("loss").data()[0];
        } catch (RuntimeException notRunYet) {
            return Float.NaN;
        }
    }

    /** Trains until {@code state.step() == untilStep}. */
    public void train(TrainingState state, long untilStep, boolean fast, Listener listener) {
        if (untilStep > TrainConfig.MAX_STEPS) {
            throw new IllegalArgumentException("at most 2^24 steps");
        }
        while (state.step() < untilStep) {
            float loss = step(state, fast);
            if (listener != null) {
                listener.onStep(state.step(), loss);
            }
        }
    }

    /**
     * The executor {@link #step} runs: its nodes share buffers, so only outputs and state updates
     * can be read after a run (see {@link StepExecutor#sharingBuffers}).
     */
    public StepExecutor executor() {
        return executor;
    }

    /**
     * An executor of the same step graph that keeps every node's value readable after a run (for
     * traces, disputes and op checks); made on first use, with buffers of its own that it keeps
     * for the trainer's life (gpt: 149 MB beside the training executor's 55 MB). Like the rest of
     * a Trainer, not for use from several threads at once.
     */
    public StepExecutor tracingExecutor() {
        if (tracing == null) {
            tracing = new StepExecutor(step.graph());
        }
        return tracing;
    }

    public Map<String, Tensor> inputs() {
        return inputs;
    }
}
