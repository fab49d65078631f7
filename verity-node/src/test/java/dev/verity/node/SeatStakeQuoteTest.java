package dev.verity.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.PostParams;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.Verity;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * The seat stake `verity task quote` prints is the one the market locks: the rules' seat stake, raised to the task's
 * replay fee when the fee is larger (ProtocolParams.admit), for a task of either kind.
 */
class SeatStakeQuoteTest {
    @Test
    void theQuotedSeatStakeIsTheOneTheMarketHoldsTheTaskTo() {
        try (EmbeddedChain chain = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults());
            ChainSelftest.setUp(v, a);
            BigInteger rulesSeat = v.rules().seatStake();
            boolean raised = false;
            boolean kept = false;
            // 32 steps in segments of 8: a 250 VRT fee, above the rules' seat stake; 4,096 steps in segments of 8: 2 VRT
            for (SyntheticDispute syn : new SyntheticDispute[] {new SyntheticDispute(32, 8, 4, 300, 4, 5), new SyntheticDispute(4096, 8, 4, 300, 4, 6)}) {
                PostParams spec = ChainSelftest.spec(syn, ChainSelftest.secret());
                long id = v.post(a.submitter(), spec);
                TaskQuote q = new TaskQuote(spec.workUnits(), spec.totalSteps(), spec.checkpointInterval(), spec.numVerifiers(),
                        spec.maxPricePerUnit(), v.rules());
                assertEquals(v.task(id).rules().seatStake(), q.seatStake(spec.replayFee()));
                raised |= spec.replayFee().compareTo(rulesSeat) > 0 && v.task(id).rules().seatStake().equals(spec.replayFee());
                kept |= spec.replayFee().compareTo(rulesSeat) < 0 && v.task(id).rules().seatStake().equals(rulesSeat);
            }
            assertTrue(raised && kept, "one task raises the seat stake to its fee, the other keeps the rules'");
        }
    }
}
