package dev.verity.proof.verify;

import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.dispute.StepTrace;
import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * A verifier's work: checks a solver's manifest against the task, and re-executes segments. A
 * segment i starts from the solver's own checkpoint i, runs {@code c} honest steps, and must land
 * exactly (bit for bit: same state root) on checkpoint i+1, its last step with the op trace whose root checkpoint i+1
 * lists.
 */
public final class SegmentReplayer {
    private final TaskRun run;
    private final BlobStore store;
    private final Manifest manifest;

    /** The outcome of one check: ok, or the first thing that failed and why. */
    public record Verdict(boolean ok, String check, String reason) {
        static Verdict pass(String check) {
            return new Verdict(true, check, "ok");
        }

        static Verdict fail(String check, String reason) {
            return new Verdict(false, check, reason);
        }
    }

    public SegmentReplayer(TaskRun run, BlobStore store, Manifest manifest) {
        this.run = run;
        this.store = store;
        this.manifest = manifest;
    }

    public int segments() {
        return manifest.checkpoints().size() - 1;
    }

    private float[] replayedLosses = new float[0];

    /**
     * The losses the last {@link #replay} computed, one per step of its segment in order (the step from checkpoint i's
     * state s0 to s0 + 1 first): what a verifier's attestation commits to (a replay of them is the only way to know them).
     */
    public float[] replayedLosses() {
        return replayedLosses.clone();
    }

    private StepTrace.End replayedEnd;

    /**
     * The op trace of the last step of the segment the last {@link #replay} replayed (from the replay's own state after
     * s1 − 1 steps to s1), or null before any replay reached it: what a verifier needs to check or answer for the
     * solver's endOpTraceRoot of that segment.
     */
    public StepTrace.End replayedEnd() {
        return replayedEnd;
    }

    /** The task's run this replayer checks against. */
    public TaskRun run() {
        return run;
    }

    /** The solver's manifest this replayer checks. */
    public Manifest manifest() {
        return manifest;
    }

    /**
     * Checks that need no training: the manifest answers this task (spec hash, dataset and graph
     * roots), lists the right checkpoint steps, its trace root is the root of its entries, the
     * initial state is what the spec produces, and the final model is the last checkpoint's weights.
     */
    public Verdict checkManifest() {
        if (!manifest.task().equals(run.spec().hashHex())) {
            return Verdict.fail("task", "the manifest answers task " + manifest.task() + ", not " + run.spec().hashHex());
        }
        if (!manifest.datasetRoot().equals(Sha256.hex(run.datasetRoot()))) {
            return Verdict.fail("dataset", "dataset root " + manifest.datasetRoot() + " is not the task's");
        }
        if (!manifest.graphRoot().equals(Sha256.hex(run.graphRoot()))) {
            return Verdict.fail("graph", "graph root " + manifest.graphRoot() + " is not the task's");
        }
        int n = run.spec().segments();
        if (manifest.checkpoints().size() != n + 1) {
            return Verdict.fail("checkpoints", "expected " + (n + 1) + " checkpoints, the manifest lists "
                    + manifest.checkpoints().size() + " (stopped early?)");
        }
        for (int i = 0; i <= n; i++) {
            if (manifest.checkpoints().get(i).step() != run.spec().checkpointStep(i)) {
                return Verdict.fail("checkpoints", "checkpoint " + i + " is at step " + manifest.checkpoints().get(i).step()
                        + ", expected " + run.spec().checkpointStep(i));
            }
        }
        if (!manifest.traceRoot().equals(Sha256.hex(manifest.traceTree().root()))) {
            return Verdict.fail("trace", "the trace root is not the root of the listed checkpoints");
        }
        try {
            manifest.endOpTraceRoots();
        } catch (IllegalArgumentException e) {
            return Verdict.fail("op trace", e.getMessage());
        }
        try {
            TrainingState init = run.initialState(store);
            String want = Sha256.hex(StateCommitment.rootOf(init));
            if (!want.equals(manifest.checkpoints().get(0).stateRoot())) {
                return Verdict.fail("initial state", "checkpoint 0 is not the state the spec's seed (or parent) produces");
            }
            TrainingState last = load(n);
            byte[] model = store.get(manifest.modelBlob());
            TreeMap<String, dev.verity.tensor.Tensor> params = new TreeMap<>(SafeTensors.fromBytes(model).tensors());
            String root = Sha256.hex(TaskRun.modelRoot(params));
            if (!root.equals(manifest.modelRoot())) {
                return Verdict.fail("final model", "the model blob's root " + root + " is not the manifest's model root");
            }
            if (!root.equals(Sha256.hex(TaskRun.modelRoot(run.params(last))))) {
                return Verdict.fail("final model", "the final model is not the weights of the last checkpoint");
            }
        } catch (IOException | IllegalArgumentException e) {
            return Verdict.fail("data", e.getMessage());
        }
        return Verdict.pass("manifest");
    }

