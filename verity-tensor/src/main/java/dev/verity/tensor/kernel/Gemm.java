package dev.verity.tensor.kernel;

/**
 * The GEMM every layer calls. Runs {@link VectorGemm} unless the system property
 * {@code verity.kernels=scalar} selects the reference {@link ScalarGemm}; both give the same bits
 * (see {@link ScalarGemm} for the exact element semantics).
 */
public final class Gemm {
    private static final boolean SCALAR = "scalar".equals(System.getProperty("verity.kernels", ""));

    private Gemm() {
    }

    /** True when the scalar reference kernels were selected. */
    public static boolean scalar() {
        return SCALAR;
    }

    public static void sgemm(boolean transA, boolean transB, int M, int N, int K,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        if (SCALAR) {
            ScalarGemm.sgemm(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate);
        } else {
            VectorGemm.sgemm(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate);
        }
    }

    public static void sgemmBatched(int batch, boolean transA, boolean transB, int M, int N, int K,
                                    float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb, long strideB,
                                    float[] c, int cOff, int ldc, long strideC, float[] bias, boolean accumulate) {
        if (SCALAR) {
            ScalarGemm.sgemmBatched(batch, transA, transB, M, N, K, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                    c, cOff, ldc, strideC, bias, accumulate);
        } else {
            VectorGemm.sgemmBatched(batch, transA, transB, M, N, K, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                    c, cOff, ldc, strideC, bias, accumulate);
        }
    }
}
