package dev.verity.node;

import dev.verity.chain.ReplayProof;
import dev.verity.proof.commit.Commitments;
import dev.verity.proof.dispute.StepTrace;
import dev.verity.proof.run.Manifest;
import dev.verity.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's op traces as verity-chain's {@link ReplayProof} reads them (chain code sees no tensors): a step's outputs
 * as canonical chunks, and a manifest's segment-end roots as the ends a solver commits.
 */
public final class ReplayProofs {
    private ReplayProofs() {
    }

    /** The outputs of a traced step ({@link StepTrace#end}): op order, graph record hashes, chunks as in the tensor root. */
    public static ReplayProof.StepOutputs outputs(StepTrace.End e) {
        return new ReplayProof.StepOutputs() {
            @Override
            public int ops() {
                return e.outputs().size();
            }

            @Override
            public byte[] recordHash(int op) {
                return e.recordHashes().get(op);
            }

            @Override
            public long elems(int op) {
                return e.outputs().get(op).size();
            }

            @Override
            public byte[] chunk(int op, int j) {
                Tensor t = e.outputs().get(op);
                int from = j * ReplayProof.CHUNK_ELEMS;
                return Commitments.canonicalBytes(t.data(), from, Math.min(t.data().length, from + ReplayProof.CHUNK_ELEMS));
            }

            @Override
            public byte[] outputRoot(int op) {
                return e.outputRoots().get(op); // the traced step hashed them (Commitments.tensorRoot): not again
            }
        };
    }

    /** What a verifier that did not replay can key: one made-up op output (its root proves nothing of the solver's). */
    public static ReplayProof.StepOutputs madeUp() {
        return new ReplayProof.StepOutputs() {
            @Override
            public int ops() {
                return 1;
            }

            @Override
            public byte[] recordHash(int op) {
                return new byte[32];
            }

            @Override
            public long elems(int op) {
                return 1;
            }

            @Override
            public byte[] chunk(int op, int j) {
                return new byte[4];
            }
        };
    }

    /** The ends a solver commits for manifest {@code m}: the op-trace root of every segment's last step, as its checkpoints list them. */
    public static ReplayProof.SegmentEnds ends(Manifest m) {
        List<Long> steps = new ArrayList<>();
        for (int i = 1; i < m.checkpoints().size(); i++) steps.add(m.checkpoints().get(i).step());
        return new ReplayProof.SegmentEnds(steps, m.endOpTraceRoots());
    }
}
