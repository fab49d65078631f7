package dev.verity.cli;

import dev.verity.tensor.data.DataFiles;
import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.kernel.Vectors;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.Evaluator;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity train}: trains a named model deterministically and prints its state hash. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train mlp or lenet5 on Fashion-MNIST, a character-level gpt on the KJV text, or your own ONNX model "
                + "on your own data, bit-reproducibly.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "mlp, lenet5, gpt, or a model.onnx exported from PyTorch "
            + "(torch.onnx.export(..., training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False))")
    String model;

    @Option(names = "--data", description = "mlp, lenet5: a Fashion-MNIST IDX directory; gpt: a UTF-8 text file; an ONNX "
            + "model: .npz (x, y[, x_test, y_test]), .npy, .csv, IDX, a folder of class folders of images, or for a token "
            + "model a text file or token ids. Default: the full Fashion-MNIST of Debian's dataset-fashion-mnist if "
            + "installed, else the shipped subset; the shipped KJV text.")
    Path data;

    @Option(names = "--schedule", description = "learning-rate schedule: constant or cosine (default: each model's own)")
    String schedule;

    @Option(names = "--steps", description = "training steps (default: mlp 2000, lenet5 2000, gpt 600)")
    Integer steps;

    @Option(names = "--threads", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--seed", defaultValue = "1", description = "seed for init, data order and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--batch", description = "batch size (default: mlp 128, lenet5 128, gpt 32)")
    Integer batch;

    @Option(names = "--lr", description = "peak learning rate (default: mlp 0.05, lenet5 0.05, gpt 0.003)")
    Float lr;

    @Option(names = "--vector-bits", description = "force the vector width: 256 or 512 (default: the CPU's)")
    Integer vectorBits;

    @Option(names = "--save", description = "write the final training state (safetensors) here")
    Path save;

    @Option(names = "--checkpoint-every", defaultValue = "0",
            description = "also write the state to --save every N steps, so a crash loses at most N steps (0 = only at the end)")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue from a saved state (same model and settings)")
    Path resume;

    @Option(names = "--scalar", description = "use the scalar reference kernels instead of the Vector API (slow; same bits)")
    boolean scalar;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Option(names = "--prove", description = "train with proof: write spec.json, manifest.json and the checkpoint blobs to this directory")
    Path prove;

    @Option(names = "--checkpoint-interval", description = "with --prove: steps between checkpoints (default: steps/10, at least 100)")
    Integer checkpointInterval;

    @Option(names = "--dataset", description = "with --prove: a catalog dataset, fashion-mnist[:N] or kjv[:N] "
            + "(default: fashion-mnist, the shipped 10k subset, or kjv)")
    String dataset;

    @Option(names = "--cheat", hidden = true, description = "with --prove: train as the named cheat from the cheat library (for demos and tests)")
    String cheat;

    @Override
    public Integer call() throws Exception {
        applyVectorBits();
        ModelConfig.Onnx imported = model.endsWith(".onnx") ? ModelConfig.Onnx.read(Path.of(model)) : null;
        int n = checkOptions(imported);
        TrainConfig cfg = config(imported != null ? "onnx" : model, imported, n);
        if (prove != null) {
            return ProvenTrain.run(this, cfg, n);
        }
        if (dataset != null || checkpointInterval != null || cheat != null) {
            throw new IllegalArgumentException("--dataset, --checkpoint-interval and --cheat go with --prove DIR");
        }
        Setup s = setup(imported, cfg);
        System.out.printf("model: %s, %,d parameters; %s, batch %d, %d steps, seed %d; %d threads, %d-bit vectors%s%n",
                s.mc().describe(), s.trainer().trainingStep().paramCount(), optimizerName(cfg), cfg.batch(), n, seed,
                Parallel.threads(), Vectors.bits(), scalar ? ", scalar kernels" : "");
        TrainingState state = initialState(s.trainer(), n);
        train(s.trainer(), state, n, cfg.batch());
        report(s.mc(), state, s.corpus(), s.images() == null ? null : s.images().test());
        if (save != null) {
            state.save(save, s.trainer().identity());
            System.out.println("saved: " + save);
        }
        System.out.println("state-sha256: " + state.sha256Hex());
        return 0;
    }

    /** --vector-bits, checked and applied before any kernel class is loaded. */
    private void applyVectorBits() {
        if (vectorBits != null) {
            if (vectorBits != 256 && vectorBits != 512) {
                throw new IllegalArgumentException("--vector-bits must be 256 or 512, got " + vectorBits);
            }
            System.setProperty("verity.vector.bits", vectorBits.toString());
        }
    }

    /** Checks --model, --steps and --checkpoint-every and applies --threads; returns the number of steps. */
    private int checkOptions(ModelConfig.Onnx imported) {
        if (imported == null && !model.equals("mlp") && !model.equals("lenet5") && !model.equals("gpt")) {
            throw new IllegalArgumentException("unknown model '" + model + "' (known: mlp, lenet5, gpt, or a file ending .onnx)");
        }
        int n = steps != null ? steps : model.equals("gpt") ? 600 : imported != null ? 200 : 2000;
        if (n < 0 || n > TrainConfig.MAX_STEPS) {
            throw new IllegalArgumentException("--steps must be in [0, 2^24], got " + n);
        }
        if (threads != null) {
            Parallel.setThreads(threads);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("--checkpoint-every must be >= 0");
        }
        if (checkpointEvery > 0 && save == null) {
            throw new IllegalArgumentException("--checkpoint-every needs --save FILE");
        }
        return n;
    }

    /** The model, its trainer and its data (images with their test split, or a text corpus). */
    private record Setup(Trainer trainer, ModelConfig mc, Datasets.TrainTest images, TextCorpus corpus) {
    }

    /** Opens the data, builds the model and its trainer, and prints the data line. */
    private Setup setup(ModelConfig.Onnx imported, TrainConfig cfg) throws Exception {
        if (imported != null && imported.isText()) {
            TextCorpus corpus = data == null ? Datasets.kjv() : DataFiles.corpus(data);
            Trainer trainer = Trainer.text(imported, cfg, corpus);
            System.out.printf("data: %s (%,d tokens, vocabulary %d) from %s%n", corpus.name(), corpus.size(),
                    corpus.vocabSize(), corpus.source());
            return new Setup(trainer, imported, null, corpus);
        } else if (imported != null) {
            Datasets.TrainTest images = data == null ? Datasets.fashionMnist(null) : DataFiles.open(data);
            Trainer trainer = Trainer.images(imported, cfg, images.train());
            System.out.printf("data: %s, %,d train / %s test samples of shape %s, from %s%n", images.train().name(),
                    images.train().size(), images.test() == null ? "no" : String.format("%,d", images.test().size()),
                    java.util.Arrays.toString(images.train().sampleShape()), images.source());
            return new Setup(trainer, imported, images, null);
        } else if (model.equals("gpt")) {
            TextCorpus corpus = data == null ? Datasets.kjv() : Datasets.text(data.getFileName().toString(), data);
            ModelConfig mc = ModelConfig.defaults("gpt", corpus.vocabSize());
            Trainer trainer = Trainer.text(mc, cfg, corpus);
            System.out.printf("data: %s (%,d characters, vocabulary %d) from %s%n", corpus.name(), corpus.size(),
                    corpus.vocabSize(), corpus.source());
            return new Setup(trainer, mc, null, corpus);
        }
        if (data != null && !Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data must be a directory of Fashion-MNIST IDX files: " + data);
        }
        Datasets.TrainTest images = Datasets.fashionMnist(data);
        ModelConfig mc = ModelConfig.defaults(model, 10);
        Trainer trainer = Trainer.images(mc, cfg, images.train());
        System.out.printf("data: Fashion-MNIST, %,d train / %,d test images, from %s%n", images.train().size(),
                images.test().size(), images.source());
        return new Setup(trainer, mc, images, null);
    }

    /** The state to start from: --resume's (checked against --steps), else the model's initial state. */
    private TrainingState initialState(Trainer trainer, int n) throws Exception {
        if (resume == null) {
            return trainer.initialState();
        }
        TrainingState state = TrainingState.load(resume, trainer.identity());
        System.out.printf("resumed from %s at step %d%n", resume, state.step());
        if (state.step() > n) {
            throw new IllegalArgumentException(resume + " is at step " + state.step() + ", past --steps " + n);
        }
        return state;
    }

    /** Trains {@code st} to step {@code n} (saving every --checkpoint-every steps), with the progress bar unless --quiet; prints the timing line. */
    private void train(Trainer trainer, TrainingState st, int n, int batchSize) throws Exception {
        long t0 = System.nanoTime();
        long startStep = st.step();
        float[] lastLoss = {Float.NaN};
        ProgressBarBuilder pbb = ProgressBars.steps("train", n, 250);
        try (ProgressBar pb = quiet ? null : pbb.build()) {
            if (pb != null) {
                pb.stepTo(st.step());
            }
            while (st.step() < n) {
                long until = checkpointEvery > 0 ? Math.min(n, (st.step() / checkpointEvery + 1) * checkpointEvery) : n;
                trainer.train(st, until, !scalar, (s, loss) -> {
                    lastLoss[0] = loss;
                    if (pb != null) {
                        pb.stepTo(s);
                        pb.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", loss));
                    }
                });
                if (checkpointEvery > 0 && st.step() < n) {
                    st.save(save, trainer.identity());
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long done = st.step() - startStep;
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f s (%.1f steps/s, %.0f samples/s), final loss %.4f%n", done,
                secs, done / Math.max(secs, 1e-9), done * batchSize / Math.max(secs, 1e-9), lastLoss[0]);
    }

    /** The model's defaults with --batch, --lr and --schedule applied; an ONNX model's batch defaults to its export's. */
    private TrainConfig config(String arch, ModelConfig.Onnx imported, int n) {
        TrainConfig cfg = TrainConfig.defaults(arch, n, seed);
        Integer b = batch;
        if (b == null && imported != null && imported.graph().input().dims().length > 0
                && imported.graph().input().dims()[0] > 0) {
            b = imported.graph().input().dims()[0];
        }
        if (b != null) {
            cfg = cfg.withBatch(b);
        }
        TrainConfig.Schedule s = cfg.schedule();
        float peak = lr != null ? lr : s.lr();
        String kind = schedule != null ? schedule : s.kind();
        TrainConfig.Schedule sched = switch (kind) {
            case "constant" -> TrainConfig.Schedule.constant(peak);
            case "cosine" -> TrainConfig.Schedule.cosine(peak, s.warmup(), n, Math.min(s.minLr(), peak));
            default -> throw new IllegalArgumentException("--schedule must be constant or cosine, got '" + kind + "'");
        };
        return new TrainConfig(cfg.batch(), cfg.steps(), cfg.seed(), cfg.optimizer(), sched, cfg.clipNorm());
    }

    /** Test accuracy, or validation loss and a sample for gpt. */
    void report(ModelConfig mc, TrainingState state, TextCorpus corpus, Dataset test) {
        if (mc instanceof ModelConfig.Onnx) {
            try {
                if (test != null) {
                    System.out.printf(Locale.ROOT, "test accuracy: %.2f%% (%d samples)%n",
                            100 * Evaluator.accuracy(mc, state, test), test.size());
                }
            } catch (IllegalArgumentException e) {
                System.out.println("test accuracy: not measured: " + e.getMessage());
            }
            return;
        }
        if (model.equals("gpt")) {
            ModelConfig.Gpt g = (ModelConfig.Gpt) mc;
            double val = Evaluator.validationLoss(g, state, corpus, 512);
            System.out.printf(Locale.ROOT, "validation loss: %.4f nats/char (unigram baseline %.4f)%n", val,
                    Evaluator.unigramLoss(corpus));
            System.out.println("sample: " + Evaluator.generate(g, state, corpus, 200, 0.8f, seed).replace('\n', ' '));
        } else {
            double acc = Evaluator.accuracy(mc, state, test);
            System.out.printf(Locale.ROOT, "test accuracy: %.2f%% (%d images)%n", 100 * acc, test.size());
        }
    }

    private static String optimizerName(TrainConfig c) {
        return switch (c.optimizer()) {
            case TrainConfig.Optimizer.Sgd s -> "SGD momentum " + s.momentum() + ", lr " + c.schedule().lr() + " " + c.schedule().kind();
            case TrainConfig.Optimizer.AdamW a -> "AdamW, lr " + c.schedule().lr() + " " + c.schedule().kind();
        };
    }
}
