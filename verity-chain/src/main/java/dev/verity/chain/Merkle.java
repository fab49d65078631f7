package dev.verity.chain;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * SHA-256 Merkle trees exactly as docs/commitments.md defines them (the contracts check the same
 * layout): leaf = H(0x00 || leafBytes), inner = H(0x01 || l || r), root = H(0x02 || uint64(n) || top),
 * level 0 padded with 32 zero bytes to 2^d, d = 0 if n <= 1 else ceil(log2 n).
 */
public final class Merkle {
    public static final byte[] ZERO = new byte[32];

    private Merkle() {}

    public static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) md.update(p);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] leafHash(byte[] leafBytes) {
        return sha256(new byte[] {0x00}, leafBytes);
    }

    public static int depth(long n) {
        return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
    }

    public static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    /** A whole tree, kept level by level so that any leaf's proof can be read off. */
    public static final class Tree {
        private final long n;
        private final List<byte[][]> levels;
        private final byte[] root;

        private Tree(long n, List<byte[][]> levels) {
            this.n = n;
            this.levels = levels;
            byte[] top = n == 0 ? ZERO : levels.get(levels.size() - 1)[0];
            this.root = sha256(new byte[] {0x02}, u64(n), top);
        }

        public long size() {
            return n;
        }

        public byte[] root() {
            return root.clone();
        }

        /** Sibling hashes of leaf {@code i}, level 0 upward. */
        public List<byte[]> proof(long i) {
            if (i < 0 || i >= n) throw new IndexOutOfBoundsException("leaf " + i + " of " + n);
            List<byte[]> sib = new ArrayList<>();
            long idx = i;
            for (int l = 0; l < levels.size() - 1; l++) {
                sib.add(levels.get(l)[(int) (idx ^ 1)].clone());
                idx >>= 1;
            }
            return sib;
        }

        /**
         * The path from page {@code page}'s subtree (height {@code height}: leaves [page · 2^height, (page + 1) · 2^height))
         * up to the root: the proof of its first leaf above level {@code height} (DisputeGame.postChainPage).
         */
        public List<byte[]> pagePath(long page, int height) {
            List<byte[]> p = proof(page << height);
            return List.copyOf(p.subList(Math.min(height, p.size()), p.size()));
        }
    }

    public static Tree build(List<byte[]> leafHashes) {
        int n = leafHashes.size();
        int d = depth(n);
        byte[][] level = new byte[1 << d][];
        for (int i = 0; i < level.length; i++) level[i] = i < n ? leafHashes.get(i) : ZERO;
        List<byte[][]> levels = new ArrayList<>();
        levels.add(level);
        while (level.length > 1) {
            byte[][] up = new byte[level.length / 2][];
            for (int i = 0; i < up.length; i++) up[i] = sha256(new byte[] {0x01}, level[2 * i], level[2 * i + 1]);
            levels.add(up);
            level = up;
        }
        return new Tree(n, levels);
    }

    public static boolean verify(byte[] root, long n, long index, byte[] leafHash, List<byte[]> siblings) {
        if (index < 0 || index >= n || siblings.size() != depth(n)) return false;
        byte[] h = leafHash;
        for (int l = 0; l < siblings.size(); l++) {
            h = ((index >> l) & 1) == 0 ? sha256(new byte[] {0x01}, h, siblings.get(l)) : sha256(new byte[] {0x01}, siblings.get(l), h);
        }
        return java.util.Arrays.equals(sha256(new byte[] {0x02}, u64(n), h), root);
    }
}
