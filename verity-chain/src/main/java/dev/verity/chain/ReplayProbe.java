package dev.verity.chain;

import dev.verity.merkle.MerkleTree;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.web3j.utils.Numeric;

/**
 * A verifier's attestation (TaskMarket.attest): the root of its replay of a segment, one {@code 0x52} leaf
 * {@code 0x52 | uint64 step | uint32 lossBits | address verifier} per step {@code s0+1..s1} (the loss each step computed,
 * NaN as {@code 0x7fc00000}), and the leaf and proof it reveals at the probed step. The verifier's address in every leaf
 * keeps another seat from reusing a revealed leaf or root.
 */
public final class ReplayProbe {
    private final String verifier;
    private final long firstStep;
    private final int[] lossBits;
    private final MerkleTree tree;

    /** The replay of steps {@code firstStep..firstStep + lossBits.length - 1} (the first is s0 + 1). */
    public ReplayProbe(String verifier, long firstStep, int[] lossBits) {
        if (lossBits.length == 0) {
            throw new IllegalArgumentException("a replay covers at least one step");
        }
        this.verifier = verifier;
        this.firstStep = firstStep;
        this.lossBits = lossBits.clone();
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < lossBits.length; i++) leaves.add(MerkleTree.leafHash(leaf(firstStep + i, lossBits[i], verifier)));
        this.tree = MerkleTree.ofLeafHashes(leaves);
    }

    /** The address in the leaves of a solver's own losses (TaskMarket.commit's {@code lossRoot}). */
    public static final String SOLVER = "0x0000000000000000000000000000000000000000";

    /** A solver's losses at steps 1..{@code lossBits.length}: the tree of the loss root it commits and answers probes from. */
    public static ReplayProbe solverLosses(int[] lossBits) {
        return new ReplayProbe(SOLVER, 1, lossBits);
    }

    /** Loss bits of a float as the probe commits them: its raw bits, any NaN as {@code 0x7fc00000}. */
    public static int bits(float loss) {
        return loss != loss ? 0x7fc00000 : Float.floatToRawIntBits(loss);
    }

    /** The replay leaf's tag (docs/commitments.md; WireCodes.TAG_REPLAY on chain). */
    public static final byte TAG = 0x52;

    public static byte[] leaf(long step, int lossBits, String verifier) {
        return ByteBuffer.allocate(33).put(TAG).putLong(step).putInt(lossBits).put(Numeric.hexStringToByteArray(verifier)).array();
    }

    public byte[] root() {
        return tree.root();
    }

    /** The committed loss bits at step {@code k}. */
    public int at(long k) {
        return lossBits[index(k)];
    }

    /** The proof of the leaf at step {@code k} against {@link #root()}. */
    public List<byte[]> proof(long k) {
        return tree.siblings(index(k));
    }

    private int index(long k) {
        long i = k - firstStep;
        if (i < 0 || i >= lossBits.length) {
            throw new IllegalArgumentException("step " + k + " is outside the replayed steps " + firstStep + ".." + (firstStep + lossBits.length - 1));
        }
        return (int) i;
    }
}
