package dev.verity.chain;

import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;

import java.util.ArrayList;
import java.util.List;

/**
 * The moves of a dispute that carry data (docs/dispute-protocol.md), as the {@link Verity} binding sends them. Whoever
 * plays (the node's DisputeParty, the self-test, the attack library) builds them from its own commitments.
 */
public final class DisputeMoves {
    private DisputeMoves() {}

    /**
     * Round 2: the segment's two checkpoints with one proof for both trace entries ({@link Verity#pairProof}), and every
     * leaf of the segment tree (state root and op-trace root after each step s0..s1); the contract computes the root.
     */
    public record SegmentPost(byte[] startState, byte[] endState, List<byte[]> endsProof, List<byte[]> stateRoots, List<byte[]> opTraceRoots) {
        public SegmentPost {
            endsProof = List.copyOf(endsProof);
            stateRoots = List.copyOf(stateRoots);
            opTraceRoots = List.copyOf(opTraceRoots);
            if (stateRoots.size() != opTraceRoots.size()) {
                throw new IllegalArgumentException("a segment has as many op-trace roots as states: " + stateRoots.size() + " and " + opTraceRoots.size());
            }
        }

        /** The segment tree's root, as the contract computes it from the leaves. */
        public byte[] segmentRoot(long firstStep) {
            List<byte[]> l = new ArrayList<>();
            for (int k = 0; k < stateRoots.size(); k++) l.add(segmentLeaf(firstStep + k, stateRoots.get(k), opTraceRoots.get(k)));
            return MerkleTree.ofLeafHashes(l).root();
        }
    }

    /** Leaf hash of segment step entry 0x51: the state after {@code step} steps and the op trace of the step that produced it. */
    public static byte[] segmentLeaf(long step, byte[] stateRoot, byte[] opTraceRoot) {
        return MerkleTree.leafHash(Abi.concat(new byte[] {0x51}, Sha256.u64(step), stateRoot, opTraceRoot));
    }

    /** Round 3's element claim: the disputed step, and in it op {@code opIndex} and output element {@code element}. */
    public record OpClaim(Verity.Step step, long opIndex, byte[] graphRecord, byte[] outputRoot, long outputElems, List<byte[]> opTraceProof,
            long element) {}

    /** Round 4: the element chain's root and length, the element's chunk and the result leaf, each with its proof. */
    /** A page of a long element chain: its leaves, and the path from the page's subtree to the chain root. */
    public record ChainPage(List<byte[]> leaves, List<byte[]> path) {}

    public record ChainPost(byte[] chainRoot, long links, byte[] chunk, List<byte[]> chunkProof, byte[] resultLeaf, List<byte[]> resultProof) {}

    /** Round 5: link {@code t} of the chain (or the result leaf, t == links), its leaf bytes and proof. */
    public record LinkPick(long t, byte[] leaf, List<byte[]> proof) {}
}
