package dev.verity.testkit.econ;

import dev.verity.chain.ReplayProof;
import dev.verity.chain.SyntheticTrace;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A synthetic task's training as its solver ran it: the true op trace of each segment's last step (what an honest solver
 * and every honest replay compute, a pure function of the task and the step, so they agree bit for bit), and what the
 * solver holds and commits, which is made up in every segment it skipped (it never computed those steps; it keeps the
 * made-up outputs, which cost it nothing).
 */
public record SyntheticRun(long salt, long steps, long interval, Set<Long> cheatedSegments) {
    public SyntheticRun {
        if (interval <= 0) throw new IllegalArgumentException("interval must be positive, got " + interval);
        cheatedSegments = Set.copyOf(cheatedSegments);
    }

    /** The last step of segment {@code segment}'s op outputs: the truth, or ({@code truth} false) what the solver holds. */
    public ReplayProof.StepOutputs outputs(long segment, boolean truth) {
        boolean madeUp = !truth && cheatedSegments.contains(segment);
        return new SyntheticTrace(madeUp ? ~salt : salt).outputs(SyntheticTrace.endStep(segment, steps, interval));
    }

    /** The ends the solver commits: the op-trace root of every segment's last step as it holds them. */
    public ReplayProof.SegmentEnds ends() {
        List<Long> endSteps = new ArrayList<>();
        List<byte[]> roots = new ArrayList<>();
        long segments = (steps + interval - 1) / interval;
        for (long s = 0; s < segments; s++) {
            endSteps.add(SyntheticTrace.endStep(s, steps, interval));
            roots.add(ReplayProof.opTraceRoot(outputs(s, false)));
        }
        return new ReplayProof.SegmentEnds(endSteps, roots);
    }
}
