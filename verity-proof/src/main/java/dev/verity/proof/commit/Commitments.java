package dev.verity.proof.commit;

import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.kernel.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * The leaf layouts and roots of docs/commitments.md. Every record starts with its type byte, so
 * no leaf of one kind can be read as another.
 */
public final class Commitments {
    public static final int CHUNK = 256;
    public static final byte TENSOR_CHUNK = 0x10;
    public static final byte STATE_TENSOR = 0x20;
    public static final byte STATE_SCALARS = 0x21;
    public static final byte DATASET_ARRAY = 0x30;
    public static final byte GRAPH_OP = 0x40;
    public static final byte TRACE_ENTRY = 0x50;
    public static final byte SEGMENT_STEP_ENTRY = 0x51;
    // 0x52 was the replay leaf of a verifier's per-step losses; a tag is never reused
    /** {@code 0x53 | uint64 step | opTraceRoot}: the op trace of the last step of the segment ending at checkpoint {@code step}. */
    public static final byte SEGMENT_END_ENTRY = 0x53;
    /** {@code 0x54 | uint64 op | keyedRoot}: one op of a seat's keyed replay root. */
    public static final byte KEYED_OP_ENTRY = 0x54;
    /** {@code 0x55 | key | chunk}: one chunk of an op output hashed with a seat's key. */
    public static final byte KEYED_CHUNK = 0x55;
    public static final byte OP_TRACE_ENTRY = 0x60;
    public static final byte CHAIN_LINK = 0x70;
    public static final byte CHAIN_RESULT = 0x71;
    /**
     * Operand kinds: the byte that opens each operand of a {@code 0x70} link and the operand of a {@code 0x71} result
     * ({@link Operand.Input}, {@link Operand.Link}, {@link Operand.Const}); never renumbered. WireCodes.sol's
     * {@code OPERAND_*} are generated from them.
     */
    public static final byte OPERAND_INPUT = 0;
    public static final byte OPERAND_LINK = 1;
    public static final byte OPERAND_CONSTANT = 2;

    private Commitments() {
    }

    /** Float32 little-endian bytes of elements [from, to), every NaN as 0x7fc00000. */
    public static byte[] canonicalBytes(float[] data, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(4 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < to; i++) {
            float v = data[i];
            b.putInt(v != v ? 0x7fc00000 : Float.floatToRawIntBits(v));
        }
        return b.array();
    }

    public static int chunks(int elements) {
        return (elements + CHUNK - 1) / CHUNK;
    }

    /**
     * The tensor's Merkle tree over its chunks. Chunk hashing runs on all threads (each leaf is its
     * own hash, so the split cannot change the tree); each thread converts its range to bytes in
     * bulk and canonicalises NaNs only where there are any.
     */
    public static MerkleTree tensorTree(float[] data) {
        int n = chunks(data.length);
        byte[][] h = new byte[n][];
        Parallel.parallelFor(n, 16, (lo, hi) -> {
            MessageDigest md = Sha256.digest();
            int from = lo * CHUNK;
            int to = Math.min(data.length, hi * CHUNK);
            ByteBuffer b = ByteBuffer.allocate(4 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data, from, to - from);
            for (int i = from; i < to; i++) {
                if (data[i] != data[i]) {
                    b.putInt(4 * (i - from), 0x7fc00000);
                }
            }
            byte[] bytes = b.array();
            byte[] prefix = {0x00, TENSOR_CHUNK};
            for (int c = lo; c < hi; c++) {
                int off = 4 * (c * CHUNK - from);
                int len = 4 * (Math.min(data.length, (c + 1) * CHUNK) - c * CHUNK);
                md.update(prefix);
                md.update(bytes, off, len);
                h[c] = md.digest();
            }
        });
        return MerkleTree.ofLeafHashes(List.of(h));
    }

    public static byte[] tensorRoot(float[] data) {
        return tensorTree(data).root();
    }

