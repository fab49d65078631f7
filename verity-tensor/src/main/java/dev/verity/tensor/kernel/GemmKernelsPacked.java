package dev.verity.tensor.kernel;

import static dev.verity.tensor.kernel.VectorGemm.MR;
import static dev.verity.tensor.kernel.VectorGemm.NEG_ZEROS;
import static dev.verity.tensor.kernel.VectorGemm.NR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packed path's micro-kernel ({@link VectorGemm#block}): 6 rows x 2 vectors over packed A and
 * B panels, for shapes that take neither the direct nor the column path (a big A with a wide B,
 * K over {@code VectorGemm.DIRECT_MAX_K}, fewer than 2 MR rows, and every non-default blocking);
 * {@link #edge} runs the tails in M and N through a private tile.
 */
final class GemmKernelsPacked {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = F.length();

    private GemmKernelsPacked() {
    }

    /**
     * The 6 x 2-vector micro-kernel over one K panel. Accumulators start from C (load) or +0.0f;
     * bias (columns j0..j0+NR) is added after the panel's last fma when given.
     */
    static void kernel(float[] ap, int ao, float[] bp, int bo, int kb, float[] c, int co, int ldc,
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
        int aEnd = ao + kb * MR;
        for (int ai = ao, bi = bo; ai < aEnd; ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + L);
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap[ai + 5]);
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

    /** A partial tile: run the full micro-kernel on a private MR x NR copy, keep the valid part. */
    static void edge(float[] ap, int ao, float[] bp, int bo, int kb, float[] c, int co, int ldc,
                             int mr, int nr, boolean load, float[] bias, int j0, float[] tile) {
        for (int ii = 0; ii < MR; ii++) {
            for (int jj = 0; jj < NR; jj++) {
                tile[ii * NR + jj] = load && ii < mr && jj < nr ? c[co + ii * ldc + jj] : 0.0f;
            }
        }
        kernel(ap, ao, bp, bo, kb, tile, 0, NR, tile, 0, NR, NEG_ZEROS, 0);
        for (int ii = 0; ii < mr; ii++) {
            for (int jj = 0; jj < nr; jj++) {
                float acc = tile[ii * NR + jj];
                if (bias != null) {
                    acc = acc + bias[j0 + jj];
                }
                c[co + ii * ldc + jj] = acc;
            }
        }
    }
}
