package dev.verity.tensor.onnx;

import java.util.Arrays;

/**
 * A constant tensor of an ONNX model (an initializer or a Constant node's value): its shape and its values, either
 * as floats (float32; float64 narrowed) or as 64-bit integers (every integer and boolean type).
 */
public record OnnxTensor(String name, int[] shape, float[] floats, long[] longs) {
    public OnnxTensor {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new OnnxImportException("tensor '" + name + "' has a negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if ((floats == null) == (longs == null)) {
            throw new IllegalArgumentException("tensor '" + name + "': exactly one of floats and longs");
        }
        int have = floats != null ? floats.length : longs.length;
        if (have != n) {
            throw new OnnxImportException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs " + n
                    + " values, has " + have);
        }
    }

    public static OnnxTensor ofLongs(String name, int[] shape, long... values) {
        return new OnnxTensor(name, shape, null, values);
    }

    public static OnnxTensor ofFloats(String name, int[] shape, float... values) {
        return new OnnxTensor(name, shape, values, null);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public boolean isFloat() {
        return floats != null;
    }

    public int size() {
        return floats != null ? floats.length : longs.length;
    }

    /** Element {@code i} as a long (floats must be integral). */
    public long longAt(int i) {
        if (floats == null) {
            return longs[i];
        }
        float f = floats[i];
        if (f != Math.rint(f)) {
            throw new OnnxImportException("tensor '" + name + "' holds " + f + " where an integer is needed");
        }
        return (long) f;
    }

    /** Element {@code i} as a float. */
    public float floatAt(int i) {
        return floats != null ? floats[i] : (float) longs[i];
    }

    /** All values as longs. */
    public long[] asLongs() {
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = longAt(i);
        }
        return out;
    }

    /** The single value of a one-element tensor, as a float. */
    public float scalar() {
        if (size() != 1) {
            throw new OnnxImportException("tensor '" + name + "' of shape " + Arrays.toString(shape)
                    + " is used where a single value is needed");
        }
        return floatAt(0);
    }

    /** True if every element equals the first (a constant Verity can hold as one value and a shape). */
    public boolean isUniform() {
        for (int i = 1; i < size(); i++) {
            if (Float.floatToIntBits(floatAt(i)) != Float.floatToIntBits(floatAt(0))) {
                return false;
            }
        }
        return true;
    }

    public OnnxTensor reshaped(int[] to) {
        return new OnnxTensor(name, to, floats, longs);
    }
}
