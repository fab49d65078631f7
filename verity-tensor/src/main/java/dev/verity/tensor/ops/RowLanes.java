package dev.verity.tensor.ops;

import dev.verity.tensor.kernel.Transpose16;
import dev.verity.tensor.kernel.Vectors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Support for row ops vectorised ACROSS rows: a block of {@link #L} consecutive rows is
 * processed at once, lane i owning row r0 + i, so each lane performs exactly its row's
 * sequential reduction (same terms, same order, same start value) and the bits equal the
 * scalar per-row chain. Column j of a block is read with one gather. This hides the latency of
 * the sequential chains (one add or fma per element, each waiting for the previous) behind L
 * independent rows instead of leaving the FP units idle. Rows past the last full block run
 * the scalar per-row code.
 */
final class RowLanes {
    static final VectorSpecies<Float> F = Vectors.F;
    static final int L = F.length();

    /** Per-thread scratch: the gather index map of the last row stride, and small per-block arrays. */
    private static final class Scratch {
        int stride = -1;
        final int[] index = new int[L];
        final float[] block = new float[8 * L];
        float[] rows = new float[0];
        float[] t0 = new float[0];
        float[] t1 = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private RowLanes() {
    }

    /** {0, stride, 2 stride, ...}: lane i of a gather at offset off reads a[off + i * stride]. */
    static int[] index(int stride) {
        Scratch s = SCRATCH.get();
        if (s.stride != stride) {
            for (int i = 0; i < L; i++) {
                s.index[i] = i * stride;
            }
            s.stride = stride;
        }
        return s.index;
    }

    /** A per-thread float[8 L] for per-block row values (statistics, sums). */
    static float[] block() {
        return SCRATCH.get().block;
    }

    /** A per-thread float[n] (at least), reused across calls: per-row values of a whole op. */
    static float[] rows(int n) {
        Scratch s = SCRATCH.get();
        if (s.rows.length < n) {
            s.rows = new float[n];
        }
        return s.rows;
    }

    /**
     * The block of L rows of length d at a[off..] transposed into a per-thread buffer (which
     * = 0 or 1): element j * L + i = a[off + i * d + j], so column j is one contiguous vector
     * load. Plain copies: this changes no value, only where the lanes find them.
     */
    static float[] transpose(float[] a, int off, int d, int which) {
        float[] t = buffer(which, d * L);
        int j0 = 0;
        if (Transpose16.AVAILABLE) {
            for (; j0 + 16 <= d; j0 += 16) {
                Transpose16.block(a, off + j0, d, t, j0 * 16, 16);
            }
        }
        for (int i = 0; i < L; i++) {
            int src = off + i * d;
            for (int j = j0, dst = j0 * L + i; j < d; j++, dst += L) {
                t[dst] = a[src + j];
            }
        }
        return t;
    }

    /** Per-thread buffer which (0 or 1, the ones {@link #transpose} fills) of at least size floats. */
    static float[] buffer(int which, int size) {
        Scratch s = SCRATCH.get();
        float[] t = which == 0 ? s.t0 : s.t1;
        if (t.length < size) {
            t = new float[size];
            if (which == 0) {
                s.t0 = t;
            } else {
                s.t1 = t;
            }
        }
        return t;
    }

    /** The inverse of {@link #transpose}: a[off + i * d + j] = t[j * L + i] for the block's L rows. */
    static void untranspose(float[] t, float[] a, int off, int d) {
        int j0 = 0;
        if (Transpose16.AVAILABLE) {
            for (; j0 + 16 <= d; j0 += 16) {
                Transpose16.block(t, j0 * 16, 16, a, off + j0, d);
            }
        }
        for (int i = 0; i < L; i++) {
            int dst = off + i * d;
            for (int j = j0, src = j0 * L + i; j < d; j++, src += L) {
                a[dst + j] = t[src];
            }
        }
    }

    /** Column j of the block: lane i = a[off + i * stride]. */
    static FloatVector column(float[] a, int off, int[] index) {
        return FloatVector.fromArray(F, a, off, index, 0);
    }
}
