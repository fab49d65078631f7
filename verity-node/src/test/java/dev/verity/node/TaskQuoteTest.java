package dev.verity.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Chain;
import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.PostParams;
import dev.verity.chain.Verity;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * The quote's floors are the market's (a post at the replay-fee floor is taken, one wei less is refused), and the
 * incentive argument of docs/incentives.md holds at them: with a stake of the whole pay, no number of skipped segments
 * gives a cheater a positive expected gain, with diligent verifiers or a third of them lazy; at half that stake and half
 * the verifiers lazy, some does (the check can fail).
 */
class TaskQuoteTest {
    @Test
    void theReplayFeeFloorIsTheMarketsFloor() {
        SyntheticDispute syn = new SyntheticDispute(96, 8, 4, 300, 4, 3);
        try (EmbeddedChain evm = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(evm);
            Verity v = deployed(evm, a);
            PostParams base = ChainSelftest.spec(syn, ChainSelftest.secret());
            TaskQuote q = new TaskQuote(base.workUnits(), base.totalSteps(), base.checkpointInterval(), base.numVerifiers(),
                    base.maxPricePerUnit(), v.rules());
            BigInteger floor = q.replayFeeFloor();
            assertEquals(Verity.ether(84), floor, "ceil(1000 · 8 / 96) work units at 1 VRT");
            PostParams low = withReplayFee(base, floor.subtract(BigInteger.ONE));
            Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> v.post(a.submitter(), low));
            assertEquals("ReplayFeeTooLow(" + floor.subtract(BigInteger.ONE) + ", " + floor + ")", e.reason());
            long id = v.post(a.submitter(), withReplayFee(base, floor));
            assertEquals(q.escrow(floor), v.task(id).escrow(), "the quote's escrow is the market's");
        }
    }

    @Test
    void theWindowFloorsAreTheMarketsFloors() {
        SyntheticDispute syn = new SyntheticDispute(96, 8, 4, 300, 4, 3);
        try (EmbeddedChain evm = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(evm);
            Verity v = deployed(evm, a);
            PostParams base = ChainSelftest.spec(syn, ChainSelftest.secret());
            PostParams big = new PostParams(base.specHash(), base.datasetRoot(), base.graphRoot(), base.parentModel(), base.initRoot(), base.seedCommit(),
                    base.graphOps(), base.totalSteps(), base.checkpointInterval(), 1_999_000, BigInteger.ONE, Verity.ether(1), Verity.ether(10_000),
                    2, 600, 600, 600, 600);
            TaskQuote q = new TaskQuote(big.workUnits(), big.totalSteps(), big.checkpointInterval(), 2, BigInteger.ONE, v.rules());
            Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> v.post(a.submitter(), big));
            assertEquals("WindowOutOfRange(\"commit\", 600, " + q.commitWindowFloor() + ")", e.reason());
            PostParams commitOk = big.withWindows(600, q.commitWindowFloor(), 600, 600);
            e = assertThrows(Chain.RevertException.class, () -> v.post(a.submitter(), commitOk));
            assertEquals("WindowOutOfRange(\"verify\", 600, " + q.verifyWindowFloor() + ")", e.reason());
            v.post(a.submitter(), big.withWindows(600, q.commitWindowFloor(), 600, q.verifyWindowFloor()));
        }
    }

    @Test
    void aShortLastSegmentDoesNotLowerTheFloor() {
        // 11 steps at c = 10: two segments, but a replay of the first costs 10/11 of the work, not half of it
        assertEquals(BigInteger.valueOf(910), PostParams.replayFeeFloor(1000, 11, 10, BigInteger.ONE));
    }

    @Test
    void noSkippedFractionPaysAtTheFloors() {
        for (long segments : new long[] {1, 2, 7, 100, 1000}) {
            for (int n = 1; n <= 16; n++) {
                TaskQuote q = new TaskQuote(1_000_000, segments * 10, 10, n, BigInteger.ONE, dev.verity.chain.TaskRules.defaults());
                for (long k = 1; k <= segments; k += Math.max(1, segments / 50)) {
                    assertTrue(q.cheaterGain(k, 0, 1) < 0, segments + " segments, " + n + " seats, " + k + " skipped");
                    assertTrue(q.cheaterGain(k, 1.0 / 3, 1) <= 1e-12, segments + " segments, " + n + " seats, " + k + " skipped, 1/3 lazy");
                }
            }
        }
        TaskQuote weak = new TaskQuote(1_000_000, 1000, 10, 1, BigInteger.ONE, dev.verity.chain.TaskRules.defaults());
        assertTrue(weak.cheaterGain(100, 0.5, 0.5) > 0, "half the verifiers lazy and half the stake: skipping everything pays");
    }

    /** The real contracts on {@code evm}, the self-test's actors funded and staked. */
    private static Verity deployed(EmbeddedChain evm, ChainSelftest.Actors a) {
        Verity v = Verity.deploy(evm, a.deployer(), a.treasury(), Verity.Config.defaults());
        ChainSelftest.setUp(v, a);
        return v;
    }

    private static PostParams withReplayFee(PostParams s, BigInteger fee) {
        return new PostParams(s.specHash(), s.datasetRoot(), s.graphRoot(), s.parentModel(), s.initRoot(), s.seedCommit(), s.graphOps(),
                s.totalSteps(), s.checkpointInterval(), s.workUnits(), s.maxPricePerUnit(), fee, s.solverStake(), s.numVerifiers(), s.bidWindow(),
                s.commitWindow(), s.revealWindow(), s.verifyWindow());
    }
}
