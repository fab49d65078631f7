package dev.verity.proof.dispute;

import dev.verity.proof.commit.Commitments;
import dev.verity.merkle.MerkleTree;
import dev.verity.proof.spec.TaskRun;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainingState;
import java.util.ArrayList;
import java.util.List;

/** Every node's output of one honest step from a given state (the state itself is not changed). */
public final class StepTrace {
    private StepTrace() {
    }

    public static List<Tensor> outputs(TaskRun run, TrainingState s) {
        TrainingState copy = s.copy();
        StepExecutor ex = run.trainer().tracingExecutor();
        run.trainer().inputs().get(StepGraphs.STEP).data()[0] = (float) copy.step();
        ex.run(copy.tensors(), run.trainer().inputs(), true);
        Graph g = run.graph();
        List<Tensor> out = new ArrayList<>(g.size());
        for (int i = 0; i < g.size(); i++) {
            out.add(ex.value(i).copy());
        }
        return out;
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
