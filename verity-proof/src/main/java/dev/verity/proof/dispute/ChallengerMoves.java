package dev.verity.proof.dispute;

import dev.verity.tensor.train.TrainingState;

/** What a challenger says in rounds 1, 3, 5 and 7 (honest: {@link HonestChallenger}; the test library has dishonest ones). */
public interface ChallengerMoves {
    Messages.OpenDispute open(int segment);

    Messages.DisputeStep step(Messages.OpenDispute open, Messages.SegmentRoots roots) throws Exception;

    Messages.Claim claim(Messages.OpTrace trace, TrainingState postedNext);

    Messages.DisputeLink link(Messages.ElementClaim claim, Messages.ElementChainMsg chain);
}
