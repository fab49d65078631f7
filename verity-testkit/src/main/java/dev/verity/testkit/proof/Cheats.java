package dev.verity.testkit.proof;

import dev.verity.proof.dispute.Defender;
import dev.verity.merkle.Sha256;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.rng.Philox;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The cheat library: every dishonest solver strategy Verity must catch. */
public final class Cheats {
    private Cheats() {
    }

    private record Simple(String name, String description, Step step) implements Cheat {
        @Override
        public ProvenTraining.StepFunction stepFunction(TaskRun run) {
            return step.make(run);
        }
    }

    private interface Step {
        ProvenTraining.StepFunction make(TaskRun run);
    }

    /** Trains honestly, then tampers with what it publishes. */
    private record Tamper(String name, String description, Publish publish) implements Cheat {
        @Override
        public ProvenTraining.StepFunction stepFunction(TaskRun run) {
            return ProvenTraining.HONEST;
        }

        @Override
        public Manifest publish(TaskRun run, LocalBlobStore store, Manifest m) throws IOException {
            return publish.apply(run, store, m);
        }
    }

    private interface Publish {
        Manifest apply(TaskRun run, LocalBlobStore store, Manifest m) throws IOException;
    }

    /** The manifest with other checkpoints and model, its trace root recomputed (a consistent forgery). */
    static Manifest rebuilt(Manifest m, List<Manifest.Checkpoint> cps, String modelRoot, String modelBlob) {
        Manifest p = new Manifest(m.task(), m.datasetRoot(), m.graphRoot(), cps, "", modelRoot, modelBlob);
        return new Manifest(p.task(), p.datasetRoot(), p.graphRoot(), cps, Sha256.hex(p.traceTree().root()), modelRoot,
                modelBlob);
    }

    /** A step at which cheats that act once strike: inside the second segment, so segment 0 stays honest. */
    static long strikeStep(TaskRun run) {
        int c = run.spec().checkpointInterval();
        return Math.min(run.spec().train().steps() - 1, c + c / 2);
    }

    public static List<Cheat> all() {
        List<Cheat> list = new ArrayList<>();
        list.addAll(alteredSteps());
        list.add(wrongDataOrder());
        list.addAll(approximatedSteps());
        list.addAll(otherSettings());
        list.addAll(tamperedPublications());
        return list;
    }

    /** Steps computed otherwise than the spec says: skipped, their update skipped or perturbed, from stale gradients. */
    private static List<Cheat> alteredSteps() {
        List<Cheat> list = new ArrayList<>();
        list.add(new Simple("skipped-steps", "every 3rd step after the first segment is skipped: weights copied forward",
                run -> (r, s) -> {
                    if (s.step() >= r.spec().checkpointInterval() && s.step() % 3 == 0) {
                        s.advance(r.spec().train().batch());
                    } else {
                        r.trainer().step(s, true);
                    }
                }));
        list.add(new Simple("one-optimizer-step-skipped", "an honest trace except one step whose optimizer update is skipped",
                run -> {
                    long strike = strikeStep(run);
                    return (r, s) -> {
                        if (s.step() == strike) {
                            TrainingState copy = s.copy();
                            r.trainer().step(copy, true);
                            // keep the new optimizer state, drop the weight update
                            for (String p : r.trainer().trainingStep().params().keySet()) {
                                copy.tensors().put(p, s.tensors().get(p));
                            }
                            s.tensors().putAll(copy.tensors());
                            s.advance(r.spec().train().batch());
                        } else {
                            r.trainer().step(s, true);
                        }
                    };
                }));
        list.add(new Simple("noisy-updates", "honest steps with small noise added to one weight tensor at one step",
                run -> {
                    long strike = strikeStep(run);
                    return (r, s) -> {
                        r.trainer().step(s, true);
                        if (s.step() == strike + 1) {
                            Tensor w = s.tensors().get(r.trainer().trainingStep().params().firstKey());
                            for (int i = 0; i < w.size(); i++) {
                                w.data()[i] += (Philox.uniform(Philox.word(7, 7, i, 0, 0, 0, 0)) - 0.5f) * 1e-4f;
                            }
                        }
                    };
                }));
        list.add(new Simple("stale-gradients", "updates computed from the previous step's weights (gradients one step stale)",
                run -> {
                    TreeMap<String, Tensor>[] prev = new TreeMap[1];
                    return (r, s) -> {
                        var names = r.trainer().trainingStep().params().keySet();
                        TreeMap<String, Tensor> now = new TreeMap<>();
                        for (String p : names) {
                            now.put(p, s.tensors().get(p).copy());
                        }
                        if (prev[0] == null || s.step() < r.spec().checkpointInterval()) {
                            r.trainer().step(s, true);
                        } else {
                            TrainingState stale = s.copy();
                            stale.tensors().putAll(copyAll(prev[0]));
                            r.trainer().step(stale, true);
                            for (String p : names) {
                                float[] out = stale.tensors().get(p).data();
                                float[] old = prev[0].get(p).data();
                                float[] cur = now.get(p).data();
                                for (int i = 0; i < out.length; i++) {
                                    out[i] = cur[i] + (out[i] - old[i]);
                                }
                            }
                            s.tensors().putAll(stale.tensors());
                            s.advance(r.spec().train().batch());
                        }
                        prev[0] = now;
                    };
                }));
        return list;
    }

