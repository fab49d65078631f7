package dev.verity.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor: a shape and a row-major {@code float[]}. Tensors are plain buffers; the
 * training step's computation lives in the step graph ({@code dev.verity.tensor.graph}), which
 * reads and writes them.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;

    public Tensor(int[] shape, float[] data) {
        this.shape = shape.clone();
        long n = numel(this.shape);
        if (data.length != n) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " needs " + n
                    + " elements, got " + data.length);
        }
        this.data = data;
    }

    public static Tensor zeros(int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large");
        }
        return new Tensor(shape, new float[(int) n]);
    }

    public static Tensor of(int[] shape, float... data) {
        return new Tensor(shape, data);
    }

    /** Number of elements of a shape; rejects negative dimensions. */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    public int[] shape() {
        return shape.clone();
    }

    /**
     * The shape array itself, not a copy: read it, never write it. For kernels, which read a shape
     * once per call in every training step (a copy there is garbage per step).
     */
    public int[] shapeView() {
        return shape;
    }

    /** Whether this tensor's shape equals {@code s} (no copy made). */
    public boolean hasShape(int[] s) {
        return Arrays.equals(shape, s);
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return data.length;
    }

    /** The backing array (shared, not copied): kernels write into it. */
    public float[] data() {
        return data;
    }

    public float get(int i) {
        return data[i];
    }

    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /** Bitwise equality of shape and data (NaNs compared by their bits). */
    public boolean bitEquals(Tensor o) {
        if (!Arrays.equals(shape, o.shape)) {
            return false;
        }
        for (int i = 0; i < data.length; i++) {
            if (Float.floatToRawIntBits(data[i]) != Float.floatToRawIntBits(o.data[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
