package dev.verity.testkit.proof;

import dev.verity.proof.dispute.ChallengerMoves;
import dev.verity.proof.dispute.Messages;
import dev.verity.proof.spec.TaskRun;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainingState;

/**
 * A dishonest challenger: disputes an honest solver anyway, with a claim of the given kind. It must
 * lose at the referee, whatever it claims.
 */
public final class LyingChallenger implements ChallengerMoves {
    public enum Lie {
        RECORD, SOURCE,
        /** A source claim against a dataset input (decided against the task's dataset root). */
        SOURCE_DATA,
        UPDATE,
        /** An update claim naming another node than the one the graph commits as holding the tensor. */
        UPDATE_NODE,
        SCALARS, LINK, RESULT,
        /** Disputes an honest link and asks for the structure check too (the link is the prescribed one). */
        LINK_STRUCTURE,
        /** Disputes the honest result leaf and chain length with the structure check. */
        RESULT_STRUCTURE
    }

    private final TaskRun run;
    private final Lie lie;

    public LyingChallenger(TaskRun run, Lie lie) {
        this.run = run;
        this.lie = lie;
    }

    @Override
    public Messages.OpenDispute open(int segment) {
        return new Messages.OpenDispute(segment);
    }

    @Override
    public Messages.DisputeStep step(Messages.OpenDispute open, Messages.SegmentRoots roots) {
        return new Messages.DisputeStep(roots.firstStep() + roots.stateRoots().size() - 2);
    }

    @Override
    public Messages.Claim claim(Messages.OpTrace trace, TrainingState postedNext) {
        return switch (lie) {
            case RECORD -> new Messages.RecordClaim(run.graph().size() / 2);
            case SOURCE -> new Messages.SourceClaim(firstOf(OpKind.STATE));
            case SOURCE_DATA -> new Messages.SourceClaim(dataInput());
            case UPDATE -> new Messages.UpdateClaim(run.graph().stateUpdates().firstKey(),
                    run.graph().stateUpdates().get(run.graph().stateUpdates().firstKey()));
            case UPDATE_NODE -> new Messages.UpdateClaim(run.graph().stateUpdates().firstKey(),
                    run.graph().stateUpdates().get(run.graph().stateUpdates().lastKey()));
            case SCALARS -> new Messages.ScalarsClaim();
            case LINK, RESULT, LINK_STRUCTURE, RESULT_STRUCTURE -> new Messages.ElementClaim(lastOf(OpKind.MATMUL), 0);
        };
    }

    @Override
    public Messages.DisputeLink link(Messages.ElementClaim claim, Messages.ElementChainMsg chain) {
        boolean result = lie == Lie.RESULT || lie == Lie.RESULT_STRUCTURE;
        return new Messages.DisputeLink(result ? chain.links().size() : chain.links().size() / 2,
                lie == Lie.LINK_STRUCTURE || lie == Lie.RESULT_STRUCTURE);
    }

    private int dataInput() {
        for (Node n : run.graph().nodes()) {
            if (n.kind() == OpKind.INPUT && !n.name().equals(StepGraphs.STEP)) {
                return n.id();
            }
        }
        throw new IllegalStateException("the graph has no dataset input");
    }

    private int firstOf(OpKind k) {
        for (Node n : run.graph().nodes()) {
            if (n.kind() == k) {
                return n.id();
            }
        }
        return 0;
    }

    private int lastOf(OpKind k) {
        int last = 0;
        for (Node n : run.graph().nodes()) {
            if (n.kind() == k) {
                last = n.id();
            }
        }
        return last;
    }
}
