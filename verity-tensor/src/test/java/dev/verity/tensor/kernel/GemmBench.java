package dev.verity.tensor.kernel;

import java.util.Random;

/**
 * Throughput printout (not a test; no timing is ever asserted). Run with
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.verity.tensor.kernel.GemmBench [threads]}.
 */
public final class GemmBench {
    private GemmBench() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Parallel.setThreads(threads);
        System.out.println("lanes=" + VectorGemm.lanes() + " threads=" + threads + " blocking=" + VectorGemm.DEFAULT);
        run("1024^3 NN", 1, false, false, 1024, 1024, 1024);
        run("1024^3 TN", 1, true, false, 1024, 1024, 1024);
        run("1024^3 NT", 1, false, true, 1024, 1024, 1024);
        run("1024^3 TT", 1, true, true, 1024, 1024, 1024);
        // MLP on MNIST: forward x[128,784] W^T, backward dW and dx.
        run("128x512x784 NT (fwd y=xW^T)", 1, false, true, 128, 512, 784);
        run("128x784x512 NN (dx=dy W)", 1, false, false, 128, 784, 512);
        run("512x784x128 TN (dW=dy^T x)", 1, true, false, 512, 784, 128);
        run("128x512x784 NN", 1, false, false, 128, 512, 784);
        run("512x784x128 NN", 1, false, false, 512, 784, 128);
        run("attn batch128 64x64x32 NT", 128, false, true, 64, 64, 32);
        run("attn batch128 64x32x64 NN", 128, false, false, 64, 32, 64);
    }

    private static void run(String name, int batch, boolean ta, boolean tb, int m, int n, int k) {
        Random r = new Random(1);
        float[] a = new float[batch * m * k];
        float[] b = new float[batch * k * n];
        float[] c = new float[batch * m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextFloat() - 0.5f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextFloat() - 0.5f;
        }
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        double flops = 2.0 * batch * m * n * k;
        int reps = (int) Math.max(3, Math.min(2000, 3e10 / flops));
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (int rep = 0; rep < reps; rep++) {
                VectorGemm.sgemmBatched(batch, ta, tb, m, n, k, a, 0, lda, (long) m * k, b, 0, ldb, (long) k * n,
                        c, 0, n, (long) m * n, null, false);
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e9 / reps);
        }
        System.out.printf("%-32s %8.1f GFLOP/s%n", name, flops / best / 1e9);
    }
}
