package dev.verity.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.ReplayProof;
import dev.verity.merkle.MerkleTree;
import dev.verity.proof.dispute.StepTrace;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.tensor.model.ModelConfig;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * verity-chain builds a seat's trees from canonical chunks with its own copy of the layouts; this ties them to the
 * engine's: the op-trace root {@link ReplayProof} computes from a real step's outputs is the one the solver's training
 * recorded (verity-proof's {@code StepTrace}), bit for bit, and a reveal built from a verifier's replay proves against the
 * solver's committed ends at every chunk of a few draws.
 */
class ReplayProofsTest {
    /** {@code o} without its known output roots: the chain hashes every op's chunks itself (the default outputRoot). */
    private static ReplayProof.StepOutputs chunksOnly(ReplayProof.StepOutputs o) {
        return new ReplayProof.StepOutputs() {
            @Override
            public int ops() {
                return o.ops();
            }

            @Override
            public byte[] recordHash(int op) {
                return o.recordHash(op);
            }

            @Override
            public long elems(int op) {
                return o.elems(op);
            }

            @Override
            public byte[] chunk(int op, int j) {
                return o.chunk(op, j);
            }
        };
    }

    @Test
    void theChainsOpTraceRootIsTheEnginesAndARevealProvesAgainstTheCommittedEnds(@TempDir Path dir) throws Exception {
        ModelConfig mlp = new ModelConfig.Mlp(new int[] {784, 16, 10});
        String dataset = "fashion-mnist:300";
        TaskSpec d = TaskSpec.defaults(mlp, dataset, TaskRun.datasetRootFor(dataset, mlp, 8), 6, 3, 3);
        TaskSpec spec = new TaskSpec(d.model(), d.dataset(), d.datasetRoot(), null, null, d.train().withBatch(8), 3);
        LocalBlobStore store = new LocalBlobStore(dir);
        TaskRun run = TaskRun.open(spec, store);
        Manifest m = ProvenTraining.train(run, store, ProvenTraining.HONEST, null).manifest();
        ReplayProof.SegmentEnds ends = ReplayProofs.ends(m);
        SegmentReplayer replayer = new SegmentReplayer(TaskRun.open(spec, store), store, m);
        for (int seg = 0; seg < 2; seg++) {
            assertTrue(replayer.replay(seg).ok());
            StepTrace.End end = replayer.replayedEnd();
            byte[] key = new byte[32];
            key[31] = (byte) (seg + 1);
            ReplayProof proof = new ReplayProof(key, ReplayProofs.outputs(end));
            assertArrayEquals(end.opTraceRoot(), proof.opTraceRoot(), "segment " + seg + ": the chain's op-trace root is the engine's");
            assertArrayEquals(end.opTraceRoot(), ReplayProof.opTraceRoot(ReplayProofs.outputs(end)));
            assertArrayEquals(end.opTraceRoot(), ReplayProof.opTraceRoot(chunksOnly(ReplayProofs.outputs(end))),
                    "segment " + seg + ": the chain's chunks hash to the engine's output roots");
            assertArrayEquals(m.endOpTraceRoots().get(seg), proof.opTraceRoot(), "and the one the solver's manifest lists");
            MerkleTree endsTree = ends.tree();
            for (int draw = 0; draw < 4; draw++) {
                byte[] seed = MerkleTree.leafHash(new byte[] {(byte) seg, (byte) draw});
                ReplayProof.Reveal r = proof.reveal(seed, ends, seg);
                byte[] entry = ReplayProof.SegmentEnds.entry(m.checkpoints().get(seg + 1).step(), r.opTraceRoot());
                assertTrue(MerkleTree.verify(endsTree.root(), ends.endSteps().size(), seg, MerkleTree.leafHash(entry), r.endProof()));
                for (int k = 0; k < ReplayProof.DRAWS; k++) {
                    ReplayProof.ChunkReveal c = r.chunks().get(k);
                    int op = ReplayProof.opOf(ReplayProof.drawSeed(seed, k), r.opCount());
                    byte[] opEntry = ReplayProof.opTraceEntry(op, c.recordHash(), c.outputRoot(), c.outputElems());
                    assertTrue(MerkleTree.verify(r.opTraceRoot(), r.opCount(), op, MerkleTree.leafHash(opEntry), c.opProof()));
                }
            }
        }
        // a root keyed with another key differs: the key is in every leaf
        StepTrace.End end = replayer.replayedEnd();
        byte[] other = new byte[32];
        assertFalse(Arrays.equals(new ReplayProof(other, ReplayProofs.outputs(end)).root(),
                new ReplayProof(MerkleTree.leafHash(other), ReplayProofs.outputs(end)).root()));
    }
}