    /** {@code tag || uint16 nameLen || name || uint8 rank || uint32 dims || tensorRoot}. */
    public static byte[] namedTensorRecord(byte tag, String name, int[] shape, byte[] tensorRoot) {
        byte[] nm = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + nm.length + 1 + 4 * shape.length + 32);
        b.put(tag).putShort((short) nm.length).put(nm).put((byte) shape.length);
        for (int d : shape) {
            b.putInt(d);
        }
        b.put(tensorRoot);
        return b.array();
    }

    /** {@code 0x21 || uint64 step || uint64 dataCursor || uint64 rngCounter}. */
    public static byte[] scalarsRecord(long step, long dataCursor, long rngCounter) {
        return ByteBuffer.allocate(25).put(STATE_SCALARS).putLong(step).putLong(dataCursor).putLong(rngCounter).array();
    }

    /**
     * {@code 0x40 || the node's canonical bytes || uint16 nUpdates || (uint16 nameLen || name)...}: the
     * trailer lists, in name order, the state tensors that node {@code n} holds after the step
     * ({@link Graph#stateUpdates()}), so the graph root commits to the update map and a referee can
     * check which op-trace entry must equal a tensor of the next state.
     */
    public static byte[] graphRecord(Graph g, Node n) {
        List<byte[]> names = new ArrayList<>();
        int len = 0;
        for (var e : g.stateUpdates().entrySet()) {
            if (e.getValue() == n.id()) {
                byte[] nm = e.getKey().getBytes(StandardCharsets.UTF_8);
                names.add(nm);
                len += 2 + nm.length;
            }
        }
        // the input-shape trailer: each input's shape, so a link's index arithmetic can be checked from this record alone
        int shapes = 0;
        for (int i = 0; i < n.arity(); i++) {
            shapes += 4 + 4 * g.node(n.input(i)).shape().length;
        }
        byte[] c = n.canonicalBytes();
        ByteBuffer b = ByteBuffer.allocate(1 + c.length + 2 + len + shapes);
        b.put(GRAPH_OP).put(c).putShort((short) names.size());
        for (byte[] nm : names) {
            b.putShort((short) nm.length).put(nm);
        }
        for (int i = 0; i < n.arity(); i++) {
            int[] shape = g.node(n.input(i)).shape();
            b.putInt(shape.length);
            for (int d : shape) {
                b.putInt(d);
            }
        }
        return b.array();
    }

    public static MerkleTree graphTree(Graph g) {
        List<byte[]> leaves = new ArrayList<>(g.size());
        for (Node n : g.nodes()) {
            leaves.add(graphRecord(g, n));
        }
        return MerkleTree.ofLeaves(leaves);
    }

    /** {@code 0x50 || uint64 step || stateRoot}. */
    public static byte[] traceEntry(long step, byte[] stateRoot) {
        return ByteBuffer.allocate(41).put(TRACE_ENTRY).putLong(step).put(stateRoot).array();
    }

    /**
     * {@code 0x51 || uint64 step || stateRoot || opTraceRoot}: a step of a disputed segment, the state after it and the
     * root of the op trace that produced it (zero bytes for the segment's first entry).
     */
    public static byte[] segmentStepEntry(long step, byte[] stateRoot, byte[] opTraceRoot) {
        return ByteBuffer.allocate(73).put(SEGMENT_STEP_ENTRY).putLong(step).put(stateRoot).put(opTraceRoot).array();
    }

    public static MerkleTree traceTree(List<Long> steps, List<byte[]> stateRoots) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            leaves.add(traceEntry(steps.get(i), stateRoots.get(i)));
        }
        return MerkleTree.ofLeaves(leaves);
    }

    /** {@code 0x60 || uint64 opIndex || graphLeafHash || outputTensorRoot || uint64 outputElems}. */
    public static byte[] opTraceEntry(int opIndex, byte[] graphLeafHash, byte[] outputRoot, long elems) {
        return ByteBuffer.allocate(81).put(OP_TRACE_ENTRY).putLong(opIndex).put(graphLeafHash).put(outputRoot)
                .putLong(elems).array();
    }

    /**
     * {@code 0x70 || uint32 t || uint8 op || uint8 arity || per operand (uint8 kind: {@link #OPERAND_INPUT},
     * {@link #OPERAND_LINK}, {@link #OPERAND_CONSTANT} || uint32 input-or-link number || uint32 element index || uint32 bits) ||
     * uint32 result}.
     */
    public static byte[] linkLeaf(int t, Link link) {
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 2 + 13 * link.operands().size() + 4);
        b.put(CHAIN_LINK).putInt(t).put((byte) link.op().code()).put((byte) link.operands().size());
        for (Operand o : link.operands()) {
            putOperand(b, o);
        }
        b.putInt(link.resultBits());
        return b.array();
    }

    /** {@code 0x71 || operand}: the element's value, the chain's last word (often the last link). */
    public static byte[] resultLeaf(Operand result) {
        ByteBuffer b = ByteBuffer.allocate(14).put(CHAIN_RESULT);
        putOperand(b, result);
        return b.array();
    }

    private static void putOperand(ByteBuffer b, Operand o) {
        switch (o) {
            case Operand.Input in -> b.put(OPERAND_INPUT).putInt(in.input()).putInt(in.index()).putInt(in.bits());
            case Operand.Link l -> b.put(OPERAND_LINK).putInt(l.link()).putInt(0).putInt(l.bits());
            case Operand.Const c -> b.put(OPERAND_CONSTANT).putInt(0).putInt(0).putInt(c.bits());
        }
    }

    /** The chain tree: one leaf per link, then the result leaf. */
    public static MerkleTree chainTree(List<Link> links, Operand result) {
        List<byte[]> leaves = new ArrayList<>(links.size() + 1);
        for (int t = 0; t < links.size(); t++) {
            leaves.add(linkLeaf(t, links.get(t)));
        }
        leaves.add(resultLeaf(result));
        return MerkleTree.ofLeaves(leaves);
    }

    /** Tree over named arrays: one record of type {@code tag} per tensor, in name order. */
    public static MerkleTree namedTree(byte tag, SortedMap<String, Tensor> tensors) {
        List<byte[]> leaves = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            leaves.add(namedTensorRecord(tag, e.getKey(), e.getValue().shape(), tensorRoot(e.getValue().data())));
        }
        return MerkleTree.ofLeaves(leaves);
    }
}