    /** Loads checkpoint {@code i} and checks it is the state its entry commits to. */
    public TrainingState load(int i) throws IOException {
        Manifest.Checkpoint cp = manifest.checkpoints().get(i);
        TrainingState s = TrainingState.fromBytes(store.get(cp.blob()), "checkpoint " + i, run.identity());
        String root = Sha256.hex(StateCommitment.rootOf(s));
        if (!root.equals(cp.stateRoot())) {
            throw new IOException("checkpoint " + i + " blob holds a state with root " + root + ", its entry says "
                    + cp.stateRoot());
        }
        if (s.step() != cp.step()) {
            throw new IOException("checkpoint " + i + " is at step " + s.step() + ", its entry says " + cp.step());
        }
        return s;
    }

    /**
     * Replays segment {@code i}: from checkpoint i, c honest steps, compared with checkpoint i+1; the op trace of the
     * last step (kept for {@link #replayedEnd}) must have the root checkpoint i+1's endOpTraceRoot says.
     */
    public Verdict replay(int i) {
        if (i < 0 || i >= segments()) {
            return Verdict.fail("segment", "segment " + i + " outside [0, " + segments() + ")");
        }
        MerkleTree trace = manifest.traceTree();
        if (!trace.proof(i).verifies(Sha256.unhex(manifest.traceRoot()), entry(i))) {
            return Verdict.fail("trace", "checkpoint " + i + " is not in the trace root");
        }
        replayedEnd = null;
        byte[] claimedEnd;
        try {
            claimedEnd = manifest.endOpTraceRoot(i);
        } catch (IllegalArgumentException e) {
            return Verdict.fail("op trace", "segment " + i + ": " + e.getMessage());
        }
        try {
            TrainingState s = load(i);
            long until = manifest.checkpoints().get(i + 1).step();
            if (until <= s.step()) {
                return Verdict.fail("checkpoints", "segment " + i + " has no steps: checkpoint " + (i + 1) + " is at step "
                        + until + ", checkpoint " + i + " at " + s.step());
            }
            float[] losses = new float[Math.toIntExact(until - s.step())];
            long first = s.step() + 1;
            run.trainer().train(s, until - 1, true, (step, loss) -> losses[(int) (step - first)] = loss);
            // the last step is taken by the trace itself: the state it leaves is trainer.step's, bit for bit
            StepTrace.End end = StepTrace.endAndStep(run, s);
            losses[losses.length - 1] = end.loss(run);
            replayedLosses = losses;
            replayedEnd = end;
            String got = Sha256.hex(StateCommitment.rootOf(s));
            String want = manifest.checkpoints().get(i + 1).stateRoot();
            if (!got.equals(want)) {
                return Verdict.fail("replay", "segment " + i + ": replaying steps " + manifest.checkpoints().get(i).step()
                        + ".." + until + " gives state root " + got.substring(0, 16) + "…, checkpoint " + (i + 1) + " says "
                        + want.substring(0, 16) + "…");
            }
            if (!Arrays.equals(end.opTraceRoot(), claimedEnd)) {
                return Verdict.fail("op trace", "segment " + i + ": the op trace of step " + (until - 1) + " → " + until
                        + " replays to root " + Sha256.hex(end.opTraceRoot()).substring(0, 16) + "…, checkpoint " + (i + 1)
                        + "'s endOpTraceRoot says " + Sha256.hex(claimedEnd).substring(0, 16) + "…");
            }
            return Verdict.pass("segment " + i);
        } catch (IOException | IllegalArgumentException e) {
            return Verdict.fail("data", "segment " + i + ": " + e.getMessage());
        }
    }

    private byte[] entry(int i) {
        Manifest.Checkpoint c = manifest.checkpoints().get(i);
        return dev.verity.proof.commit.Commitments.traceEntry(c.step(), Sha256.unhex(c.stateRoot()));
    }
}