    /** Training on a sample order of its own, after the first segment. */
    private static Cheat wrongDataOrder() {
        return new Cheat() {
        @Override
        public String name() {
            return "wrong-data-order";
        }

        @Override
        public String description() {
            return "trains on its own (cheaper to prepare) sample order: another shuffle seed";
        }

        @Override
        public ProvenTraining.StepFunction stepFunction(TaskRun run) throws IOException {
            return afterFirstSegment(withSeed(run, run.spec().train().seed() + 1));
        }
        };
    }

    /** Work saved by approximation: a step in lower precision, the second half of the run extrapolated. */
    private static List<Cheat> approximatedSteps() {
        List<Cheat> list = new ArrayList<>();
        list.add(new Simple("bf16-step", "one step computed in lower precision: weights rounded to bfloat16",
                run -> {
                    long strike = strikeStep(run);
                    return (r, s) -> {
                        r.trainer().step(s, true);
                        if (s.step() == strike + 1) {
                            for (String p : r.trainer().trainingStep().params().keySet()) {
                                float[] d = s.tensors().get(p).data();
                                for (int i = 0; i < d.length; i++) {
                                    d[i] = bf16(d[i]);
                                }
                            }
                        }
                    };
                }));
        list.add(new Simple("early-stop-extrapolated", "stops computing half-way and extrapolates the weights linearly",
                run -> {
                    long stop = run.spec().train().steps() / 2;
                    TreeMap<String, float[]>[] delta = new TreeMap[1];
                    return (r, s) -> {
                        if (s.step() < stop) {
                            TreeMap<String, float[]> before = new TreeMap<>();
                            for (String p : r.trainer().trainingStep().params().keySet()) {
                                before.put(p, s.tensors().get(p).data().clone());
                            }
                            r.trainer().step(s, true);
                            TreeMap<String, float[]> d = new TreeMap<>();
                            for (var e : before.entrySet()) {
                                float[] now = s.tensors().get(e.getKey()).data();
                                float[] dd = new float[now.length];
                                for (int i = 0; i < dd.length; i++) {
                                    dd[i] = now[i] - e.getValue()[i];
                                }
                                d.put(e.getKey(), dd);
                            }
                            delta[0] = d;
                        } else {
                            for (var e : delta[0].entrySet()) {
                                float[] w = s.tensors().get(e.getKey()).data();
                                for (int i = 0; i < w.length; i++) {
                                    w[i] += e.getValue()[i];
                                }
                            }
                            s.advance(r.spec().train().batch());
                        }
                    };
                }));
        return list;
    }

    /** Training under settings of its own (learning rate, labels), and defending it with its own records. */
    private static List<Cheat> otherSettings() {
        List<Cheat> list = new ArrayList<>();
        list.add(new Cheat() {
            @Override
            public String name() {
                return "other-hyperparameters";
            }

            @Override
            public String description() {
                return "trains with its own learning rate (1.5x) and answers disputes with its own graph's records";
            }

            @Override
            public ProvenTraining.StepFunction stepFunction(TaskRun run) throws IOException {
                return afterFirstSegment(withLr(run, 1.5f));
            }

            @Override
            public TaskRun defenderRun(TaskRun run) throws IOException {
                return withLr(run, 1.5f);
            }
        });
        list.add(new Cheat() {
            @Override
            public String name() {
                return "mislabelled-data";
            }

            @Override
            public String description() {
                return "after the first segment trains on its own copy of the data with every label shifted by one class, and answers disputes with it";
            }

            @Override
            public ProvenTraining.StepFunction stepFunction(TaskRun run) throws IOException {
                return afterFirstSegment(mislabelled(run));
            }

            @Override
            public TaskRun defenderRun(TaskRun run) throws IOException {
                // its op traces serve the labels it trained on: the dataset input is not the task's
                return mislabelled(run);
            }
        });
        return list;
    }

