package dev.verity.tensor.math;

import static dev.verity.tensor.math.DetMathTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.verity.tensor.kernel.Parallel;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector form equals the scalar form bit for bit, lane by lane, at the current width. */
class DetMathVectorTest {
    /** 8 functions x 1.28M inputs = ~10M comparisons. */
    private static final int PER_FN = 1 << 17;
    private static final int ROUNDS = 10;

    @Test
    void vectorEqualsScalarBitForBit() {
        int lanes = DetMathVector.SPECIES.length();
        SplittableRandom r = new SplittableRandom(0x5eed_d37L);
        float[] in = new float[PER_FN];
        float[] out = new float[lanes];
        for (Fn fn : FNS) {
            long compared = 0;
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < PER_FN; i++) {
                    in[i] = input(r, i + round);
                }
                for (int i = 0; i < PER_FN; i += lanes) {
                    fn.vector().apply(FloatVector.fromArray(DetMathVector.SPECIES, in, i)).intoArray(out, 0);
                    for (int l = 0; l < lanes; l++) {
                        float want = fn.scalar().apply(in[i + l]);
                        if (!sameBits(want, out[l])) {
                            fail(fn.name() + "(" + in[i + l] + " = 0x" + Integer.toHexString(
                                    Float.floatToRawIntBits(in[i + l])) + "): scalar 0x"
                                    + Integer.toHexString(Float.floatToRawIntBits(want)) + " vector 0x"
                                    + Integer.toHexString(Float.floatToRawIntBits(out[l])) + " at "
                                    + DetMathVector.SPECIES.vectorBitSize() + " bits");
                        }
                    }
                }
                compared += PER_FN;
            }
            assertEquals((long) PER_FN * ROUNDS, compared);
        }
    }

    @Test
    void everySpecialValueInEveryLane() {
        int lanes = DetMathVector.SPECIES.length();
        float[] v = new float[lanes];
        float[] out = new float[lanes];
        for (Fn fn : FNS) {
            for (int s = 0; s < SPECIALS.length; s++) {
                for (int l = 0; l < lanes; l++) {
                    v[l] = SPECIALS[(s + l) % SPECIALS.length];
                }
                fn.vector().apply(FloatVector.fromArray(DetMathVector.SPECIES, v, 0)).intoArray(out, 0);
                for (int l = 0; l < lanes; l++) {
                    assertTrue(sameBits(fn.scalar().apply(v[l]), out[l]), fn.name() + "(" + v[l] + ")");
                }
            }
        }
    }

    @Test
    void arrayKernelsMatchScalarAtOddSizesOffsetsAndThreadCounts() {
        SplittableRandom r = new SplittableRandom(77);
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 4}) {
                Parallel.setThreads(threads);
                for (int n : new int[] {0, 1, 2, 3, 7, 8, 15, 17, 31, 33, 1000, 4099}) {
                    int off = r.nextInt(5);
                    int doff = r.nextInt(5);
                    float[] src = new float[n + off + 3];
                    for (int i = 0; i < src.length; i++) {
                        src[i] = input(r, i);
                    }
                    for (Fn fn : FNS) {
                        float[] dst = new float[n + doff + 2];
                        // outputs split across threads; each range is one array-kernel call
                        Parallel.parallelFor(n, 64, (from, to) ->
                                fn.array().apply(src, off + from, dst, doff + from, to - from));
                        for (int i = 0; i < n; i++) {
                            assertTrue(sameBits(fn.scalar().apply(src[off + i]), dst[doff + i]),
                                    fn.name() + " n=" + n + " i=" + i + " threads=" + threads);
                        }
                        for (int i = 0; i < doff; i++) {
                            assertEquals(0, Float.floatToRawIntBits(dst[i]), "wrote before doff");
                        }
                        for (int i = doff + n; i < dst.length; i++) {
                            assertEquals(0, Float.floatToRawIntBits(dst[i]), "wrote past n");
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /**
     * gelu, geluGrad and geluGradMul pack the lanes on erfc's side of |x| / sqrt2 = 0.875 (AVX-512:
     * see DetMathVector.geluCompacted), so every mix of the two sides within a vector and a block
     * must give the scalar bits: none, all, one lane per vector at each position, alternating,
     * random with specials, and values next to the boundary; over two blocks and a tail, in place too.
     */
    @Test
    void geluKernelsMatchScalarForEveryMixOfErfAndErfcLanes() {
        int lanes = DetMathVector.SPECIES.length();
        int n = 2 * DetMathVector.BLOCK + 3 * lanes + 5;
        float edge = 1.2374369f; // about 0.875 * sqrt2
        SplittableRandom r = new SplittableRandom(2026);
        for (int pattern = 0; pattern < 6; pattern++) {
            float[] x = new float[n];
            float[] dy = new float[n];
            for (int i = 0; i < n; i++) {
                float small = (float) r.nextDouble(-1.2, 1.2);
                float large = (float) (r.nextBoolean() ? 1 : -1) * (float) r.nextDouble(1.3, 25);
                x[i] = switch (pattern) {
                    case 0 -> small;
                    case 1 -> large;
                    case 2 -> i % lanes == (i / lanes) % lanes ? large : small;
                    case 3 -> i % 2 == 0 ? large : small;
                    case 4 -> i % 13 == 0 ? input(r, i) : r.nextBoolean() ? large : small;
                    default -> {
                        float b = r.nextBoolean() ? edge : -edge;
                        int ulps = r.nextInt(-3, 4);
                        for (int k = 0; k < Math.abs(ulps); k++) {
                            b = ulps > 0 ? Math.nextUp(b) : Math.nextDown(b);
                        }
                        yield b;
                    }
                };
                dy[i] = (float) r.nextDouble(-2, 2);
            }
            float[] g = new float[n];
            float[] gg = new float[n];
            float[] ggm = new float[n];
            DetMathVector.gelu(x, 0, g, 0, n);
            DetMathVector.geluGrad(x, 0, gg, 0, n);
            DetMathVector.geluGradMul(x, 0, dy, 0, ggm, 0, n);
            float[] inPlace = x.clone();
            DetMathVector.gelu(inPlace, 0, inPlace, 0, n);
            for (int i = 0; i < n; i++) {
                String at = "pattern " + pattern + ", x[" + i + "] = " + x[i];
                assertTrue(sameBits(DetMath.gelu(x[i]), g[i]), "gelu, " + at);
                assertTrue(sameBits(DetMath.geluGrad(x[i]), gg[i]), "geluGrad, " + at);
                assertTrue(sameBits(dy[i] * DetMath.geluGrad(x[i]), ggm[i]), "geluGradMul, " + at);
                assertTrue(sameBits(DetMath.gelu(x[i]), inPlace[i]), "gelu in place, " + at);
            }
        }
    }

    @Test
    void arrayKernelsRejectBadRanges() {
        float[] a = new float[10];
        assertThrows(IllegalArgumentException.class, () -> DetMathVector.exp(a, 0, a, 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> DetMathVector.exp(a, 5, a, 0, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> DetMathVector.log(a, 0, a, 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> DetMathVector.gelu(a, -1, a, 0, 2));
        assertThrows(NullPointerException.class, () -> DetMathVector.tanh(null, 0, a, 0, 1));
    }
}
