package dev.verity.testkit.attack;

import dev.verity.merkle.MerkleTree;
import dev.verity.chain.Verity;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A one-op graph, byte for byte as docs/commitments.md lays it out: the STATE node of a {@link #ELEMS}-element parameter
 * {@link #NAME} whose init rule is "ones" (a layer norm's gain), and init roots over a state holding it, for the init-claim
 * attacks. The chain module knows no tensors, so the fixture writes the records itself; verity-node's InitClaimTest checks
 * the uniform (Philox) rule against the engine's own init bit for bit.
 */
final class InitFixture {
    static final String NAME = "ln.weight";
    static final int ELEMS = 300;
    private static final int CHUNK = 256;
    private static final long INIT_ONES = 1;

    final byte[] nodeRecord = stateNodeRecord();
    final MerkleTree graph = MerkleTree.ofLeafHashes(List.of(MerkleTree.leafHash(nodeRecord)));

    /** {@code 0x40} record of op 0: STATE, no inputs, shape [ELEMS], attributes init = 1, param = 1, shape; no update trailer entries. */
    private static byte[] stateNodeRecord() {
        byte[] name = NAME.getBytes(StandardCharsets.UTF_8);
        ByteBuffer attrs = ByteBuffer.allocate(256);
        attrs.putInt(3);
        attr(attrs, "init").put((byte) 1).putLong(INIT_ONES);
        attr(attrs, "param").put((byte) 1).putLong(1);
        attr(attrs, "shape").put((byte) 3).putInt(1).putInt(ELEMS);
        ByteBuffer b = ByteBuffer.allocate(512);
        b.put((byte) 0x40).putInt(0).putShort((short) 1).put((byte) 0).putInt(0).putInt(1).putInt(ELEMS);
        b.putInt(attrs.position()).put(attrs.array(), 0, attrs.position());
        b.putShort((short) name.length).put(name).putShort((short) 0);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static ByteBuffer attr(ByteBuffer b, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return b.putShort((short) n.length).put(n);
    }

    /** The chunks (no tag byte) of a tensor whose every element is {@code value}. */
    private static List<byte[]> chunks(float value) {
        List<byte[]> out = new ArrayList<>();
        for (int from = 0; from < ELEMS; from += CHUNK) {
            int len = Math.min(CHUNK, ELEMS - from);
            ByteBuffer b = ByteBuffer.allocate(4 * len).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < len; i++) b.putFloat(value);
            out.add(b.array());
        }
        return out;
    }

    private static MerkleTree tensor(float value) {
        List<byte[]> leaves = new ArrayList<>();
        for (byte[] c : chunks(value)) leaves.add(MerkleTree.leafHash(concat(new byte[] {0x10}, c)));
        return MerkleTree.ofLeafHashes(leaves);
    }

    /** The {@code 0x20} record of {@link #NAME} filled with {@code value}. */
    private static byte[] stateRecord(float value) {
        byte[] name = NAME.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(3 + name.length + 1 + 4 + 32).put((byte) 0x20).putShort((short) name.length).put(name).put((byte) 1)
                .putInt(ELEMS).put(tensor(value).root()).array();
    }

    /** The state tree: the parameter's record, then the {@code 0x21} scalars record of step 0. */
    private static MerkleTree state(float value) {
        byte[] scalars = ByteBuffer.allocate(25).put((byte) 0x21).putLong(0).putLong(0).putLong(0).array();
        return MerkleTree.ofLeafHashes(List.of(MerkleTree.leafHash(stateRecord(value)), MerkleTree.leafHash(scalars)));
    }

    /** The init root of a state whose parameter is filled with {@code value} (1 is the graph's rule). */
    byte[] initRoot(float value) {
        return state(value).root();
    }

    /** The init claim on element {@code element} of the state filled with {@code value}. */
    Verity.InitClaim claim(float value, int element) {
        int chunk = element / CHUNK;
        return new Verity.InitClaim(new Verity.Leaf(nodeRecord, 1, 0, graph.siblings(0)), new Verity.Leaf(stateRecord(value), 2, 0, state(value).siblings(0)),
                new Verity.Leaf(chunks(value).get(chunk), tensor(value).size(), chunk, tensor(value).siblings(chunk)), element % CHUNK);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
