package dev.verity.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast GEMM: same signatures and same bits as {@link ScalarGemm}, BLIS-style.
 *
 * <p>Loops (outer to inner): column blocks of nc, K panels of kc (B panel packed), row blocks
 * of mc (A panel packed), NR-column micro-panels, MR-row micro-panels, then an MR x NR
 * register-blocked micro-kernel that broadcasts A[i,k] and does {@code FloatVector.fma} across
 * NR = 2 vectors of independent output columns. Each lane computes exactly the scalar chain
 * {@code acc = fma(A[i,k], B[k,j], acc)} for k in order; nothing is ever summed across lanes.
 * Between K panels the accumulator goes through C as a float32, which is bit-identical because
 * each fma already rounds to float32. The chain starts from C (accumulate, or any panel after
 * the first) or +0.0f (first panel without accumulate), and bias is added after the last panel.
 *
 * <p>Packing makes all four transpose combinations look the same to the micro-kernel. Tails in
 * M and N run the same micro-kernel on a zero-padded tile whose extra rows/columns are discarded
 * (they are independent outputs, so they cannot influence kept ones). Threads split output rows
 * or output columns (whichever dimension is larger), never K.
 *
 * <p>Shapes with a small A or a narrow B skip packing A ({@link #directBlock}): the micro-kernel
 * broadcasts A from its rows, and a last panel narrower than NR runs a one-vector kernel.
 *
 * <p>Shapes where the row kernel would waste lanes or transpose a big B take the column path
 * ({@link #columnBlock}): the same chains with output rows in the lanes instead of columns.
 */
public final class VectorGemm {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = F.length();
    /** Micro-kernel rows: 6 rows x 2 vectors = 12 accumulators, leaving registers for B and A. */
    static final int MR = 6;
    /** Micro-kernel columns: two vectors. */
    static final int NR = 2 * L;

    /** Default blocking, tuned on Zen 4 (overridable for benchmarking; results never depend on it). */
    static final GemmBlocking DEFAULT = new GemmBlocking(
            GemmBlocking.roundUp(Integer.getInteger("verity.gemm.mc", 192), MR),
            GemmBlocking.roundUp(Integer.getInteger("verity.gemm.nc", 2048), NR),
            Math.max(1, Integer.getInteger("verity.gemm.kc", 512)));

    /** Output rows per panel of the column kernel: two vectors of rows. */
    static final int MV = 2 * L;

    /**
     * Where a micro-kernel's accumulators start when it does not accumulate into C: +0.0f, read
     * like C (ldci 0, or the tile's layout). The kernels take this array instead of a "load"
     * flag, and NEG_ZEROS instead of a null bias, so that they contain no branch on either: C2
     * compiles a branch it has never seen taken as a trap, and when the trap fired (a first GEMM
     * with a bias after 2000 without, say) the recompiled kernel was left with boxed vectors for
     * the rest of the run: half speed and megabytes of garbage per call (about one lenet5 run in
     * ten, depending on which GEMMs ran first).
     */
    private static final float[] ZEROS = new float[6 * MV];
    /** The bias of a GEMM without one: x + -0.0f is x for every float x (+0, -0 and NaN included). */
    private static final float[] NEG_ZEROS = negativeZeros(4 * L);

    private static float[] negativeZeros(int n) {
        float[] z = new float[n];
        java.util.Arrays.fill(z, -0.0f);
        return z;
    }
    /** Output columns per tile of the column kernel (one broadcast each). */
    static final int NJ = 6;

    /** Which single-thread routine computes a block of output. */
    private enum Path { PACKED, DIRECT, COLUMN }

    /** Minimum multiply-adds per thread before splitting is worth a hand-off. */
    private static final long MIN_FMAS_PER_PART = 1L << 18;

    /** Per-thread packing buffers, grown on demand and reused (no allocation in steady state). */
    static final class Scratch {
        float[] ap = new float[0];
        float[] bp = new float[0];
        final float[] tile = new float[MR * NR];
        /** One MRN-row tile of the one-vector kernels of {@link #directBlock}. */
        final float[] ntile = new float[MRN * L];
        /** A panel transposed for {@link #columnBlock}: K rows of MV contiguous output rows. */
        float[] at = new float[0];
        /** A row-major B's columns gathered for {@link #columnBlock}: one row of K floats each. */
        float[] bt = new float[0];
        /** One NJ x MV tile of {@link #columnBlock}, column-major (the kernel's register layout). */
        final float[] ctile = new float[NJ * MV];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorGemm() {
    }

    /** Float lanes of the vectors this kernel uses. */
    static int lanes() {
        return L;
    }

    public static void sgemm(boolean transA, boolean transB, int M, int N, int K,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        GemmArgs.check(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias);
        parallel(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate, DEFAULT);
    }

    public static void sgemmBatched(int batch, boolean transA, boolean transB, int M, int N, int K,
                                    float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb, long strideB,
                                    float[] c, int cOff, int ldc, long strideC, float[] bias, boolean accumulate) {
        GemmArgs.checkBatched(batch, transA, transB, M, N, K, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                c, cOff, ldc, strideC, bias);
        batched(batch, transA, transB, M, N, K, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                c, cOff, ldc, strideC, bias, accumulate, DEFAULT);
    }

    static void batched(int batch, boolean transA, boolean transB, int M, int N, int K,
                        float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb, long strideB,
                        float[] c, int cOff, int ldc, long strideC, float[] bias, boolean accumulate, GemmBlocking bk) {
        if (batch == 0 || M == 0 || N == 0) {
            return;
        }
        long itemFmas = Math.max(1L, (long) M * N * Math.max(1, K));
        if (batch >= Parallel.threads()) {
            // Enough items to keep every thread busy: each item is computed whole by one thread.
            int grain = (int) Math.min(batch, Math.max(1L, MIN_FMAS_PER_PART / itemFmas));
            Parallel.parallelFor(batch, grain, (from, to) -> {
                Scratch s = SCRATCH.get();
                Path path = path(bk, transA, transB, M, N, K);
                for (int t = from; t < to; t++) {
                    sub(path, transA, transB, 0, M, 0, N, K, a, (int) (aOff + t * strideA), lda,
                            b, (int) (bOff + t * strideB), ldb, c, (int) (cOff + t * strideC), ldc,
                            bias, accumulate, bk, s);
                }
            });
        } else {
            for (int t = 0; t < batch; t++) {
                parallel(transA, transB, M, N, K, a, (int) (aOff + t * strideA), lda,
                        b, (int) (bOff + t * strideB), ldb, c, (int) (cOff + t * strideC), ldc, bias, accumulate, bk);
            }
        }
    }

    /**
     * The whole GEMM on the calling thread (no checks, no hand-off): for callers that already
     * split work across threads, e.g. one image per thread, where a nested parallelFor could
     * wait on workers that are all busy with the outer loop.
     */
    static void sequential(boolean transA, boolean transB, int M, int N, int K,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        sub(path(DEFAULT, transA, transB, M, N, K), transA, transB, 0, M, 0, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias,
                accumulate, DEFAULT, SCRATCH.get());
    }

    /** Splits the output into row or column ranges (in micro-tile units) and runs each on one thread. */
    static void parallel(boolean transA, boolean transB, int M, int N, int K,
                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, float[] bias, boolean accumulate, GemmBlocking bk) {
        if (M == 0 || N == 0) {
            return;
        }
        long kk = Math.max(1, K);
        Path direct = path(bk, transA, transB, M, N, K);
        if (direct == Path.COLUMN) {
            // Whole MV-row panels per thread: each thread transposes only its own rows of A and
            // reads B in place, so nothing is packed twice.
            int units = (M + MV - 1) / MV;
            long unitFmas = (long) MV * N * kk;
            int grain = (int) Math.min(units, Math.max(1L, MIN_FMAS_PER_PART / unitFmas));
            Parallel.parallelFor(units, grain, (from, to) -> columnBlock(transA, transB, from * MV,
                    Math.min(M, to * MV), 0, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate,
                    SCRATCH.get()));
        } else if (M >= N) {
            int units = (M + MR - 1) / MR;
            long unitFmas = (long) MR * N * kk;
            int grain = (int) Math.min(units, Math.max(1L, MIN_FMAS_PER_PART / unitFmas));
            Parallel.parallelFor(units, grain, (from, to) -> sub(direct, transA, transB, from * MR,
                    Math.min(M, to * MR), 0, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate, bk,
                    SCRATCH.get()));
        } else {
            int units = (N + NR - 1) / NR;
            long unitFmas = (long) NR * M * kk;
            int grain = (int) Math.min(units, Math.max(1L, MIN_FMAS_PER_PART / unitFmas));
            Parallel.parallelFor(units, grain, (from, to) -> sub(direct, transA, transB, 0, M,
                    from * NR, Math.min(N, to * NR), K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate,
                    bk, SCRATCH.get()));
        }
    }

    /**
     * The routine for a shape: the column or direct path where they fit (default blocking only:
     * tests pass tiny blockings to force many packed panels), else the packed one.
     */
    private static Path path(GemmBlocking bk, boolean transA, boolean transB, int M, int N, int K) {
        if (bk != DEFAULT) {
            return Path.PACKED;
        }
        if (columnFits(transA, transB, M, N, K)) {
            return Path.COLUMN;
        }
        return directFits(M, N, K) ? Path.DIRECT : Path.PACKED;
    }

    /** One thread's share of the output, on the given path. */
    private static void sub(Path path, boolean transA, boolean transB, int m0, int m1, int n0, int n1, int K,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, float[] bias, boolean accumulate, GemmBlocking bk, Scratch s) {
        if (path == Path.COLUMN) {
            columnBlock(transA, transB, m0, m1, n0, n1, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate, s);
        } else if (path == Path.DIRECT) {
            directBlock(transA, transB, m0, m1, n0, n1, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate, s);
        } else {
            block(transA, transB, m0, m1, n0, n1, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, accumulate, bk, s);
        }
    }

    /** Single-threaded GEMM of output rows [m0, m1) x columns [n0, n1). */
    static void block(boolean transA, boolean transB, int m0, int m1, int n0, int n1, int K,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, float[] bias, boolean accumulate, GemmBlocking bk, Scratch s) {
        if (m1 <= m0 || n1 <= n0) {
            return;
        }
        if (K == 0) {
            // An empty chain: the start value, then the bias.
            for (int i = m0; i < m1; i++) {
                int row = cOff + i * ldc;
                for (int j = n0; j < n1; j++) {
                    float acc = accumulate ? c[row + j] : 0.0f;
                    if (bias != null) {
                        acc = acc + bias[j];
                    }
                    c[row + j] = acc;
                }
            }
            return;
        }
        int mc = bk.mc();
        int nc = bk.nc();
        int kc = bk.kc();
        int mSpan = Math.min(mc, GemmBlocking.roundUp(m1 - m0, MR));
        int nSpan = Math.min(nc, GemmBlocking.roundUp(n1 - n0, NR));
        int kSpan = Math.min(kc, K);
        if (s.ap.length < mSpan * kSpan + L) {
            // L floats of slack: packA's overlapping vector copies write past the last micro-panel.
            s.ap = new float[mSpan * kSpan + L];
        }
        if (s.bp.length < nSpan * kSpan) {
            s.bp = new float[nSpan * kSpan];
        }
        float[] ap = s.ap;
        float[] bp = s.bp;
        float[] tile = s.tile;
        for (int jc = n0; jc < n1; jc += nc) {
            int nb = Math.min(nc, n1 - jc);
            for (int pc = 0; pc < K; pc += kc) {
                int kb = Math.min(kc, K - pc);
                boolean load = accumulate || pc > 0;
                float[] biasHere = pc + kb == K ? bias : null;
                float[] bv = biasHere != null ? biasHere : NEG_ZEROS;
                packB(transB, b, bOff, ldb, pc, kb, jc, nb, bp);
                for (int ic = m0; ic < m1; ic += mc) {
                    int mb = Math.min(mc, m1 - ic);
                    packA(transA, a, aOff, lda, ic, mb, pc, kb, ap);
                    for (int jr = 0; jr < nb; jr += NR) {
                        int nr = Math.min(NR, nb - jr);
                        int bo = (jr / NR) * kb * NR;
                        for (int ir = 0; ir < mb; ir += MR) {
                            int mr = Math.min(MR, mb - ir);
                            int ao = (ir / MR) * kb * MR;
                            int co = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                kernel(ap, ao, bp, bo, kb, c, co, ldc, load ? c : ZEROS, load ? co : 0,
                                        load ? ldc : 0, bv, biasHere != null ? jc + jr : 0);
                            } else {
                                edge(ap, ao, bp, bo, kb, c, co, ldc, mr, nr, load, biasHere, jc + jr, tile);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Largest K the direct path takes (one K panel: A rows and a B panel stay in L1/L2). */
    static final int DIRECT_MAX_K = 1024;
    /** Largest A (M x K floats) the direct path takes: it is re-read once per NR-column panel. */
    static final long DIRECT_MAX_A = 1L << 15;

    /**
     * True when {@link #directBlock} is the better path: small A, one K panel. Those shapes (the
     * per-head attention GEMMs, convolutions' per-image GEMMs) spend more time packing than
     * multiplying on the packed path.
     */
    static boolean directFits(int M, int N, int K) {
        // With a single row tile (M < 2 MR) each B panel is used once and the packed path's
        // contiguous stream measured faster (6 x 784 x 25: 16 vs 7 GFLOP/s).
        if (K < 1 || K > DIRECT_MAX_K || M < 2 * MR) {
            return false;
        }
        // Narrow B: packing A costs L/N of the multiply-adds on the packed path (25% at N = 65), and
        // the direct path's narrow tail saves vectors per row (1T, Zen 4, packed -> direct: 2048x65x128
        // NT 58 -> 91, 2048x128x128 NT 93 -> 111, 128x10x512 NT 17 -> 43 GFLOP/s; 2048x512x128 NT
        // stays packed, 105 vs 96).
        return (long) M * K <= DIRECT_MAX_A || N <= DIRECT_MAX_N;
    }

    /** Widest B the direct path takes regardless of A's size (see {@link #directFits}). */
    static final int DIRECT_MAX_N = 256;

    /**
     * Output rows [m0, m1) x columns [n0, n1) without packing A: the micro-kernels broadcast A
     * straight from its rows (either layout). B is read in place when it is row-major and every
     * panel lies inside the array; otherwise all of B's columns [n0, n1) are packed once, as
     * NR-column panels. Rows go in blocks of {@link #rowBlock} (the block's rows of A stay in
     * cache while every column panel passes over them). Full panels run the 6 x 2-vector
     * micro-kernel, two at a time with AVX-512's registers ({@link #kernelDirectPair}); the last,
     * narrower panel (packed only as wide as it is read) runs the one-vector {@link #kernelNarrow}
     * and a single last column {@link #kernelOneColumn}, so N = 65 costs 4 vectors and a scalar
     * per row rather than 6 vectors (and N = 10 one vector rather than two). Each output is the
     * same chain as on the packed path ({@code fma} over k = 0..K-1 in order from C or +0, then
     * + bias). Partial row tiles and the narrow kernels work on private tiles, of which only the
     * valid rows and columns are copied out; rows past M repeat the last valid row and columns
     * past N read whatever follows in B (or the packing's zeros): both only feed outputs that are
     * discarded.
     */
    static void directBlock(boolean transA, boolean transB, int m0, int m1, int n0, int n1, int K,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, float[] bias, boolean accumulate, Scratch s) {
        if (m1 <= m0 || n1 <= n0) {
            return;
        }
        int rs = transA ? 1 : lda;
        int ks = transA ? lda : 1;
        // what the kernels start from and add (see ZEROS): C or +0, the bias or -0
        float[] ci = accumulate ? c : ZEROS;
        int ldci = accumulate ? ldc : 0;
        float[] bv = bias != null ? bias : NEG_ZEROS;
        int panels = (n1 - n0 + NR - 1) / NR;
        int full = (n1 - n0) / NR;
        // the narrow last panel is packed only as wide as its one-vector kernels read
        int tailWidth = (n1 - n0 - full * NR + L - 1) / L * L;
        boolean inPlace = !transB && bOff + (long) (K - 1) * ldb + n0 + (long) panels * NR <= b.length;
        float[] bs = b;
        int bstride = ldb;
        int tailStride = ldb;
        if (!inPlace) {
            if (s.bp.length < (full * NR + tailWidth) * K) {
                s.bp = new float[(full * NR + tailWidth) * K];
            }
            packB(transB, b, bOff, ldb, 0, K, n0, full * NR, s.bp);
            if (tailWidth > 0) {
                packPanel(transB, b, bOff, ldb, 0, K, n0 + full * NR, n1 - n0 - full * NR, tailWidth, s.bp,
                        full * NR * K);
            }
            bs = s.bp;
            bstride = NR;
            tailStride = tailWidth;
        }
        float[] tile = s.tile;
        float[] ntile = s.ntile;
        int mb = rowBlock(K);
        for (int ib = m0; ib < m1; ib += mb) {
            int ie = Math.min(m1, ib + mb);
            // Rows that 8-row tiles cover and 6-row ones do not (64, 128): single panels in 8-row
            // tiles beat pairs in 6-row ones plus a partial tile (64x32x64 104 -> 111, 128x512x10
            // 83-87 -> 87-96 GFLOP/s).
            boolean eightRows = WIDE && (ie - ib) % MR != 0 && (ie - ib) % MRN == 0;
            for (int p = 0; p < panels; p++) {
                int jr = n0 + p * NR;
                int nr = Math.min(NR, n1 - jr);
                int bo = inPlace ? bOff + jr : p * K * NR;
                if (nr == NR) {
                    // two full panels at once where the registers allow (24 accumulators)
                    boolean pair = WIDE && p + 1 < full && !eightRows;
                    int bo1 = inPlace ? bo + NR : bo + K * NR;
                    int ir0 = ib;
                    if (WIDE && !pair) {
                        // a single panel takes 8-row tiles (16 accumulators), then 6-row ones for the rest
                        for (; ir0 + MRN <= ie; ir0 += MRN) {
                            int a0 = aOff + ir0 * rs;
                            if (accumulate) {
                                kernelDirect8(a, a0, a0 + rs, a0 + 2 * rs, a0 + 3 * rs, a0 + 4 * rs, a0 + 5 * rs,
                                        a0 + 6 * rs, a0 + 7 * rs, ks, bs, bo, bstride, K, c, cOff + ir0 * ldc + jr, ldc,
                                        bv, bias != null ? jr : 0);
                            } else {
                                kernelDirect8FromZero(a, a0, a0 + rs, a0 + 2 * rs, a0 + 3 * rs, a0 + 4 * rs,
                                        a0 + 5 * rs, a0 + 6 * rs, a0 + 7 * rs, ks, bs, bo, bstride, K, c,
                                        cOff + ir0 * ldc + jr, ldc, bv, bias != null ? jr : 0);
                            }
                        }
                    }
                    for (int ir = ir0; ir < ie; ir += MR) {
                        int mr = Math.min(MR, ie - ir);
                        int a0 = aOff + ir * rs;
                        int last = mr - 1;
                        int a1 = a0 + Math.min(1, last) * rs;
                        int a2 = a0 + Math.min(2, last) * rs;
                        int a3 = a0 + Math.min(3, last) * rs;
                        int a4 = a0 + Math.min(4, last) * rs;
                        int a5 = a0 + Math.min(5, last) * rs;
                        int co = cOff + ir * ldc + jr;
                        if (mr == MR && pair) {
                            kernelDirectPair(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bo1, bstride, K, c, co, ldc,
                                    ci, accumulate ? co : 0, ldci, bv, bias != null ? jr : 0);
                        } else if (mr == MR) {
                            kernelDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bstride, K, c, co, ldc, ci,
                                    accumulate ? co : 0, ldci, bv, bias != null ? jr : 0);
                        } else {
                            partialDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bstride, K, c, co, ldc, mr, accumulate,
                                    bias, jr, tile);
                            if (pair) {
                                partialDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo1, bstride, K, c, co + NR, ldc, mr,
                                        accumulate, bias, jr + NR, tile);
                            }
                        }
                    }
                    if (pair) {
                        p++;
                    }
                } else {
                    for (int j = 0; j < nr; j += L) {
                        int w = Math.min(L, nr - j);
                        for (int ir = ib; ir < ie; ir += MRN) {
                            int mr = Math.min(MRN, ie - ir);
                            int a0 = aOff + ir * rs;
                            int last = mr - 1;
                            int a1 = a0 + Math.min(1, last) * rs;
                            int a2 = a0 + Math.min(2, last) * rs;
                            int a3 = a0 + Math.min(3, last) * rs;
                            int a4 = a0 + Math.min(4, last) * rs;
                            int a5 = a0 + Math.min(5, last) * rs;
                            int a6 = a0 + Math.min(6, last) * rs;
                            int a7 = a0 + Math.min(7, last) * rs;
                            int co = cOff + ir * ldc + jr + j;
                            if (accumulate) {
                                for (int ii = 0; ii < mr; ii++) {
                                    for (int jj = 0; jj < w; jj++) {
                                        ntile[ii * L + jj] = c[co + ii * ldc + jj];
                                    }
                                }
                            }
                            if (w == 1) {
                                kernelOneColumn(a, a0, a1, a2, a3, a4, a5, a6, a7, ks, bs, bo + j, tailStride, K, ntile,
                                        accumulate);
                            } else {
                                kernelNarrow(a, a0, a1, a2, a3, a4, a5, a6, a7, ks, bs, bo + j, tailStride, K, ntile,
                                        accumulate ? ntile : ZEROS);
                            }
                            for (int ii = 0; ii < mr; ii++) {
                                for (int jj = 0; jj < w; jj++) {
                                    float acc = ntile[ii * L + jj];
                                    if (bias != null) {
                                        acc = acc + bias[jr + j + jj];
                                    }
                                    c[co + ii * ldc + jj] = acc;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Rows of the one-vector kernels: 8 independent chains cover the fma latency at 2 per cycle. */
    static final int MRN = 8;

    /**
     * {@link #kernelNarrow} for a last single column, in scalar fmas: the same chain per row
     * ({@code Math.fma} rounds like a vector lane's fma), at half the cost of a 16-lane vector
     * with one useful lane (two scalar fmas issue per cycle, one 512-bit). Results in t[ii * L].
     */
    private static void kernelOneColumn(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                        int ks, float[] b, int bo, int bstride, int kb, float[] t, boolean load) {
        float c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f, c4 = 0.0f, c5 = 0.0f, c6 = 0.0f, c7 = 0.0f;
        if (load) {
            c0 = t[0];
            c1 = t[L];
            c2 = t[2 * L];
            c3 = t[3 * L];
            c4 = t[4 * L];
            c5 = t[5 * L];
            c6 = t[6 * L];
            c7 = t[7 * L];
        }
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            float y = b[bi];
            c0 = Math.fma(a[o0 + ak], y, c0);
            c1 = Math.fma(a[o1 + ak], y, c1);
            c2 = Math.fma(a[o2 + ak], y, c2);
            c3 = Math.fma(a[o3 + ak], y, c3);
            c4 = Math.fma(a[o4 + ak], y, c4);
            c5 = Math.fma(a[o5 + ak], y, c5);
            c6 = Math.fma(a[o6 + ak], y, c6);
            c7 = Math.fma(a[o7 + ak], y, c7);
        }
        t[0] = c0;
        t[L] = c1;
        t[2 * L] = c2;
        t[3 * L] = c3;
        t[4 * L] = c4;
        t[5 * L] = c5;
        t[6 * L] = c6;
        t[7 * L] = c7;
    }

    /**
     * Rows per block of {@link #directBlock}: about 64 KB of A, a multiple of both row tiles
     * (MR and MRN) so that only a thread's last block has partial tiles.
     */
    static int rowBlock(int K) {
        int unit = 24;
        return Math.max(unit, (1 << 14) / Math.max(1, K) / unit * unit);
    }

    /**
     * One vector of columns x MRN rows on a private tile (row ii at t[ii * L ..]): A[ii, k] =
     * a[o_ii + k * ks], B[k, 0..L) = b[bo + k * bstride ..]; the same chains as {@link #kernel},
     * from the tile (load) or +0.0f, fma over k in order. No masks: the caller copies the valid
     * rows and columns out, which keeps the kernel small enough for every JIT tier.
     *
     * <p>Only the species F, even where 4 lanes would do (a 128-bit fma costs half a 512-bit one
     * on Zen 4): a second species in the JVM pollutes the type profiles of the Vector API's shared
     * methods, and C2 then compiled {@link #kernelDirect} with boxed vectors (7 instead of 63
     * GFLOP/s at 128x16x512, for the whole run) whenever the 128-bit kernel happened to run first.
     */
    private static void kernelNarrow(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                     int ks, float[] b, int bo, int bstride, int kb, float[] t, float[] ci) {
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        // Loaded, never branched on: from C when accumulating, else from ZEROS (see there).
        c0 = FloatVector.fromArray(F, ci, 0);
        c1 = FloatVector.fromArray(F, ci, L);
        c2 = FloatVector.fromArray(F, ci, 2 * L);
        c3 = FloatVector.fromArray(F, ci, 3 * L);
        c4 = FloatVector.fromArray(F, ci, 4 * L);
        c5 = FloatVector.fromArray(F, ci, 5 * L);
        c6 = FloatVector.fromArray(F, ci, 6 * L);
        c7 = FloatVector.fromArray(F, ci, 7 * L);
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector y = FloatVector.fromArray(F, b, bi);
            c0 = FloatVector.broadcast(F, a[o0 + ak]).fma(y, c0);
            c1 = FloatVector.broadcast(F, a[o1 + ak]).fma(y, c1);
            c2 = FloatVector.broadcast(F, a[o2 + ak]).fma(y, c2);
            c3 = FloatVector.broadcast(F, a[o3 + ak]).fma(y, c3);
            c4 = FloatVector.broadcast(F, a[o4 + ak]).fma(y, c4);
            c5 = FloatVector.broadcast(F, a[o5 + ak]).fma(y, c5);
            c6 = FloatVector.broadcast(F, a[o6 + ak]).fma(y, c6);
            c7 = FloatVector.broadcast(F, a[o7 + ak]).fma(y, c7);
        }
        c0.intoArray(t, 0);
        c1.intoArray(t, L);
        c2.intoArray(t, 2 * L);
        c3.intoArray(t, 3 * L);
        c4.intoArray(t, 4 * L);
        c5.intoArray(t, 5 * L);
        c6.intoArray(t, 6 * L);
        c7.intoArray(t, 7 * L);
    }

    /**
     * True where the vector registers hold {@link #kernelDirectPair}'s 24 accumulators: 16-lane
     * vectors mean AVX-512, which has 32 of them (AVX2's 16 would spill).
     */
    private static final boolean WIDE = L >= 16;

    /** A partial row tile (mr < MR) of one full panel, through the private tile. */
    private static void partialDirect(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int ks, float[] bs,
                                      int bo, int bstride, int K, float[] c, int co, int ldc, int mr,
                                      boolean accumulate, float[] bias, int j0, float[] tile) {
        if (accumulate) {
            // rows past mr keep stale values: their outputs are discarded
            for (int ii = 0; ii < mr; ii++) {
                for (int jj = 0; jj < NR; jj++) {
                    tile[ii * NR + jj] = c[co + ii * ldc + jj];
                }
            }
        }
        kernelDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bstride, K, tile, 0, NR, accumulate ? tile : ZEROS, 0,
                accumulate ? NR : 0, NEG_ZEROS, 0);
        for (int ii = 0; ii < mr; ii++) {
            for (int jj = 0; jj < NR; jj++) {
                float acc = tile[ii * NR + jj];
                if (bias != null) {
                    acc = acc + bias[j0 + jj];
                }
                c[co + ii * ldc + jj] = acc;
            }
        }
    }

    /**
     * {@link #kernelDirect} with 8 rows (16 accumulators, AVX-512's registers): a row count that
     * is a multiple of 8 (64-row attention blocks) has no partial tile, and each call does a third
     * more work.
     */
    private static void kernelDirect8(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                      int ks, float[] b, int bo, int bstride, int kb, float[] c, int co, int ldc,
                                      float[] bias, int j0) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        FloatVector c40, c41, c50, c51, c60, c61, c70, c71;
        // Accumulating into C: kernelDirect8FromZero is the other case (see there).
        c00 = FloatVector.fromArray(F, c, co + 0 * ldc);
        c01 = FloatVector.fromArray(F, c, co + 0 * ldc + L);
        c10 = FloatVector.fromArray(F, c, co + 1 * ldc);
        c11 = FloatVector.fromArray(F, c, co + 1 * ldc + L);
        c20 = FloatVector.fromArray(F, c, co + 2 * ldc);
        c21 = FloatVector.fromArray(F, c, co + 2 * ldc + L);
        c30 = FloatVector.fromArray(F, c, co + 3 * ldc);
        c31 = FloatVector.fromArray(F, c, co + 3 * ldc + L);
        c40 = FloatVector.fromArray(F, c, co + 4 * ldc);
        c41 = FloatVector.fromArray(F, c, co + 4 * ldc + L);
        c50 = FloatVector.fromArray(F, c, co + 5 * ldc);
        c51 = FloatVector.fromArray(F, c, co + 5 * ldc + L);
        c60 = FloatVector.fromArray(F, c, co + 6 * ldc);
        c61 = FloatVector.fromArray(F, c, co + 6 * ldc + L);
        c70 = FloatVector.fromArray(F, c, co + 7 * ldc);
        c71 = FloatVector.fromArray(F, c, co + 7 * ldc + L);
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector y0 = FloatVector.fromArray(F, b, bi);
            FloatVector y1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
            x = FloatVector.broadcast(F, a[o6 + ak]);
            c60 = x.fma(y0, c60);
            c61 = x.fma(y1, c61);
            x = FloatVector.broadcast(F, a[o7 + ak]);
            c70 = x.fma(y0, c70);
            c71 = x.fma(y1, c71);
        }
        // always added: bias, or NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + L);
        c00 = c00.add(v0); c01 = c01.add(v1); c10 = c10.add(v0); c11 = c11.add(v1);
        c20 = c20.add(v0); c21 = c21.add(v1); c30 = c30.add(v0); c31 = c31.add(v1);
        c40 = c40.add(v0); c41 = c41.add(v1); c50 = c50.add(v0); c51 = c51.add(v1);
        c60 = c60.add(v0); c61 = c61.add(v1); c70 = c70.add(v0); c71 = c71.add(v1);
        c00.intoArray(c, co + 0 * ldc);
        c01.intoArray(c, co + 0 * ldc + L);
        c10.intoArray(c, co + 1 * ldc);
        c11.intoArray(c, co + 1 * ldc + L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + L);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + L);
    }

    /**
     * {@link #kernelDirect8} starting from +0 instead of C: its own method, not a flag (see
     * ZEROS), because the small-K GEMMs that use 8-row tiles spend a tenth of their time on 16
     * loads of zeros and their range checks (128x512x10 NN: 75 -> 87 GFLOP/s).
     */
    private static void kernelDirect8FromZero(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int o6, int o7,
                                      int ks, float[] b, int bo, int bstride, int kb, float[] c, int co, int ldc,
                                      float[] bias, int j0) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        FloatVector c40, c41, c50, c51, c60, c61, c70, c71;
        FloatVector z = FloatVector.zero(F); // +0.0f, the chains' start
        c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
        c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector y0 = FloatVector.fromArray(F, b, bi);
            FloatVector y1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
            x = FloatVector.broadcast(F, a[o6 + ak]);
            c60 = x.fma(y0, c60);
            c61 = x.fma(y1, c61);
            x = FloatVector.broadcast(F, a[o7 + ak]);
            c70 = x.fma(y0, c70);
            c71 = x.fma(y1, c71);
        }
        // always added: bias, or NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + L);
        c00 = c00.add(v0); c01 = c01.add(v1); c10 = c10.add(v0); c11 = c11.add(v1);
        c20 = c20.add(v0); c21 = c21.add(v1); c30 = c30.add(v0); c31 = c31.add(v1);
        c40 = c40.add(v0); c41 = c41.add(v1); c50 = c50.add(v0); c51 = c51.add(v1);
        c60 = c60.add(v0); c61 = c61.add(v1); c70 = c70.add(v0); c71 = c71.add(v1);
        c00.intoArray(c, co + 0 * ldc);
        c01.intoArray(c, co + 0 * ldc + L);
        c10.intoArray(c, co + 1 * ldc);
        c11.intoArray(c, co + 1 * ldc + L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + L);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + L);
    }

    /**
     * {@link #kernelDirect} on two adjacent full panels at once (B columns from bo0 and bo1, C
     * columns co..co+2NR): 6 x 4 vectors, half the broadcasts and calls per fma.
     */
    private static void kernelDirectPair(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int ks,
                                         float[] b, int bo0, int bo1, int bstride, int kb, float[] c, int co,
                                         int ldc, float[] ci, int cio, int ldci, float[] bias, int j0) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
        FloatVector c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        // Loaded, never branched on: from C when accumulating, else from ZEROS (see there).
        c00 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 0 * L);
        c01 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 1 * L);
        c02 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 2 * L);
        c03 = FloatVector.fromArray(F, ci, cio + 0 * ldci + 3 * L);
        c10 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 0 * L);
        c11 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 1 * L);
        c12 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 2 * L);
        c13 = FloatVector.fromArray(F, ci, cio + 1 * ldci + 3 * L);
        c20 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 0 * L);
        c21 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 1 * L);
        c22 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 2 * L);
        c23 = FloatVector.fromArray(F, ci, cio + 2 * ldci + 3 * L);
        c30 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 0 * L);
        c31 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 1 * L);
        c32 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 2 * L);
        c33 = FloatVector.fromArray(F, ci, cio + 3 * ldci + 3 * L);
        c40 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 0 * L);
        c41 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 1 * L);
        c42 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 2 * L);
        c43 = FloatVector.fromArray(F, ci, cio + 4 * ldci + 3 * L);
        c50 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 0 * L);
        c51 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 1 * L);
        c52 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 2 * L);
        c53 = FloatVector.fromArray(F, ci, cio + 5 * ldci + 3 * L);
        for (int k = 0, ak = 0, b0 = bo0, b1 = bo1; k < kb; k++, ak += ks, b0 += bstride, b1 += bstride) {
            FloatVector y0 = FloatVector.fromArray(F, b, b0);
            FloatVector y1 = FloatVector.fromArray(F, b, b0 + L);
            FloatVector y2 = FloatVector.fromArray(F, b, b1);
            FloatVector y3 = FloatVector.fromArray(F, b, b1 + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            c02 = x.fma(y2, c02);
            c03 = x.fma(y3, c03);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            c12 = x.fma(y2, c12);
            c13 = x.fma(y3, c13);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            c22 = x.fma(y2, c22);
            c23 = x.fma(y3, c23);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            c32 = x.fma(y2, c32);
            c33 = x.fma(y3, c33);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            c42 = x.fma(y2, c42);
            c43 = x.fma(y3, c43);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
            c52 = x.fma(y2, c52);
            c53 = x.fma(y3, c53);
        }
        // always added: bias, or NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0 + 0 * L);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + 1 * L);
        FloatVector v2 = FloatVector.fromArray(F, bias, j0 + 2 * L);
        FloatVector v3 = FloatVector.fromArray(F, bias, j0 + 3 * L);
        c00 = c00.add(v0); c01 = c01.add(v1); c02 = c02.add(v2); c03 = c03.add(v3);
        c10 = c10.add(v0); c11 = c11.add(v1); c12 = c12.add(v2); c13 = c13.add(v3);
        c20 = c20.add(v0); c21 = c21.add(v1); c22 = c22.add(v2); c23 = c23.add(v3);
        c30 = c30.add(v0); c31 = c31.add(v1); c32 = c32.add(v2); c33 = c33.add(v3);
        c40 = c40.add(v0); c41 = c41.add(v1); c42 = c42.add(v2); c43 = c43.add(v3);
        c50 = c50.add(v0); c51 = c51.add(v1); c52 = c52.add(v2); c53 = c53.add(v3);
        c00.intoArray(c, co + 0 * ldc + 0 * L);
        c01.intoArray(c, co + 0 * ldc + 1 * L);
        c02.intoArray(c, co + 0 * ldc + 2 * L);
        c03.intoArray(c, co + 0 * ldc + 3 * L);
        c10.intoArray(c, co + 1 * ldc + 0 * L);
        c11.intoArray(c, co + 1 * ldc + 1 * L);
        c12.intoArray(c, co + 1 * ldc + 2 * L);
        c13.intoArray(c, co + 1 * ldc + 3 * L);
        c20.intoArray(c, co + 2 * ldc + 0 * L);
        c21.intoArray(c, co + 2 * ldc + 1 * L);
        c22.intoArray(c, co + 2 * ldc + 2 * L);
        c23.intoArray(c, co + 2 * ldc + 3 * L);
        c30.intoArray(c, co + 3 * ldc + 0 * L);
        c31.intoArray(c, co + 3 * ldc + 1 * L);
        c32.intoArray(c, co + 3 * ldc + 2 * L);
        c33.intoArray(c, co + 3 * ldc + 3 * L);
        c40.intoArray(c, co + 4 * ldc + 0 * L);
        c41.intoArray(c, co + 4 * ldc + 1 * L);
        c42.intoArray(c, co + 4 * ldc + 2 * L);
        c43.intoArray(c, co + 4 * ldc + 3 * L);
        c50.intoArray(c, co + 5 * ldc + 0 * L);
        c51.intoArray(c, co + 5 * ldc + 1 * L);
        c52.intoArray(c, co + 5 * ldc + 2 * L);
        c53.intoArray(c, co + 5 * ldc + 3 * L);
    }

    /**
     * The micro-kernel of {@link #directBlock}: A[ii, k] = a[rowOffset_ii + k * ks], B[k, 0..NR)
     * = b[bo + k * bstride ..]; otherwise exactly {@link #kernel}'s chains.
     */
    private static void kernelDirect(float[] a, int o0, int o1, int o2, int o3, int o4, int o5, int ks,
                                     float[] b, int bo, int bstride, int kb, float[] c, int co, int ldc,
                                     float[] ci, int cio, int ldci, float[] bias, int j0) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        // Loaded, never branched on: from C when accumulating, else from ZEROS (see there).
        int ri = cio;
        c00 = FloatVector.fromArray(F, ci, ri);
        c01 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c10 = FloatVector.fromArray(F, ci, ri);
        c11 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c20 = FloatVector.fromArray(F, ci, ri);
        c21 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c30 = FloatVector.fromArray(F, ci, ri);
        c31 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c40 = FloatVector.fromArray(F, ci, ri);
        c41 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c50 = FloatVector.fromArray(F, ci, ri);
        c51 = FloatVector.fromArray(F, ci, ri + L);
        for (int k = 0, ak = 0, bi = bo; k < kb; k++, ak += ks, bi += bstride) {
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[o0 + ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[o1 + ak]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[o2 + ak]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[o3 + ak]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[o4 + ak]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[o5 + ak]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // always added: bias, or NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + L);
        c00 = c00.add(v0); c01 = c01.add(v1);
        c10 = c10.add(v0); c11 = c11.add(v1);
        c20 = c20.add(v0); c21 = c21.add(v1);
        c30 = c30.add(v0); c31 = c31.add(v1);
        c40 = c40.add(v0); c41 = c41.add(v1);
        c50 = c50.add(v0); c51 = c51.add(v1);
        int r = co;
        c00.intoArray(c, r);
        c01.intoArray(c, r + L);
        r += ldc;
        c10.intoArray(c, r);
        c11.intoArray(c, r + L);
        r += ldc;
        c20.intoArray(c, r);
        c21.intoArray(c, r + L);
        r += ldc;
        c30.intoArray(c, r);
        c31.intoArray(c, r + L);
        r += ldc;
        c40.intoArray(c, r);
        c41.intoArray(c, r + L);
        r += ldc;
        c50.intoArray(c, r);
        c51.intoArray(c, r + L);
    }

    /**
     * True when {@link #columnBlock} is the better path, by a rough cost model in cycles: vector
     * fmas including padding lanes (1/L each), element moves when packing (1 for a copy, 2 for a
     * transpose) and the column path's scattered stores of C (2 each). It picks the column path
     * for a layer's forward (NT) with a small batch, where the row path would transpose all of
     * B (N x K) on every call while the column path transposes only A (M x K, split between
     * threads). Fitted on Zen 4: 128x512x784 NT 1.17x, 128x120x400 NT 1.12x; small N (10 logits,
     * 65 vocabulary) stays on the direct row path, whose one-vector tail wastes fewer lanes than
     * the transpose of A costs (128x10x512 NT 0.76x, 2048x65x128 NT 0.8x on the column path).
     * {@link #columnBlock} still handles a transposed A and a row-major B (tests call it
     * directly), but the dispatcher sends it only NT shapes.
     */
    static boolean columnFits(boolean transA, boolean transB, int M, int N, int K) {
        // Transposed A (a weight gradient, A^T dC) stays on the row path: its lanes would come
        // from K far-apart rows per step (128x512x2048 TN measured 0.71x on the column path).
        // So does a row-major B, whose columns the column kernel would have to gather first.
        if (transA || !transB || M < MV / 2 || K < 8) {
            return false;
        }
        boolean direct = directFits(M, N, K);
        // The direct path's last panel takes whole vectors, the packed path's whole 2-vector panels.
        int nRow = direct ? (N + L - 1) / L * L : (N + NR - 1) / NR * NR;
        long fmaRow = (long) ((M + MR - 1) / MR * MR) * nRow * K / L;
        long packRow = (transB ? 2L * N * K : 0) + (direct ? 0 : (long) M * K);
        long fmaCol = (long) ((M + MV - 1) / MV * MV) * ((N + NJ - 1) / NJ * NJ) * K / L;
        long packCol = 2L * M * K + 2L * M * N;
        return fmaCol + packCol < fmaRow + packRow;
    }

    /**
     * Output rows [m0, m1) x columns [n0, n1) with the output <em>rows</em> in the vector lanes:
     * for each MV-row panel and NJ-column tile, lane ii of accumulator jj computes
     * {@code acc = fma(A[i, k], B[k, j], acc)} for k = 0..K-1 in order (A's lanes times B[k, j]
     * broadcast, in that operand order), from C or +0.0f, then + bias[j]: exactly the reference
     * chain, in one pass over K. Each panel of A is copied into a K x MV panel (a transpose from
     * row-major A); B is read in place when transposed (a layer's forward, the only case the
     * dispatcher sends here), otherwise its columns are gathered once first. C goes through a
     * private column-major tile (gathered when accumulating, scattered afterwards), since its
     * rows are not contiguous in the lanes; rows past M are zero and columns past N repeat the
     * last valid column, both discarded.
     */
    static void columnBlock(boolean transA, boolean transB, int m0, int m1, int n0, int n1, int K,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, float[] bias, boolean accumulate, Scratch s) {
        if (m1 <= m0 || n1 <= n0) {
            return;
        }
        if (s.at.length < K * MV) {
            s.at = new float[K * MV];
        }
        // B's columns as rows contiguous in k: B^T's rows in place, or a row-major B's columns
        // [n0, n1) gathered once
        float[] bs = b;
        int bBase = bOff;
        int stride = ldb;
        if (!transB) {
            int nb = n1 - n0;
            if (s.bt.length < nb * K) {
                s.bt = new float[nb * K];
            }
            for (int j = 0; j < nb; j++) {
                for (int k = 0; k < K; k++) {
                    s.bt[j * K + k] = b[bOff + k * ldb + n0 + j];
                }
            }
            bs = s.bt;
            bBase = -n0 * K;
            stride = K;
        }
        float[] tile = s.ctile;
        for (int ip = m0; ip < m1; ip += MV) {
            int mv = Math.min(MV, m1 - ip);
            packAT(transA, a, aOff, lda, ip, mv, K, s.at);
            for (int jt = n0; jt < n1; jt += NJ) {
                int nj = Math.min(NJ, n1 - jt);
                int last = nj - 1;
                int o0 = bBase + jt * stride;
                if (accumulate) {
                    for (int jj = 0; jj < NJ; jj++) {
                        for (int ii = 0; ii < MV; ii++) {
                            tile[jj * MV + ii] = jj < nj && ii < mv ? c[cOff + (ip + ii) * ldc + jt + jj] : 0.0f;
                        }
                    }
                }
                kernelColumn(s.at, bs, o0, o0 + Math.min(1, last) * stride, o0 + Math.min(2, last) * stride,
                        o0 + Math.min(3, last) * stride, o0 + Math.min(4, last) * stride,
                        o0 + Math.min(5, last) * stride, K, tile, accumulate ? tile : ZEROS);
                for (int ii = 0; ii < mv; ii++) {
                    int row = cOff + (ip + ii) * ldc + jt;
                    for (int jj = 0; jj < nj; jj++) {
                        float acc = tile[jj * MV + ii];
                        if (bias != null) {
                            acc = acc + bias[jt + jj];
                        }
                        c[row + jj] = acc;
                    }
                }
            }
        }
    }

    /**
     * Transposes A[ip..ip+mv, 0..K) into K rows of MV floats (rows past mv zero). From row-major
     * A this is a transpose, done 16 k at a time so the touched rows of the panel stay in L1.
     */
    private static void packAT(boolean transA, float[] a, int aOff, int lda, int ip, int mv, int K, float[] at) {
        if (transA) {
            for (int k = 0; k < K; k++) {
                int src = aOff + k * lda + ip;
                int dst = k * MV;
                for (int ii = 0; ii < mv; ii++) {
                    at[dst + ii] = a[src + ii];
                }
            }
        } else {
            for (int k0 = 0; k0 < K; k0 += 16) {
                int k1 = Math.min(K, k0 + 16);
                for (int ii = 0; ii < mv; ii++) {
                    int src = aOff + (ip + ii) * lda;
                    for (int k = k0; k < k1; k++) {
                        at[k * MV + ii] = a[src + k];
                    }
                }
            }
        }
        if (mv < MV) {
            for (int k = 0; k < K; k++) {
                for (int ii = mv; ii < MV; ii++) {
                    at[k * MV + ii] = 0.0f;
                }
            }
        }
    }

    /**
     * The column micro-kernel: 2 vectors of rows x NJ = 6 columns. A[ii, k] = as[k * MV + ii],
     * B[k, jj] = b[o_jj + k]. Starts from the tile (load) or +0.0f and leaves the result in the
     * tile, column-major. Both steps are constants: C2 then hoists the range checks of all eight
     * loads out of the loop, which with the steps as arguments it checked on every k (1 thread,
     * Zen 5: 128x512x784 NT 180 -> 194 GFLOP/s, 128x512x512 NT 177 -> 186).
     */
    private static void kernelColumn(float[] as, float[] b, int o0, int o1, int o2, int o3, int o4, int o5, int K,
                                     float[] tile, float[] ci) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        // Loaded, never branched on: from C when accumulating, else from ZEROS (see there).
        c00 = FloatVector.fromArray(F, ci, 0);
        c01 = FloatVector.fromArray(F, ci, L);
        c10 = FloatVector.fromArray(F, ci, MV);
        c11 = FloatVector.fromArray(F, ci, MV + L);
        c20 = FloatVector.fromArray(F, ci, 2 * MV);
        c21 = FloatVector.fromArray(F, ci, 2 * MV + L);
        c30 = FloatVector.fromArray(F, ci, 3 * MV);
        c31 = FloatVector.fromArray(F, ci, 3 * MV + L);
        c40 = FloatVector.fromArray(F, ci, 4 * MV);
        c41 = FloatVector.fromArray(F, ci, 4 * MV + L);
        c50 = FloatVector.fromArray(F, ci, 5 * MV);
        c51 = FloatVector.fromArray(F, ci, 5 * MV + L);
        for (int k = 0; k < K; k++) {
            FloatVector x0 = FloatVector.fromArray(F, as, k * MV);
            FloatVector x1 = FloatVector.fromArray(F, as, k * MV + L);
            FloatVector y = FloatVector.broadcast(F, b[o0 + k]);
            c00 = x0.fma(y, c00);
            c01 = x1.fma(y, c01);
            y = FloatVector.broadcast(F, b[o1 + k]);
            c10 = x0.fma(y, c10);
            c11 = x1.fma(y, c11);
            y = FloatVector.broadcast(F, b[o2 + k]);
            c20 = x0.fma(y, c20);
            c21 = x1.fma(y, c21);
            y = FloatVector.broadcast(F, b[o3 + k]);
            c30 = x0.fma(y, c30);
            c31 = x1.fma(y, c31);
            y = FloatVector.broadcast(F, b[o4 + k]);
            c40 = x0.fma(y, c40);
            c41 = x1.fma(y, c41);
            y = FloatVector.broadcast(F, b[o5 + k]);
            c50 = x0.fma(y, c50);
            c51 = x1.fma(y, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, MV);
        c11.intoArray(tile, MV + L);
        c20.intoArray(tile, 2 * MV);
        c21.intoArray(tile, 2 * MV + L);
        c30.intoArray(tile, 3 * MV);
        c31.intoArray(tile, 3 * MV + L);
        c40.intoArray(tile, 4 * MV);
        c41.intoArray(tile, 4 * MV + L);
        c50.intoArray(tile, 5 * MV);
        c51.intoArray(tile, 5 * MV + L);
    }

    /**
     * Packs B[pc..pc+kb, jc..jc+nb) as NR-column micro-panels, each kb rows of NR contiguous
     * floats; columns past nb are zero (their outputs are discarded).
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kb, int jc, int nb,
                              float[] bp) {
        for (int jr = 0; jr < nb; jr += NR) {
            packPanel(transB, b, bOff, ldb, pc, kb, jc + jr, Math.min(NR, nb - jr), NR, bp, (jr / NR) * kb * NR);
        }
    }

    /**
     * Packs B[pc..pc+kb, j0..j0+nr) as kb rows of {@code width} floats from {@code base} (an NR-wide
     * micro-panel, or the direct path's narrower last panel); columns past nr are zero.
     */
    private static void packPanel(boolean transB, float[] b, int bOff, int ldb, int pc, int kb, int j0, int nr,
                                  int width, float[] bp, int base) {
        if (!transB) {
            int src = bOff + pc * ldb + j0;
            if (nr == NR) {
                for (int k = 0; k < kb; k++, src += ldb) {
                    int dst = base + k * NR;
                    FloatVector.fromArray(F, b, src).intoArray(bp, dst);
                    FloatVector.fromArray(F, b, src + L).intoArray(bp, dst + L);
                }
            } else {
                for (int k = 0; k < kb; k++, src += ldb) {
                    int dst = base + k * width;
                    for (int jj = 0; jj < nr; jj++) {
                        bp[dst + jj] = b[src + jj];
                    }
                    for (int jj = nr; jj < width; jj++) {
                        bp[dst + jj] = 0.0f;
                    }
                }
            }
        } else {
            // A transpose: 16 x 16 blocks in registers where the vectors have 16 lanes (about 4x
            // fewer instructions than one store per element), element by element elsewhere.
            int jv = Transpose16.AVAILABLE ? nr & ~15 : 0;
            int kv = Transpose16.AVAILABLE ? kb & ~15 : 0;
            for (int jj = 0; jj < jv; jj += 16) {
                for (int k = 0; k < kv; k += 16) {
                    Transpose16.block(b, bOff + (j0 + jj) * ldb + pc + k, ldb, bp, base + k * width + jj, width);
                }
            }
            transposeTail(b, bOff + pc, ldb, j0, 0, jv, kv, kb, width, bp, base);
            transposeTail(b, bOff + pc, ldb, j0, jv, nr, 0, kb, width, bp, base);
            for (int jj = nr; jj < width; jj++) {
                for (int k = 0; k < kb; k++) {
                    bp[base + k * width + jj] = 0.0f;
                }
            }
        }
    }

    /**
     * Element by element, bp[base + k * width + jj] = b[src0 + (j0 + jj) * ldb + k] for jj in
     * [jLo, jHi), k in [kLo, kHi): 16 k at a time so the touched rows of the micro-panel stay in
     * L1 (a whole kc x NR micro-panel does not).
     */
    private static void transposeTail(float[] b, int src0, int ldb, int j0, int jLo, int jHi, int kLo, int kHi,
                                      int width, float[] bp, int base) {
        for (int k0 = kLo; k0 < kHi; k0 += 16) {
            int k1 = Math.min(kHi, k0 + 16);
            for (int jj = jLo; jj < jHi; jj++) {
                int src = src0 + (j0 + jj) * ldb;
                for (int k = k0; k < k1; k++) {
                    bp[base + k * width + jj] = b[src + k];
                }
            }
        }
    }

    /**
     * Packs A[ic..ic+mb, pc..pc+kb) as MR-row micro-panels, each kb columns of MR contiguous
     * floats; rows past mb are zero (their outputs are discarded).
     */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int ic, int mb, int pc, int kb,
                              float[] ap) {
        for (int ir = 0; ir < mb; ir += MR) {
            int mr = Math.min(MR, mb - ir);
            int base = (ir / MR) * kb * MR;
            if (!transA) {
                for (int ii = 0; ii < mr; ii++) {
                    int src = aOff + (ic + ir + ii) * lda + pc;
                    for (int k = 0; k < kb; k++) {
                        ap[base + k * MR + ii] = a[src + k];
                    }
                }
            } else {
                int src = aOff + pc * lda + ic + ir;
                int k = 0;
                if (mr == MR && L >= MR) {
                    // One vector per k: its first MR lanes are the micro-panel's row, the rest land
                    // where the next k's copy (or the next micro-panel, or the slack) overwrites them.
                    // (4-lane vectors are narrower than a row: those take the element loop.)
                    long room = (long) a.length - L - src;
                    int kv = room < 0 ? 0 : (int) Math.min(kb, room / lda + 1);
                    for (; k < kv; k++, src += lda) {
                        FloatVector.fromArray(F, a, src).intoArray(ap, base + k * MR);
                    }
                }
                for (; k < kb; k++, src += lda) {
                    int dst = base + k * MR;
                    for (int ii = 0; ii < mr; ii++) {
                        ap[dst + ii] = a[src + ii];
                    }
                }
            }
            if (mr < MR) {
                for (int k = 0; k < kb; k++) {
                    for (int ii = mr; ii < MR; ii++) {
                        ap[base + k * MR + ii] = 0.0f;
                    }
                }
            }
        }
    }

    /** A partial tile: run the full micro-kernel on a private MR x NR copy, keep the valid part. */
    private static void edge(float[] ap, int ao, float[] bp, int bo, int kb, float[] c, int co, int ldc,
                             int mr, int nr, boolean load, float[] bias, int j0, float[] tile) {
        for (int ii = 0; ii < MR; ii++) {
            for (int jj = 0; jj < NR; jj++) {
                tile[ii * NR + jj] = load && ii < mr && jj < nr ? c[co + ii * ldc + jj] : 0.0f;
            }
        }
        kernel(ap, ao, bp, bo, kb, tile, 0, NR, tile, 0, NR, NEG_ZEROS, 0);
        for (int ii = 0; ii < mr; ii++) {
            for (int jj = 0; jj < nr; jj++) {
                float acc = tile[ii * NR + jj];
                if (bias != null) {
                    acc = acc + bias[j0 + jj];
                }
                c[co + ii * ldc + jj] = acc;
            }
        }
    }

    /**
     * The 6 x 2-vector micro-kernel over one K panel. Accumulators start from C (load) or +0.0f;
     * bias (columns j0..j0+NR) is added after the panel's last fma when given.
     */
    private static void kernel(float[] ap, int ao, float[] bp, int bo, int kb, float[] c, int co, int ldc,
                               float[] ci, int cio, int ldci, float[] bias, int j0) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        // Loaded, never branched on: from C when accumulating, else from ZEROS (see there).
        int ri = cio;
        c00 = FloatVector.fromArray(F, ci, ri);
        c01 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c10 = FloatVector.fromArray(F, ci, ri);
        c11 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c20 = FloatVector.fromArray(F, ci, ri);
        c21 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c30 = FloatVector.fromArray(F, ci, ri);
        c31 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c40 = FloatVector.fromArray(F, ci, ri);
        c41 = FloatVector.fromArray(F, ci, ri + L);
        ri += ldci;
        c50 = FloatVector.fromArray(F, ci, ri);
        c51 = FloatVector.fromArray(F, ci, ri + L);
        int aEnd = ao + kb * MR;
        for (int ai = ao, bi = bo; ai < aEnd; ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + L);
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // always added: bias, or NEG_ZEROS (x + -0.0f is x, bit for bit)
        FloatVector v0 = FloatVector.fromArray(F, bias, j0);
        FloatVector v1 = FloatVector.fromArray(F, bias, j0 + L);
        c00 = c00.add(v0); c01 = c01.add(v1);
        c10 = c10.add(v0); c11 = c11.add(v1);
        c20 = c20.add(v0); c21 = c21.add(v1);
        c30 = c30.add(v0); c31 = c31.add(v1);
        c40 = c40.add(v0); c41 = c41.add(v1);
        c50 = c50.add(v0); c51 = c51.add(v1);
        int r = co;
        c00.intoArray(c, r);
        c01.intoArray(c, r + L);
        r += ldc;
        c10.intoArray(c, r);
        c11.intoArray(c, r + L);
        r += ldc;
        c20.intoArray(c, r);
        c21.intoArray(c, r + L);
        r += ldc;
        c30.intoArray(c, r);
        c31.intoArray(c, r + L);
        r += ldc;
        c40.intoArray(c, r);
        c41.intoArray(c, r + L);
        r += ldc;
        c50.intoArray(c, r);
        c51.intoArray(c, r + L);
    }
}
