package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Access control, turn order, deadlines and timeouts on the embedded chain; every revert checked by reason. */
class MarketRulesTest {
    private EmbeddedChain chain;
    private Verity v;
    private ChainSelftest.Actors a;

    private void deploy(String referee) {
        chain = new EmbeddedChain();
        a = ChainSelftest.Actors.of(chain);
        v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults().withReferee(referee));
        ChainSelftest.setUp(v, a);
    }

    @AfterEach
    void close() {
        if (chain != null) chain.close();
    }

    private static void reverts(String reason, Executable e) {
        Chain.RevertException ex = assertThrows(Chain.RevertException.class, e);
        assertEquals(reason, ex.reason());
    }

    private final SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);

    @Test
    void auctionAndCommitRules() {
        deploy("AlwaysDefenderReferee");
        byte[] secret = ChainSelftest.secret();
        TaskSpec spec = ChainSelftest.spec(syn, secret);
        long id = v.post(a.submitter(), spec);
        reverts("Market: submitter cannot bid", () -> v.bid(a.submitter(), id, Verity.ether(1)));
        reverts("Market: price above maximum", () -> v.bid(a.solver(), id, Verity.ether(2)));
        v.bid(a.solver(), id, Verity.ether(1));
        reverts("Market: bid not lower than best", () -> v.bid(a.solver2(), id, Verity.ether(1)));
        reverts("Staking: insufficient unlocked stake", () -> v.bid(a.challenger(), id, BigInteger.ONE));
        reverts("Market: bid window still open", () -> v.closeAuction(a.deployer(), id));
        v.chain.advanceTime(spec.bidWindow() + 1);
        reverts("Market: bid window closed", () -> v.bid(a.solver2(), id, BigInteger.ONE));
        v.closeAuction(a.deployer(), id);
        reverts("Market: caller is not the solver", () -> v.commit(a.solver2(), id, syn.traceRoot(), syn.modelRoot(), new byte[32]));
        reverts("Market: commit deadline not passed", () -> v.timeoutCommit(a.deployer(), id));
        v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32]);
        reverts("Market: not awaiting a commit", () -> v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32]));
        reverts("Market: caller is not the submitter", () -> v.revealSeed(a.solver(), id, secret));
        reverts("Market: secret does not match commitment", () -> v.revealSeed(a.submitter(), id, new byte[32]));
        reverts("Market: reveal window still open", () -> v.assignWithoutReveal(a.deployer(), id));
        reverts("Market: verifiers not assigned yet", () -> v.settle(a.deployer(), id));
        v.revealSeed(a.submitter(), id, secret);
        reverts("Market: challenge window still open", () -> v.settle(a.deployer(), id));
        reverts("Market: caller is not this verifier", () -> v.attest(a.solver(), id, 0));
        // locked stake cannot leave while the task is open
        reverts("Staking: amount exceeds unlocked stake", () -> v.requestUnbond(a.solver(), Verity.ether(10_000)));
        v.chain.advanceTime(spec.verifyWindow() + 1);
        v.settle(a.deployer(), id);
        reverts("Market: task not settleable", () -> v.settle(a.deployer(), id)); // no double payout
        ChainSelftest.checkConservation(v, a);
        // unbonding delay
        v.requestUnbond(a.solver(), Verity.ether(10_000));
        reverts("Staking: still unbonding", () -> v.withdraw(a.solver()));
        v.chain.advanceTime(v.config.unbondingDelay());
        v.withdraw(a.solver());
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void silentSolverIsSlashedAndSubmitterRefunded() {
        deploy("AlwaysDefenderReferee");
        TaskSpec spec = ChainSelftest.spec(syn, ChainSelftest.secret());
        BigInteger before = v.balanceOf(a.submitter());
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver(), id, Verity.ether(1));
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.chain.advanceTime(spec.commitWindow() + 1);
        reverts("Market: commit deadline passed", () -> v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32]));
        v.timeoutCommit(a.deployer(), id);
        assertEquals(before.add(spec.solverStake()), v.balanceOf(a.submitter()));
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        assertEquals(BigInteger.ZERO, v.locked(a.solver()));
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void noBidsRefunds() {
        deploy("AlwaysDefenderReferee");
        BigInteger before = v.balanceOf(a.submitter());
        TaskSpec spec = ChainSelftest.spec(syn, ChainSelftest.secret());
        long id = v.post(a.submitter(), spec);
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        assertEquals(Verity.Status.CANCELLED, v.task(id).status());
        assertEquals(before, v.balanceOf(a.submitter()));
    }

    @Test
    void disputeTurnOrderAndProofs() {
        deploy("AlwaysDefenderReferee");
        long id = ChainSelftest.committedTask(v, a, syn);
        reverts("Market: solver cannot challenge itself", () -> v.openDispute(a.solver(), id, syn.round1(1)));
        SyntheticDispute.Round1 r1 = syn.round1(1);
        SyntheticDispute.Round1 bad = new SyntheticDispute.Round1(1, r1.endState(), r1.endState(), r1.proof());
        reverts("Game: bad proof of segment", () -> v.openDispute(a.challenger(), id, bad));
        long d = v.openDispute(a.challenger(), id, r1);
        reverts("Market: task not open to challenge", () -> v.openDispute(a.verifiers().get(0), id, syn.round1(0)));
        reverts("Game: caller is not the solver", () -> v.round2(a.challenger(), d, syn.round2(1)));
        reverts("Game: out of turn", () -> v.round3(a.challenger(), d, syn.round3(1, 2, 1, 7)));
        SyntheticDispute.Round2 r2 = syn.round2(1);
        v.round2(a.solver(), d, r2);
        reverts("Game: out of turn", () -> v.round2(a.solver(), d, syn.round2(1))); // replay
        // an honest segment starts and ends at the checkpoints: a segment-ends claim is refused
        reverts("Game: the segment starts and ends at the checkpoints", () -> v.claimSegmentEnds(a.challenger(), d, syn.step(1, 1)));
        reverts("Game: the segment starts and ends at the checkpoints", () -> v.claimSegmentEnds(a.challenger(), d, syn.step(1, syn.interval)));
        SyntheticDispute.Round3 r3 = syn.round3(1, 2, 1, 7);
        Verity.Step st = r3.step();
        reverts("Game: step outside the segment", () -> v.round3(a.challenger(), d, new SyntheticDispute.Round3(new Verity.Step(0, st.preState(),
                st.preOpTrace(), st.postState(), st.postOpTrace(), st.proof()), 1, r3.graphRecord(), r3.outputRoot(),
                r3.outputElems(), r3.opTraceProof(), 7)));
        // the disputed step's op trace comes from its segment leaf: another root does not prove
        reverts("Game: bad proof of the step's segment leaves", () -> v.round3(a.challenger(), d, new SyntheticDispute.Round3(new Verity.Step(st.k(),
                st.preState(), st.preOpTrace(), st.postState(), syn.stateRoot(99), st.proof()), 1, r3.graphRecord(), r3.outputRoot(),
                r3.outputElems(), r3.opTraceProof(), 7)));
        reverts("Game: element outside the output", () -> v.round3(a.challenger(), d, new SyntheticDispute.Round3(st, r3.opIndex(), r3.graphRecord(),
                r3.outputRoot(), r3.outputElems(), r3.opTraceProof(), syn.outputElems)));
        reverts("Game: caller is not the challenger", () -> v.round3(a.solver(), d, r3));
        v.round3(a.challenger(), d, r3);
        v.round4(a.solver(), d, syn.round4());
        reverts("Game: caller is not the challenger", () -> v.round5(a.solver(), d, syn.round5(2)));
        v.round5(a.challenger(), d, syn.round5(2));
        reverts("Game: dispute already resolved", () -> v.round5(a.challenger(), d, syn.round5(2)));
        // defender won: bond to solver, task back in verification, then settles normally
        assertEquals(Verity.Status.COMMITTED, v.task(id).status());
        ChainSelftest.checkConservation(v, a);
        v.chain.advanceTime(86400 + 1);
        v.settle(a.deployer(), id);
        ChainSelftest.checkConservation(v, a);
    }

    /**
     * One proof for two neighbouring leaves (MerkleSha256.verifyPair), at every pair of a 9-leaf trace (depth 4: the
     * paths meet at every level from 1 to 4) and a 9-leaf segment: it verifies, and fails with any sibling changed.
     */
    @Test
    void pairProofsVerifyForEveryNeighbouringPair() {
        deploy("AlwaysDefenderReferee");
        SyntheticDispute wide = new SyntheticDispute(64, 8, 4, 300, 4, 5);
        for (long seg = 0; seg < wide.numSegments(); seg++) {
            long id = ChainSelftest.committedTask(v, a, wide);
            SyntheticDispute.Round1 r1 = wide.round1(seg);
            for (int j = 0; j < r1.proof().size(); j++) {
                List<byte[]> bad = new ArrayList<>(r1.proof());
                bad.set(j, wide.stateRoot(1000 + j));
                // the same leaves with a forged pair proof: each sibling is needed
                reverts("Game: bad proof of segment", () -> v.openDispute(a.challenger(), id, new SyntheticDispute.Round1(r1.segment(),
                        r1.startState(), r1.endState(), bad)));
            }
            reverts("Game: bad proof of segment", () -> v.openDispute(a.challenger(), id, new SyntheticDispute.Round1(r1.segment(),
                    r1.startState(), r1.endState(), r1.proof().subList(0, r1.proof().size() - 1))));
            long d = v.openDispute(a.challenger(), id, r1);
            v.round2(a.solver(), d, wide.round2(seg));
            for (long k = 1; k <= wide.interval; k++) {
                Verity.Step st = wide.step(seg, k);
                // the proof verifies (the contract gets as far as the segment's ends, which are the checkpoints)
                reverts("Game: the segment starts and ends at the checkpoints", () -> v.claimSegmentEnds(a.challenger(), d, st));
                List<byte[]> bad = new ArrayList<>(st.proof());
                bad.set(bad.size() - 1, wide.stateRoot(999));
                Verity.Step forged = new Verity.Step(st.k(), st.preState(), st.preOpTrace(), st.postState(), st.postOpTrace(), bad);
                reverts("Game: bad proof of the step's segment leaves", () -> v.claimSegmentEnds(a.challenger(), d, forged));
            }
        }
    }

    @Test
    void aStepWithoutAnOpTraceLoses() {
        deploy("AlwaysDefenderReferee");
        SyntheticDispute holey = new SyntheticDispute(32, 8, 4, 300, 4, 5).withoutOpTraceAt(8 + 3);
        long id = ChainSelftest.committedTask(v, a, holey);
        long d = v.openDispute(a.challenger(), id, holey.round1(1));
        v.round2(a.solver(), d, holey.round2(1));
        // the disputed step (leaf 3 of segment 1) commits no op trace: no op claim can be proven, the challenger wins
        v.round3(a.challenger(), d, holey.round3(1, 3, 1, 7));
        assertEquals(0, v.dispute(d).nextRound());
        assertTrue(v.dispute(d).challengerWon());
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void aSegmentThatDoesNotStartAtTheCheckpointLoses() {
        deploy("AlwaysDefenderReferee");
        long id = ChainSelftest.committedTask(v, a, syn);
        long d = v.openDispute(a.challenger(), id, syn.round1(1));
        v.round2(a.solver(), d, syn.round2ForgedStart(1));
        // leaf 1 is the solver's own: naming it is no claim; leaf 0 is not checkpoint 1: the challenger wins at once
        reverts("Game: the segment starts and ends at the checkpoints", () -> v.claimSegmentEnds(a.challenger(), d, syn.step(1, 2, true)));
        BigInteger before = v.balanceOf(a.challenger());
        v.claimSegmentEnds(a.challenger(), d, syn.step(1, 1, true));
        assertEquals(0, v.dispute(d).nextRound());
        assertTrue(v.dispute(d).challengerWon());
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        BigInteger stake = v.task(id).spec().solverStake();
        assertEquals(before.add(v.config.challengeBond()).add(stake.divide(BigInteger.TWO)), v.balanceOf(a.challenger()));
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void silentPartiesLoseDisputes() {
        deploy("AlwaysDefenderReferee");
        // silent solver at round 2
        long t1 = ChainSelftest.committedTask(v, a, syn);
        long d1 = v.openDispute(a.challenger(), t1, syn.round1(0));
        reverts("Game: round deadline not passed", () -> v.timeoutDispute(a.deployer(), d1));
        v.chain.advanceTime(v.config.roundTimeout() + 1);
        reverts("Game: round deadline passed", () -> v.round2(a.solver(), d1, syn.round2(0)));
        BigInteger before = v.balanceOf(a.challenger());
        v.timeoutDispute(a.deployer(), d1);
        assertEquals(Verity.Status.FAILED, v.task(t1).status());
        BigInteger stake = v.task(t1).spec().solverStake();
        assertEquals(before.add(v.config.challengeBond()).add(stake.divide(BigInteger.TWO)), v.balanceOf(a.challenger()));
        // the other half waits in Staking for the treasury; anyone may send it there, once
        assertEquals(stake.subtract(stake.divide(BigInteger.TWO)), v.treasuryAccrued());
        ChainSelftest.checkConservation(v, a);
        BigInteger treasuryBefore = v.balanceOf(v.treasury);
        v.collectTreasury(a.submitter());
        assertEquals(treasuryBefore.add(stake.subtract(stake.divide(BigInteger.TWO))), v.balanceOf(v.treasury));
        assertEquals(BigInteger.ZERO, v.treasuryAccrued());
        reverts("Staking: nothing accrued", () -> v.collectTreasury(a.submitter()));
        ChainSelftest.checkConservation(v, a);
        // the failed task's escrow waits for settle(), which refunds the submitter once
        BigInteger submitterBefore = v.balanceOf(a.submitter());
        BigInteger escrow = v.task(t1).escrow();
        v.settle(a.deployer(), t1);
        assertEquals(submitterBefore.add(escrow), v.balanceOf(a.submitter()));
        reverts("Market: task not settleable", () -> v.settle(a.deployer(), t1));
        // silent challenger at round 3
        long t2 = ChainSelftest.committedTask(v, a, syn);
        long d2 = v.openDispute(a.challenger(), t2, syn.round1(2));
        v.round2(a.solver(), d2, syn.round2(2));
        v.chain.advanceTime(v.config.roundTimeout() + 1);
        BigInteger solverBefore = v.balanceOf(a.solver());
        v.timeoutDispute(a.challenger(), d2);
        assertEquals(solverBefore.add(v.config.challengeBond()), v.balanceOf(a.solver()));
        assertEquals(Verity.Status.COMMITTED, v.task(t2).status());
        v.settle(a.deployer(), t2); // the window passed during the dispute: settles at once
        assertEquals(BigInteger.ZERO, v.balanceOf(v.market));
        assertEquals(BigInteger.ZERO, v.balanceOf(v.game));
        assertEquals(BigInteger.ZERO, v.locked(a.solver()));
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void faucetOnlyOnLocalChains() {
        deploy("AlwaysDefenderReferee");
        BigInteger s = v.totalSupply();
        v.faucet(a.challenger(), Verity.ether(5));
        assertEquals(s.add(Verity.ether(5)), v.totalSupply());
        reverts("VerityToken: faucet amount too large", () -> v.faucet(a.challenger(), Verity.ether(2_000_000)));
    }
}
