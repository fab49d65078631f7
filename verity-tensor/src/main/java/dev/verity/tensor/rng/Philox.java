package dev.verity.tensor.rng;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
 * counter-based generator. The output for a (key, counter) pair is a pure function of them, so
 * any single random number (an init value, a dropout bit) can be recomputed alone, by anyone,
 * in any order, on any number of threads.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /** The four output words for key (k0, k1) and counter (c0..c3). */
    public static int[] block(int k0, int k1, int c0, int c1, int c2, int c3) {
        for (int r = 0; r < 10; r++) {
            long p0 = (M0 & 0xffffffffL) * (c0 & 0xffffffffL);
            long p1 = (M1 & 0xffffffffL) * (c2 & 0xffffffffL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0;
            int n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /** One output word (0..3) of {@link #block}. */
    public static int word(int k0, int k1, int c0, int c1, int c2, int c3, int word) {
        if (word < 0 || word > 3) {
            throw new IllegalArgumentException("Philox word must be 0..3, got " + word);
        }
        return block(k0, k1, c0, c1, c2, c3)[word];
    }

    /** A uniform float in [0, 1) from the top 24 bits of a word (exact: k * 2^-24). */
    public static float uniform(int word) {
        return (word >>> 8) * 0x1.0p-24f;
    }
}
