package dev.verity.chain;

import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;

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
        assertEquals(reason, ex.reason(), ex.getMessage());
    }

    private final SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);

    @Test
    void auctionAndCommitRules() {
        deploy("AlwaysDefenderReferee");
        byte[] secret = ChainSelftest.secret();
        PostParams spec = ChainSelftest.spec(syn, secret);
        long id = v.post(a.submitter(), spec);
        reverts("SubmitterCannotBid()", () -> v.bid(a.submitter(), id, Verity.ether(1)));
        reverts("PriceAboveMaximum()", () -> v.bid(a.solver(), id, Verity.ether(2)));
        v.bid(a.solver(), id, Verity.ether(1));
        reverts("BidNotLowerThanBest()", () -> v.bid(a.solver2(), id, Verity.ether(1)));
        reverts("InsufficientUnlockedStake()", () -> v.bid(a.challenger(), id, BigInteger.ONE));
        reverts("BidWindowStillOpen()", () -> v.closeAuction(a.deployer(), id));
        v.chain.advanceTime(spec.bidWindow() + 1);
        reverts("BidWindowClosed()", () -> v.bid(a.solver2(), id, BigInteger.ONE));
        v.closeAuction(a.deployer(), id);
        reverts("CallerIsNotTheSolver()", () -> v.commit(a.solver2(), id, syn.traceRoot(), syn.modelRoot(), new byte[32], ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval)));
        reverts("CommitDeadlineNotPassed()", () -> v.timeoutCommit(a.deployer(), id));
        v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32], ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval));
        reverts("NotAwaitingACommit()", () -> v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32], ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval)));
        reverts("CallerIsNotTheSubmitter()", () -> v.revealSeed(a.solver(), id, secret));
        reverts("SecretDoesNotMatchCommitment()", () -> v.revealSeed(a.submitter(), id, new byte[32]));
        reverts("RevealWindowStillOpen()", () -> v.assignWithoutReveal(a.deployer(), id));
        reverts("VerifiersNotAssignedYet()", () -> v.settle(a.deployer(), id));
        v.revealSeed(a.submitter(), id, secret);
        reverts("ChallengeWindowStillOpen()", () -> v.settle(a.deployer(), id));
        reverts("CallerIsNotThisVerifier()", () -> v.attest(a.solver(), id, 0, Sha256.hash("replay".getBytes())));
        // locked stake cannot leave while the task is open
        reverts("AmountExceedsUnlockedStake()", () -> v.requestUnbond(a.solver(), Verity.ether(10_000)));
        ChainSelftest.attestAll(v, id);
        v.chain.advanceTime(spec.verifyWindow() + 1);
        reverts("ChallengeWindowStillOpen()", () -> v.settle(a.deployer(), id)); // the probe window follows the verify window
        v.chain.advanceTime(600);
        v.settle(a.deployer(), id);
        assertEquals(Verity.Status.SETTLED, v.task(id).status());
        reverts("TaskNotSettleable()", () -> v.settle(a.deployer(), id)); // no double payout
        ChainSelftest.checkConservation(v, a);
        // unbonding delay
        v.requestUnbond(a.solver(), Verity.ether(10_000));
        reverts("StillUnbonding()", () -> v.withdraw(a.solver()));
        v.chain.advanceTime(v.config.unbondingDelay());
        v.withdraw(a.solver());
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void silentSolverIsSlashedAndSubmitterRefunded() {
        deploy("AlwaysDefenderReferee");
        PostParams spec = ChainSelftest.spec(syn, ChainSelftest.secret());
        BigInteger before = v.balanceOf(a.submitter());
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver(), id, Verity.ether(1));
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.chain.advanceTime(spec.commitWindow() + 1);
        reverts("CommitDeadlinePassed()", () -> v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32], ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval)));
        BigInteger treasury = v.balanceOf(v.treasury);
        v.timeoutCommit(a.deployer(), id);
        // the stake goes to the treasury, never to the submitter who chose the window: the submitter only gets its escrow back
        assertEquals(before, v.balanceOf(a.submitter()));
        assertEquals(treasury.add(spec.solverStake()), v.balanceOf(v.treasury));
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        assertEquals(BigInteger.ZERO, v.locked(a.solver()));
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void noBidsRefunds() {
        deploy("AlwaysDefenderReferee");
        BigInteger before = v.balanceOf(a.submitter());
        PostParams spec = ChainSelftest.spec(syn, ChainSelftest.secret());
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
        reverts("SolverCannotChallengeItself()", () -> v.openDispute(a.solver(), id, 1));
        reverts("NoSuchSegment()", () -> v.openDispute(a.challenger(), id, syn.numSegments()));
        long d = v.openDispute(a.challenger(), id, 1);
        // any number of disputes may run at once: a second challenger opens its own game on the same task
        long d2 = v.openDispute(a.verifiers().get(0), id, 0);
        assertEquals(2, v.openDisputes(id));
        assertEquals(List.of(d, d2), v.disputesOf(id));
        reverts("CallerIsNotTheSolver()", () -> v.round2(a.challenger(), d, syn.round2(1)));
        reverts("OutOfTurn()", () -> v.round3(a.challenger(), d, syn.round3(1, 2, 1, 7)));
        // round 2 opens the trace at the segment's checkpoints: another segment's ends, a forged start or a short segment do not prove
        reverts("BadProofOfTheSegmentSCheckpoints()", () -> v.round2(a.solver(), d, syn.round2(2)));
        reverts("TheSegmentMustStartAndEndAtItsCheckpoints()", () -> v.round2(a.solver(), d, syn.round2ForgedStart(1)));
        DisputeMoves.SegmentPost r2 = syn.round2(1);
        reverts("WrongNumberOfSegmentLeaves()", () -> v.round2(a.solver(), d, new DisputeMoves.SegmentPost(r2.startState(), r2.endState(),
                r2.endsProof(), r2.stateRoots().subList(0, 4), r2.opTraceRoots().subList(0, 4))));
        v.round2(a.solver(), d, r2);
        reverts("OutOfTurn()", () -> v.round2(a.solver(), d, syn.round2(1))); // replay
        // the challenger reads every leaf from the chain, and the root the contract computed is the segment tree's
        Verity.PostedSegment posted = v.postedSegment(d).orElseThrow();
        assertEquals(r2.stateRoots().size(), posted.stateRoots().size());
        assertTrue(java.util.Arrays.equals(r2.segmentRoot(8), posted.segmentRoot()));
        DisputeMoves.OpClaim r3 = syn.round3(1, 2, 1, 7);
        Verity.Step st = r3.step();
        reverts("StepOutsideTheSegment()", () -> v.round3(a.challenger(), d, new DisputeMoves.OpClaim(new Verity.Step(0, st.preState(),
                st.preOpTrace(), st.postState(), st.postOpTrace(), st.proof()), 1, r3.graphRecord(), r3.outputRoot(),
                r3.outputElems(), r3.opTraceProof(), 7)));
        // the disputed step's op trace comes from its segment leaf: another root does not prove
        reverts("BadProofOfTheStepSSegmentLeaves()", () -> v.round3(a.challenger(), d, new DisputeMoves.OpClaim(new Verity.Step(st.k(),
                st.preState(), st.preOpTrace(), st.postState(), syn.stateRoot(99), st.proof()), 1, r3.graphRecord(), r3.outputRoot(),
                r3.outputElems(), r3.opTraceProof(), 7)));
        reverts("ElementOutsideTheOutput()", () -> v.round3(a.challenger(), d, new DisputeMoves.OpClaim(st, r3.opIndex(), r3.graphRecord(),
                r3.outputRoot(), r3.outputElems(), r3.opTraceProof(), syn.outputElems)));
        reverts("CallerIsNotTheChallenger()", () -> v.round3(a.solver(), d, r3));
        v.round3(a.challenger(), d, r3);
        v.round4(a.solver(), d, syn.round4());
        reverts("CallerIsNotTheChallenger()", () -> v.round5(a.solver(), d, syn.round5(2)));
        v.round5(a.challenger(), d, syn.round5(2));
        reverts("DisputeAlreadyResolved()", () -> v.round5(a.challenger(), d, syn.round5(2)));
        // defender won the first dispute; the second is still open, so the task cannot settle yet
        assertEquals(Verity.Status.DISPUTED, v.task(id).status());
        v.chain.advanceTime(86400 + 601); // past the verify and probe windows (the second dispute's round deadline too)
        reverts("ADisputeIsStillOpen()", () -> v.settle(a.deployer(), id));
        v.timeoutDispute(a.deployer(), d2); // the second challenger's solver stayed silent at round 2: it loses
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        ChainSelftest.checkConservation(v, a);
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
            long d = v.openDispute(a.challenger(), id, seg);
            DisputeMoves.SegmentPost r2 = wide.round2(seg);
            for (int j = 0; j < r2.endsProof().size(); j++) {
                List<byte[]> bad = new ArrayList<>(r2.endsProof());
                bad.set(j, wide.stateRoot(1000 + j));
                // the same leaves with a forged pair proof: each sibling is needed
                reverts("BadProofOfTheSegmentSCheckpoints()", () -> v.round2(a.solver(), d, new DisputeMoves.SegmentPost(r2.startState(),
                        r2.endState(), bad, r2.stateRoots(), r2.opTraceRoots())));
            }
            reverts("BadProofOfTheSegmentSCheckpoints()", () -> v.round2(a.solver(), d, new DisputeMoves.SegmentPost(r2.startState(),
                    r2.endState(), r2.endsProof().subList(0, r2.endsProof().size() - 1), r2.stateRoots(), r2.opTraceRoots())));
            v.round2(a.solver(), d, r2);
            for (long k = 1; k <= wide.interval; k++) {
                Verity.Step st = wide.step(seg, k);
                List<byte[]> bad = new ArrayList<>(st.proof());
                bad.set(bad.size() - 1, wide.stateRoot(999));
                Verity.Step forged = new Verity.Step(st.k(), st.preState(), st.preOpTrace(), st.postState(), st.postOpTrace(), bad);
                DisputeMoves.OpClaim r3 = wide.round3(seg, k, 1, 7);
                reverts("BadProofOfTheStepSSegmentLeaves()", () -> v.round3(a.challenger(), d, new DisputeMoves.OpClaim(forged, 1,
                        r3.graphRecord(), r3.outputRoot(), r3.outputElems(), r3.opTraceProof(), 7)));
                // the real pair proof gets past the step, as far as the op entry (here proven with a wrong opIndex)
                reverts("BadProofOfOpTraceEntry()", () -> v.round3(a.challenger(), d, new DisputeMoves.OpClaim(st, 2,
                        r3.graphRecord(), r3.outputRoot(), r3.outputElems(), r3.opTraceProof(), 7)));
            }
        }
    }

    /**
     * Data the solver did not publish is demanded on chain: the op trace of the disputed step (round 3) and the element
     * chain (round 5). The solver must post every leaf, the contract recomputes the root, the challenger reads the leaves
     * from the events and plays on; while an opening is due only the solver may move, and its silence loses.
     */
    @Test
    void demandedOpeningsAndTurns() {
        deploy("AlwaysDefenderReferee");
        long id = ChainSelftest.committedTask(v, a, syn);
        long d = v.openDispute(a.challenger(), id, 1);
        v.round2(a.solver(), d, syn.round2(1));
        reverts("NoSuchOpeningIsDue()", () -> v.postOpTrace(a.solver(), d, syn.opTraceEntries()));
        v.demandOpTrace(a.challenger(), d, syn.step(1, 2));
        assertEquals(1, v.dispute(d).demand());
        assertTrue(v.dispute(d).solversTurn());
        reverts("AnOpeningIsDueFromTheSolverFirst()", () -> v.round3(a.challenger(), d, syn.round3(1, 2, 1, 7)));
        reverts("CallerIsNotTheSolver()", () -> v.postOpTrace(a.challenger(), d, syn.opTraceEntries()));
        Verity.OpTraceEntries e = syn.opTraceEntries();
        List<byte[]> roots = new ArrayList<>(e.outputRoots());
        roots.set(1, syn.stateRoot(77));
        reverts("TheEntriesAreNotTheCommittedOpTrace()", () -> v.postOpTrace(a.solver(), d, new Verity.OpTraceEntries(e.graphLeaves(),
                roots, e.outputElems())));
        v.postOpTrace(a.solver(), d, e);
        assertEquals(0, v.dispute(d).demand());
        assertEquals(syn.graphOps, v.postedOpTrace(d).orElseThrow().outputRoots().size());
        reverts("TheOpTraceWasPostedAlready()", () -> v.demandOpTrace(a.challenger(), d, syn.step(1, 2)));
        // the step is fixed: another one is refused, the demanded one goes on to the op
        reverts("TheStepIsFixedByTheDemandedOpTrace()", () -> v.round3(a.challenger(), d, syn.round3(1, 3, 1, 7)));
        v.round3(a.challenger(), d, syn.round3(1, 2, 1, 7));
        v.round4(a.solver(), d, syn.round4());
        v.demandChain(a.challenger(), d);
        reverts("AChainHasItsLinksAndTheResultLeaf()", () -> v.postChain(a.solver(), d, syn.chainLeaves().subList(0, syn.chainLength)));
        List<byte[]> tampered = new ArrayList<>(syn.chainLeaves());
        byte[] leaf1 = tampered.get(1).clone();
        leaf1[leaf1.length - 1] ^= 1;
        tampered.set(1, leaf1);
        reverts("TheLeavesAreNotTheCommittedChain()", () -> v.postChain(a.solver(), d, tampered));
        v.postChain(a.solver(), d, syn.chainLeaves());
        assertEquals(4, v.dispute(d).demand()); // opened: a second demand would only keep the dispute open
        reverts("TheChainWasOpenedAlready()", () -> v.demandChain(a.challenger(), d));
        List<byte[]> posted = v.postedChain(d).orElseThrow();
        assertTrue(java.util.Arrays.equals(syn.chainLeaves().get(2), posted.get(2)));
        v.round5(a.challenger(), d, syn.round5(2));
        assertEquals(0, v.dispute(d).nextRound());
        ChainSelftest.checkConservation(v, a);
        // a solver silent after a demand loses, whatever the round's parity
        long t2 = ChainSelftest.committedTask(v, a, syn);
        long d2 = v.openDispute(a.challenger(), t2, 0);
        v.round2(a.solver(), d2, syn.round2(0));
        v.demandOpTrace(a.challenger(), d2, syn.step(0, 1));
        v.chain.advanceTime(v.config.rules().roundTimeout() + 1);
        v.timeoutDispute(a.challenger(), d2);
        assertTrue(v.dispute(d2).challengerWon());
        ChainSelftest.checkConservation(v, a);
    }

    /** A chain leaf that is not the link its index says (here another tag) loses for the solver; it used to revert. */
    @Test
    void aMalformedChainLinkLoses() {
        deploy("AlwaysDefenderReferee"); // a referee that would call any well-formed link right
        SyntheticDispute bad = new SyntheticDispute(32, 8, 4, 300, 4, 5).withMalformedLink(2);
        long id = ChainSelftest.committedTask(v, a, bad);
        long d = v.openDispute(a.challenger(), id, 1);
        v.round2(a.solver(), d, bad.round2(1));
        v.round3(a.challenger(), d, bad.round3(1, 2, 1, 7));
        v.round4(a.solver(), d, bad.round4());
        v.round5(a.challenger(), d, bad.round5(2));
        assertTrue(v.dispute(d).challengerWon());
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void aStepWithoutAnOpTraceLoses() {
        deploy("AlwaysDefenderReferee");
        SyntheticDispute holey = new SyntheticDispute(32, 8, 4, 300, 4, 5).withoutOpTraceAt(8 + 3);
        long id = ChainSelftest.committedTask(v, a, holey);
        long d = v.openDispute(a.challenger(), id, 1);
        v.round2(a.solver(), d, holey.round2(1));
        // the disputed step (leaf 3 of segment 1) commits no op trace: no op claim can be proven, the challenger wins
        v.round3(a.challenger(), d, holey.round3(1, 3, 1, 7));
        assertEquals(0, v.dispute(d).nextRound());
        assertTrue(v.dispute(d).challengerWon());
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void aSolverThatCannotOpenItsTraceLoses() {
        deploy("AlwaysDefenderReferee");
        // the solver commits a made-up trace root (or a tree with the wrong leaf count): nobody can prove against it, so the
        // challenger opens without a proof and the solver, who cannot open the segment's checkpoints, loses by timeout
        long id = ChainSelftest.committedTask(v, a, syn, syn.stateRoot(4242));
        long d = v.openDispute(a.challenger(), id, 1);
        reverts("BadProofOfTheSegmentSCheckpoints()", () -> v.round2(a.solver(), d, syn.round2(1)));
        v.chain.advanceTime(v.config.rules().roundTimeout() + 1);
        BigInteger before = v.balanceOf(a.challenger());
        v.timeoutDispute(a.deployer(), d);
        assertTrue(v.dispute(d).challengerWon());
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        BigInteger stake = v.task(id).spec().solverStake();
        assertEquals(before.add(v.config.rules().challengeBond()).add(stake.divide(BigInteger.TWO)), v.balanceOf(a.challenger()));
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void silentPartiesLoseDisputes() {
        deploy("AlwaysDefenderReferee");
        // silent solver at round 2
        long t1 = ChainSelftest.committedTask(v, a, syn);
        long d1 = v.openDispute(a.challenger(), t1, 0);
        reverts("RoundDeadlineNotPassed()", () -> v.timeoutDispute(a.deployer(), d1));
        v.chain.advanceTime(v.config.rules().roundTimeout() + 1);
        reverts("RoundDeadlinePassed()", () -> v.round2(a.solver(), d1, syn.round2(0)));
        BigInteger before = v.balanceOf(a.challenger());
        v.timeoutDispute(a.deployer(), d1);
        assertEquals(Verity.Status.FAILED, v.task(t1).status());
        BigInteger stake = v.task(t1).spec().solverStake();
        assertEquals(before.add(v.config.rules().challengeBond()).add(stake.divide(BigInteger.TWO)), v.balanceOf(a.challenger()));
        // the other half waits in Staking for the treasury; anyone may send it there, once
        assertEquals(stake.subtract(stake.divide(BigInteger.TWO)), v.treasuryAccrued());
        ChainSelftest.checkConservation(v, a);
        BigInteger treasuryBefore = v.balanceOf(v.treasury);
        v.collectTreasury(a.submitter());
        assertEquals(treasuryBefore.add(stake.subtract(stake.divide(BigInteger.TWO))), v.balanceOf(v.treasury));
        assertEquals(BigInteger.ZERO, v.treasuryAccrued());
        reverts("NothingAccrued()", () -> v.collectTreasury(a.submitter()));
        ChainSelftest.checkConservation(v, a);
        // the failed task's escrow waits for settle(), which refunds the submitter once
        BigInteger submitterBefore = v.balanceOf(a.submitter());
        BigInteger escrow = v.task(t1).escrow();
        v.settle(a.deployer(), t1);
        assertEquals(submitterBefore.add(escrow), v.balanceOf(a.submitter()));
        reverts("TaskNotSettleable()", () -> v.settle(a.deployer(), t1));
        // silent challenger at round 3
        long t2 = ChainSelftest.committedTask(v, a, syn);
        ChainSelftest.attestAll(v, t2);
        long d2 = v.openDispute(a.challenger(), t2, 2);
        v.round2(a.solver(), d2, syn.round2(2));
        v.chain.advanceTime(v.config.rules().roundTimeout() + 1);
        BigInteger solverBefore = v.balanceOf(a.solver());
        v.timeoutDispute(a.challenger(), d2);
        assertEquals(solverBefore.add(v.config.rules().challengeBond()), v.balanceOf(a.solver()));
        assertEquals(Verity.Status.COMMITTED, v.task(t2).status());
        v.chain.advanceTime(600); // the probe window follows the verify window
        v.settle(a.deployer(), t2); // the windows passed during the dispute: settles at once
        assertEquals(v.jackpotPool(), v.balanceOf(v.market), "the market holds only the jackpot pool");
        assertTrue(v.jackpotPool().signum() > 0, "funded by the settled task's share of the fee");
        assertEquals(BigInteger.ZERO, v.balanceOf(v.game));
        assertEquals(BigInteger.ZERO, v.locked(a.solver()));
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void noQuorumNoPayment() {
        deploy("AlwaysDefenderReferee");
        long id = ChainSelftest.committedTask(v, a, syn);
        List<Verity.Assignment> as = v.assignments(id);
        assertEquals(2, as.size());
        ChainSelftest.proveSeats(v, id, 0); // one of two: no majority
        PostParams spec = v.task(id).spec();
        BigInteger submitter = v.balanceOf(a.submitter());
        BigInteger solver = v.balanceOf(a.solver());
        BigInteger escrow = v.task(id).escrow();
        v.chain.advanceTime(spec.verifyWindow() + 601);
        v.settle(a.deployer(), id);
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        assertEquals(solver, v.balanceOf(a.solver())); // not paid
        assertEquals(BigInteger.ZERO, v.locked(a.solver())); // not slashed either: the verifiers were silent, not the solver
        assertEquals(submitter.add(escrow).subtract(spec.replayFee()), v.balanceOf(a.submitter())); // the attested replay is paid
        assertTrue(!v.modelRegistered(syn.modelRoot()));
        ChainSelftest.checkConservation(v, a);
    }

    /**
     * An attestation proves a replay: the verifier commits to its keyed root of its segment's last-step op trace before the
     * probe is drawn (from the attestation's block), and the seat counts and is paid only once it reveals the drawn chunk,
     * proven in the solver's committed op trace and, under the seat's key, in its root. A root built before the key was
     * known (a solver's precomputed one, keyed with zeros here) does not prove; a chunk that is not the solver's is refused.
     */
    @Test
    void anAttestationCountsOnlyWhenItRevealsTheDrawnChunkUnderItsKey() {
        deploy("AlwaysDefenderReferee");
        long id = ChainSelftest.committedTask(v, a, syn);
        List<Verity.Assignment> as = v.assignments(id);
        ReplayProof.SegmentEnds ends = ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval);
        ReplayProof honest = ChainSelftest.syntheticReplay(v, id, as.get(0));
        long end1 = SyntheticTrace.endStep(as.get(1).segment(), syn.totalSteps, syn.interval);
        ReplayProof precomputed = new ReplayProof(new byte[32], ChainSelftest.TRACE.outputs(end1));
        reverts("NothingToProbe()", () -> v.revealProbe(as.get(0).verifier(), id, 0, honest.reveal(new byte[32], ends, (int) as.get(0).segment())));
        v.attest(as.get(0).verifier(), id, 0, honest.root());
        v.attest(as.get(1).verifier(), id, 1, precomputed.root());
        assertEquals(v.task(id).rules().seatStake(), v.locked(as.get(1).verifier()), "a seat's stake stays locked until the task ends");
        byte[] seed0 = v.probeOf(id, 0);
        byte[] seed1 = v.probeOf(id, 1);
        ReplayProof.Reveal good = honest.reveal(seed0, ends, (int) as.get(0).segment());
        // every draw is checked: a wrong chunk in the last one is refused
        int last = ReplayProof.DRAWS - 1;
        ReplayProof.ChunkReveal g = good.chunks().get(last);
        byte[] tampered = g.chunk().clone();
        tampered[0] ^= 1;
        List<ReplayProof.ChunkReveal> chunks = new ArrayList<>(good.chunks());
        chunks.set(last, new ReplayProof.ChunkReveal(g.recordHash(), g.outputRoot(), g.outputElems(), g.opProof(), tampered, g.chunkProof(),
                g.keyedRoot(), g.keyedOpProof(), g.keyedChunkProof()));
        ReplayProof.Reveal bad = new ReplayProof.Reveal(good.opTraceRoot(), good.endProof(), good.opCount(), chunks);
        byte[] lastSeed = ReplayProof.drawSeed(seed0, last);
        reverts("ChunkNotInOutput(" + ReplayProof.opOf(lastSeed, honest.ops()) + ", " + ReplayProof.chunkOf(lastSeed, g.outputElems()) + ")",
                () -> v.revealProbe(as.get(0).verifier(), id, 0, bad));
        ReplayProof.Reveal short_ = new ReplayProof.Reveal(good.opTraceRoot(), good.endProof(), good.opCount(), good.chunks().subList(0, last));
        reverts("WrongDrawCount(" + last + ", " + ReplayProof.DRAWS + ")", () -> v.revealProbe(as.get(0).verifier(), id, 0, short_));
        reverts("CallerIsNotThisVerifier()", () -> v.revealProbe(a.solver(), id, 0, good));
        ReplayProof.Reveal unkeyed = precomputed.reveal(seed1, ends, (int) as.get(1).segment());
        byte[] first1 = ReplayProof.drawSeed(seed1, 0);
        reverts("NotInReplayRoot(" + ReplayProof.opOf(first1, precomputed.ops()) + ", " + ReplayProof.chunkOf(first1, unkeyed.chunks().get(0).outputElems())
                + ")", () -> v.revealProbe(as.get(1).verifier(), id, 1, unkeyed));
        v.revealProbe(as.get(0).verifier(), id, 0, good);
        reverts("NothingToProbe()", () -> v.revealProbe(as.get(0).verifier(), id, 0, good));
        assertTrue(v.assignments(id).get(0).proven());
        assertTrue(!v.assignments(id).get(1).proven(), "a root keyed before the key existed does not prove");
        assertEquals(1, v.task(id).attestations());
        BigInteger lazy = v.balanceOf(as.get(1).verifier());
        v.chain.advanceTime(v.task(id).spec().verifyWindow() + 601);
        v.settle(a.deployer(), id); // one proven seat of two: no quorum
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        assertEquals(lazy, v.balanceOf(as.get(1).verifier()), "the unproven seat is not paid");
        assertEquals(Verity.ether(300), v.staked(as.get(1).verifier()), "nor slashed: in a task that fails nobody is");
        assertEquals(BigInteger.ZERO, v.locked(as.get(1).verifier()), "and its seat is free at the end");
        ChainSelftest.checkConservation(v, a);
    }

    /**
     * Whoever posts a root opens any leaf on demand: the challenger demands the records of the disputed step's agreed
     * state, of its disputed state and of the model; the solver must post every record under each (the contract recomputes
     * the root), the challenger reads them from the chain and proves a record against the root; each root opens once.
     */
    @Test
    void demandedStatesAreOpenedOnChain() {
        deploy("AlwaysDefenderReferee");
        long id = ChainSelftest.committedTask(v, a, syn);
        long d = v.openDispute(a.challenger(), id, 1);
        v.round2(a.solver(), d, syn.round2(1));
        Verity.Step st = syn.step(1, 3);
        long step = syn.interval + 3;
        reverts("NoSuchState(3)", () -> v.demandState(a.challenger(), d, st, 3));
        v.demandState(a.challenger(), d, st, Verity.STATE_AGREED);
        reverts("TheRecordsAreNotTheDemandedState(0)", () -> v.postState(a.solver(), d, syn.stateRecords(step)));
        reverts("CallerIsNotTheSolver()", () -> v.postState(a.challenger(), d, syn.stateRecords(step - 1)));
        v.postState(a.solver(), d, syn.stateRecords(step - 1));
        v.demandState(a.challenger(), d, st, Verity.STATE_DISPUTED);
        v.postState(a.solver(), d, syn.stateRecords(step));
        reverts("TheStateWasOpenedAlready(1)", () -> v.demandState(a.challenger(), d, st, Verity.STATE_DISPUTED));
        List<byte[]> posted = v.postedState(d, Verity.STATE_DISPUTED).orElseThrow();
        assertEquals(2, posted.size());
        List<byte[]> hashes = new ArrayList<>();
        for (byte[] r : posted) hashes.add(MerkleTree.leafHash(r));
        MerkleTree t = MerkleTree.ofLeafHashes(hashes);
        assertTrue(java.util.Arrays.equals(syn.stateRoot(step), t.root()), "the posted records are the disputed state's");
        assertTrue(MerkleTree.verify(syn.stateRoot(step), 2, 0, MerkleTree.leafHash(posted.get(0)), t.siblings(0)), "a record proves against it");
        assertEquals(Verity.STATE_AGREED, 0);
        assertTrue(v.postedState(d, Verity.STATE_AGREED).isPresent());
        // the dispute goes on: it is the challenger's round 3 again, on the step the demand named
        assertEquals(3, v.dispute(d).nextRound());
        assertTrue(!v.dispute(d).solversTurn());
    }

    /**
     * A chain longer than one opening opens a page of 4,096 leaves at a time: each page once, checked against the chain
     * root through its subtree's path; the challenger reads every page back and disputes a link of the last one.
     */
    @Test
    void aLongChainOpensPageByPage() {
        deploy("AlwaysChallengerReferee");
        SyntheticDispute longChain = new SyntheticDispute(32, 8, 4, 300, 5000, 9);
        long id = ChainSelftest.committedTask(v, a, longChain);
        long d = v.openDispute(a.challenger(), id, 1);
        v.round2(a.solver(), d, longChain.round2(1));
        v.round3(a.challenger(), d, longChain.round3(1, 3, longChain.graphOps - 1, longChain.outputElems - 1));
        v.round4(a.solver(), d, longChain.round4());
        reverts("TheChainIsTooLongToOpen()", () -> v.demandChain(a.challenger(), d));
        reverts("NoSuchPage(2)", () -> v.demandChainPage(a.challenger(), d, 2)); // 5,001 leaves: pages 0 and 1
        v.demandChainPage(a.challenger(), d, 1);
        assertEquals(1, v.chainPageDue(d));
        DisputeMoves.ChainPage p0 = longChain.chainPage(0);
        reverts("ThePageIsNotTheCommittedChain(1)", () -> v.postChainPage(a.solver(), d, p0.leaves(), longChain.chainPage(1).path()));
        reverts("NoSuchOpeningIsDue()", () -> v.postChain(a.solver(), d, longChain.chainLeaves())); // a page is due, not the chain
        v.postChainPage(a.solver(), d, longChain.chainPage(1).leaves(), longChain.chainPage(1).path());
        reverts("NoSuchPage(1)", () -> v.demandChainPage(a.challenger(), d, 1)); // once
        v.demandChainPage(a.challenger(), d, 0);
        v.postChainPage(a.solver(), d, p0.leaves(), p0.path());
        List<byte[]> all = new ArrayList<>(v.postedChainPage(d, 0).orElseThrow());
        all.addAll(v.postedChainPage(d, 1).orElseThrow());
        assertEquals(5001, all.size());
        for (int i = 0; i < all.size(); i++) assertTrue(java.util.Arrays.equals(longChain.chainLeaves().get(i), all.get(i)), "leaf " + i);
        v.round5(a.challenger(), d, longChain.round5(4500));
        assertTrue(v.dispute(d).challengerWon());
    }

    @Test
    void floorsTheSubmitterCannotLower() {
        deploy("AlwaysDefenderReferee");
        PostParams ok = ChainSelftest.spec(syn, ChainSelftest.secret());
        reverts("WindowOutOfRange(\"commit\", 1, 601)", () -> v.post(a.submitter(), ok.withWindows(3600, 1, 3600, 86400)));
        reverts("WindowOutOfRange(\"bid\", 599, 600)", () -> v.post(a.submitter(), ok.withWindows(599, 86400, 3600, 86400)));
        reverts("WindowOutOfRange(\"verify\", 1, 600)", () -> v.post(a.submitter(), ok.withWindows(3600, 86400, 3600, 1)));
        // the stake must cover the most the solver can be paid (1000 work units at 1 VRT)
        PostParams cheap = ok.withSolverStake(Verity.ether(999));
        reverts("SolverStakeTooLow(" + Verity.ether(999) + ", " + Verity.ether(1000) + ")", () -> v.post(a.submitter(), cheap));
        // and bounds that keep every answer a solver may owe in a dispute inside one block
        PostParams wide = ok.withShape(ok.graphOps(), 100_000, 100_000);
        reverts("TaskTooLarge(\"checkpointInterval\", 100000, 1024)", () -> v.post(a.submitter(), wide));
        PostParams huge = ok.withShape(5000, ok.totalSteps(), ok.checkpointInterval());
        reverts("TaskTooLarge(\"graphOps\", 5000, 4096)", () -> v.post(a.submitter(), huge));
        v.post(a.submitter(), ok);
    }

    /**
     * A probe whose attestation block's hash fell out of reach is re-targeted once, by anyone, and is then never a forced
     * error (a seat cannot draw again for the jackpot, or for an op anyone can compute, by waiting); a second miss loses it.
     * The referee draws as many chunks as the Java side reveals.
     */
    @Test
    void aProbeOutOfReachIsRetargetedOnceNeverForcedThenLost() {
        deploy("AlwaysDefenderReferee");
        long id = ChainSelftest.committedTask(v, a, syn);
        List<Verity.Assignment> as = v.assignments(id);
        ReplayProof.SegmentEnds ends = ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval);
        ReplayProof r0 = ChainSelftest.syntheticReplay(v, id, as.get(0));
        ReplayProof r1 = ChainSelftest.syntheticReplay(v, id, as.get(1));
        v.attest(as.get(0).verifier(), id, 0, r0.root());
        v.attest(as.get(1).verifier(), id, 1, r1.root());
        for (int i = 0; i < 257; i++) v.chain.advanceTime(1); // both attestations' block hashes leave the EVM's reach
        assertEquals(null, v.probeOf(id, 0));
        v.drawProbe(a.challenger(), id, 0); // anyone re-targets
        v.drawProbe(a.challenger(), id, 1);
        assertTrue(v.assignments(id).get(0).retargeted());
        byte[] seed = ChainSelftest.drawnProbe(v, id, 0);
        v.revealProbe(as.get(0).verifier(), id, 0, r0.reveal(seed, ends, (int) as.get(0).segment()));
        assertTrue(v.assignments(id).get(0).proven() && !v.assignments(id).get(0).forced(), "proven, and a re-targeted probe is never forced");
        for (int i = 0; i < 257; i++) v.chain.advanceTime(1); // seat 1 let its second draw fall out of reach too
        reverts("ProbeLost()", () -> v.drawProbe(a.challenger(), id, 1));
        assertEquals(BigInteger.valueOf(ReplayProof.DRAWS),
                Abi.word(v.view(Abi.wordAddress(v.view(v.market, "replayReferee()"), 0), "DRAWS()"), 0));
    }

    /** The fallback draw can be re-targeted once when its block's hash is out of reach; a second miss fails the task. */
    @Test
    void fallbackRandomnessIsRetargetedOnceThenTheTaskFails() {
        deploy("AlwaysDefenderReferee");
        byte[] secret = ChainSelftest.secret();
        PostParams spec = ChainSelftest.spec(syn, secret);
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver(), id, Verity.ether(1));
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32], ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval));
        BigInteger submitter = v.balanceOf(a.submitter());
        BigInteger escrow = v.task(id).escrow();
        v.chain.advanceTime(spec.revealWindow() + 1);
        for (int i = 0; i < 257; i++) v.chain.advanceTime(1); // the commit block's hash leaves the EVM's reach
        v.assignWithoutReveal(a.deployer(), id); // re-targets to its own block
        assertTrue(!v.task(id).assigned());
        for (int i = 0; i < 257; i++) v.chain.advanceTime(1); // nobody assigned in time, again
        v.assignWithoutReveal(a.deployer(), id);
        assertEquals(Verity.Status.FAILED, v.task(id).status());
        assertEquals(submitter.add(escrow), v.balanceOf(a.submitter()));
        assertEquals(BigInteger.ZERO, v.locked(a.solver()));
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void faucetOnlyOnLocalChains() {
        deploy("AlwaysDefenderReferee");
        BigInteger s = v.totalSupply();
        v.faucet(a.challenger(), Verity.ether(5));
        assertEquals(s.add(Verity.ether(5)), v.totalSupply());
        reverts("FaucetAmountTooLarge(" + Verity.ether(2_000_000) + ", " + Verity.ether(1_000_000) + ")",
                () -> v.faucet(a.challenger(), Verity.ether(2_000_000)));
    }
}
