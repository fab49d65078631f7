package dev.verity.testkit.econ;

import dev.verity.chain.ReplayProbe;
import java.util.Set;

/**
 * A synthetic task's per-step losses: the true loss of each step (what an honest solver and every honest replay
 * compute, a pure function of the task and the step, so they agree bit for bit) and what the solver claims, which
 * differs from the truth at every step of a segment it skipped (it never computed those steps).
 */
public record Losses(long salt, long interval, Set<Long> cheatedSegments) {
    public Losses {
        if (interval <= 0) throw new IllegalArgumentException("interval must be positive, got " + interval);
        cheatedSegments = Set.copyOf(cheatedSegments);
    }

    /** The loss bits step {@code k} (1-based) really computes: a decaying curve with a task-dependent wobble. */
    public int truth(long k) {
        long h = mix(salt * 0x9E3779B97F4A7C15L + k);
        float wobble = (h & 0xffff) / 65536f * 0.01f;
        return ReplayProbe.bits(2f / (1 + 0.05f * k) + wobble);
    }

    /** The loss bits the solver holds for step {@code k}: the truth, except in a segment it skipped. */
    public int claimed(long k) {
        return cheated(k) ? truth(k) ^ 0x5a5 : truth(k);
    }

    public boolean cheated(long k) {
        return cheatedSegments.contains((k - 1) / interval);
    }

    /** Bits of steps {@code first..first+n-1} as {@code truth} ({@code true}) or as the solver claims them. */
    public int[] range(long first, int n, boolean truth) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = truth ? truth(first + i) : claimed(first + i);
        return out;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
