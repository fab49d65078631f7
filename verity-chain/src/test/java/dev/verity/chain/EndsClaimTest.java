package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.merkle.Sha256;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ends claim (DisputeGame.claimEnds, kind 8): a solver's segment ends are held to the op traces it posts in a
 * dispute, so a made-up end (which would let its colluding seats prove without a replay and leave honest seats unable to
 * prove) loses the dispute. A claim on an end the solver posted as committed loses the challenger the dispute.
 */
class EndsClaimTest {
    private final SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);
    private EmbeddedChain chain;
    private ChainSelftest.Actors a;
    private Verity v;

    @BeforeEach
    void deploy() {
        chain = new EmbeddedChain();
        a = ChainSelftest.Actors.of(chain);
        v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults().withReferee("AlwaysDefenderReferee"));
        ChainSelftest.setUp(v, a);
    }

    @AfterEach
    void close() {
        chain.close();
    }

    /** The ends the synthetic solver's round 2 agrees with: each segment's last op-trace root as round 2 posts it. */
    private ReplayProof.SegmentEnds postedEnds() {
        List<Long> steps = new ArrayList<>();
        List<byte[]> roots = new ArrayList<>();
        for (long seg = 0; seg < syn.numSegments(); seg++) {
            List<byte[]> ots = syn.round2(seg).opTraceRoots();
            steps.add(SyntheticTrace.endStep(seg, syn.totalSteps, syn.interval));
            roots.add(ots.get(ots.size() - 1));
        }
        return new ReplayProof.SegmentEnds(steps, roots);
    }

    private long committed(ReplayProof.SegmentEnds ends) {
        byte[] secret = ChainSelftest.secret();
        PostParams spec = ChainSelftest.spec(syn, secret);
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver(), id, Verity.ether(1));
        chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), Sha256.hash("manifest".getBytes()), ends);
        v.revealSeed(a.submitter(), id, secret);
        return id;
    }

    /** Opens a dispute of segment {@code seg}, the solver posts round 2, and the challenger claims its last step's end. */
    private long claim(long id, long seg, ReplayProof.SegmentEnds ends) {
        long d = v.openDispute(a.challenger(), id, seg);
        v.round2(a.solver(), d, syn.round2(seg));
        v.claimEnds(a.challenger(), d, syn.step(seg, syn.interval), ends.opTraceRoots().get((int) seg), ends.proof((int) seg));
        return d;
    }

    @Test
    void aMadeUpEndLosesTheDispute() {
        ReplayProof.SegmentEnds madeUp = new SyntheticTrace(77).ends(syn.totalSteps, syn.interval);
        long id = committed(madeUp);
        long d = claim(id, 2, madeUp);
        assertEquals(0, v.dispute(d).nextRound(), "ruled at once");
        assertTrue(v.dispute(d).challengerWon(), "the posted op trace of step 24 is not the committed end");
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void aClaimOnARightEndLosesTheChallengersDispute() {
        ReplayProof.SegmentEnds right = postedEnds();
        long id = committed(right);
        long d = claim(id, 1, right);
        assertEquals(0, v.dispute(d).nextRound());
        assertFalse(v.dispute(d).challengerWon(), "the end is the one posted: the claim is false");
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void theClaimNamesTheLastStepAndProvesTheEntry() {
        ReplayProof.SegmentEnds madeUp = new SyntheticTrace(78).ends(syn.totalSteps, syn.interval);
        long id = committed(madeUp);
        long d = v.openDispute(a.challenger(), id, 0);
        v.round2(a.solver(), d, syn.round2(0));
        Chain.RevertException notLast = assertThrows(Chain.RevertException.class, () -> v.claimEnds(a.challenger(), d, syn.step(0, 3),
                madeUp.opTraceRoots().get(0), madeUp.proof(0)));
        assertEquals("TheEndsClaimNamesTheLastStep()", notLast.reason());
        Chain.RevertException badProof = assertThrows(Chain.RevertException.class, () -> v.claimEnds(a.challenger(), d, syn.step(0, syn.interval),
                madeUp.opTraceRoots().get(1), madeUp.proof(0)));
        assertEquals("BadProofOfTheSegmentEnd()", badProof.reason());
        Chain.RevertException solver = assertThrows(Chain.RevertException.class, () -> v.claimEnds(a.solver(), d, syn.step(0, syn.interval),
                madeUp.opTraceRoots().get(0), madeUp.proof(0)));
        assertTrue(solver.reason() != null && !solver.reason().isEmpty(), solver.getMessage());
    }
}
