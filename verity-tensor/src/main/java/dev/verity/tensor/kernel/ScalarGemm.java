package dev.verity.tensor.kernel;

import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;

/**
 * The plain reference GEMM: the protocol's definition of every output element, written as
 * literally as possible. {@link VectorGemm} must produce the same bits; disputes replay
 * {@link #gemmElement} link by link.
 *
 * <p>Element (i, j) of C: with {@code A[i,k] = transA ? a[aOff+k*lda+i] : a[aOff+i*lda+k]} and
 * {@code B[k,j] = transB ? b[bOff+j*ldb+k] : b[bOff+k*ldb+j]},
 * <pre>
 *   acc = accumulate ? c[cOff+i*ldc+j] : +0.0f;
 *   for k = 0..K-1 in order: acc = fma(A[i,k], B[k,j], acc);
 *   if (bias != null) acc = acc + bias[j];
 *   c[cOff+i*ldc+j] = acc;
 * </pre>
 * C must not share elements with A, B or bias.
 */
public final class ScalarGemm {
    /** Input numbers of {@link #gemmElement}'s chain operands. */
    public static final int INPUT_A = 0;
    public static final int INPUT_B = 1;
    public static final int INPUT_BIAS = 2;
    /** The value C held before the call (read only when accumulate is true). */
    public static final int INPUT_C = 3;

    private ScalarGemm() {
    }

    public static void sgemm(boolean transA, boolean transB, int M, int N, int K,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        GemmArgs.check(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias);
        run(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate);
    }

    public static void sgemmBatched(int batch, boolean transA, boolean transB, int M, int N, int K,
                                    float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb, long strideB,
                                    float[] c, int cOff, int ldc, long strideC, float[] bias, boolean accumulate) {
        GemmArgs.checkBatched(batch, transA, transB, M, N, K, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                c, cOff, ldc, strideC, bias);
        for (int t = 0; t < batch; t++) {
            run(transA, transB, M, N, K, a, (int) (aOff + t * strideA), lda, b, (int) (bOff + t * strideB), ldb,
                    c, (int) (cOff + t * strideC), ldc, bias, accumulate);
        }
    }

    private static void run(boolean transA, boolean transB, int M, int N, int K,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                float acc = accumulate ? c[cOff + i * ldc + j] : 0.0f;
                for (int k = 0; k < K; k++) {
                    float av = transA ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
                    float bv = transB ? b[bOff + j * ldb + k] : b[bOff + k * ldb + j];
                    acc = Math.fma(av, bv, acc);
                }
                if (bias != null) {
                    acc = acc + bias[j];
                }
                c[cOff + i * ldc + j] = acc;
            }
        }
    }

    /**
     * Records the chain of element (i, j) of {@code sgemm} with these arguments (C as it is
     * <em>before</em> the call) and returns its result. Operands are {@link Operand.Input}s whose
     * index is the position in the Java array passed: input {@link #INPUT_A} = a, {@link #INPUT_B}
     * = b, {@link #INPUT_BIAS} = bias, {@link #INPUT_C} = c's initial value; the +0.0f start of a
     * non-accumulating chain is a constant. Links: K fmas {@code fma(A[i,k], B[k,j], acc)}, then
     * one add of bias[j] when bias is given.
     */
    public static Operand gemmElement(boolean transA, boolean transB, int M, int N, int K,
                                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                      float[] c, int cOff, int ldc, float[] bias, boolean accumulate,
                                      int i, int j, ElementChain chain) {
        GemmArgs.check(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias);
        if (i < 0 || i >= M || j < 0 || j >= N) {
            throw new IllegalArgumentException("gemm element (" + i + ", " + j + ") is outside " + M + "x" + N);
        }
        int ci = cOff + i * ldc + j;
        Operand acc = accumulate ? chain.input(INPUT_C, ci, c[ci]) : chain.constant(0.0f);
        for (int k = 0; k < K; k++) {
            int ai = transA ? aOff + k * lda + i : aOff + i * lda + k;
            int bi = transB ? bOff + j * ldb + k : bOff + k * ldb + j;
            acc = chain.fma(chain.input(INPUT_A, ai, a[ai]), chain.input(INPUT_B, bi, b[bi]), acc);
        }
        if (bias != null) {
            acc = chain.add(acc, chain.input(INPUT_BIAS, j, bias[j]));
        }
        return acc;
    }
}
