package dev.verity.tensor.kernel;

import static dev.verity.tensor.kernel.GemmTest.assertBitsEqual;
import static dev.verity.tensor.kernel.GemmTest.random;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The direct (no im2col) vector conv kernels against the scalar reference, bit for bit: lenet5's
 * shapes, odd sizes around the vector width and tile heights, padding wider than the kernel,
 * strides (weight gradient), channel counts that leave partial tiles, and non-finite values.
 */
class Conv2dDirectTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    private static void check(Conv2dShape s, Random r, boolean specials) {
        float[] x = random(r, s.xSize());
        float[] w = random(r, s.wSize());
        float[] bias = r.nextBoolean() ? random(r, s.oc()) : null;
        float[] dy = random(r, s.ySize());
        if (specials) {
            // Infinities (and the NaNs that Inf * 0 makes) must come out exactly as in the
            // reference: a skipped tap must stay skipped. NaN inputs are left out because which
            // of two NaN payloads an operation returns is not part of the contract.
            float[][] arrays = {x, w, dy};
            float[] values = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, 0.0f};
            for (float[] a : arrays) {
                for (int i = 0; i < 3; i++) {
                    a[r.nextInt(a.length)] = values[r.nextInt(values.length)];
                }
            }
        }
        float[] yRef = new float[s.ySize()];
        Conv2dReference.forward(s, x, w, bias, yRef);
        float[] dwRef = new float[s.wSize()];
        float[] dbRef = new float[s.oc()];
        Conv2dReference.backwardWeight(s, x, dy, dwRef, dbRef);
        float[] dxRef = new float[s.xSize()];
        Conv2dReference.backwardInput(s, w, dy, dxRef);
        for (int threads : new int[] {1, 2, 4}) {
            Parallel.setThreads(threads);
            String what = s + " threads=" + threads + " specials=" + specials;
            float[] y = random(r, s.ySize());
            Conv2dKernels.forward(s, x, w, bias, y, false);
            assertBitsEqual(yRef, y, "forward " + what);
            float[] dw = random(r, s.wSize());
            float[] db = random(r, s.oc());
            Conv2dKernels.backwardWeight(s, x, dy, dw, db, false);
            assertBitsEqual(dwRef, dw, "weight grad " + what);
            assertBitsEqual(dbRef, db, "bias grad " + what);
            float[] dx = random(r, s.xSize());
            Conv2dKernels.backwardInput(s, w, dy, dx, false);
            assertBitsEqual(dxRef, dx, "input grad " + what);
        }
    }

    @Test
    void lenetShapesEqualReference() {
        Random r = new Random(5);
        check(new Conv2dShape(9, 1, 28, 28, 6, 5, 5, 1, 2), r, false);
        check(new Conv2dShape(9, 6, 14, 14, 16, 5, 5, 1, 0), r, false);
    }

    @Test
    void oddShapesEqualReference() {
        Random r = new Random(11);
        List<Conv2dShape> list = new ArrayList<>();
        list.add(new Conv2dShape(1, 1, 1, 1, 1, 1, 1, 1, 0));
        list.add(new Conv2dShape(2, 7, 5, 33, 13, 3, 2, 1, 1));
        list.add(new Conv2dShape(3, 13, 17, 3, 7, 1, 3, 1, 2));
        list.add(new Conv2dShape(2, 2, 4, 4, 17, 2, 2, 1, 4)); // padding wider than the kernel
        list.add(new Conv2dShape(3, 3, 11, 9, 5, 3, 3, 2, 1)); // stride: direct weight grad only
        // Few-channel weight gradient (lanes over kx): two kernel-row tiles, the last one
        // repeating rows; all 8 lanes real; stride 2.
        list.add(new Conv2dShape(2, 3, 12, 13, 4, 7, 8, 2, 1));
        list.add(new Conv2dShape(2, 2, 10, 11, 8, 6, 3, 3, 2)); // 8 channels: three tiles, stride 3
        list.add(new Conv2dShape(2, 2, 12, 12, 5, 3, 9, 1, 1)); // kw > 8: the channel-lane kernel instead
        for (int t = 0; t < 12; t++) {
            int kh = 1 + r.nextInt(5);
            int kw = 1 + r.nextInt(5);
            int pad = r.nextInt(4);
            int h = Math.max(1, kh - 2 * pad) + r.nextInt(20);
            int w = Math.max(1, kw - 2 * pad) + r.nextInt(20);
            list.add(new Conv2dShape(1 + r.nextInt(4), 1 + r.nextInt(14), h, w, 1 + r.nextInt(20), kh, kw,
                    1 + r.nextInt(2), pad));
        }
        for (Conv2dShape s : list) {
            check(s, r, false);
            check(s, r, true);
        }
    }
}
