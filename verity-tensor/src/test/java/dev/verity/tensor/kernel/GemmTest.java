package dev.verity.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GemmTest {
    private static final int[] ODD = {1, 3, 7, 13, 17, 33, 65, 127};
    /** Tiny blocking: forces many K panels, several M and N blocks and edge tiles on small shapes. */
    private static final GemmBlocking TINY = new GemmBlocking(VectorGemm.MR * 2, VectorGemm.NR, 5);
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** Random values with exact zeros, negative zeros and wide magnitudes, so signed zeros and rounding matter. */
    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(20);
            x[i] = switch (kind) {
                case 0 -> 0.0f;
                case 1 -> -0.0f;
                case 2 -> (float) (r.nextGaussian() * 1e-20);
                case 3 -> (float) (r.nextGaussian() * 1e6);
                default -> (float) r.nextGaussian();
            };
        }
        return x;
    }

    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int a = Float.floatToRawIntBits(actual[i]);
            if (e != a) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " (0x"
                        + Integer.toHexString(e) + ") but was " + actual[i] + " (0x" + Integer.toHexString(a) + ")");
            }
        }
    }

    /** One random problem with padded leading dimensions and offsets. */
    private record Problem(boolean ta, boolean tb, int m, int n, int k, float[] a, int aOff, int lda,
                           float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, float[] bias, boolean acc) {
        static Problem random(Random r, boolean ta, boolean tb, int m, int n, int k, boolean withBias, boolean acc) {
            int lda = (ta ? m : k) + r.nextInt(3);
            int ldb = (tb ? k : n) + r.nextInt(3);
            int ldc = n + r.nextInt(3);
            lda = Math.max(1, lda);
            ldb = Math.max(1, ldb);
            ldc = Math.max(1, ldc);
            int aOff = r.nextInt(4);
            int bOff = r.nextInt(4);
            int cOff = r.nextInt(4);
            float[] a = GemmTest.random(r, aOff + lda * (ta ? k : m) + 3);
            float[] b = GemmTest.random(r, bOff + ldb * (tb ? n : k) + 3);
            float[] c = GemmTest.random(r, cOff + ldc * m + 3);
            float[] bias = withBias ? GemmTest.random(r, n + r.nextInt(2)) : null;
            return new Problem(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, acc);
        }

        float[] scalar() {
            float[] out = c.clone();
            ScalarGemm.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, bias, acc);
            return out;
        }

        float[] vector() {
            float[] out = c.clone();
            VectorGemm.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, bias, acc);
            return out;
        }

        float[] vector(GemmBlocking bk) {
            float[] out = c.clone();
            VectorGemm.parallel(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, bias, acc, bk);
            return out;
        }

        @Override
        public String toString() {
            return "ta=" + ta + " tb=" + tb + " M=" + m + " N=" + n + " K=" + k + " bias=" + (bias != null)
                    + " acc=" + acc;
        }
    }

    @Test
    void vectorEqualsScalarOnOddShapesAllFlags() {
        Random r = new Random(42);
        int cases = 0;
        for (int threads : new int[] {1, 2, 4}) {
            Parallel.setThreads(threads);
            for (int flags = 0; flags < 16; flags++) {
                boolean ta = (flags & 1) != 0;
                boolean tb = (flags & 2) != 0;
                boolean withBias = (flags & 4) != 0;
                boolean acc = (flags & 8) != 0;
                for (int rep = 0; rep < 6; rep++) {
                    int m = ODD[r.nextInt(ODD.length)];
                    int n = ODD[r.nextInt(ODD.length)];
                    int k = rep == 0 ? 0 : ODD[r.nextInt(ODD.length)];
                    Problem p = Problem.random(r, ta, tb, m, n, k, withBias, acc);
                    float[] expected = p.scalar();
                    assertBitsEqual(expected, p.vector(), p + " threads=" + threads);
                    assertBitsEqual(expected, p.vector(TINY), p + " tiny blocking threads=" + threads);
                    cases++;
                }
            }
        }
        assertTrue(cases > 200);
    }

    @Test
    void vectorEqualsScalarOnLargerShapesSpanningBlocks() {
        Random r = new Random(7);
        // Shapes crossing the default KC (256) and MC boundaries, and a column-split case (N > M).
        int[][] shapes = {{130, 70, 300}, {37, 200, 520}, {200, 33, 257}, {6, 2 * VectorGemm.NR, 1}};
        for (int threads : new int[] {1, 2, 4}) {
            Parallel.setThreads(threads);
            for (int[] s : shapes) {
                for (int flags = 0; flags < 4; flags++) {
                    Problem p = Problem.random(r, (flags & 1) != 0, (flags & 2) != 0, s[0], s[1], s[2],
                            r.nextBoolean(), r.nextBoolean());
                    assertBitsEqual(p.scalar(), p.vector(), p + " threads=" + threads);
                }
            }
        }
    }

    @Test
    void packedTransposedAReadsUpToTheArrayEndOnly() {
        // A^T B with A stored K x M, ending exactly at its last element: packA copies one vector per k
        // (overlapping) until a vector would read past the end, then element by element.
        Random r = new Random(5);
        GemmBlocking bk = new GemmBlocking(2 * VectorGemm.MR, VectorGemm.NR, 7);
        for (int[] s : new int[][] {{2 * VectorGemm.MR, 40, 23}, {29, 33, 64}, {VectorGemm.MR + 1, 5, 9}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = random(r, k * m);
            float[] b = random(r, k * n);
            float[] c = random(r, m * n);
            for (boolean acc : new boolean[] {false, true}) {
                float[] want = c.clone();
                ScalarGemm.sgemm(true, false, m, n, k, a, 0, m, b, 0, n, want, 0, n, null, acc);
                for (GemmBlocking blocking : new GemmBlocking[] {bk, VectorGemm.DEFAULT}) {
                    float[] got = c.clone();
                    VectorGemm.block(true, false, 0, m, 0, n, k, a, 0, m, b, 0, n, got, 0, n, null, acc, blocking,
                            new VectorGemm.Scratch());
                    assertBitsEqual(want, got, "TN " + m + "x" + n + "x" + k + " acc=" + acc + " " + blocking);
                }
            }
        }
    }

    @Test
    void dispatcherMatchesScalar() {
        Random r = new Random(3);
        Problem p = Problem.random(r, false, true, 33, 17, 65, true, false);
        float[] out = p.c().clone();
        Gemm.sgemm(p.ta(), p.tb(), p.m(), p.n(), p.k(), p.a(), p.aOff(), p.lda(), p.b(), p.bOff(), p.ldb(),
                out, p.cOff(), p.ldc(), p.bias(), p.acc());
        assertBitsEqual(p.scalar(), out, "Gemm dispatcher");
    }

    @Test
    void kZeroGivesStartValuePlusBias() {
        float[] c = {1.5f, -0.0f, 2.0f, 3.0f};
        float[] bias = {0.0f, 0.0f};
        float[] out = c.clone();
        VectorGemm.sgemm(false, false, 2, 2, 0, new float[0], 0, 1, new float[0], 0, 2, out, 0, 2, bias, false);
        // +0.0f + 0.0f = +0.0f everywhere.
        assertBitsEqual(new float[] {0f, 0f, 0f, 0f}, out, "K=0 no accumulate");
        out = c.clone();
        VectorGemm.sgemm(false, false, 2, 2, 0, new float[0], 0, 1, new float[0], 0, 2, out, 0, 2, bias, true);
        // -0.0f + +0.0f = +0.0f: the bias add really happens.
        assertBitsEqual(new float[] {1.5f, 0.0f, 2.0f, 3.0f}, out, "K=0 accumulate");
    }

    @Test
    void notAccumulatingStartsFromPositiveZero() {
        // (-1) * (+0) = -0; fma(-1, +0, +0) = +0, whereas a chain starting from the product would give -0.
        float[] out = {Float.NaN};
        VectorGemm.sgemm(false, false, 1, 1, 1, new float[] {-1f}, 0, 1, new float[] {0f}, 0, 1, out, 0, 1, null, false);
        assertEquals(0, Float.floatToRawIntBits(out[0]));
    }

    @Test
    void batchedEqualsScalar() {
        Random r = new Random(11);
        for (int threads : new int[] {1, 2, 4}) {
            Parallel.setThreads(threads);
            for (int batch : new int[] {1, 3, 9}) {
                for (int flags = 0; flags < 16; flags++) {
                    boolean ta = (flags & 1) != 0;
                    boolean tb = (flags & 2) != 0;
                    int m = ODD[r.nextInt(6)];
                    int n = ODD[r.nextInt(6)];
                    int k = ODD[r.nextInt(6)];
                    int lda = ta ? m : k;
                    int ldb = tb ? k : n;
                    long sa = (long) m * k + r.nextInt(3);
                    long sb = (long) k * n + r.nextInt(3);
                    long sc = (long) m * n + r.nextInt(3);
                    float[] a = random(r, (int) (sa * batch) + 2);
                    float[] b = random(r, (int) (sb * batch) + 2);
                    float[] c = random(r, (int) (sc * batch) + 2);
                    float[] bias = (flags & 4) != 0 ? random(r, n) : null;
                    boolean acc = (flags & 8) != 0;
                    float[] expected = c.clone();
                    ScalarGemm.sgemmBatched(batch, ta, tb, m, n, k, a, 1, lda, sa, b, 2, ldb, sb,
                            expected, 1, n, sc, bias, acc);
                    float[] actual = c.clone();
                    VectorGemm.sgemmBatched(batch, ta, tb, m, n, k, a, 1, lda, sa, b, 2, ldb, sb,
                            actual, 1, n, sc, bias, acc);
                    String what = "batch=" + batch + " M=" + m + " N=" + n + " K=" + k + " flags=" + flags;
                    assertBitsEqual(expected, actual, what);
                    actual = c.clone();
                    Gemm.sgemmBatched(batch, ta, tb, m, n, k, a, 1, lda, sa, b, 2, ldb, sb,
                            actual, 1, n, sc, bias, acc);
                    assertBitsEqual(expected, actual, what + " (dispatcher)");
                }
            }
        }
    }

    @Test
    void batchedAttentionShapeSameBitsAtAllThreadCounts() {
        Random r = new Random(5);
        int batch = 16;
        float[] q = random(r, batch * 64 * 32);
        float[] kk = random(r, batch * 64 * 32);
        float[] expected = new float[batch * 64 * 64];
        ScalarGemm.sgemmBatched(batch, false, true, 64, 64, 32, q, 0, 32, 64 * 32, kk, 0, 32, 64 * 32,
                expected, 0, 64, 64 * 64, null, false);
        for (int threads : new int[] {1, 2, 4}) {
            Parallel.setThreads(threads);
            float[] actual = new float[expected.length];
            VectorGemm.sgemmBatched(batch, false, true, 64, 64, 32, q, 0, 32, 64 * 32, kk, 0, 32, 64 * 32,
                    actual, 0, 64, 64 * 64, null, false);
            assertBitsEqual(expected, actual, "attention threads=" + threads);
        }
    }

    @Test
    void elementChainEqualsKernelOutput() {
        Random r = new Random(99);
        for (int flags = 0; flags < 16; flags++) {
            Problem p = Problem.random(r, (flags & 1) != 0, (flags & 2) != 0, 13, 33, flags == 0 ? 0 : 17,
                    (flags & 4) != 0, (flags & 8) != 0);
            float[] out = p.vector();
            for (int t = 0; t < 10; t++) {
                int i = r.nextInt(p.m());
                int j = r.nextInt(p.n());
                ElementChain chain = new ElementChain();
                Operand res = ScalarGemm.gemmElement(p.ta(), p.tb(), p.m(), p.n(), p.k(), p.a(), p.aOff(), p.lda(),
                        p.b(), p.bOff(), p.ldb(), p.c(), p.cOff(), p.ldc(), p.bias(), p.acc(), i, j, chain);
                int idx = p.cOff() + i * p.ldc() + j;
                assertEquals(Float.floatToRawIntBits(out[idx]), res.bits(), p + " element " + i + "," + j);
                assertEquals(p.k() + (p.bias() != null ? 1 : 0), chain.size());
                for (Link l : chain.links()) {
                    assertEquals(l.resultBits(), l.recompute());
                }
                if (p.k() > 0) {
                    Operand first = chain.links().get(0).operands().get(2);
                    if (p.acc()) {
                        assertEquals(new Operand.Input(ScalarGemm.INPUT_C, idx,
                                Float.floatToRawIntBits(p.c()[idx])), first);
                    } else {
                        assertEquals(new Operand.Const(0), first);
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        float[] a = new float[6];
        float[] b = new float[6];
        float[] c = new float[4];
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, a, 0, 2, b, 0, 2, c, 0, 2, null, false)); // lda < K
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, a, 1, 3, b, 0, 2, c, 0, 2, null, false)); // A too short
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, new float[1], false)); // bias
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, -1, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, null, false));
        assertThrows(IllegalArgumentException.class,
                () -> VectorGemm.sgemmBatched(2, false, false, 2, 2, 3, a, 0, 3, 0, b, 0, 2, 0, new float[8], 0, 2, 1,
                        null, false)); // overlapping C items
        assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(5, VectorGemm.NR, 1));
        float[] untouched = Arrays.copyOf(c, 4);
        assertBitsEqual(untouched, c, "C untouched after rejected calls");
    }
}
