package dev.verity.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The direct path's last panel when it is narrower than NR ({@link VectorGemm#directBlock}, N not
 * a multiple of two vectors): one vector of columns x 8 rows ({@link #kernelNarrow}), or scalar
 * fmas for a single last column ({@link #kernelOneColumn}), on a private tile whose valid part the
 * caller copies out.
 */
final class GemmKernelsNarrow {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = F.length();

    private GemmKernelsNarrow() {
    }

    /**
     * One vector of columns x MRN rows on a private tile (row ii at t[ii * L ..]): A[ii, k] =
     * a[o_ii + k * ks], B[k, 0..L) = b[bo + k * bstride ..]; the same chains as
     * {@link GemmKernelsPacked#kernel}, from the tile (load) or +0.0f, fma over k in order. No
     * masks: the caller copies the valid rows and columns out, which keeps the kernel small enough
     * for every JIT tier.
     *
     * <p>Only the species F, even where 4 lanes would do (a 128-bit fma costs half a 512-bit one
     * on Zen 4): a second species in the JVM pollutes the type profiles of the Vector API's shared
     * methods, and C2 then compiled {@link GemmKernelsDirect#kernelDirect} with boxed vectors (7
     * instead of 63 GFLOP/s at 128x16x512, for the whole run) whenever the 128-bit kernel happened
     * to run first.
     */
    static void kernelNarrow(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                     int ks, float[] b, int bo, int bstride, int kb, float[] t, float[] ci) {
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        // Loaded, never branched on: from C when accumulating, else from VectorGemm.ZEROS (see there).
        c0 = FloatVector.fromArray(F, ci, 0);
        c1 = FloatVector.fromArray(F, ci, L);
        c2 = FloatVector.fromArray(F, ci, 2 * L);
        c3 = FloatVector.fromArray(F, ci, 3 * L);
        c4 = FloatVector.fromArray(F, ci, 4 * L);
        c5 = FloatVector.fromArray(F, ci, 5 * L);
        c6 = FloatVector.fromArray(F, ci, 6 * L);
        c7 = FloatVector.fromArray(F, ci, 7 * L);
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector y = FloatVector.fromArray(F, b, bi);
            c0 = FloatVector.broadcast(F, a[o0 + ak]).fma(y, c0);
            c1 = FloatVector.broadcast(F, a[o1 + ak]).fma(y, c1);
            c2 = FloatVector.broadcast(F, a[o2 + ak]).fma(y, c2);
            c3 = FloatVector.broadcast(F, a[o3 + ak]).fma(y, c3);
            c4 = FloatVector.broadcast(F, a[o4 + ak]).fma(y, c4);
            c5 = FloatVector.broadcast(F, a[o5 + ak]).fma(y, c5);
            c6 = FloatVector.broadcast(F, a[o6 + ak]).fma(y, c6);
            c7 = FloatVector.broadcast(F, a[o7 + ak]).fma(y, c7);
        }
        c0.intoArray(t, 0);
        c1.intoArray(t, L);
        c2.intoArray(t, 2 * L);
        c3.intoArray(t, 3 * L);
        c4.intoArray(t, 4 * L);
        c5.intoArray(t, 5 * L);
        c6.intoArray(t, 6 * L);
        c7.intoArray(t, 7 * L);
    }

    /**
     * {@link #kernelNarrow} for a last single column, in scalar fmas: the same chain per row
     * ({@code Math.fma} rounds like a vector lane's fma), at half the cost of a 16-lane vector
     * with one useful lane (two scalar fmas issue per cycle, one 512-bit). Results in t[ii * L].
     */
    static void kernelOneColumn(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                        int ks, float[] b, int bo, int bstride, int kb, float[] t, boolean load) {
        float c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f, c4 = 0.0f, c5 = 0.0f, c6 = 0.0f, c7 = 0.0f;
        if (load) {
            c0 = t[0];
            c1 = t[L];
            c2 = t[2 * L];
            c3 = t[3 * L];
            c4 = t[4 * L];
            c5 = t[5 * L];
            c6 = t[6 * L];
            c7 = t[7 * L];
        }
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            float y = b[bi];
            c0 = Math.fma(a[o0 + ak], y, c0);
            c1 = Math.fma(a[o1 + ak], y, c1);
            c2 = Math.fma(a[o2 + ak], y, c2);
            c3 = Math.fma(a[o3 + ak], y, c3);
            c4 = Math.fma(a[o4 + ak], y, c4);
            c5 = Math.fma(a[o5 + ak], y, c5);
            c6 = Math.fma(a[o6 + ak], y, c6);
            c7 = Math.fma(a[o7 + ak], y, c7);
        }
        t[0] = c0;
        t[L] = c1;
        t[2 * L] = c2;
        t[3 * L] = c3;
        t[4 * L] = c4;
        t[5 * L] = c5;
        t[6 * L] = c6;
        t[7 * L] = c7;
    }
}
