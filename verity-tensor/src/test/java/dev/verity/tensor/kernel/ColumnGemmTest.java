package dev.verity.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The column path ({@link VectorGemm#columnBlock}: output rows in the lanes, B broadcast) gives
 * the reference's bits: all four transpose combinations, M tails (packed, zero rows) and N tails
 * (repeated last column), accumulate and bias, sub-blocks of the output, padded leading
 * dimensions and arrays that end at their last element; and through the dispatcher at 1, 2
 * and 4 threads on the shapes it is chosen for (a layer's NT forward with a small batch).
 */
class ColumnGemmTest {
    private static boolean same(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                return false;
            }
        }
        return true;
    }

    private static float[] rand(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(40) == 0 ? -0f : r.nextFloat() * 2 - 1;
        }
        return v;
    }

    @Test
    void columnBlockMatchesScalarOnEveryFlagAndTail() {
        Random r = new Random(7);
        int mv = VectorGemm.MV;
        int[][] shapes = {{1, 1, 1}, {mv, VectorGemm.NJ, 8}, {mv + 3, 7, 13}, {2 * mv - 1, 1, 29}, {3, 65, 40},
            {5 * mv + 1, 10, 97}, {mv, 2 * VectorGemm.NJ + 5, 1}};
        VectorGemm.Scratch s = new VectorGemm.Scratch();
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2];
            for (int combo = 0; combo < 16; combo++) {
                boolean ta = (combo & 1) != 0, tb = (combo & 2) != 0, acc = (combo & 4) != 0;
                float[] bias = (combo & 8) != 0 ? rand(r, n) : null;
                int lda = (ta ? m : k) + r.nextInt(3);
                int ldb = (tb ? k : n) + r.nextInt(3);
                int ldc = n + r.nextInt(3);
                // arrays end exactly at their last element: nothing may be read past it
                float[] a = rand(r, (ta ? k - 1 : m - 1) * lda + (ta ? m : k));
                float[] b = rand(r, (tb ? n - 1 : k - 1) * ldb + (tb ? k : n));
                float[] c0 = rand(r, (m - 1) * ldc + n);
                float[] want = c0.clone();
                ScalarGemm.sgemm(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, want, 0, ldc, bias, acc);
                float[] got = c0.clone();
                VectorGemm.columnBlock(ta, tb, 0, m, 0, n, k, a, 0, lda, b, 0, ldb, got, 0, ldc, bias, acc, s);
                assertTrue(same(want, got), m + "x" + n + "x" + k + " combo " + combo);
                // two uneven output blocks, as threads would take them, give the same bits
                float[] parts = c0.clone();
                int mSplit = Math.min(m, mv), nSplit = n / 2;
                VectorGemm.columnBlock(ta, tb, 0, mSplit, 0, n, k, a, 0, lda, b, 0, ldb, parts, 0, ldc, bias, acc, s);
                VectorGemm.columnBlock(ta, tb, mSplit, m, 0, nSplit, k, a, 0, lda, b, 0, ldb, parts, 0, ldc, bias, acc, s);
                VectorGemm.columnBlock(ta, tb, mSplit, m, nSplit, n, k, a, 0, lda, b, 0, ldb, parts, 0, ldc, bias, acc, s);
                assertTrue(same(want, parts), "blocks of " + m + "x" + n + "x" + k + " combo " + combo);
            }
        }
    }

    @Test
    void dispatcherTakesColumnPathWithSameBitsAtAllThreadCounts() {
        // A layer's forward with a small batch (B transposed), a tail in M.
        int[][] shapes = {{128, 512, 300}, {128, 512, 784}, {97, 300, 1000}};
        for (int[] sh : shapes) {
            assertTrue(VectorGemm.columnFits(false, true, sh[0], sh[1], sh[2]), "column path for NT " + sh[0] + "x"
                    + sh[1] + "x" + sh[2]);
        }
        // Tiny or vocabulary-like N: the direct path's one-vector tail beats transposing A.
        for (int[] sh : new int[][] {{128, 10, 512}, {130, 65, 300}, {97, 11, 1000}}) {
            assertFalse(VectorGemm.columnFits(false, true, sh[0], sh[1], sh[2]), "row path for NT " + sh[0] + "x"
                    + sh[1] + "x" + sh[2]);
            assertTrue(VectorGemm.directFits(sh[0], sh[1], sh[2]), "direct path for N = " + sh[1]);
        }
        assertFalse(VectorGemm.columnFits(false, false, 128, 10, 512), "row path for small N");
        assertFalse(VectorGemm.columnFits(true, false, 128, 512, 2048), "row path for a transposed A");
        assertFalse(VectorGemm.columnFits(false, true, 2048, 128, 128), "row path when A is the bigger transpose");
        int saved = Parallel.threads();
        Random r = new Random(11);
        try {
            for (int th : new int[] {1, 2, 4}) {
                Parallel.setThreads(th);
                for (int[] sh : shapes) {
                    int m = sh[0], n = sh[1], k = sh[2];
                    for (int combo = 0; combo < 4; combo++) {
                        boolean acc = (combo & 1) != 0;
                        float[] bias = (combo & 2) != 0 ? rand(r, n) : null;
                        int batch = 1 + r.nextInt(2);
                        long sa = (long) m * k, sb = (long) n * k, sc = (long) m * n;
                        float[] a = rand(r, (int) (sa * batch));
                        float[] b = rand(r, (int) (sb * batch));
                        float[] c0 = rand(r, (int) (sc * batch));
                        float[] want = c0.clone();
                        float[] got = c0.clone();
                        ScalarGemm.sgemmBatched(batch, false, true, m, n, k, a, 0, k, sa, b, 0, k, sb, want, 0, n, sc,
                                bias, acc);
                        Gemm.sgemmBatched(batch, false, true, m, n, k, a, 0, k, sa, b, 0, k, sb, got, 0, n, sc, bias, acc);
                        assertTrue(same(want, got), "batched " + m + "x" + n + "x" + k + " combo " + combo + " threads " + th);
                        float[] w1 = c0.clone();
                        float[] g1 = c0.clone();
                        ScalarGemm.sgemm(false, true, m, n, k, a, 0, k, b, 0, k, w1, 0, n, bias, acc);
                        Gemm.sgemm(false, true, m, n, k, a, 0, k, b, 0, k, g1, 0, n, bias, acc);
                        assertTrue(same(w1, g1), "single " + m + "x" + n + "x" + k + " combo " + combo + " threads " + th);
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        assertEquals(saved, Parallel.threads());
    }
}
