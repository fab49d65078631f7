package dev.verity.tensor.kernel;

import static dev.verity.tensor.kernel.VectorGemm.MV;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The column path's micro-kernel ({@link VectorGemm#columnBlock}): output rows in the lanes, two
 * vectors of rows x 6 columns, for the NT shapes where the row path would transpose a big B (a
 * layer's forward with a small batch; see {@link VectorGemm#columnFits}).
 */
final class GemmKernelsColumn {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = F.length();

    private GemmKernelsColumn() {
    }

    /**
     * The column micro-kernel: 2 vectors of rows x NJ = 6 columns. A[ii, k] = as[k * MV + ii],
     * B[k, jj] = b[o_jj + k]. Starts from the tile (load) or +0.0f and leaves the result in the
     * tile, column-major. Both steps are constants: C2 then hoists the range checks of all eight
     * loads out of the loop, which with the steps as arguments it checked on every k (1 thread,
     * Zen 5: 128x512x784 NT 180 -> 194 GFLOP/s, 128x512x512 NT 177 -> 186).
     */
    static void kernelColumn(float[] as, float[] b, int o0, int o1, int o2, int o3, int o4, int o5, int K,
                                     float[] tile, float[] ci) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        // Loaded, never branched on: from C when accumulating, else from VectorGemm.ZEROS (see there).
        c00 = FloatVector.fromArray(F, ci, 0);
        c01 = FloatVector.fromArray(F, ci, L);
        c10 = FloatVector.fromArray(F, ci, MV);
        c11 = FloatVector.fromArray(F, ci, MV + L);
        c20 = FloatVector.fromArray(F, ci, 2 * MV);
        c21 = FloatVector.fromArray(F, ci, 2 * MV + L);
        c30 = FloatVector.fromArray(F, ci, 3 * MV);
        c31 = FloatVector.fromArray(F, ci, 3 * MV + L);
        c40 = FloatVector.fromArray(F, ci, 4 * MV);
        c41 = FloatVector.fromArray(F, ci, 4 * MV + L);
        c50 = FloatVector.fromArray(F, ci, 5 * MV);
        c51 = FloatVector.fromArray(F, ci, 5 * MV + L);
        for (int k = 0; k < K; k++) {
            FloatVector x0 = FloatVector.fromArray(F, as, k * MV);
            FloatVector x1 = FloatVector.fromArray(F, as, k * MV + L);
            FloatVector y = FloatVector.broadcast(F, b[o0 + k]);
            c00 = x0.fma(y, c00);
            c01 = x1.fma(y, c01);
            y = FloatVector.broadcast(F, b[o1 + k]);
            c10 = x0.fma(y, c10);
            c11 = x1.fma(y, c11);
            y = FloatVector.broadcast(F, b[o2 + k]);
            c20 = x0.fma(y, c20);
            c21 = x1.fma(y, c21);
            y = FloatVector.broadcast(F, b[o3 + k]);
            c30 = x0.fma(y, c30);
            c31 = x1.fma(y, c31);
            y = FloatVector.broadcast(F, b[o4 + k]);
            c40 = x0.fma(y, c40);
            c41 = x1.fma(y, c41);
            y = FloatVector.broadcast(F, b[o5 + k]);
            c50 = x0.fma(y, c50);
            c51 = x1.fma(y, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, MV);
        c11.intoArray(tile, MV + L);
        c20.intoArray(tile, 2 * MV);
        c21.intoArray(tile, 2 * MV + L);
        c30.intoArray(tile, 3 * MV);
        c31.intoArray(tile, 3 * MV + L);
        c40.intoArray(tile, 4 * MV);
        c41.intoArray(tile, 4 * MV + L);
        c50.intoArray(tile, 5 * MV);
        c51.intoArray(tile, 5 * MV + L);
    }
}
