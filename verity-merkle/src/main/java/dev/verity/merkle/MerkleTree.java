package dev.verity.merkle;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The Merkle tree of docs/commitments.md: leaves {@code H(0x00 || leafBytes)}, inner nodes
 * {@code H(0x01 || left || right)}, padding with 32 zero bytes up to a power of two, and the root
 * {@code H(0x02 || uint64(n) || top)} committing to the leaf count.
 */
public final class MerkleTree {
    public static final byte[] ZERO = new byte[32];
    private final int n;
    private final List<byte[][]> levels;

    private MerkleTree(int n, List<byte[][]> levels) {
        this.n = n;
        this.levels = levels;
    }

    public static byte[] leafHash(byte[] leafBytes) {
        MessageDigest md = Sha256.digest();
        md.update((byte) 0x00);
        md.update(leafBytes);
        return md.digest();
    }

    static byte[] node(byte[] l, byte[] r) {
        MessageDigest md = Sha256.digest();
        md.update((byte) 0x01);
        md.update(l);
        md.update(r);
        return md.digest();
    }

    static byte[] rootOf(long n, byte[] top) {
        MessageDigest md = Sha256.digest();
        md.update((byte) 0x02);
        md.update(ByteBuffer.allocate(8).putLong(n).array());
        md.update(top);
        return md.digest();
    }

    public static int depth(long n) {
        return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
    }

    /** Builds the tree over leaf hashes (already {@code H(0x00 || bytes)}). */
    public static MerkleTree ofLeafHashes(List<byte[]> leafHashes) {
        int n = leafHashes.size();
        int d = depth(n);
        byte[][] level = new byte[1 << d][];
        for (int i = 0; i < level.length; i++) {
            level[i] = i < n ? leafHashes.get(i) : ZERO;
        }
        List<byte[][]> levels = new ArrayList<>();
        levels.add(level);
        while (level.length > 1) {
            byte[][] up = new byte[level.length / 2][];
            for (int i = 0; i < up.length; i++) {
                up[i] = node(level[2 * i], level[2 * i + 1]);
            }
            levels.add(up);
            level = up;
        }
        return new MerkleTree(n, levels);
    }

    public static MerkleTree ofLeaves(List<byte[]> leafBytes) {
        List<byte[]> h = new ArrayList<>(leafBytes.size());
        for (byte[] b : leafBytes) {
            h.add(leafHash(b));
        }
        return ofLeafHashes(h);
    }

    public int size() {
        return n;
    }

    public byte[] top() {
        return n == 0 ? ZERO : levels.get(levels.size() - 1)[0];
    }

    public byte[] root() {
        return rootOf(n, top());
    }

    public byte[] leafHashAt(int i) {
        return levels.get(0)[i].clone();
    }

    /** The sibling hashes of leaf {@code i}, from level 0 upward. */
    public MerkleProof proof(int i) {
        if (i < 0 || i >= n) {
            throw new IllegalArgumentException("leaf " + i + " outside [0, " + n + ")");
        }
        byte[][] sib = new byte[levels.size() - 1][];
        int idx = i;
        for (int l = 0; l < sib.length; l++) {
            sib[l] = levels.get(l)[idx ^ 1].clone();
            idx >>= 1;
        }
        return new MerkleProof(n, i, sib);
    }

    /** The sibling hashes of leaf {@code i}, from level 0 upward, as a list (the form the contracts' calldata takes). */
    public List<byte[]> siblings(long i) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("leaf " + i + " of " + n);
        }
        return List.of(proof((int) i).siblings());
    }

    /**
     * The path from page {@code page}'s subtree (height {@code height}: leaves [page · 2^height, (page + 1) · 2^height))
     * up to the root: the proof of its first leaf above level {@code height} (DisputeGame.postChainPage).
     */
    public List<byte[]> pagePath(long page, int height) {
        List<byte[]> p = siblings(page << height);
        return List.copyOf(p.subList(Math.min(height, p.size()), p.size()));
    }

    /** Whether {@code siblings} (level 0 upward) prove leaf hash {@code leafHash} at {@code index} of {@code n} under {@code root}. */
    public static boolean verify(byte[] root, long n, long index, byte[] leafHash, List<byte[]> siblings) {
        return new MerkleProof(n, index, siblings.toArray(byte[][]::new)).verifiesHash(root, leafHash);
    }

    @Override
    public String toString() {
        return "MerkleTree(" + n + " leaves, root " + Sha256.hex(root()) + ")";
    }
}
