package dev.verity.tensor.kernel;

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
 *
 * <p>This class is the driver: the choice of path, the blocking loops and the split between
 * threads. The packing is in {@link GemmPacking}; the micro-kernels are in one class per family:
 * {@link GemmKernelsPacked} (the packed path), {@link GemmKernelsDirect} (the direct path's
 * 6 x 2-vector tiles), {@link GemmKernelsDirectWide} (its paired and 8-row tiles on AVX-512),
 * {@link GemmKernelsNarrow} (its last panel narrower than two vectors) and
 * {@link GemmKernelsColumn} (the column path).
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
    static final float[] ZEROS = new float[6 * MV];
    /** The bias of a GEMM without one: x + -0.0f is x for every float x (+0, -0 and NaN included). */
    static final float[] NEG_ZEROS = negativeZeros(4 * L);

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
                GemmPacking.packB(transB, b, bOff, ldb, pc, kb, jc, nb, bp);
                for (int ic = m0; ic < m1; ic += mc) {
                    int mb = Math.min(mc, m1 - ic);
                    GemmPacking.packA(transA, a, aOff, lda, ic, mb, pc, kb, ap);
                    for (int jr = 0; jr < nb; jr += NR) {
                        int nr = Math.min(NR, nb - jr);
                        int bo = (jr / NR) * kb * NR;
                        for (int ir = 0; ir < mb; ir += MR) {
                            int mr = Math.min(MR, mb - ir);
                            int ao = (ir / MR) * kb * MR;
                            int co = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                GemmKernelsPacked.kernel(ap, ao, bp, bo, kb, c, co, ldc, load ? c : ZEROS,
                                        load ? co : 0, load ? ldc : 0, bv, biasHere != null ? jc + jr : 0);
                            } else {
                                GemmKernelsPacked.edge(ap, ao, bp, bo, kb, c, co, ldc, mr, nr, load, biasHere, jc + jr,
                                        tile);
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
     * micro-kernel ({@link GemmKernelsDirect#kernelDirect}), two at a time with AVX-512's registers
     * ({@link GemmKernelsDirectWide#kernelDirectPair}); the last, narrower panel (packed only as
     * wide as it is read) runs the one-vector {@link GemmKernelsNarrow#kernelNarrow} and a single
     * last column {@link GemmKernelsNarrow#kernelOneColumn}, so N = 65 costs 4 vectors and a scalar
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
            GemmPacking.packB(transB, b, bOff, ldb, 0, K, n0, full * NR, s.bp);
            if (tailWidth > 0) {
                GemmPacking.packPanel(transB, b, bOff, ldb, 0, K, n0 + full * NR, n1 - n0 - full * NR, tailWidth, s.bp,
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
                                GemmKernelsDirectWide.kernelDirect8(a, a0, a0 + rs, a0 + 2 * rs, a0 + 3 * rs,
                                        a0 + 4 * rs, a0 + 5 * rs, a0 + 6 * rs, a0 + 7 * rs, ks, bs, bo, bstride, K, c,
                                        cOff + ir0 * ldc + jr, ldc, bv, bias != null ? jr : 0);
                            } else {
                                GemmKernelsDirectWide.kernelDirect8FromZero(a, a0, a0 + rs, a0 + 2 * rs,
                                        a0 + 3 * rs, a0 + 4 * rs, a0 + 5 * rs, a0 + 6 * rs, a0 + 7 * rs, ks, bs, bo,
                                        bstride, K, c,
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
                            GemmKernelsDirectWide.kernelDirectPair(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bo1,
                                    bstride, K, c, co, ldc, ci, accumulate ? co : 0, ldci, bv, bias != null ? jr : 0);
                        } else if (mr == MR) {
                            GemmKernelsDirect.kernelDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bstride, K, c,
                                    co, ldc, ci, accumulate ? co : 0, ldci, bv, bias != null ? jr : 0);
                        } else {
                            GemmKernelsDirect.partialDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo, bstride, K, c,
                                    co, ldc, mr, accumulate, bias, jr, tile);
                            if (pair) {
                                GemmKernelsDirect.partialDirect(a, a0, a1, a2, a3, a4, a5, ks, bs, bo1, bstride, K,
                                        c, co + NR, ldc, mr, accumulate, bias, jr + NR, tile);
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
                                GemmKernelsNarrow.kernelOneColumn(a, a0, a1, a2, a3, a4, a5, a6, a7, ks, bs, bo + j,
                                        tailStride, K, ntile, accumulate);
                            } else {
                                GemmKernelsNarrow.kernelNarrow(a, a0, a1, a2, a3, a4, a5, a6, a7, ks, bs, bo + j,
                                        tailStride, K, ntile, accumulate ? ntile : ZEROS);
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
     * Rows per block of {@link #directBlock}: about 64 KB of A, a multiple of both row tiles
     * (MR and MRN) so that only a thread's last block has partial tiles.
     */
    static int rowBlock(int K) {
        int unit = 24;
        return Math.max(unit, (1 << 14) / Math.max(1, K) / unit * unit);
    }

    /**
     * True where the vector registers hold {@link GemmKernelsDirectWide#kernelDirectPair}'s 24
     * accumulators: 16-lane vectors mean AVX-512, which has 32 of them (AVX2's 16 would spill).
     */
    private static final boolean WIDE = L >= 16;

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
            GemmPacking.packAT(transA, a, aOff, lda, ip, mv, K, s.at);
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
                GemmKernelsColumn.kernelColumn(s.at, bs, o0, o0 + Math.min(1, last) * stride,
                        o0 + Math.min(2, last) * stride, o0 + Math.min(3, last) * stride,
                        o0 + Math.min(4, last) * stride, o0 + Math.min(5, last) * stride, K, tile,
                        accumulate ? tile : ZEROS);
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
}
