package dev.verity.proof.dispute;

import dev.verity.proof.commit.Commitments;
import dev.verity.merkle.MerkleTree;
import dev.verity.proof.spec.TaskRun;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainingState;
import java.util.ArrayList;
import java.util.List;

/**
 * The op trace of one honest step from a given state: every node's output, and the op-trace tree over them. {@link
 * #outputs} and {@link #end} leave the state as it is; {@link #endAndStep} and {@link #stepTraced} take the step on it.
 */
public final class StepTrace {
    private static final String LOSS = "loss";

    private StepTrace() {
    }

    public static List<Tensor> outputs(TaskRun run, TrainingState s) {
        StepExecutor ex = runTracing(run, s.copy());
        return copies(values(run, ex));
    }

    /**
     * The op trace of one honest step: the graph's record hashes, every node's output and its tensor root, and the root
     * of the 0x60 entries over them (what a manifest checkpoint's endOpTraceRoot commits to for a segment's last step).
     * The byte arrays compare by reference in {@code equals}: compare roots with {@link java.util.Arrays#equals}.
     */
    public record End(List<byte[]> recordHashes, List<byte[]> outputRoots, List<Tensor> outputs, byte[] opTraceRoot) {
        public End {
            recordHashes = List.copyOf(recordHashes);
            outputRoots = List.copyOf(outputRoots);
            outputs = List.copyOf(outputs);
        }

        /** The op-trace tree (its root is {@link #opTraceRoot}), for proofs of single entries. */
        public MerkleTree tree() {
            return StepTrace.tree(recordHashes, outputRoots, outputs);
        }

        /** The step's loss (its graph output "loss"). */
        public float loss(TaskRun run) {
            return outputs.get(run.graph().output(LOSS)).data()[0];
        }
    }

    /** The op trace of the honest step from {@code pre} ({@code pre} itself is not changed). */
    public static End end(TaskRun run, TrainingState pre) {
        return endOf(run, runTracing(run, pre.copy()));
    }

    /**
     * The op trace of the honest step from {@code s}, taking that step on {@code s} itself: a replay that must show the
     * trace of its segment's last step pays for that step once, not twice (see {@link #stepTraced} for why the bits
     * are those of {@code trainer.step}).
     */
    public static End endAndStep(TaskRun run, TrainingState s) {
        StepExecutor ex = runTracing(run, s);
        End e = endOf(run, ex);
        commit(run, ex, s);
        return e;
    }

    /** The trace of the executor's last run; read before any commit (the state nodes' values are the state's tensors). */
    private static End endOf(TaskRun run, StepExecutor ex) {
        List<Tensor> values = values(run, ex);
        List<byte[]> rec = recordHashes(run);
        List<byte[]> roots = roots(run, values);
        return new End(rec, roots, copies(values), tree(rec, roots, values).root());
    }

    /** What {@link #stepTraced} gives: the step's op-trace root, its loss, and the nanoseconds spent hashing the trace. */
    public record Traced(byte[] opTraceRoot, float loss, long hashNanos) {
    }

    /**
     * Takes the honest step from {@code s} on {@code s} itself with the tracing executor and returns its op-trace root
     * (= {@code end(run, s).opTraceRoot()} before the step), copying no output: a solver commits to the trace of every
     * segment's last step at the cost of hashing it, not of a second step. The state is left exactly where
     * {@code trainer.step(s, true)} leaves it: the same graph and kernels (the two executors differ only in how they
     * reuse buffers, which changes no bit), and the scalars advance as {@code Trainer.step} advances them; the tests
     * check this bit for bit. {@code trainer.lastLoss()} is not this step's loss: the result's is.
     */
    public static Traced stepTraced(TaskRun run, TrainingState s) {
        StepExecutor ex = runTracing(run, s);
        long t0 = System.nanoTime();
        // the values are hashed before the commit: the state nodes' values are the state's own tensors
        List<Tensor> values = values(run, ex);
        byte[] root = tree(recordHashes(run), roots(run, values), values).root();
        long hashNs = System.nanoTime() - t0;
        float loss = ex.output(LOSS).data()[0];
        commit(run, ex, s);
        return new Traced(root, loss, hashNs);
    }

    /** Runs the tracing executor on {@code s}'s own tensors (bound, not copied); {@code s} is unchanged until a commit. */
    private static StepExecutor runTracing(TaskRun run, TrainingState s) {
        StepExecutor ex = run.trainer().tracingExecutor();
        run.trainer().inputs().get(StepGraphs.STEP).data()[0] = (float) s.step();
        ex.run(s.tensors(), run.trainer().inputs(), true);
        return ex;
    }

    /** What {@code Trainer.step} does after its run: the updates into the state, then the scalars. */
    private static void commit(TaskRun run, StepExecutor ex, TrainingState s) {
        ex.commit(s.tensors());
        s.advance(run.trainer().config().batch());
    }

    /** Every node's value after the executor's last run (its own buffers and bound sources, not copies). */
    private static List<Tensor> values(TaskRun run, StepExecutor ex) {
        List<Tensor> out = new ArrayList<>(run.graph().size());
        for (int i = 0; i < run.graph().size(); i++) {
            out.add(ex.value(i));
        }
        return out;
    }

    private static List<Tensor> copies(List<Tensor> values) {
        List<Tensor> out = new ArrayList<>(values.size());
        for (Tensor t : values) {
            out.add(t.copy());
        }
        return out;
    }

    /**
     * {@link #roots(List)} of a traced run's values, taking the data inputs' roots from the run (hashed once, not once
     * a trace) where a node's value is the trainer's own data array.
     */
    private static List<byte[]> roots(TaskRun run, List<Tensor> values) {
        List<byte[]> r = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            Node n = run.graph().node(i);
            Tensor input = n.kind() == OpKind.INPUT && !n.name().equals(StepGraphs.STEP)
                    ? run.trainer().inputs().get(n.name()) : null;
            boolean data = input != null && input.data() == values.get(i).data();
            r.add(data ? run.dataArrayRoot(n.name()) : Commitments.tensorRoot(values.get(i).data()));
        }
        return r;
    }

    /** The honest state after one step from {@code s} (a new state). */
    public static TrainingState next(TaskRun run, TrainingState s) {
        TrainingState n = s.copy();
        run.trainer().step(n, true);
        return n;
    }

    /** The op-trace tree: one 0x60 entry per node (graph leaf hash, output root, element count). */
    public static MerkleTree tree(List<byte[]> recordHashes, List<byte[]> outputRoots, List<Tensor> outputs) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < outputRoots.size(); i++) {
            leaves.add(entry(i, recordHashes.get(i), outputRoots.get(i), outputs.get(i).size()));
        }
        return MerkleTree.ofLeaves(leaves);
    }

    public static byte[] entry(int i, byte[] recordHash, byte[] outputRoot, long elems) {
        return Commitments.opTraceEntry(i, recordHash, outputRoot, elems);
    }

    /** The graph's record hashes (leaf hashes of the graph tree), in order. */
    public static List<byte[]> recordHashes(TaskRun run) {
        List<byte[]> h = new ArrayList<>();
        for (int i = 0; i < run.graph().size(); i++) {
            h.add(run.graphTree().leafHashAt(i));
        }
        return h;
    }

    public static List<byte[]> roots(List<Tensor> outputs) {
        List<byte[]> r = new ArrayList<>(outputs.size());
        for (Tensor t : outputs) {
            r.add(Commitments.tensorRoot(t.data()));
        }
        return r;
    }
}
