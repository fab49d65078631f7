package dev.verity.tensor.kernel;

import java.util.Random;

/**
 * Manual tool (not a test): best-of-N wall time of the conv kernels on lenet5's shapes, direct
 * (vector) path vs the im2col + vector GEMM path, alternating: {@code ConvBench [threads] [reps]}.
 * With {@code -Dabkx=true} the second column is the weight gradient's channel-lane kernel instead
 * of im2col (the few-channel kx kernel against the one it replaced for those shapes).
 */
public final class ConvBench {
    public static void main(String[] args) {
        Parallel.setThreads(args.length > 0 ? Integer.parseInt(args[0]) : 1);
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Conv2dShape[] shapes = {new Conv2dShape(128, 1, 28, 28, 6, 5, 5, 1, 2), new Conv2dShape(128, 6, 14, 14, 16, 5, 5, 1, 0)};
        Random r = new Random(1);
        for (Conv2dShape s : shapes) {
            float[] x = GemmTest.random(r, s.xSize());
            float[] w = GemmTest.random(r, s.wSize());
            float[] b = GemmTest.random(r, s.oc());
            float[] dy = GemmTest.random(r, s.ySize());
            float[] y = new float[s.ySize()];
            float[] dw = new float[s.wSize()];
            float[] dx = new float[s.xSize()];
            double[][] best = new double[3][2];
            for (double[] row : best) {
                java.util.Arrays.fill(row, Double.MAX_VALUE);
            }
            for (int i = 0; i < reps; i++) {
                for (int path = 0; path < 2; path++) {
                    Conv2dKernels.directDisabled = path == 1 && !Boolean.getBoolean("abkx");
                    Conv2dKernels.kxDisabled = path == 1 && Boolean.getBoolean("abkx");
                    long t0 = System.nanoTime();
                    Conv2dKernels.forward(s, x, w, b, y, false);
                    long t1 = System.nanoTime();
                    Conv2dKernels.backwardWeight(s, x, dy, dw, null, false);
                    long t2 = System.nanoTime();
                    Conv2dKernels.backwardInput(s, w, dy, dx, false);
                    long t3 = System.nanoTime();
                    best[0][path] = Math.min(best[0][path], (t1 - t0) / 1e6);
                    best[1][path] = Math.min(best[1][path], (t2 - t1) / 1e6);
                    best[2][path] = Math.min(best[2][path], (t3 - t2) / 1e6);
                }
            }
            Conv2dKernels.directDisabled = false;
            Conv2dKernels.kxDisabled = false;
            String[] names = {"forward", "weight grad", "input grad"};
            for (int k = 0; k < 3; k++) {
                System.out.printf("%s %-12s direct %7.3f ms  im2col %7.3f ms  speedup %5.2fx  (%.1f GFLOP/s)%n", s, names[k],
                        best[k][0], best[k][1], best[k][1] / best[k][0], 2.0 * s.n() * s.oc() * s.p() * s.k() / best[k][0] / 1e6);
            }
        }
    }
}
