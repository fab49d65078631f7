package dev.verity.tensor.kernel;

import java.util.Random;

/** Manual A/B timing (not a test): packed vs direct GEMM on small shapes, interleaved, min of runs. */
public final class DirectBench {
    public static void main(String[] args) {
        int[][] shapes = {{64, 64, 32, 0, 1}, {64, 32, 64, 0, 0}, {64, 64, 64, 1, 0}, {6, 784, 25, 0, 0}, {16, 100, 150, 0, 0},
            {6, 25, 784, 0, 1}, {16, 150, 100, 0, 1}, {150, 100, 16, 1, 0}};
        Random r = new Random(1);
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2];
            boolean ta = sh[3] == 1, tb = sh[4] == 1;
            int batch = Math.max(1, 128 * 64 * 64 * 32 / (m * n * k));
            float[] a = new float[m * k * batch], b = new float[k * n * batch], c = new float[m * n * batch];
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
            for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
            int lda = ta ? m : k, ldb = tb ? k : n;
            long bestP = Long.MAX_VALUE, bestD = Long.MAX_VALUE;
            VectorGemm.Scratch s = new VectorGemm.Scratch();
            for (int rep = 0; rep < 60; rep++) {
                long t0 = System.nanoTime();
                for (int t = 0; t < batch; t++) {
                    VectorGemm.block(ta, tb, 0, m, 0, n, k, a, t * m * k, lda, b, t * k * n, ldb, c, t * m * n, n, null, false, VectorGemm.DEFAULT, s);
                }
                long t1 = System.nanoTime();
                for (int t = 0; t < batch; t++) {
                    VectorGemm.directBlock(ta, tb, 0, m, 0, n, k, a, t * m * k, lda, b, t * k * n, ldb, c, t * m * n, n, null, false, s);
                }
                long t2 = System.nanoTime();
                bestP = Math.min(bestP, t1 - t0);
                bestD = Math.min(bestD, t2 - t1);
            }
            double fl = 2.0 * m * n * k * batch;
            System.out.printf("%4d x%4d x%4d ta=%b tb=%b batch %d: packed %.1f GF/s, direct %.1f GF/s%n", m, n, k, ta, tb, batch,
                    fl / bestP, fl / bestD);
        }
    }
}
