package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomized sequences of posts, bids, closes, commits, reveals, attests, challenges, dispute moves
 * (right and wrong party), timeouts, settlements, stake moves and clock jumps on the embedded chain.
 * After EVERY transaction, successful or reverted, tokens are conserved (see
 * ChainSelftest.checkConservation). At the end every task is driven to a terminal state by
 * permissionless calls only, and nothing may remain stuck: market and game hold nothing, no stake
 * stays locked. A settled task is never paid twice.
 *
 * <p>Each seed is one sequence of {@link #STEPS} random actions over a fresh deployment; seeds
 * alternate the referee so both dispute outcomes occur. Property-test count is bounded by the
 * module's test-time budget (2 cores); raise SEQUENCES via -Dverity.chain.sequences for a longer run.
 */
class ConservationPropertyTest {
    static final int STEPS = 250;

    private static final SyntheticDispute SYN = new SyntheticDispute(24, 8, 4, 300, 4, 99);

    record Open(long task, byte[] secret, long dispute, int round, String challenger) {}

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void conservationUnderRandomSequences(int seed) {
        int extra = Integer.getInteger("verity.chain.sequences", 1);
        for (int rep = 0; rep < extra; rep++) runSequence(seed * 1000L + rep);
    }

    private void runSequence(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (EmbeddedChain chain = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity v = Verity.deploy(chain, a.deployer(), a.treasury(),
                    Verity.Config.defaults().withReferee(seed % 2 == 0 ? "AlwaysChallengerReferee" : "AlwaysDefenderReferee"));
            ChainSelftest.setUp(v, a);
            List<String> solvers = List.of(a.solver(), a.solver2());
            List<String> everyone = a.all();
            Map<Long, Open> tasks = new HashMap<>();
            int ok = 0, reverted = 0, settled = 0;
            for (int step = 0; step < STEPS; step++) {
                // Act on tasks still in play (terminal ones only get replay attempts via the random branch).
                List<Long> ids = new ArrayList<>();
                for (long t : tasks.keySet()) {
                    Verity.Status st = v.task(t).status();
                    if (st != Verity.Status.SETTLED && st != Verity.Status.FAILED && st != Verity.Status.CANCELLED) ids.add(t);
                }
                if (ids.isEmpty() && !tasks.isEmpty() && rnd.nextInt(3) == 0) ids.addAll(tasks.keySet());
                long id = ids.isEmpty() ? 1 : ids.get(rnd.nextInt(ids.size()));
                Open o = tasks.get(id);
                String anyone = everyone.get(rnd.nextInt(everyone.size()));
                String solver = solvers.get(rnd.nextInt(2));
                try {
                    int kind = rnd.nextInt(10);
                    Verity.TaskView tv = o == null ? null : v.task(id);
                    if ((kind == 0 && ids.size() < 4) || tv == null) {
                        byte[] secret = ChainSelftest.secret();
                        long t = v.post(rnd.nextBoolean() ? a.submitter() : a.challenger(), ChainSelftest.spec(SYN, secret));
                        tasks.put(t, new Open(t, secret, 0, 0, null));
                    } else if (kind == 1) {
                        chain.advanceTime(new long[] {60, 600, 3700, 90000}[rnd.nextInt(4)]);
                    } else if (kind == 2) {
                        switch (rnd.nextInt(3)) {
                            case 0 -> v.requestUnbond(solver, Verity.ether(1 + rnd.nextInt(3000)));
                            case 1 -> v.withdraw(solver);
                            default -> v.stake(solver, Verity.ether(1 + rnd.nextInt(3000)));
                        }
                    } else {
                        // Guided: mostly the move the task's stage expects (by a random, often right, party).
                        int pick = rnd.nextInt(4) == 0 ? rnd.nextInt(9) : switch (tv.status()) {
                            case BIDDING -> rnd.nextInt(3) == 0 ? 1 : 0;
                            case ASSIGNED -> rnd.nextInt(5) == 0 ? 3 : 2;
                            case COMMITTED -> !tv.assigned() ? (rnd.nextInt(4) == 0 ? 5 : 4) : new int[] {6, 6, 7, 8}[rnd.nextInt(4)];
                            case DISPUTED -> rnd.nextInt(6) == 0 ? 10 : 9;
                            default -> 8;
                        };
                        switch (pick) {
                            case 0 -> v.bid(solver, id, BigInteger.valueOf(1 + rnd.nextLong(Verity.ether(1).longValueExact())));
                            case 1 -> v.closeAuction(anyone, id);
                            case 2 -> v.commit(rnd.nextInt(5) == 0 ? anyone : tv.solver(), id, SYN.traceRoot(), SYN.modelRoot(), new byte[32],
                                    ChainSelftest.syntheticEnds(SYN.totalSteps, SYN.interval));
                            case 3 -> v.timeoutCommit(anyone, id);
                            case 4 -> v.revealSeed(rnd.nextInt(5) == 0 ? anyone : tv.submitter(), id, o.secret());
                            case 5 -> v.assignWithoutReveal(anyone, id);
                            case 6 -> {
                                List<Verity.Assignment> as = v.assignments(id);
                                if (!as.isEmpty()) {
                                    int i = rnd.nextInt(as.size());
                                    String who = rnd.nextInt(4) == 0 ? anyone : as.get(i).verifier();
                                    ReplayProof r = ChainSelftest.syntheticReplay(v, id, as.get(i));
                                    byte[] probe = v.probeOf(id, i);
                                    if (!as.get(i).attested()) v.attest(who, id, i, r.root());
                                    else if (probe != null) v.revealProbe(who, id, i, r.reveal(probe, ChainSelftest.syntheticEnds(SYN.totalSteps,
                                            SYN.interval), (int) as.get(i).segment()));
                                }
                            }
                            case 7 -> {
                                String ch = rnd.nextBoolean() ? a.challenger() : a.verifiers().get(rnd.nextInt(3));
                                long d = v.openDispute(ch, id, rnd.nextLong(SYN.numSegments()));
                                tasks.put(id, new Open(id, o.secret(), d, 2, ch));
                            }
                            case 8 -> {
                                v.settle(anyone, id);
                                settled++;
                            }
                            case 9 -> {
                                if (o.dispute() != 0) move(v, a, o, rnd, tasks);
                            }
                            default -> {
                                if (o.dispute() != 0) v.timeoutDispute(anyone, o.dispute());
                            }
                        }
                    }
                    ok++;
                } catch (Chain.RevertException e) {
                    reverted++;
                    assertTrue(e.reason() != null && !e.reason().isEmpty(), "every revert carries a reason: " + e.getMessage());
                }
                ChainSelftest.checkConservation(v, a);
            }
            drain(v, a, tasks);
            ChainSelftest.checkConservation(v, a);
            // what the market still holds is the jackpot pool (settled tasks' cut, for forced errors of later tasks), no escrow
            assertEquals(v.jackpotPool(), v.balanceOf(v.market), "escrow stuck in the market");
            assertEquals(v.jackpotPool(), v.totalEscrowed(), "the market's books hold nothing but the pool");
            assertEquals(BigInteger.ZERO, v.balanceOf(v.game), "bond stuck in the game");
            for (String s : solvers) assertEquals(BigInteger.ZERO, v.locked(s), "stake stuck locked");
            for (String ver : a.verifiers()) assertEquals(BigInteger.ZERO, v.locked(ver), "a verifier's seat stake stuck locked");
            for (long t : tasks.keySet()) {
                Verity.Status st = v.task(t).status();
                assertTrue(st == Verity.Status.SETTLED || st == Verity.Status.FAILED || st == Verity.Status.CANCELLED, "task " + t + " " + st);
                if (st == Verity.Status.SETTLED) {
                    Chain.RevertException e = org.junit.jupiter.api.Assertions.assertThrows(Chain.RevertException.class, () -> v.settle(a.deployer(), t));
                    assertEquals("TaskNotSettleable()", e.reason());
                }
            }
            Map<Verity.Status, Integer> byStatus = new java.util.TreeMap<>();
            for (long t : tasks.keySet()) byStatus.merge(v.task(t).status(), 1, Integer::sum);
            long disputes = Abi.wordLong(v.view(v.game, "disputeCount()"), 0);
            System.out.printf("seed %d: %d ok, %d reverted, tasks %s, disputes %d%n", seed, ok, reverted, byStatus, disputes);
            assertTrue(ok > 0 && reverted > 0, "both successful and rejected moves happen: ok " + ok + " reverted " + reverted + " settled " + settled);
        }
    }

    /** The next dispute move: usually by the right party with correct data, sometimes by the wrong one. */
    private static void move(Verity v, ChainSelftest.Actors a, Open o, SplittableRandom rnd, Map<Long, Open> tasks) {
        Verity.DisputeView d = v.dispute(o.dispute());
        if (d.nextRound() == 0) return;
        boolean wrong = rnd.nextInt(5) == 0;
        String solver = d.defender(), ch = d.challenger();
        long seg = v.disputeSegment(o.dispute());
        switch (d.nextRound()) {
            case 2 -> v.round2(wrong ? ch : solver, o.dispute(), SYN.round2(seg));
            case 3 -> v.round3(wrong ? solver : ch, o.dispute(), SYN.round3(seg, 1 + rnd.nextLong(8), 1, 7));
            case 4 -> v.round4(wrong ? ch : solver, o.dispute(), SYN.round4());
            case 5 -> v.round5(wrong ? solver : ch, o.dispute(), SYN.round5(rnd.nextInt(4)));
            default -> throw new IllegalStateException("round " + d.nextRound());
        }
    }

    /** Only permissionless calls after the deadlines: every task must reach a terminal state. */
    /** Several disputes may be open at once; each ends by timeout on its own. */
    private static void timeOutDisputes(Verity v, String anyone, long t) {
        for (long each : v.disputesOf(t)) {
            if (v.dispute(each).nextRound() != 0) v.timeoutDispute(anyone, each);
        }
    }

    private static void drain(Verity v, ChainSelftest.Actors a, Map<Long, Open> tasks) {
        String anyone = a.deployer();
        for (int pass = 0; pass < 6; pass++) {
            v.chain.advanceTime(400 * 86400L);
            for (long t : tasks.keySet()) {
                try {
                    switch (v.task(t).status()) {
                        case BIDDING -> v.closeAuction(anyone, t);
                        case ASSIGNED -> v.timeoutCommit(anyone, t);
                        case COMMITTED -> {
                            if (!v.task(t).assigned()) v.assignWithoutReveal(anyone, t);
                            else v.settle(anyone, t);
                        }
                        case DISPUTED -> timeOutDisputes(v, anyone, t);
                        case FAILED -> {
                            // a failed task is refunded once none of its disputes is open (their rulings may slash attesters)
                            timeOutDisputes(v, anyone, t);
                            if (v.task(t).escrow().signum() > 0) v.settle(anyone, t);
                        }
                        default -> { }
                    }
                } catch (Chain.RevertException e) {
                    // e.g. a new window just opened; the next pass moves past it
                }
            }
        }
    }
}
