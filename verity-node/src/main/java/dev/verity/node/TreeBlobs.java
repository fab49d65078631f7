package dev.verity.node;

import dev.verity.proof.commit.Commitments;
import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Serves a Merkle tree of docs/commitments.md through a content-addressed blob store, so that the
 * root a party posts on chain is itself the key to its data. Every node of the tree is stored as
 * its own preimage: the root as {@code 0x02 || uint64 n || top}, inner nodes as
 * {@code 0x01 || left || right}, leaves as {@code 0x00 || leafBytes}; each one's SHA-256 is the
 * hash its parent names. A reader who knows only the on-chain root walks down and gets the
 * leaves, every byte checked by the store against its key.
 *
 * <p>This is how the off-chain half of a dispute travels between processes that share nothing
 * but the chain and a blob store: the defender publishes its segment tree, op trace (with every
 * output tensor) and element chain under the roots it posts; the challenger fetches them.
 */
public final class TreeBlobs {
    private TreeBlobs() {
    }

    /** Stores the tree over {@code leaves}; returns its root (equal to {@code MerkleTree.ofLeaves(leaves).root()}). */
    public static byte[] put(BlobStore store, List<byte[]> leaves) throws IOException {
        int n = leaves.size();
        if (n == 0) {
            throw new IllegalArgumentException("a tree needs at least one leaf");
        }
        int d = MerkleTree.depth(n);
        byte[][] level = new byte[1 << d][];
        for (int i = 0; i < level.length; i++) {
            if (i < n) {
                byte[] pre = new byte[leaves.get(i).length + 1];
                System.arraycopy(leaves.get(i), 0, pre, 1, leaves.get(i).length);
                level[i] = Sha256.unhex(store.put(pre));
            } else {
                level[i] = MerkleTree.ZERO;
            }
        }
        while (level.length > 1) {
            byte[][] up = new byte[level.length / 2][];
            for (int i = 0; i < up.length; i++) {
                byte[] pre = new byte[65];
                pre[0] = 0x01;
                System.arraycopy(level[2 * i], 0, pre, 1, 32);
                System.arraycopy(level[2 * i + 1], 0, pre, 33, 32);
                up[i] = Sha256.unhex(store.put(pre));
            }
            level = up;
        }
        byte[] root = ByteBuffer.allocate(41).put((byte) 0x02).putLong(n).put(level[0]).array();
        return Sha256.unhex(store.put(root));
    }

