package dev.verity.proof.run;

import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.dispute.StepTrace;
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

        /**
         * Called after each checkpoint is stored, with its entry: a solver journals the entries, whose op-trace roots a state
         * blob does not hold, to resume after a crash without retraining.
         */
        default void onCheckpoint(Manifest.Checkpoint checkpoint) throws IOException {
        }
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

    /**
     * Continues from {@code state} (a checkpoint already listed in {@code done}, e.g. after a crash; the done checkpoints
     * carry their op-trace roots). Every checkpoint after the first gets the op-trace root of the step that produced it,
     * computed here, while the state before that step still exists.
     */
    public static Result trainFrom(TaskRun run, BlobStore store, TrainingState state, List<Manifest.Checkpoint> done,
                                   StepFunction stepFn, Progress progress) throws IOException {
        Clock clock = new Clock();
        java.util.TreeMap<Long, Float> losses = new java.util.TreeMap<>();
        List<Manifest.Checkpoint> cps = new ArrayList<>(done);
        Map<String, String> id = run.identity();
        int c = run.spec().checkpointInterval();
        long steps = run.spec().train().steps();
        if (cps.isEmpty()) {
            long t0 = System.nanoTime();
            cps.add(checkpoint(state, store, id, null));
            clock.proofNs += System.nanoTime() - t0;
        }
        while (state.step() < steps) {
            long until = Math.min(steps, (state.step() / c + 1) * c);
            long t0 = System.nanoTime();
            byte[] endRoot = segment(run, state, until, stepFn, progress, losses, clock);
            long t1 = System.nanoTime();
            cps.add(checkpoint(state, store, id, endRoot));
            if (progress != null) {
                progress.onCheckpoint(cps.get(cps.size() - 1));
            }
            clock.trainNs += t1 - t0;
            clock.proofNs += System.nanoTime() - t1;
        }
        long t0 = System.nanoTime();
        TreeMap<String, Tensor> params = run.params(state);
        String modelBlob = store.put(SafeTensors.toBytes(new LinkedHashMap<>(params), Map.of("verity.task", run.spec().hashHex())));
        Manifest partial = new Manifest(run.spec().hashHex(), Sha256.hex(run.datasetRoot()), Sha256.hex(run.graphRoot()),
                cps, "", Sha256.hex(TaskRun.modelRoot(params)), modelBlob);
        Manifest m = new Manifest(partial.task(), partial.datasetRoot(), partial.graphRoot(), cps,
                Sha256.hex(partial.traceTree().root()), partial.modelRoot(), modelBlob);
        clock.proofNs += System.nanoTime() - t0;
        return new Result(m, state, clock.trainNs, clock.proofNs, losses);
    }

    /** Training and proof time so far (a segment's trace time moves from the first to the second). */
    private static final class Clock {
        long trainNs;
        long proofNs;
    }

    /**
     * Steps {@code state} to {@code until} and returns the op-trace root of the last step; the time spent on the trace
     * is moved from {@code clock.trainNs} (the caller adds the whole segment's time there) to {@code clock.proofNs}.
     */
    private static byte[] segment(TaskRun run, TrainingState state, long until, StepFunction stepFn, Progress progress,
                                  java.util.TreeMap<Long, Float> losses, Clock clock) {
        byte[] endRoot = null;
        while (state.step() < until) {
            float loss;
            if (state.step() == until - 1) {
                StepTrace.Traced t = lastStep(run, state, stepFn);
                endRoot = t.opTraceRoot();
                loss = t.loss();
                clock.trainNs -= t.hashNanos();
                clock.proofNs += t.hashNanos();
            } else {
                stepFn.step(run, state);
                loss = run.trainer().lastLoss();
            }
            losses.put(state.step(), loss);
            if (progress != null) {
                progress.onStep(state.step(), clock.proofNs);
            }
        }
        return endRoot;
    }

    /**
     * A segment's last step, with the op-trace root of the honest step from its pre-state. An honest solver takes that
     * step with the tracing executor, which leaves the state {@link #HONEST} would, so the trace costs its hashing only.
     * Any other step function (a cheat) is not trusted to: the honest trace is taken from a copy of its pre-state, then
     * its own step is taken as always, and the whole trace counts as proof time.
     */
    private static StepTrace.Traced lastStep(TaskRun run, TrainingState state, StepFunction stepFn) {
        if (stepFn == HONEST) {
            return StepTrace.stepTraced(run, state);
        }
        long t0 = System.nanoTime();
        byte[] root = StepTrace.stepTraced(run, state.copy()).opTraceRoot();
        long traceNs = System.nanoTime() - t0;
        stepFn.step(run, state);
        return new StepTrace.Traced(root, run.trainer().lastLoss(), traceNs);
    }

    /**
     * Stores the state and returns its checkpoint entry, with the op-trace root of the step that produced it (null for
     * checkpoint 0, which no step produced: its entry says "").
     */
    public static Manifest.Checkpoint checkpoint(TrainingState s, BlobStore store, Map<String, String> identity,
                                                 byte[] endOpTraceRoot) throws IOException {
        String blob = store.put(s.toBytes(identity));
        return new Manifest.Checkpoint(s.step(), Sha256.hex(StateCommitment.rootOf(s)), blob,
                endOpTraceRoot == null ? "" : Sha256.hex(endOpTraceRoot));
    }
}
