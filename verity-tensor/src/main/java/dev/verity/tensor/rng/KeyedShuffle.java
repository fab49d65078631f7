package dev.verity.tensor.rng;

/**
 * A keyed permutation of [0, n) that gives the element at any position in O(1): a balanced
 * Feistel network over the smallest even-bit domain 2^(2h) >= n, with cycle-walking to stay
 * inside [0, n). Unlike a Fisher–Yates shuffle, a single position can be evaluated alone, which
 * is what lets a contract check which sample a training step read.
 */
public final class KeyedShuffle {
    private static final int ROUNDS = 4;

    private KeyedShuffle() {
    }

    /** The sample index at {@code position} of the permutation of [0, n) keyed by (k0, k1). */
    public static int indexAt(int k0, int k1, int n, int position) {
        if (n <= 0) {
            throw new IllegalArgumentException("shuffle domain must be positive, got " + n);
        }
        if (position < 0 || position >= n) {
            throw new IllegalArgumentException("position " + position + " outside [0, " + n + ")");
        }
        if (n == 1) {
            return 0;
        }
        int bits = 32 - Integer.numberOfLeadingZeros(n - 1);
        int half = (bits + 1) / 2;
        int mask = (1 << half) - 1;
        int x = position;
        // Cycle-walking: the domain is < 4n, so the expected number of walks is below 4, and the
        // walk always ends because the Feistel network is a permutation of the domain.
        do {
            int left = x >>> half;
            int right = x & mask;
            for (int r = 0; r < ROUNDS; r++) {
                int f = Philox.word(k0, k1, r, right, n, 0, 0) & mask;
                int next = left ^ f;
                left = right;
                right = next;
            }
            x = (left << half) | right;
        } while (x >= n);
        return x;
    }

    /** Philox purpose word for the per-epoch shuffle keys ("SHUF"). */
    public static final int PURPOSE = 0x53485546;

    /**
     * The sample read by {@code row} of the batch of {@code step}: stream position
     * p = step * batch + row, epoch e = p / n, and the position p % n of the permutation keyed
     * by the Philox block of (seed, PURPOSE, e). Every epoch is a fresh permutation.
     */
    public static int sampleAt(int seedLo, int seedHi, int n, int batch, int step, int row) {
        if (n <= 0 || batch <= 0 || step < 0 || row < 0 || row >= batch) {
            throw new IllegalArgumentException("bad sample position: n=" + n + " batch=" + batch + " step=" + step
                    + " row=" + row);
        }
        long p = (long) step * batch + row;
        long epoch = p / n;
        int pos = (int) (p % n);
        int[] key = Philox.block(seedLo, seedHi, PURPOSE, (int) epoch, (int) (epoch >>> 32), 0);
        return indexAt(key[0], key[1], n, pos);
    }
}
