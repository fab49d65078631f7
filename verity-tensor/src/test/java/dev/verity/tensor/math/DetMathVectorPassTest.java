package dev.verity.tensor.math;

import static dev.verity.tensor.math.DetMathTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.verity.tensor.kernel.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The block/pass structure of the array kernels (several blocks, partial last block, in place)
 * and the GELU backward kernel, bit for bit against the scalar form.
 */
class DetMathVectorPassTest {
    private static float[] inputs(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = input(r, i);
        }
        return a;
    }

    @Test
    void manyBlocksPartialBlocksAndInPlace() {
        SplittableRandom r = new SplittableRandom(4242);
        int b = DetMathVector.BLOCK;
        for (int n : new int[] {b - 1, b, b + DetMathVector.SPECIES.length(), 3 * b + 37}) {
            int off = r.nextInt(4);
            float[] src = inputs(r, n + off);
            for (Fn fn : FNS) {
                float[] dst = new float[n + 1];
                fn.array().apply(src, off, dst, 1, n);
                float[] inPlace = src.clone();
                fn.array().apply(inPlace, off, inPlace, off, n);
                for (int i = 0; i < n; i++) {
                    float want = fn.scalar().apply(src[off + i]);
                    assertTrue(sameBits(want, dst[1 + i]), fn.name() + " n=" + n + " i=" + i);
                    assertTrue(sameBits(want, inPlace[off + i]), fn.name() + " in place, n=" + n + " i=" + i);
                }
            }
        }
    }

    @Test
    void geluGradMulMatchesScalarAtOddSizesAliasingAndThreadCounts() {
        SplittableRandom r = new SplittableRandom(99);
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 4}) {
                Parallel.setThreads(threads);
                for (int n : new int[] {0, 1, 3, 17, 33, 1000, 2 * DetMathVector.BLOCK + 5}) {
                    int voff = r.nextInt(3);
                    int dyoff = r.nextInt(3);
                    float[] v = inputs(r, n + voff);
                    float[] dy = inputs(r, n + dyoff);
                    float[] want = new float[n];
                    for (int i = 0; i < n; i++) {
                        want[i] = dy[dyoff + i] * DetMath.geluGrad(v[voff + i]);
                    }
                    float[] dst = new float[n + 2];
                    Parallel.parallelFor(n, 64, (from, to) -> DetMathVector.geluGradMul(
                            v, voff + from, dy, dyoff + from, dst, 2 + from, to - from));
                    float[] intoDy = dy.clone();
                    DetMathVector.geluGradMul(v, voff, intoDy, dyoff, intoDy, dyoff, n);
                    float[] intoV = v.clone();
                    DetMathVector.geluGradMul(intoV, voff, dy, dyoff, intoV, voff, n);
                    for (int i = 0; i < n; i++) {
                        String at = "n=" + n + " i=" + i + " threads=" + threads;
                        assertTrue(sameBits(want[i], dst[2 + i]), at);
                        assertTrue(sameBits(want[i], intoDy[dyoff + i]), "dst == dy, " + at);
                        assertTrue(sameBits(want[i], intoV[voff + i]), "dst == v, " + at);
                    }
                    assertEquals(0, Float.floatToRawIntBits(dst[0]) | Float.floatToRawIntBits(dst[1]),
                            "wrote before doff");
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void geluGradMulRejectsBadRanges() {
        float[] a = new float[10];
        assertThrows(IllegalArgumentException.class, () -> DetMathVector.geluGradMul(a, 0, a, 0, a, 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> DetMathVector.geluGradMul(a, 0, a, 5, a, 0, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> DetMathVector.geluGradMul(a, 5, a, 0, a, 0, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> DetMathVector.geluGradMul(a, 0, a, 0, a, 5, 6));
        assertThrows(NullPointerException.class, () -> DetMathVector.geluGradMul(a, 0, null, 0, a, 0, 1));
    }
}
