package dev.verity.tensor.kernel;

import static dev.verity.tensor.kernel.VectorGemm.MR;
import static dev.verity.tensor.kernel.VectorGemm.MV;
import static dev.verity.tensor.kernel.VectorGemm.NR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packing of {@link VectorGemm}: copies of A and B into the layouts its micro-kernels stream.
 * {@link #packA} and {@link #packB} (MR-row and NR-column micro-panels) feed the packed path
 * ({@link VectorGemm#block}); {@link #packB} and {@link #packPanel} also pack B once for the direct
 * path ({@link VectorGemm#directBlock}) when B is transposed or its panels would run past the
 * array; {@link #packAT} transposes A's MV-row panels for the column path
 * ({@link VectorGemm#columnBlock}). Copies only: no arithmetic, no effect on any chain.
 */
final class GemmPacking {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = F.length();

    private GemmPacking() {
    }

    /**
     * Packs B[pc..pc+kb, jc..jc+nb) as NR-column micro-panels, each kb rows of NR contiguous
     * floats; columns past nb are zero (their outputs are discarded).
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kb, int jc, int nb,
                              float[] bp) {
        for (int jr = 0; jr < nb; jr += NR) {
            packPanel(transB, b, bOff, ldb, pc, kb, jc + jr, Math.min(NR, nb - jr), NR, bp, (jr / NR) * kb * NR);
        }
    }

    /**
     * Packs B[pc..pc+kb, j0..j0+nr) as kb rows of {@code width} floats from {@code base} (an NR-wide
     * micro-panel, or the direct path's narrower last panel); columns past nr are zero.
     */
    static void packPanel(boolean transB, float[] b, int bOff, int ldb, int pc, int kb, int j0, int nr,
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
    static void transposeTail(float[] b, int src0, int ldb, int j0, int jLo, int jHi, int kLo, int kHi,
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
    static void packA(boolean transA, float[] a, int aOff, int lda, int ic, int mb, int pc, int kb,
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

    /**
     * Transposes A[ip..ip+mv, 0..K) into K rows of MV floats (rows past mv zero). From row-major
     * A this is a transpose, done 16 k at a time so the touched rows of the panel stay in L1.
     */
    static void packAT(boolean transA, float[] a, int aOff, int lda, int ip, int mv, int K, float[] at) {
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
}
