package dev.verity.proof.run;

import dev.verity.proof.commit.StateCommitment;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Trains a task with proof: a checkpoint (state blob + state root) every {@code c} steps and at
 * the end, the trace root over them, and the final model as its own blob. The step function is
 * pluggable so the cheat library can train dishonestly through the same path.
 */
public final class ProvenTraining {
    private ProvenTraining() {
    }

    /** Advances a state by one step (honest: {@code trainer.step}). */
    @FunctionalInterface
    public interface StepFunction {
        void step(TaskRun run, TrainingState state);
    }

    public static final StepFunction HONEST = (run, s) -> run.trainer().step(s, true);

    /** Called after every step with the step count and the time spent hashing and storing so far. */
    @FunctionalInterface
    public interface Progress {
        void onStep(long step, long proofNanos);
    }

    /**
     * {@code losses}: the loss each step of this call computed, by the step count it produced (the key is {@code s} for
     * the step from state {@code s − 1} to {@code s}): a solver answers the verifiers' probes from them.
     */
    public record Result(Manifest manifest, TrainingState finalState, long trainNanos, long proofNanos, java.util.SortedMap<Long, Float> losses) {
        public double overhead() {
            return trainNanos == 0 ? 0 : proofNanos / (double) trainNanos;
        }
    }

    public static Result train(TaskRun run, BlobStore store, StepFunction stepFn, Progress progress) throws IOException {
        TrainingState state = run.initialState(store);
        return trainFrom(run, store, state, new ArrayList<>(), stepFn, progress);
    }

    /** Continues from {@code state} (a checkpoint already listed in {@code done}), e.g. after a crash. */
    public static Result trainFrom(TaskRun run, BlobStore store, TrainingState state, List<Manifest.Checkpoint> done,
                                   StepFunction stepFn, Progress progress) throws IOException {
        long trainNs = 0;
        long proofNs = 0;
        java.util.TreeMap<Long, Float> losses = new java.util.TreeMap<>();
        List<Manifest.Checkpoint> cps = new ArrayList<>(done);
        Map<String, String> id = run.identity();
        int c = run.spec().checkpointInterval();
        long steps = run.spec().train().steps();
        if (cps.isEmpty()) {
            long t0 = System.nanoTime();
            cps.add(checkpoint(state, store, id));
            proofNs += System.nanoTime() - t0;
        }
        while (state.step() < steps) {
            long until = Math.min(steps, (state.step() / c + 1) * c);
            long t0 = System.nanoTime();
            while (state.step() < until) {
                stepFn.step(run, state);
                losses.put(state.step(), run.trainer().lastLoss());
                if (progress != null) {
                    progress.onStep(state.step(), proofNs);
                }
            }
            long t1 = System.nanoTime();
            cps.add(checkpoint(state, store, id));
            trainNs += t1 - t0;
            proofNs += System.nanoTime() - t1;
        }
        long t0 = System.nanoTime();
        TreeMap<String, Tensor> params = run.params(state);
        String modelBlob = store.put(SafeTensors.toBytes(new LinkedHashMap<>(params), Map.of("verity.task", run.spec().hashHex())));
        Manifest partial = new Manifest(run.spec().hashHex(), Sha256.hex(run.datasetRoot()), Sha256.hex(run.graphRoot()),
                cps, "", Sha256.hex(TaskRun.modelRoot(params)), modelBlob);
        Manifest m = new Manifest(partial.task(), partial.datasetRoot(), partial.graphRoot(), cps,
                Sha256.hex(partial.traceTree().root()), partial.modelRoot(), modelBlob);
        proofNs += System.nanoTime() - t0;
        return new Result(m, state, trainNs, proofNs, losses);
    }

    /** Stores the state and returns its checkpoint entry. */
    public static Manifest.Checkpoint checkpoint(TrainingState s, BlobStore store, Map<String, String> identity)
            throws IOException {
        String blob = store.put(s.toBytes(identity));
        return new Manifest.Checkpoint(s.step(), Sha256.hex(StateCommitment.rootOf(s)), blob);
    }
}
