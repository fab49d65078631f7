package dev.verity.proof.commit;

import dev.verity.merkle.MerkleProof;
import dev.verity.merkle.MerkleTree;
import dev.verity.tensor.train.TrainingState;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The state root of a training state: a Merkle tree over one {@code 0x20} record per tensor (name
 * order) and a final {@code 0x21} scalars record. Keeps each tensor's root and the record tree, so
 * any record, and through it any element, can be proven.
 */
public final class StateCommitment {
    private final List<String> names;
    private final TreeMap<String, byte[]> tensorRoots;
    private final TreeMap<String, int[]> shapes;
    private final MerkleTree tree;
    private final long step;
    private final long dataCursor;
    private final long rngCounter;

    private StateCommitment(List<String> names, TreeMap<String, byte[]> roots, TreeMap<String, int[]> shapes,
                            long step, long dataCursor, long rngCounter) {
        this.names = names;
        this.tensorRoots = roots;
        this.shapes = shapes;
        this.step = step;
        this.dataCursor = dataCursor;
        this.rngCounter = rngCounter;
        List<byte[]> leaves = new ArrayList<>();
        for (String n : names) {
            leaves.add(Commitments.namedTensorRecord(Commitments.STATE_TENSOR, n, shapes.get(n), roots.get(n)));
        }
        leaves.add(Commitments.scalarsRecord(step, dataCursor, rngCounter));
        this.tree = MerkleTree.ofLeaves(leaves);
    }

    public static StateCommitment of(TrainingState s) {
        TreeMap<String, byte[]> roots = new TreeMap<>();
        TreeMap<String, int[]> shapes = new TreeMap<>();
        for (var e : s.tensors().entrySet()) {
            roots.put(e.getKey(), Commitments.tensorRoot(e.getValue().data()));
            shapes.put(e.getKey(), e.getValue().shape());
        }
        return new StateCommitment(new ArrayList<>(roots.keySet()), roots, shapes, s.step(), s.dataCursor(), s.rngCounter());
    }

    public byte[] root() {
        return tree.root();
    }

    public byte[] tensorRoot(String name) {
        byte[] r = tensorRoots.get(name);
        if (r == null) {
            throw new IllegalArgumentException("state has no tensor '" + name + "'");
        }
        return r.clone();
    }

    public boolean has(String name) {
        return tensorRoots.containsKey(name);
    }

    public long step() {
        return step;
    }

    /** The record of tensor {@code name} and its inclusion proof against {@link #root()}. */
    public Proven record(String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("state has no tensor '" + name + "'");
        }
        return new Proven(Commitments.namedTensorRecord(Commitments.STATE_TENSOR, name, shapes.get(name),
                tensorRoots.get(name)), tree.proof(i));
    }

    public Proven scalars() {
        return new Proven(Commitments.scalarsRecord(step, dataCursor, rngCounter), tree.proof(names.size()));
    }

    /** A leaf's bytes with its proof. */
    public record Proven(byte[] leaf, MerkleProof proof) {
        public boolean verifies(byte[] root) {
            return proof.verifies(root, leaf);
        }
    }

    /** Convenience: the state root of a state. */
    public static byte[] rootOf(TrainingState s) {
        return of(s).root();
    }

    /** The tensor root recorded in a 0x20 record (its last 32 bytes). */
    public static byte[] rootInRecord(byte[] record) {
        byte[] r = new byte[32];
        System.arraycopy(record, record.length - 32, r, 0, 32);
        return r;
    }

}
