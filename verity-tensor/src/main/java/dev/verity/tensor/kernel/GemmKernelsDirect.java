package dev.verity.tensor.kernel;

import static dev.verity.tensor.kernel.VectorGemm.NEG_ZEROS;
import static dev.verity.tensor.kernel.VectorGemm.NR;
import static dev.verity.tensor.kernel.VectorGemm.ZEROS;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The direct path's 6 x 2-vector micro-kernel ({@link VectorGemm#directBlock}: A broadcast from its
 * own rows, B in place or packed once): every full NR-column panel in 6-row tiles where the wide
 * kernels of {@link GemmKernelsDirectWide} do not apply (all of them below 16 lanes), and through
 * {@link #partialDirect} a thread's last, partial row tile.
 */
final class GemmKernelsDirect {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = F.length();

    private GemmKernelsDirect() {
    }

    /**
     * The micro-kernel of {@link VectorGemm#directBlock}: A[ii, k] = a[rowOffset_ii + k * ks],
     * B[k, 0..NR) = b[bo + k * bstride ..]; otherwise exactly {@link GemmKernelsPacked#kernel}'s
     * chains.
     */
    static void kernelDirect(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int ks,
                                     float[] b, int bo, int bstride, int kb, float[] c, int co, int ldc,
                                     float[] ci, int cio, int ldci, float[] bias, int j0) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        // Loaded, never branched on: from C when accumulating, else from VectorGemm.ZEROS (see there).
        int ri = cio;
        c00 = FloatVector.fromArray(F, ci, ri);
        c01 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c10 = FloatVector.fromArray(F, ci, ri);
        c11 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c20 = FloatVector.fromArray(F, ci, ri);
        c21 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c30 = FloatVector.fromArray(F, ci, ri);
        c31 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c40 = FloatVector.fromArray(F, ci, ri);
        c41 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c50 = FloatVector.fromArray(F, ci, ri);
        c51 = FloatVector.fromArray(F, ci, ri + L);
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // always added: bias, or VectorGemm.NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + L);
        c00 = c00.add(v0); c01 = c01.add(v1);
        c10 = c10.add(v0); c11 = c11.add(v1);
        c20 = c20.add(v0); c21 = c21.add(v1);
        c30 = c30.add(v0); c31 = c31.add(v1);
        c40 = c40.add(v0); c41 = c41.add(v1);
        c50 = c50.add(v0); c51 = c51.add(v1);
        int r = co;
        c00.intoArray(c, r);
        c01.intoArray(c, r + L);
        r += ldc;
        c10.intoArray(c, r);
        c11.intoArray(c, r + L);
        r += ldc;
        c20.intoArray(c, r);
        c21.intoArray(c, r + L);
        r += ldc;
        c30.intoArray(c, r);
        c31.intoArray(c, r + L);
        r += ldc;
        c40.intoArray(c, r);
        c41.intoArray(c, r + L);
        r += ldc;
        c50.intoArray(c, r);
        c51.intoArray(c, r + L);
    }

    /** A partial row tile (mr < MR) of one full panel, through the private tile. */
    static void partialDirect(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int ks, float[] bs,
                                      int bo, int bstride, int K, float[] c, int co, int ldc, int mr,
                                      boolean accumulate, float[] bias, int j0, float[] tile) {
        if (accumulate) {
            // rows past mr keep stale values: their outputs are discarded
            for (int ii = 0; ii < mr; ii++) {
                for (int jj = 0; jj < NR; jj++) {
                    tile[ii * NR + jj] = c[co + ii * ldc + jj];
                }
            }
        }
        kernelDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bstride, K, tile, 0, NR, accumulate ? tile : ZEROS, 0,
                accumulate ? NR : 0, NEG_ZEROS, 0);
        for (int ii = 0; ii < mr; ii++) {
            for (int jj = 0; jj < NR; jj++) {
                float acc = tile[ii * NR + jj];
                if (bias != null) {
                    acc = acc + bias[j0 + jj];
                }
                c[co + ii * ldc + jj] = acc;
            }
        }
    }
}
