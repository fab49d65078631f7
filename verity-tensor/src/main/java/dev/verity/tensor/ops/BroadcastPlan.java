package dev.verity.tensor.ops;

import java.util.Arrays;

/**
 * The loop structure of a broadcasting binary op, so that its fast path walks memory in runs instead of through a
 * per-element index map: output dimensions of size 1 are dropped, and adjacent dimensions in which each operand is
 * either read along (its own layout) or repeated (stride 0) are merged. The innermost merged dimension is then as long
 * as the broadcast allows (e.g. H*W for a per-channel [1, C, 1, 1] against [N, C, H, W]) and each operand moves along
 * it by 1 or by 0. Only the loop changes: every output element is still {@code a[ia] (op) b[ib]}, one IEEE operation.
 *
 * @param dims    merged output dimensions (at least one)
 * @param strideA a's step per unit of each merged dimension (0 where a is repeated)
 * @param strideB b's step likewise
 */
record BroadcastPlan(int[] dims, int[] strideA, int[] strideB) {
    BroadcastPlan {
        if (dims.length == 0 || strideA.length != dims.length || strideB.length != dims.length) {
            throw new IllegalArgumentException("a plan needs one size and two strides per merged dimension, got "
                    + Arrays.toString(dims) + ", " + Arrays.toString(strideA) + ", " + Arrays.toString(strideB));
        }
    }

    /** The plan for {@code a (op) b} with shapes {@code as} and {@code bs} broadcast to {@code os}. */
    static BroadcastPlan of(int[] as, int[] bs, int[] os) {
        int r = os.length;
        int[] size = new int[r + 1];
        boolean[] readA = new boolean[r + 1];
        boolean[] readB = new boolean[r + 1];
        int k = 0;
        for (int d = 0; d < r; d++) {
            if (os[d] == 1) {
                continue;
            }
            boolean fa = dim(as, d, r) != 1;
            boolean fb = dim(bs, d, r) != 1;
            if (k > 0 && readA[k - 1] == fa && readB[k - 1] == fb) {
                size[k - 1] *= os[d];
            } else {
                size[k] = os[d];
                readA[k] = fa;
                readB[k] = fb;
                k++;
            }
        }
        if (k == 0) {
            return new BroadcastPlan(new int[] {1}, new int[] {0}, new int[] {0});
        }
        return new BroadcastPlan(Arrays.copyOf(size, k), strides(size, readA, k), strides(size, readB, k));
    }

    private static int dim(int[] s, int d, int rank) {
        int i = d - (rank - s.length);
        return i < 0 ? 1 : s[i];
    }

    private static int[] strides(int[] size, boolean[] read, int k) {
        int[] st = new int[k];
        int acc = 1;
        for (int i = k - 1; i >= 0; i--) {
            if (read[i]) {
                st[i] = acc;
                acc *= size[i];
            }
        }
        return st;
    }

    /** Length of the innermost merged dimension: one run. */
    int inner() {
        return dims[dims.length - 1];
    }

    /** Number of runs. */
    int rows() {
        int n = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Where run {@code row} starts in the operand with these strides. */
    static int offset(int[] dims, int[] stride, int row) {
        int off = 0;
        for (int i = dims.length - 2; i >= 0; i--) {
            off += (row % dims[i]) * stride[i];
            row /= dims[i];
        }
        return off;
    }
}
