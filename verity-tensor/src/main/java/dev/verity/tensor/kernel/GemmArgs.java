package dev.verity.tensor.kernel;

/**
 * Argument checks shared by every GEMM implementation, so the scalar reference and the fast path
 * reject exactly the same inputs with the same messages (a dispute must never hinge on one of
 * them silently reading out of bounds where the other throws).
 */
final class GemmArgs {
    private GemmArgs() {
    }

    static void check(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, float[] bias) {
        checkShape(m, n, k);
        if (c == null) {
            throw new IllegalArgumentException("gemm: c must not be null");
        }
        if (bias != null && bias.length < n) {
            throw new IllegalArgumentException("gemm: bias has " + bias.length + " elements, needs at least N=" + n);
        }
        // A is logically M x K, B is K x N, C is M x N; a transposed operand is stored the other way round.
        matrix("A", a, aOff, lda, transA ? k : m, transA ? m : k, 0L, 1);
        matrix("B", b, bOff, ldb, transB ? n : k, transB ? k : n, 0L, 1);
        matrix("C", c, cOff, ldc, m, n, 0L, 1);
    }

    static void checkBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb, long strideB,
                             float[] c, int cOff, int ldc, long strideC, float[] bias) {
        if (batch < 0) {
            throw new IllegalArgumentException("gemm: batch must be >= 0, got " + batch);
        }
        checkShape(m, n, k);
        if (c == null) {
            throw new IllegalArgumentException("gemm: c must not be null");
        }
        if (bias != null && bias.length < n) {
            throw new IllegalArgumentException("gemm: bias has " + bias.length + " elements, needs at least N=" + n);
        }
        if (batch == 0) {
            return;
        }
        matrix("A", a, aOff, lda, transA ? k : m, transA ? m : k, strideA, batch);
        matrix("B", b, bOff, ldb, transB ? n : k, transB ? k : n, strideB, batch);
        matrix("C", c, cOff, ldc, m, n, strideC, batch);
        // Batch items may be computed concurrently, so two items must never write the same element.
        if (batch > 1 && m > 0 && n > 0 && strideC < (long) (m - 1) * ldc + n) {
            throw new IllegalArgumentException("gemm: strideC=" + strideC + " makes batch items of C overlap (needs >= "
                    + ((long) (m - 1) * ldc + n) + ")");
        }
    }

    private static void checkShape(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: M, N, K must be >= 0, got M=" + m + " N=" + n + " K=" + k);
        }
    }

    /** Checks a rows x cols row-major matrix with leading dimension ld, repeated batch times at stride. */
    private static void matrix(String name, float[] x, int off, int ld, int rows, int cols, long stride, int batch) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("gemm: ld" + name.toLowerCase() + "=" + ld + " is less than the "
                    + cols + " stored columns of " + name);
        }
        if (off < 0) {
            throw new IllegalArgumentException("gemm: offset of " + name + " must be >= 0, got " + off);
        }
        if (stride < 0) {
            throw new IllegalArgumentException("gemm: stride of " + name + " must be >= 0, got " + stride);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        if (x == null) {
            throw new IllegalArgumentException("gemm: " + name + " must not be null");
        }
        long last = off + stride * (batch - 1) + (long) (rows - 1) * ld + (cols - 1);
        if (last >= x.length) {
            throw new IllegalArgumentException("gemm: " + name + " needs index " + last + " but has only " + x.length
                    + " elements (" + rows + "x" + cols + ", ld=" + ld + ", offset=" + off
                    + (batch > 1 ? ", stride=" + stride + ", batch=" + batch : "") + ")");
        }
    }
}