    /** The leaves of the tree whose root is {@code root}, fetched and checked. */
    public static List<byte[]> get(BlobStore store, byte[] root) throws IOException {
        byte[] r = store.get(Sha256.hex(root));
        if (r.length != 41 || r[0] != 0x02) {
            throw new IOException("blob " + Sha256.hex(root) + " is not a tree root");
        }
        ByteBuffer b = ByteBuffer.wrap(r, 1, 40);
        long n = b.getLong();
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IOException("tree " + Sha256.hex(root) + " claims " + n + " leaves");
        }
        byte[] top = Arrays.copyOfRange(r, 9, 41);
        List<byte[]> hashes = new ArrayList<>();
        collect(store, top, MerkleTree.depth(n), 0, (int) n, hashes);
        List<byte[]> leaves = new ArrayList<>(hashes.size());
        for (byte[] h : hashes) {
            byte[] pre = store.get(Sha256.hex(h));
            if (pre.length < 1 || pre[0] != 0x00) {
                throw new IOException("blob " + Sha256.hex(h) + " is not a tree leaf");
            }
            leaves.add(Arrays.copyOfRange(pre, 1, pre.length));
        }
        return leaves;
    }

    /** Leaf hashes under {@code node} (height {@code h}, first leaf index {@code first}) below index n. */
    private static void collect(BlobStore store, byte[] node, int h, long first, int n, List<byte[]> out) throws IOException {
        if (first >= n) {
            return;
        }
        if (h == 0) {
            out.add(node);
            return;
        }
        byte[] pre = store.get(Sha256.hex(node));
        if (pre.length != 65 || pre[0] != 0x01) {
            throw new IOException("blob " + Sha256.hex(node) + " is not an inner tree node");
        }
        collect(store, Arrays.copyOfRange(pre, 1, 33), h - 1, first, n, out);
        collect(store, Arrays.copyOfRange(pre, 33, 65), h - 1, first + (1L << (h - 1)), n, out);
    }

    // ---------------------------------------------------------------- tensors

    /**
     * As {@link #putTensor(BlobStore, float[])} for a tensor whose root the caller knows: nothing is written if the
     * store has that root's blob already. {@link #put} writes a tree's root last, after every node below it, so a
     * root in the store means its whole tree is (an interrupted write leaves no root and is written again). A step's
     * op trace repeats many tensors (the dataset, unchanged parameters), which this does not hash into blobs again.
     */
    public static byte[] putTensor(BlobStore store, float[] data, byte[] root) throws IOException {
        if (store.has(Sha256.hex(root))) {
            return root.clone();
        }
        return putTensor(store, data);
    }

    /** Stores a tensor as its chunk tree (leaves {@code 0x10 || chunk}); returns its tensor root. */
    public static byte[] putTensor(BlobStore store, float[] data) throws IOException {
        int chunks = Math.max(1, Commitments.chunks(data.length));
        List<byte[]> leaves = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            byte[] bytes = Commitments.canonicalBytes(data, Math.min(data.length, c * Commitments.CHUNK),
                    Math.min(data.length, (c + 1) * Commitments.CHUNK));
            byte[] leaf = new byte[bytes.length + 1];
            leaf[0] = Commitments.TENSOR_CHUNK;
            System.arraycopy(bytes, 0, leaf, 1, bytes.length);
            leaves.add(leaf);
        }
        return put(store, leaves);
    }

    /** The {@code elems} floats under tensor root {@code root}. */
    public static float[] getTensor(BlobStore store, byte[] root, long elems) throws IOException {
        List<byte[]> leaves = get(store, root);
        float[] out = new float[Math.toIntExact(elems)];
        int at = 0;
        for (byte[] leaf : leaves) {
            if (leaf.length < 1 || leaf[0] != Commitments.TENSOR_CHUNK || (leaf.length - 1) % 4 != 0) {
                throw new IOException("tensor " + Sha256.hex(root) + " has a malformed chunk");
            }
            ByteBuffer b = ByteBuffer.wrap(leaf, 1, leaf.length - 1).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (at >= out.length) {
                    throw new IOException("tensor " + Sha256.hex(root) + " holds more than " + elems + " elements");
                }
                out[at++] = Float.intBitsToFloat(b.getInt());
            }
        }
        if (at != out.length) {
            throw new IOException("tensor " + Sha256.hex(root) + " holds " + at + " elements, expected " + elems);
        }
        return out;
    }

    // ---------------------------------------------------------------- training states

    /** Stores a training state as its state tree (0x20 records, then 0x21 scalars) with every tensor; returns the state root. */
    public static byte[] putState(BlobStore store, TrainingState s) throws IOException {
        List<byte[]> leaves = new ArrayList<>();
        for (var e : s.tensors().entrySet()) {
            byte[] root = putTensor(store, e.getValue().data());
            leaves.add(Commitments.namedTensorRecord(Commitments.STATE_TENSOR, e.getKey(), e.getValue().shape(), root));
        }
        leaves.add(Commitments.scalarsRecord(s.step(), s.dataCursor(), s.rngCounter()));
        return put(store, leaves);
    }

    /** The training state under state root {@code root}. */
    public static TrainingState getState(BlobStore store, byte[] root) throws IOException {
        List<byte[]> leaves = get(store, root);
        TreeMap<String, Tensor> tensors = new TreeMap<>();
        for (int i = 0; i < leaves.size() - 1; i++) {
            ByteBuffer b = ByteBuffer.wrap(leaves.get(i));
            try {
                if (b.get() != Commitments.STATE_TENSOR) {
                    throw new IOException("state " + Sha256.hex(root) + ": record " + i + " is not a tensor record");
                }
                byte[] name = new byte[b.getShort() & 0xffff];
                b.get(name);
                int[] shape = new int[b.get() & 0xff];
                long elems = 1;
                for (int k = 0; k < shape.length; k++) {
                    shape[k] = b.getInt();
                    elems = Math.multiplyExact(elems, shape[k]);
                }
                byte[] tr = new byte[32];
                b.get(tr);
                tensors.put(new String(name, StandardCharsets.UTF_8), new Tensor(shape, getTensor(store, tr, elems)));
            } catch (java.nio.BufferUnderflowException | IllegalArgumentException | ArithmeticException e) {
                throw new IOException("state " + Sha256.hex(root) + ": malformed record " + i + ": " + e);
            }
        }
        ByteBuffer sc = ByteBuffer.wrap(leaves.get(leaves.size() - 1));
        if (sc.remaining() != 25 || sc.get() != Commitments.STATE_SCALARS) {
            throw new IOException("state " + Sha256.hex(root) + ": the last record is not the scalars record");
        }
        return new TrainingState(tensors, sc.getLong(), sc.getLong(), sc.getLong());
    }
}
