package dev.verity.merkle;

import java.util.Arrays;

/** An inclusion proof of leaf {@code index} in a tree of {@code n} leaves (docs/commitments.md). */
public record MerkleProof(long n, long index, byte[][] siblings) {
    public MerkleProof {
        siblings = siblings.clone();
    }

    /** Whether {@code leafBytes} is leaf {@code index} of the tree with this root. */
    public boolean verifies(byte[] root, byte[] leafBytes) {
        return verifiesHash(root, MerkleTree.leafHash(leafBytes));
    }

    public boolean verifiesHash(byte[] root, byte[] leafHash) {
        if (index < 0 || index >= n || siblings.length != MerkleTree.depth(n)) {
            return false;
        }
        byte[] h = leafHash;
        long idx = index;
        for (byte[] s : siblings) {
            h = (idx & 1) == 0 ? MerkleTree.node(h, s) : MerkleTree.node(s, h);
            idx >>= 1;
        }
        return Arrays.equals(MerkleTree.rootOf(n, h), root);
    }
}