    /** An honest or foreign run whose published proof is tampered with: another task's, another init, checkpoints withheld, corrupted or forged, the model swapped, the run cut short. */
    private static List<Cheat> tamperedPublications() {
        List<Cheat> list = new ArrayList<>();
        list.add(new Tamper("replayed-proof",
                "publishes the proof of another task (same model, another seed) relabelled as this one",
                (run, store, m) -> {
                    TaskRun other = withSeed(run, run.spec().train().seed() + 100);
                    Manifest theirs = ProvenTraining.train(other, store, ProvenTraining.HONEST, null).manifest();
                    return new Manifest(m.task(), theirs.datasetRoot(), theirs.graphRoot(), theirs.checkpoints(),
                            theirs.traceRoot(), theirs.modelRoot(), theirs.modelBlob());
                }));
        list.add(new Tamper("made-up-init",
                "starts from weights the spec does not prescribe (another seed's init; from a parent model, the parent with one "
                        + "weight nudged) and trains this task's graph honestly from them",
                (run, store, m) -> {
                    TrainingState start = withSeed(run, run.spec().train().seed() + 7).initialState(store);
                    if (java.util.Arrays.equals(StateCommitment.rootOf(start), run.initRoot(store))) {
                        // the seed does not draw the weights of a task with a parent (an imported model): change one
                        String first = run.trainer().trainingStep().modelTensors().firstKey();
                        float[] w = start.tensors().get(first).data();
                        w[0] = Math.nextUp(w[0]);
                    }
                    return ProvenTraining.trainFrom(run, store, start, new ArrayList<>(), ProvenTraining.HONEST, null).manifest();
                }));
        list.add(new Tamper("withheld-checkpoint", "trains honestly but never serves one checkpoint (hopes nobody asks)",
                (run, store, m) -> {
                    store.delete(m.checkpoints().get(1).blob());
                    return m;
                }));
        list.add(new Tamper("corrupted-checkpoint", "serves a checkpoint whose bytes are not the committed ones",
                (run, store, m) -> {
                    String key = m.checkpoints().get(1).blob();
                    byte[] b = store.get(key);
                    b[b.length - 5] ^= 0x01;
                    store.corrupt(key, b);
                    return m;
                }));
        list.add(new Tamper("forged-checkpoint",
                "publishes a made-up checkpoint (initial weights, step counter set) instead of training the last segment",
                (run, store, m) -> {
                    List<Manifest.Checkpoint> cps = new ArrayList<>(m.checkpoints());
                    int last = cps.size() - 1;
                    TrainingState init = run.initialState(store);
                    TrainingState fake = new TrainingState(init.tensors(), cps.get(last).step(),
                            cps.get(last).step() * run.spec().train().batch(), cps.get(last).step());
                    // it keeps the honest end trace: what it forges is the checkpoint itself
                    cps.set(last, ProvenTraining.checkpoint(fake, store, run.identity(), Sha256.unhex(cps.get(last).endOpTraceRoot())));
                    String modelBlob = store.put(SafeTensors.toBytes(new LinkedHashMap<>(run.params(fake)), Map.of()));
                    return rebuilt(m, cps, Sha256.hex(TaskRun.modelRoot(run.params(fake))), modelBlob);
                }));
        list.add(new Tamper("forged-final-model",
                "trains honestly but publishes another model (its initial weights) as the result",
                (run, store, m) -> {
                    TrainingState init = run.initialState(store);
                    String blob = store.put(SafeTensors.toBytes(new LinkedHashMap<>(run.params(init)), Map.of()));
                    return new Manifest(m.task(), m.datasetRoot(), m.graphRoot(), m.checkpoints(), m.traceRoot(),
                            Sha256.hex(TaskRun.modelRoot(run.params(init))), blob);
                }));
        list.add(new Tamper("stopped-early", "trains part of the steps and publishes a manifest that ends early",
                (run, store, m) -> {
                    List<Manifest.Checkpoint> cps = new ArrayList<>(m.checkpoints().subList(0, m.checkpoints().size() - 1));
                    return rebuilt(m, cps, m.modelRoot(), m.modelBlob());
                }));
        return list;
    }

    /** A cheat of {@link #all()} whose defender hides the lie in another way (and may answer with another run). */
    private record Lying(String name, String description, Cheat base, Defender.Lie defenderLie, boolean ownGraph) implements Cheat {
        @Override
        public ProvenTraining.StepFunction stepFunction(TaskRun run) throws IOException {
            return base.stepFunction(run);
        }

        @Override
        public Manifest publish(TaskRun run, LocalBlobStore store, Manifest m) throws IOException {
            return base.publish(run, store, m);
        }

