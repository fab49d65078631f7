package dev.verity.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The direct path's kernels for 16-lane vectors (AVX-512's 32 registers, {@code VectorGemm.WIDE}),
 * called from {@link VectorGemm#directBlock}: {@link #kernelDirectPair}, two adjacent full panels
 * at once in 6-row tiles; {@link #kernelDirect8} and {@link #kernelDirect8FromZero}, a single full
 * panel (the odd last one, or all of them when the rows are a multiple of 8 but not of 6) in 8-row
 * tiles, accumulating into C or starting from +0.
 */
final class GemmKernelsDirectWide {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = F.length();

    private GemmKernelsDirectWide() {
    }

    /**
     * {@link GemmKernelsDirect#kernelDirect} on two adjacent full panels at once (B columns from
     * bo0 and bo1, C columns co..co+2NR): 6 x 4 vectors, half the broadcasts and calls per fma.
     */
    static void kernelDirectPair(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int ks,
                                         float[] b, int bo0, int bo1, int bstride, int kb, float[] c, int co,
                                         int ldc, float[] ci, int cio, int ldci, float[] bias, int j0) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
        FloatVector c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        // Loaded, never branched on: from C when accumulating, else from VectorGemm.ZEROS (see there).
        c00 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 0 * L);
        c01 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 1 * L);
        c02 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 2 * L);
        c03 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 3 * L);
        c10 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 0 * L);
        c11 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 1 * L);
        c12 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 2 * L);
        c13 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 3 * L);
        c20 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 0 * L);
        c21 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 1 * L);
        c22 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 2 * L);
        c23 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 3 * L);
        c30 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 0 * L);
        c31 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 1 * L);
        c32 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 2 * L);
        c33 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 3 * L);
        c40 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 0 * L);
        c41 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 1 * L);
        c42 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 2 * L);
        c43 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 3 * L);
        c50 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 0 * L);
        c51 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 1 * L);
        c52 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 2 * L);
        c53 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 3 * L);
        for (int k = 0, ak = 0, b0 = bo0, b1 = bo1; k < kb; k++, ak += ks, b0 += bstride, b1 += bstride) {
            FloatVector y0 = FloatVector.fromArray(F, b, b0);
            FloatVector y1 = FloatVector.fromArray(F, b, b0 + L);
            FloatVector y2 = FloatVector.fromArray(F, b, b1);
            FloatVector y3 = FloatVector.fromArray(F, b, b1 + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            c02 = x.fma(y2, c02);
            c03 = x.fma(y3, c03);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            c12 = x.fma(y2, c12);
            c13 = x.fma(y3, c13);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            c22 = x.fma(y2, c22);
            c23 = x.fma(y3, c23);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            c32 = x.fma(y2, c32);
            c33 = x.fma(y3, c33);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            c42 = x.fma(y2, c42);
            c43 = x.fma(y3, c43);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
            c52 = x.fma(y2, c52);
            c53 = x.fma(y3, c53);
        }
        // always added: bias, or VectorGemm.NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0 + 0 * L);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + 1 * L);
        FloatVector v2 = FloatVector.fromArray(F, bias, j0 + 2 * L);
        FloatVector v3 = FloatVector.fromArray(F, bias, j0 + 3 * L);
        c00 = c00.add(v0); c01 = c01.add(v1); c02 = c02.add(v2); c03 = c03.add(v3);
        c10 = c10.add(v0); c11 = c11.add(v1); c12 = c12.add(v2); c13 = c13.add(v3);
        c20 = c20.add(v0); c21 = c21.add(v1); c22 = c22.add(v2); c23 = c23.add(v3);
        c30 = c30.add(v0); c31 = c31.add(v1); c32 = c32.add(v2); c33 = c33.add(v3);
        c40 = c40.add(v0); c41 = c41.add(v1); c42 = c42.add(v2); c43 = c43.add(v3);
        c50 = c50.add(v0); c51 = c51.add(v1); c52 = c52.add(v2); c53 = c53.add(v3);
        c00.intoArray(c, co + 0 * ldc + 0 * L);
        c01.intoArray(c, co + 0 * ldc + 1 * L);
        c02.intoArray(c, co + 0 * ldc + 2 * L);
        c03.intoArray(c, co + 0 * ldc + 3 * L);
        c10.intoArray(c, co + 1 * ldc + 0 * L);
        c11.intoArray(c, co + 1 * ldc + 1 * L);
        c12.intoArray(c, co + 1 * ldc + 2 * L);
        c13.intoArray(c, co + 1 * ldc + 3 * L);
        c20.intoArray(c, co + 2 * ldc + 0 * L);
        c21.intoArray(c, co + 2 * ldc + 1 * L);
        c22.intoArray(c, co + 2 * ldc + 2 * L);
        c23.intoArray(c, co + 2 * ldc + 3 * L);
        c30.intoArray(c, co + 3 * ldc + 0 * L);
        c31.intoArray(c, co + 3 * ldc + 1 * L);
        c32.intoArray(c, co + 3 * ldc + 2 * L);
        c33.intoArray(c, co + 3 * ldc + 3 * L);
        c40.intoArray(c, co + 4 * ldc + 0 * L);
        c41.intoArray(c, co + 4 * ldc + 1 * L);
        c42.intoArray(c, co + 4 * ldc + 2 * L);
        c43.intoArray(c, co + 4 * ldc + 3 * L);
        c50.intoArray(c, co + 5 * ldc + 0 * L);
        c51.intoArray(c, co + 5 * ldc + 1 * L);
        c52.intoArray(c, co + 5 * ldc + 2 * L);
        c53.intoArray(c, co + 5 * ldc + 3 * L);
    }

    /**
     * {@link GemmKernelsDirect#kernelDirect} with 8 rows (16 accumulators, AVX-512's registers): a
     * row count that is a multiple of 8 (64-row attention blocks) has no partial tile, and each
     * call does a third more work.
     */
    static void kernelDirect8(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                      int ks, float[] b, int bo, int bstride, int kb, float[] c, int co, int ldc,
                                      float[] bias, int j0) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        FloatVector c40, c41, c50, c51, c60, c61, c70, c71;
        // Accumulating into C: kernelDirect8FromZero is the other case (see there).
        c00 = FloatVector.fromArray(F, c, co + 0 * ldc);
        c01 = FloatVector.fromArray(F, c, co + 0 * ldc + L);
        c10 = FloatVector.fromArray(F, c, co + 1 * ldc);
        c11 = FloatVector.fromArray(F, c, co + 1 * ldc + L);
        c20 = FloatVector.fromArray(F, c, co + 2 * ldc);
        c21 = FloatVector.fromArray(F, c, co + 2 * ldc + L);
        c30 = FloatVector.fromArray(F, c, co + 3 * ldc);
        c31 = FloatVector.fromArray(F, c, co + 3 * ldc + L);
        c40 = FloatVector.fromArray(F, c, co + 4 * ldc);
        c41 = FloatVector.fromArray(F, c, co + 4 * ldc + L);
        c50 = FloatVector.fromArray(F, c, co + 5 * ldc);
        c51 = FloatVector.fromArray(F, c, co + 5 * ldc + L);
        c60 = FloatVector.fromArray(F, c, co + 6 * ldc);
        c61 = FloatVector.fromArray(F, c, co + 6 * ldc + L);
        c70 = FloatVector.fromArray(F, c, co + 7 * ldc);
        c71 = FloatVector.fromArray(F, c, co + 7 * ldc + L);
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector y0 = FloatVector.fromArray(F, b, bi);
            FloatVector y1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
            x = FloatVector.broadcast(F, a[o6 + ak]);
            c60 = x.fma(y0, c60);
            c61 = x.fma(y1, c61);
            x = FloatVector.broadcast(F, a[o7 + ak]);
            c70 = x.fma(y0, c70);
            c71 = x.fma(y1, c71);
        }
        // always added: bias, or VectorGemm.NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + L);
        c00 = c00.add(v0); c01 = c01.add(v1); c10 = c10.add(v0); c11 = c11.add(v1);
        c20 = c20.add(v0); c21 = c21.add(v1); c30 = c30.add(v0); c31 = c31.add(v1);
        c40 = c40.add(v0); c41 = c41.add(v1); c50 = c50.add(v0); c51 = c51.add(v1);
        c60 = c60.add(v0); c61 = c61.add(v1); c70 = c70.add(v0); c71 = c71.add(v1);
        c00.intoArray(c, co + 0 * ldc);
        c01.intoArray(c, co + 0 * ldc + L);
        c10.intoArray(c, co + 1 * ldc);
        c11.intoArray(c, co + 1 * ldc + L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + L);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + L);
    }

    /**
     * {@link #kernelDirect8} starting from +0 instead of C: its own method, not a flag (see
     * VectorGemm.ZEROS), because the small-K GEMMs that use 8-row tiles spend a tenth of their time on 16
     * loads of zeros and their range checks (128x512x10 NN: 75 -> 87 GFLOP/s).
     */
    static void kernelDirect8FromZero(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                      int ks, float[] b, int bo, int bstride, int kb, float[] c, int co, int ldc,
                                      float[] bias, int j0) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        FloatVector c40, c41, c50, c51, c60, c61, c70, c71;
        FloatVector z = FloatVector.zero(F); // +0.0f, the chains' start
        c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
        c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector y0 = FloatVector.fromArray(F, b, bi);
            FloatVector y1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
            x = FloatVector.broadcast(F, a[o6 + ak]);
            c60 = x.fma(y0, c60);
            c61 = x.fma(y1, c61);
            x = FloatVector.broadcast(F, a[o7 + ak]);
            c70 = x.fma(y0, c70);
            c71 = x.fma(y1, c71);
        }
        // always added: bias, or VectorGemm.NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + L);
        c00 = c00.add(v0); c01 = c01.add(v1); c10 = c10.add(v0); c11 = c11.add(v1);
        c20 = c20.add(v0); c21 = c21.add(v1); c30 = c30.add(v0); c31 = c31.add(v1);
        c40 = c40.add(v0); c41 = c41.add(v1); c50 = c50.add(v0); c51 = c51.add(v1);
        c60 = c60.add(v0); c61 = c61.add(v1); c70 = c70.add(v0); c71 = c71.add(v1);
        c00.intoArray(c, co + 0 * ldc);
        c01.intoArray(c, co + 0 * ldc + L);
        c10.intoArray(c, co + 1 * ldc);
        c11.intoArray(c, co + 1 * ldc + L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + L);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + L);
    }
}
