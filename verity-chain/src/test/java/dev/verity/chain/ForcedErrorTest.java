package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The verifier rules of docs/incentives.md on the real contracts: a lazy attestation loses its seat stake in a task that
 * settles, a forced error caught pays the jackpot its formula gives, and the pool is funded by each settled task's share
 * of the fee. Tokens are conserved throughout (the pool is part of the market's books).
 */
class ForcedErrorTest {
    private static final int SHARE_BPS = 4_000;
    private static final int FORCED_PPM = 100_000; // the most the rules allow: one seat in ten

    private final EmbeddedChain chain = new EmbeddedChain();
    private final ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
    private final Verity v = Verity.deploy(chain, a.deployer(), a.treasury(),
            Verity.Config.defaults().withReferee("AlwaysDefenderReferee").withRules(TaskRules.defaults().withJackpot(SHARE_BPS, FORCED_PPM)));
    private final SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 7);

    ForcedErrorTest() {
        ChainSelftest.setUp(v, a);
    }

    @AfterEach
    void close() {
        chain.close();
    }

    /**
     * A committed task whose draw seated all three pooled verifiers (the draw makes at most 12 tries, so now and then it
     * seats two: such a task is settled and another one posted).
     */
    private long threeSeats() {
        for (int attempt = 0; attempt < 10; attempt++) {
            byte[] secret = ChainSelftest.secret();
            PostParams spec = ChainSelftest.spec(syn, secret).withVerifiers(3);
            long id = v.post(a.submitter(), spec);
            v.bid(a.solver(), id, Verity.ether(1));
            chain.advanceTime(spec.bidWindow() + 1);
            v.closeAuction(a.deployer(), id);
            v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), new byte[32], ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval));
            v.revealSeed(a.submitter(), id, secret);
            if (v.assignments(id).size() == 3) return id;
            ChainSelftest.attestAll(v, id);
            settle(id);
        }
        throw new AssertionError("ten draws in a row seated fewer than three of three verifiers");
    }

    private void settle(long id) {
        chain.advanceTime(v.task(id).spec().verifyWindow() + v.probeWindow() + 1);
        v.settle(a.deployer(), id);
    }

    @Test
    void aLazyAttestationLosesItsSeatStakeInATaskThatSettles() {
        long id = threeSeats();
        Verity.Assignment seat = v.assignments(id).get(2);
        // attested without replaying: a keyed root over made-up outputs (another trace), which has no chunk of the solver's
        ReplayProof madeUp = new ReplayProof(seat.key(), new SyntheticTrace(99).outputs(SyntheticTrace.endStep(seat.segment(), syn.totalSteps,
                syn.interval)));
        v.attest(seat.verifier(), id, 2, madeUp.root());
        ChainSelftest.proveSeats(v, id, 0, 1);
        Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> v.revealProbe(seat.verifier(), id, 2,
                madeUp.reveal(v.probeOf(id, 2), ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval), (int) seat.segment())));
        assertEquals("EndNotInEndsRoot(" + seat.segment() + ")", e.reason(), "its op trace is not the solver's");
        BigInteger staked = v.staked(seat.verifier());
        BigInteger wallet = v.balanceOf(seat.verifier());
        settle(id);
        assertEquals(Verity.Status.SETTLED, v.task(id).status());
        Verity.Assignment after = v.assignments(id).get(2);
        assertTrue(after.slashed() && !after.proven());
        BigInteger seatStake = v.task(id).rules().seatStake();
        assertEquals(staked.subtract(seatStake), v.staked(seat.verifier()), "the lazy seat's stake is slashed");
        assertEquals(wallet, v.balanceOf(seat.verifier()), "and it is not paid");
        for (int i = 0; i < 2; i++) {
            assertFalse(v.assignments(id).get(i).slashed(), "the seats that proved their replays keep their stake");
        }
        assertEquals(BigInteger.ZERO, v.locked(seat.verifier()));
        ChainSelftest.checkConservation(v, a);
    }

    /**
     * Settles honest tasks until the probes have drawn a forced error (one seat in ten; at most 60 tasks, so the chance of
     * never drawing one is below 10^-8), and checks each task's cut into the pool and each prize paid out of it.
     */
    @Test
    void aForcedErrorCaughtWinsItsShareOfThePool() {
        int forcedSeen = 0;
        for (int t = 0; t < 60 && forcedSeen == 0; t++) {
            long id = threeSeats();
            ChainSelftest.attestAll(v, id);
            List<Verity.Assignment> seats = v.assignments(id);
            BigInteger[] before = seats.stream().map(s -> v.balanceOf(s.verifier())).toArray(BigInteger[]::new);
            BigInteger pool = v.jackpotPool();
            settle(id);
            Verity.TaskView task = v.task(id);
            assertEquals(Verity.Status.SETTLED, task.status());
            BigInteger fee = task.bestPrice().multiply(BigInteger.valueOf(task.spec().workUnits())).multiply(BigInteger.valueOf(task.rules().feeBps()))
                    .divide(BigInteger.valueOf(10_000));
            BigInteger cut = fee.multiply(BigInteger.valueOf(SHARE_BPS)).divide(BigInteger.valueOf(10_000));
            BigInteger prize = cut.multiply(BigInteger.valueOf(1_000_000)).divide(BigInteger.valueOf((long) FORCED_PPM * seats.size()));
            BigInteger expectedPool = pool.add(cut);
            for (int i = 0; i < seats.size(); i++) {
                Verity.Assignment s = v.assignments(id).get(i);
                assertTrue(s.proven());
                BigInteger won = s.forced() ? prize.min(expectedPool) : BigInteger.ZERO;
                expectedPool = expectedPool.subtract(won);
                assertEquals(before[i].add(task.spec().replayFee()).add(won), v.balanceOf(s.verifier()),
                        "seat " + i + (s.forced() ? " (a forced error)" : "") + " is paid its fee" + (s.forced() ? " and the jackpot" : ""));
                if (s.forced()) forcedSeen++;
            }
            assertEquals(expectedPool, v.jackpotPool());
            ChainSelftest.checkConservation(v, a);
        }
        assertTrue(forcedSeen > 0, "60 tasks of three seats drew no forced error at one seat in ten");
    }
}
