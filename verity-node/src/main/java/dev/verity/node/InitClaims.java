package dev.verity.node;

import dev.verity.chain.Verity;
import dev.verity.proof.commit.Commitments;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.merkle.MerkleProof;
import dev.verity.merkle.MerkleTree;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The init claim ({@code TaskMarket.challengeInit}): a task's init root holds a state its graph does not prescribe. Given
 * the state posted under the init root (a solver publishes it as checkpoint 0), finds the first tensor, in name order,
 * whose record is not the prescribed one, and proves it wrong with one element (or, for a fine-tuned parameter, with the
 * parent model's record of the same name).
 */
public final class InitClaims {
    private InitClaims() {
    }

    private static final Verity.Leaf NONE = new Verity.Leaf(new byte[0], 0, 0, List.of());

    /** The claim against {@code posted}, or null if every tensor it holds is the one the run's graph prescribes. */
    public static Verity.InitClaim find(TaskRun run, BlobStore store, TrainingState posted) throws IOException {
        TrainingState want = run.initialState(store);
        for (String name : run.graph().stateInputs().keySet()) {
            Tensor p = posted.tensors().get(name);
            Tensor w = want.tensors().get(name);
            if (p == null || w == null) {
                continue; // a missing record is not this claim's (the step that reads it is disputed instead)
            }
            if (!Arrays.equals(p.shape(), w.shape())) {
                return at(run, store, posted, name, 0);
            }
            if (!Arrays.equals(Commitments.tensorRoot(p.data()), Commitments.tensorRoot(w.data()))) {
                return at(run, store, posted, name, firstDifference(p.data(), w.data()));
            }
        }
        return null;
    }

    /**
     * The claim on element {@code element} of tensor {@code name} of {@code posted} (for a fine-tuned parameter, on its
     * whole record against the parent's): the contract rules it right only if that element (or record) is not the one
     * the graph prescribes, so a claim on a right element is refused. Tests use that to check the on-chain rule against
     * {@code Init.fill} bit for bit.
     */
    public static Verity.InitClaim at(TaskRun run, BlobStore store, TrainingState posted, String name, int element) throws IOException {
        Graph g = run.graph();
        int id = g.stateInputs().get(name);
        var node = g.node(id);
        StateCommitment pc = StateCommitment.of(posted);
        Verity.Leaf nodeLeaf = leaf(Commitments.graphRecord(g, node), run.graphTree().proof(id));
        Verity.Leaf record = leaf(pc.record(name).leaf(), pc.record(name).proof());
        if (run.spec().parentRoot() != null && node.attrs().get(OpAttr.INIT_PARAM)) {
            TreeMap<String, Tensor> parent = new TreeMap<>(SafeTensors.fromBytes(store.get(run.spec().parentBlob())).tensors());
            return new Verity.InitClaim(nodeLeaf, record, parentRecord(parent, name), 0);
        }
        float[] data = posted.tensors().get(name).data();
        if (!Arrays.equals(posted.tensors().get(name).shape(), node.shape())) {
            return new Verity.InitClaim(nodeLeaf, record, NONE, 0); // another shape: nothing more to prove
        }
        int chunk = element / Commitments.CHUNK;
        byte[] bytes = Commitments.canonicalBytes(data, chunk * Commitments.CHUNK, Math.min(data.length, (chunk + 1) * Commitments.CHUNK));
        return new Verity.InitClaim(nodeLeaf, record, leaf(bytes, Commitments.tensorTree(data).proof(chunk)), element % Commitments.CHUNK);
    }

    private static Verity.Leaf parentRecord(TreeMap<String, Tensor> parent, String name) {
        MerkleTree tree = Commitments.namedTree(Commitments.STATE_TENSOR, parent);
        int i = parent.headMap(name).size();
        Tensor t = parent.get(name);
        if (t == null) {
            return NONE; // the parent has no such tensor: no record to show (the claim then does not prove, and reverts)
        }
        byte[] rec = Commitments.namedTensorRecord(Commitments.STATE_TENSOR, name, t.shape(), Commitments.tensorRoot(t.data()));
        return leaf(rec, tree.proof(i));
    }

    /** The first element whose canonical bits differ (NaN payloads are one NaN, as in every tensor root). */
    private static int firstDifference(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            int x = a[i] != a[i] ? 0x7fc00000 : Float.floatToRawIntBits(a[i]);
            int y = b[i] != b[i] ? 0x7fc00000 : Float.floatToRawIntBits(b[i]);
            if (x != y) {
                return i;
            }
        }
        throw new IllegalStateException("tensors with different roots hold the same bits");
    }

    private static Verity.Leaf leaf(byte[] data, MerkleProof p) {
        return new Verity.Leaf(data, p.n(), p.index(), DisputeParty.sib(p));
    }
}
