package dev.verity.tensor.graph;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One op record of the step graph: the op kind, its attributes, which earlier nodes feed it, the
 * shape of its single output, its role, and a name (state and input names for sources; a label
 * elsewhere, for people reading a dispute).
 */
public record Node(int id, OpKind kind, Attrs attrs, int[] inputs, int[] shape, GraphRole role, String name) {
    public Node {
        inputs = inputs.clone();
        shape = shape.clone();
    }

    @Override
    public int[] inputs() {
        return inputs.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /**
     * The output shape itself, not a copy: read it, never write it. For kernels, which read it in
     * every training step ({@link #shape()} copies, which is garbage per step).
     */
    public int[] shapeView() {
        return shape;
    }

    public int input(int i) {
        return inputs[i];
    }

    public int arity() {
        return inputs.length;
    }

    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The canonical bytes of this record (see docs/commitments.md, graph op record). */
    public byte[] canonicalBytes() {
        byte[] a = attrs.canonicalBytes();
        byte[] nm = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 2 + 1 + 4 + 4 * inputs.length + 4 + 4 * shape.length + 4 + a.length + 2 + nm.length);
        b.putInt(id).putShort((short) kind.code()).put((byte) role.code());
        b.putInt(inputs.length);
        for (int i : inputs) {
            b.putInt(i);
        }
        b.putInt(shape.length);
        for (int d : shape) {
            b.putInt(d);
        }
        b.putInt(a.length).put(a);
        b.putShort((short) nm.length).put(nm);
        return b.array();
    }

    @Override
    public String toString() {
        return "%" + id + " = " + kind + attrs + Arrays.toString(inputs) + " -> " + Arrays.toString(shape)
                + " " + role + (name.isEmpty() ? "" : " '" + name + "'");
    }
}
