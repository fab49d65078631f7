package dev.verity.tensor.kernel;

import java.util.Random;

/**
 * Run in a child JVM by {@link DirectGemmTest} with another {@code verity.vector.bits}: the
 * direct path's shapes (narrow tails, single last columns, paired panels, several row blocks)
 * and two packed-path ones through the dispatcher against {@link ScalarGemm}, bit for bit, at 1
 * and 2 threads. Prints
 * {@code LANES <n>}, then {@code OK <cases>} or the first {@code MISMATCH ...}.
 */
public final class GemmWidthProbe {
    private GemmWidthProbe() {
    }

    public static void main(String[] args) {
        System.out.println("LANES " + VectorGemm.lanes());
        int nr = VectorGemm.NR;
        int l = VectorGemm.lanes();
        // the last two take the packed path (too few rows; A too big and B too wide for the direct one)
        int[][] shapes = {{300, 65, 128}, {131, 1, 200}, {49, l - 1, 300}, {61, l + 3, 40}, {37, 2 * nr + l + 1, 33},
            {128, 10, 64}, {64, 64, 32}, {2 * VectorGemm.rowBlock(64) + 7, 4 * nr + 1, 64}, {7, 5, 3}, {40, 300, 1000}};
        Random r = new Random(17);
        int cases = 0;
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            for (int[] sh : shapes) {
                int m = sh[0], n = sh[1], k = sh[2];
                for (int combo = 0; combo < 16; combo++) {
                    boolean ta = (combo & 1) != 0, tb = (combo & 2) != 0, acc = (combo & 4) != 0;
                    float[] bias = (combo & 8) != 0 ? DirectGemmTest.rand(r, n) : null;
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    float[] a = DirectGemmTest.rand(r, (ta ? k : m) * lda);
                    float[] b = DirectGemmTest.rand(r, (tb ? n : k) * ldb);
                    float[] c = DirectGemmTest.rand(r, m * n);
                    float[] want = c.clone();
                    ScalarGemm.sgemm(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, want, 0, n, bias, acc);
                    VectorGemm.sgemm(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, c, 0, n, bias, acc);
                    for (int i = 0; i < c.length; i++) {
                        if (Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(want[i])) {
                            System.out.println("MISMATCH " + m + "x" + n + "x" + k + " combo " + combo + " threads "
                                    + threads + " at " + i);
                            return;
                        }
                    }
                    cases++;
                }
            }
        }
        System.out.println("OK " + cases);
    }
}
