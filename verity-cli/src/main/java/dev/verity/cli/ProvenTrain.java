package dev.verity.cli;

import dev.verity.testkit.proof.Cheat;
import dev.verity.testkit.proof.Cheats;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.DatasetCatalog;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** {@code verity train --prove DIR}: training that leaves a proof a stranger can check. */
final class ProvenTrain {
    private ProvenTrain() {
    }

    static int run(TrainCommand cmd, TrainConfig cfg, int steps) throws Exception {
        if (cmd.resume != null || cmd.save != null) {
            throw new IllegalArgumentException("--prove keeps its own checkpoints: drop --resume and --save");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--prove needs at least one step");
        }
        // default: a tenth of the run, at least 100 steps (a checkpoint of the mlp costs about a step's time)
        int c = cmd.checkpointInterval != null ? cmd.checkpointInterval : Math.min(steps, Math.max(100, steps / 10));
        if (c < 1 || c > steps) {
            throw new IllegalArgumentException("--checkpoint-interval must be in [1, steps]");
        }
        Cheat cheat = null;
        if (cmd.cheat != null) {
            cheat = Cheats.all().stream().filter(x -> x.name().equals(cmd.cheat)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("unknown cheat '" + cmd.cheat + "'"));
        }
        Path dir = cmd.prove;
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve("manifest.json"))) {
            throw new IllegalArgumentException(dir + " already holds a proof; use an empty directory");
        }
        LocalBlobStore store = new LocalBlobStore(dir.resolve("blobs"));
        TaskSpec spec = cmd.model.endsWith(".onnx") ? importedSpec(cmd, cfg, c, store) : catalogSpec(cmd, cfg, c);
        TaskRun run = TaskRun.open(spec, store);
        DatasetCatalog.TaskData data = run.data();
        ModelConfig mc = spec.model();
        String name = spec.dataset();
        Files.writeString(dir.resolve("spec.json"), spec.canonicalJson(), StandardCharsets.UTF_8);
        System.out.printf("task %s: %s on %s, %d steps, batch %d, checkpoint every %d; %,d work units (%,d FLOPs/step)%n",
                spec.hashHex().substring(0, 16), mc.describe(), name, steps, cfg.batch(), c, run.workUnits(), run.graph().flops());
        ProvenTraining.StepFunction fn = cheat == null ? ProvenTraining.HONEST : cheat.stepFunction(run);
        ProgressBarBuilder pbb = ProgressBars.steps("train", steps, 250);
        ProvenTraining.Result res;
        try (ProgressBar pb = cmd.quiet ? null : pbb.build()) {
            res = ProvenTraining.train(run, store, fn, (s, proofNs) -> {
                if (pb != null) {
                    pb.stepTo(s);
                }
            });
        }
        Manifest m = cheat == null ? res.manifest() : cheat.publish(run, store, res.manifest());
        Files.write(dir.resolve("manifest.json"), m.toJson());
        if (cheat != null) {
            Files.writeString(dir.resolve("cheat.txt"), cheat.name() + "\n");
        }
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f s; proof (hashing, checkpoints) %.2f s = %.2f%% of training%n",
                steps, res.trainNanos() / 1e9, res.proofNanos() / 1e9, 100 * res.overhead());
        System.out.println("checkpoints: " + m.checkpoints().size() + ", trace root " + m.traceRoot());
        System.out.println("model root: " + m.modelRoot() + " (blob " + m.modelBlob().substring(0, 16) + "…)");
        System.out.println("graph root: " + Sha256.hex(run.graphRoot()) + ", dataset root " + spec.datasetRoot());
        System.out.println("proof: " + dir.toAbsolutePath());
        cmd.report(mc, res.finalState(), data.corpus(), data.test());
        System.out.println("state-sha256: " + res.finalState().sha256Hex());
        return 0;
    }

    /** A catalog task: a built-in model on a shipped dataset. */
    private static TaskSpec catalogSpec(TrainCommand cmd, TrainConfig cfg, int c) throws Exception {
        if (cmd.data != null) {
            throw new IllegalArgumentException("--prove on a built-in model trains a catalog dataset: use --dataset, not --data");
        }
        String name = cmd.dataset != null ? cmd.dataset : cmd.model.equals("gpt") ? "kjv" : "fashion-mnist";
        DatasetCatalog.TaskData data = DatasetCatalog.resolve(name);
        if (data.isText() != cmd.model.equals("gpt")) {
            throw new IllegalArgumentException("dataset " + name + " does not fit model " + cmd.model);
        }
        ModelConfig mc = ModelConfig.defaults(cmd.model, data.isText() ? data.corpus().vocabSize() : 10);
        return new TaskSpec(mc, name, TaskRun.datasetRootFor(name, mc, cfg.batch()), null, null, cfg, c);
    }

    /**
     * An imported model on the user's data: both published into the proof's own blob store, as `verity task spec` publishes
     * them to a network's, so the proof directory is a task a stranger can replay.
     */
    private static TaskSpec importedSpec(TrainCommand cmd, TrainConfig cfg, int c, LocalBlobStore store) throws Exception {
        if (cmd.data == null || cmd.dataset != null) {
            throw new IllegalArgumentException("--prove on an ONNX model trains on your data: give --data FILE (not --dataset)");
        }
        return DataCommand.publishImported(store, Path.of(cmd.model), cmd.data, 0, new DataCommand.Prep()).spec(cfg, c);
    }
}
