package dev.verity.tensor.kernel;

/**
 * Cache blocking of {@link VectorGemm}: rows of A packed per block (mc), columns of B packed per
 * block (nc) and the depth of one K panel (kc). Blocking never changes a result: a K panel's
 * partial sums are stored in C as float32 and reloaded, which is exactly the rounding every fma
 * of the chain does anyway. Tests use tiny blockings to force many panels on small shapes.
 */
record GemmBlocking(int mc, int nc, int kc) {
    GemmBlocking {
        if (mc < VectorGemm.MR || mc % VectorGemm.MR != 0) {
            throw new IllegalArgumentException("mc must be a positive multiple of " + VectorGemm.MR + ", got " + mc);
        }
        if (nc < VectorGemm.NR || nc % VectorGemm.NR != 0) {
            throw new IllegalArgumentException("nc must be a positive multiple of " + VectorGemm.NR + ", got " + nc);
        }
        if (kc < 1) {
            throw new IllegalArgumentException("kc must be >= 1, got " + kc);
        }
    }

    /** Rounds a requested size up to a multiple of unit (at least one unit). */
    static int roundUp(int v, int unit) {
        return Math.max(unit, (v + unit - 1) / unit * unit);
    }
}
