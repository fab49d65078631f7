package dev.verity.proof.verify;

import dev.verity.tensor.rng.KeyedShuffle;
import java.math.BigInteger;

/**
 * Which segments verifiers replay. The seed is revealed only after the solver commits (on chain:
 * commit-reveal), so a solver cannot know which segments will be checked: the first {@code k}
 * positions of a keyed permutation of the segments.
 */
public final class SegmentSampler {
    private SegmentSampler() {
    }

    public static int[] sample(long seed, int segments, int k) {
        if (segments < 1 || k < 0) {
            throw new IllegalArgumentException("need segments >= 1 and k >= 0");
        }
        k = Math.min(k, segments);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = KeyedShuffle.indexAt((int) seed, (int) (seed >>> 32), segments, i);
        }
        return out;
    }

    /**
     * The probability that k distinct segments sampled uniformly from {@code segments} include at
     * least one of {@code bad} falsified ones: 1 - C(S-f, k) / C(S, k).
     */
    public static double detectionProbability(int segments, int bad, int k) {
        if (bad <= 0) {
            return 0;
        }
        if (k > segments - bad) {
            return 1;
        }
        BigInteger num = BigInteger.ONE;
        BigInteger den = BigInteger.ONE;
        for (int i = 0; i < k; i++) {
            num = num.multiply(BigInteger.valueOf(segments - bad - i));
            den = den.multiply(BigInteger.valueOf(segments - i));
        }
        return 1 - new java.math.BigDecimal(num).divide(new java.math.BigDecimal(den), java.math.MathContext.DECIMAL64)
                .doubleValue();
    }
}