        @Override
        public TaskRun defenderRun(TaskRun run) throws IOException {
            return ownGraph ? withSeed(run, run.spec().train().seed() + 1) : base.defenderRun(run);
        }
    }

    /**
     * Cheats whose defender hides the wrong element in the structure of the disputed chain rather than in one wrong
     * basic operation: every link recomputes and every operand quotes its source, but a link, a constant, an operand's
     * source or the chain's length is not what the op prescribes. Only the link-structure check catches them
     * (docs/referee.md). Kept apart from {@link #all()}: their training is that of a cheat of {@code all()}.
     */
    public static List<Cheat> structureLies() {
        Cheat noisy = byName("noisy-updates");
        Cheat order = byName("wrong-data-order");
        return List.of(
                new Lying("extra-link", "noisy updates; the disputed chain gets one more link, SELECT(posted, result, 1)", noisy,
                        Defender.Lie.EXTRA_LINK, false),
                new Lying("short-chain", "noisy updates; the disputed chain lacks its last link and ends on the posted value as a constant",
                        noisy, Defender.Lie.SHORT_CHAIN, false),
                new Lying("constant-result", "noisy updates; the disputed chain's result leaf is the posted value as a constant", noisy,
                        Defender.Lie.CONSTANT_RESULT, false),
                new Lying("disguised-shuffle-seed", "its own sample order; answers with its own gather op (another seed constant) passed off "
                        + "as the task's", order, Defender.Lie.DISGUISED, true),
                new Lying("disguised-sample", "its own sample order; the gather chain's links are the task's, its result reads the sample "
                        + "it trained on (a correctly quoted, wrong element)", order, Defender.Lie.DISGUISED_RESULT, true),
                new Lying("disguised-short-gather", "its own sample order; the gather chain stops before the shuffle and ends on "
                        + "the row it trained on as a constant (too short for the link its op reads)", order, Defender.Lie.DISGUISED_SHORT, true));
    }

    private static Cheat byName(String name) {
        return all().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static TreeMap<String, Tensor> copyAll(TreeMap<String, Tensor> m) {
        TreeMap<String, Tensor> c = new TreeMap<>();
        m.forEach((k, v) -> c.put(k, v.copy()));
        return c;
    }

    /** Round to bfloat16 (nearest even), kept as a float. */
    static float bf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7f800000) == 0x7f800000) {
            return f;
        }
        int r = b + 0x7fff + ((b >>> 16) & 1);
        return Float.intBitsToFloat(r & 0xffff0000);
    }

    /** Steps honestly through the first segment, then with {@code other}'s trainer. */
    private static ProvenTraining.StepFunction afterFirstSegment(TaskRun other) {
        return (r, s) -> {
            if (s.step() < r.spec().checkpointInterval()) {
                r.trainer().step(s, true);
            } else {
                other.trainer().step(s, true);
            }
        };
    }

    static TaskRun withSeed(TaskRun run, long seed) throws IOException {
        TaskSpec s = run.spec();
        return run.reopen(new TaskSpec(s.model(), s.dataset(), s.datasetRoot(), s.parentRoot(), s.parentBlob(),
                s.train().withSeed(seed), s.checkpointInterval(), s.prep()));
    }

    /** The task's run over a private copy of its data whose labels are shifted by one class. */
    static TaskRun mislabelled(TaskRun run) throws IOException {
        TaskRun other = run.reopen(run.spec());
        Tensor labels = other.trainer().inputs().get(StepGraphs.LABELS);
        if (labels == null) {
            throw new IllegalArgumentException("mislabelled-data needs a labelled dataset; '" + run.spec().dataset() + "' has none");
        }
        // a fresh TaskRun owns its labels array (Trainer.images builds it), so the task's own run is untouched
        int classes = run.spec().model().classes();
        float[] d = labels.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (d[i] + 1) % classes;
        }
        return other;
    }

    static TaskRun withLr(TaskRun run, float factor) throws IOException {
        TaskSpec s = run.spec();
        TrainConfig t = s.train();
        TrainConfig.Schedule sc = t.schedule();
        TrainConfig nt = new TrainConfig(t.batch(), t.steps(), t.seed(), t.optimizer(), new TrainConfig.Schedule(sc.kind(),
                sc.lr() * factor, sc.warmup(), sc.total(), sc.stepSize(), sc.gamma(), Math.min(sc.minLr(), sc.lr() * factor)),
                t.clipNorm());
        return run.reopen(new TaskSpec(s.model(), s.dataset(), s.datasetRoot(), s.parentRoot(), s.parentBlob(), nt,
                s.checkpointInterval(), s.prep()));
    }
}
