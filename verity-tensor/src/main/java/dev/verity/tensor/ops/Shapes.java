package dev.verity.tensor.ops;

import java.util.Arrays;

/** Shape arithmetic shared by the ops. */
public final class Shapes {
    private Shapes() {
    }

    public static int numel(int[] s) {
        long n = 1;
        for (int d : s) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has too many elements");
        }
        return (int) n;
    }

    public static int[] strides(int[] s) {
        int[] st = new int[s.length];
        int acc = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            st[i] = acc;
            acc *= s[i];
        }
        return st;
    }

    public static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static void arity(int[][] in, int min, int max) {
        require(in.length >= min && in.length <= max, "takes " + (min == max ? "" + min : min + " to " + max)
                + " inputs, got " + in.length);
    }

    public static String str(int[] s) {
        return Arrays.toString(s);
    }

    /** Numpy broadcasting of two shapes (trailing dimensions aligned). */
    public static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            require(da == db || da == 1 || db == 1, "shapes " + str(a) + " and " + str(b) + " do not broadcast");
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /**
     * For each flat index of {@code out}, the flat index of the broadcast source {@code src}
     * (src broadcast-compatible with out).
     */
    public static int[] broadcastIndex(int[] src, int[] out) {
        int n = numel(out);
        int[] map = new int[n];
        int r = out.length;
        int off = r - src.length;
        int[] srcStrides = strides(src);
        int[] idx = new int[r];
        for (int i = 0; i < n; i++) {
            int s = 0;
            for (int d = off; d < r; d++) {
                int sd = src[d - off];
                if (sd != 1) {
                    s += idx[d] * srcStrides[d - off];
                }
            }
            map[i] = s;
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < out[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return map;
    }

    /** Flat index in src of element {@code i} of the broadcast shape out. */
    public static int broadcastIndexOf(int[] src, int[] out, int i) {
        int r = out.length;
        int off = r - src.length;
        int[] srcStrides = strides(src);
        int s = 0;
        for (int d = r - 1; d >= 0; d--) {
            int coord = i % out[d];
            i /= out[d];
            if (d >= off && src[d - off] != 1) {
                s += coord * srcStrides[d - off];
            }
        }
        return s;
    }

    /** True if {@code suffix} equals the last dimensions of {@code full}. */
    public static boolean isSuffix(int[] suffix, int[] full) {
        if (suffix.length > full.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (suffix[suffix.length - 1 - i] != full[full.length - 1 - i]) {
                return false;
            }
        }
        return true;
    }
}
