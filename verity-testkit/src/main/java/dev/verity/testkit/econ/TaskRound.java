package dev.verity.testkit.econ;

import dev.verity.merkle.Sha256;

import dev.verity.merkle.MerkleTree;
import dev.verity.chain.ReplayProof;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.PostParams;
import dev.verity.chain.Verity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One task from post to its end, every party played by its agent through the real contracts: the submitter posts and
 * reveals, the solver bids and commits, each drawn seat acts as its verifier's strategy (and reveals at its probe), a
 * griefer may dispute, a diligent seat that replays a skipped segment challenges and the dispute is played to the
 * referee's ruling, and the keeper settles. The training is synthetic ({@link SyntheticRun}, {@link SyntheticDispute}); the
 * tokens, the draws, the probes and the rulings are the contracts'.
 */
final class TaskRound {
    /** The shape every simulated task has: 100 segments of 4 steps, 20,000 work units at most 1 VRT, 3 seats. */
    static final long STEPS = 400;
    static final long INTERVAL = 4;
    static final long WORK_UNITS = 20_000;
    static final BigInteger MAX_PRICE = Verity.ether(1);
    static final int SEATS = 3;
    /** The share of the maximum price the winning bid is drawn from, uniformly. */
    static final double MIN_BID_SHARE = 0.8;

    /** What one task did to each party. */
    record Outcome(long taskId, Strategy solverStrategy, Verity.Status status, Map<String, Double> net, Map<String, Strategy> seats, int lazySeats,
            boolean griefed, long gas) {}

    private final Verity v;
    private final Pool pool;
    private final Rules rules;
    private final Economy eco;
    private final SplittableRandom rng;
    private final Map<String, Double> costs = new HashMap<>();

    TaskRound(Verity v, Pool pool, Rules rules, Economy eco, SplittableRandom rng) {
        this.v = v;
        this.pool = pool;
        this.rules = rules;
        this.eco = eco;
        this.rng = rng;
    }

    static long segments() {
        return (STEPS + INTERVAL - 1) / INTERVAL;
    }

    /** Work units of one segment: what a replay costs (the market's own rounding, PostParams.replayFeeFloor). */
    static long segmentWork() {
        return (WORK_UNITS * Math.min(INTERVAL, STEPS) + STEPS - 1) / STEPS;
    }

    /** One task as its parties know it: its id, its solver, its synthetic training and the segment ends the solver committed. */
    private record Task(long id, String solver, SyntheticDispute syn, SyntheticRun run, ReplayProof.SegmentEnds ends, double unitCost) {}

    /** What the drawn seats did: each seated verifier's strategy, and the seats that found a skipped segment. */
    private record Seats(List<Verity.Assignment> all, Map<String, Strategy> seated, List<Integer> challengers) {}

    Outcome play(long index, Strategy solverStrategy, boolean grief) {
        costs.clear();
        pool.refill(v);
        Ledger ledger = new Ledger();
        Task t = open(index, solverStrategy);
        Seats seats = act(t);
        boolean griefed = dispute(t, seats, grief);
        pastWindow(t.id());
        v.settle(pool.keeper, t.id());
        Verity.TaskView end = v.task(t.id());
        checkEnded(t.id(), end);
        int lazy = (int) seats.seated().values().stream().filter(s -> s == Strategy.LAZY).count();
        Map<String, Double> nets = ledger.nets(); // reads the holdings after, then the gas
        return new Outcome(t.id(), solverStrategy, end.status(), nets, seats.seated(), lazy, griefed, ledger.gas());
    }

    /** Post, bid, close, commit, reveal: the task is drawn its seats. The solver pays for the training it did. */
    private Task open(long index, Strategy solverStrategy) {
        String solver = pool.solvers.get(solverStrategy);
        SyntheticDispute syn = new SyntheticDispute(STEPS, INTERVAL, 8, 1024, 16, index + 1);
        SyntheticRun run = new SyntheticRun(index + 1, STEPS, INTERVAL, cheatedSegments(solverStrategy.skipped));
        BigInteger price = bidPrice();
        byte[] secret = secret();
        PostParams spec = spec(syn, secret, index);
        long id = v.post(pool.submitter, spec);
        topUp(solver, spec.solverStake());
        v.bid(solver, id, price);
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(pool.keeper, id);
        ReplayProof.SegmentEnds ends = commit(solver, id, syn, run);
        v.revealSeed(pool.submitter, id, secret);
        double unitCost = eco.costShare() * Money.vrt(price);
        cost(solver, (1 - (double) run.cheatedSegments().size() / segments()) * WORK_UNITS * unitCost);
        return new Task(id, solver, syn, run, ends, unitCost);
    }

    /**
     * Every seat acts as its verifier's strategy: the attestations first, then each seat that can reveals at its probe (a
     * probe is drawn from a block after its attestation's). A diligent seat whose replay of a skipped segment does not
     * reach the solver's checkpoint does not attest: it will challenge.
     */
    private Seats act(Task t) {
        List<Verity.Assignment> all = v.assignments(t.id());
        Map<String, Strategy> seated = new LinkedHashMap<>();
        List<Integer> challengers = new ArrayList<>();
        Map<Integer, ReplayProof> attested = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            Verity.Assignment a = all.get(i);
            Strategy s = pool.strategyOf(a.verifier());
            seated.put(a.verifier().toLowerCase(java.util.Locale.ROOT), s);
            if (Pool.replays(s) || (s == Strategy.COLLUDING && !t.run().cheatedSegments().contains(a.segment()))) {
                cost(a.verifier(), segmentWork() * t.unitCost()); // a colluder's solver replays for it: the coalition pays the replay
            }
            ReplayProof r = replay(s, a, t.run());
            if (Pool.replays(s) && t.run().cheatedSegments().contains(a.segment())) challengers.add(i);
            else if (r != null) {
                v.attest(a.verifier(), t.id(), i, r.root());
                attested.put(i, r);
            }
        }
        attested.forEach((i, r) -> {
            if (pool.strategyOf(all.get(i).verifier()) != Strategy.LAZY) reveal(t, all.get(i), i, r); // a lazy root has nothing to reveal
        });
        return new Seats(all, seated, challengers);
    }

    /**
     * The griefer's dispute (if this task is griefed) and every diligent challenger's, all opened inside the verify
     * window; the challengers' are played to the referee's ruling, the griefer's ends by its own silence. Returns whether
     * the griefer disputed.
     */
    private boolean dispute(Task t, Seats seats, boolean grief) {
        long griefDispute = grief ? grief(t.id(), t.solver(), t.syn(), t.run()) : -1;
        List<Long> opened = new ArrayList<>();
        for (int i : seats.challengers()) opened.add(v.openDispute(seats.all().get(i).verifier(), t.id(), seats.all().get(i).segment()));
        for (int j = 0; j < opened.size(); j++) {
            Verity.Assignment a = seats.all().get(seats.challengers().get(j));
            playToRuling(opened.get(j), t.solver(), a.verifier(), t.syn(), a.segment());
        }
        if (griefDispute < 0) return false;
        pastRound(griefDispute);
        v.timeoutDispute(t.solver(), griefDispute); // the griefer stays silent at round 3: it cannot win against a right segment
        return true;
    }

    /** Every party's holdings and gas when the task starts; at its end, each one's net (token change minus off-chain costs). */
    private final class Ledger {
        private final List<String> watched = pool.everyone().subList(2, pool.everyone().size()); // not the keeper nor the treasury
        private final Map<String, BigInteger> before = holdings(watched);
        private final Map<String, Long> gasBefore = TaskRound.this.gas(pool.everyone());
        private Map<String, Long> gasAfter;

        Map<String, Double> nets() {
            Map<String, BigInteger> after = holdings(watched);
            gasAfter = TaskRound.this.gas(pool.everyone());
            Map<String, Double> net = new LinkedHashMap<>();
            for (String who : watched) {
                long g = gasAfter.get(who) - gasBefore.get(who);
                net.put(who, Money.vrt(after.get(who).subtract(before.get(who))) - costs.getOrDefault(who, 0.0) - g * eco.vrtPerGas());
            }
            return net;
        }

        /** Gas of every transaction of the task, the keeper's included (after {@link #nets}). */
        long gas() {
            long sum = 0;
            for (String who : pool.everyone()) sum += gasAfter.get(who) - gasBefore.get(who);
            return sum;
        }
    }

    /** The segments a cheater skips: {@code skipped} of them, at least one, chosen by the cheater (here: at random). */
    private Set<Long> cheatedSegments(double skipped) {
        if (skipped == 0) return Set.of();
        long n = segments();
        long k = Math.max(1, Math.round(skipped * n));
        List<Long> all = new ArrayList<>();
        for (long s = 0; s < n; s++) all.add(s);
        Collections.shuffle(all, new java.util.Random(rng.nextLong()));
        return new HashSet<>(all.subList(0, (int) k));
    }

    /** A solver whose free stake no longer covers a task's (it was slashed) stakes more from its wallet: holdings do not change. */
    private void topUp(String solver, BigInteger needed) {
        BigInteger free = v.staked(solver).subtract(v.locked(solver));
        if (free.compareTo(needed) < 0) v.stake(solver, Pool.SOLVER_STAKE);
    }

    private BigInteger bidPrice() {
        double share = MIN_BID_SHARE + (1 - MIN_BID_SHARE) * rng.nextDouble();
        return new BigDecimal(MAX_PRICE).multiply(BigDecimal.valueOf(share)).toBigInteger();
    }

    private byte[] secret() {
        byte[] s = new byte[32];
        for (int i = 0; i < 32; i += 8) {
            long x = rng.nextLong();
            for (int j = 0; j < 8; j++) s[i + j] = (byte) (x >>> (8 * j));
        }
        return s;
    }

    private PostParams spec(SyntheticDispute syn, byte[] secret, long index) {
        BigInteger feeFloor = PostParams.replayFeeFloor(WORK_UNITS, STEPS, INTERVAL, MAX_PRICE);
        BigInteger replayFee = feeFloor.multiply(BigInteger.valueOf(rules.replayFeeBps())).divide(BigInteger.valueOf(10_000));
        BigInteger stake = MAX_PRICE.multiply(BigInteger.valueOf(WORK_UNITS)).multiply(BigInteger.valueOf(rules.task().minStakeBps()))
                .divide(BigInteger.valueOf(10_000));
        return PostParams.builder().specHash(Sha256.hash("econ-spec".getBytes(), Sha256.u64(index)))
                .datasetRoot(Sha256.hash("econ-data".getBytes())).graph(syn.graphRoot(), syn.graphOps).initRoot(syn.stateRoot(0))
                .seedCommit(PostParams.seedCommitment(secret)).shape(STEPS, INTERVAL, WORK_UNITS).pricing(MAX_PRICE, replayFee, stake)
                .verifiers(SEATS).windows(3600, 86400, 3600, 86400).build();
    }

    /**
     * The solver's commitment: the synthetic trace and model (a cheater's are as well-formed as an honest solver's) and its
     * ends over the segment-end op traces it holds (made up where it skipped), which every probe proves against.
     */
    private ReplayProof.SegmentEnds commit(String solver, long id, SyntheticDispute syn, SyntheticRun run) {
        ReplayProof.SegmentEnds ends = run.ends();
        v.commit(solver, id, syn.traceRoot(), syn.modelRoot(), Sha256.hash("econ-manifest".getBytes(), Sha256.u64(id)), ends);
        return ends;
    }

    /**
     * The keyed replay a seated verifier attests, or null if it does not attest: of the true outputs (it replayed), of the
     * outputs its solver holds (colluding: the solver replays for it, or hands over what it made up), or of made-up ones.
     */
    private ReplayProof replay(Strategy s, Verity.Assignment a, SyntheticRun run) {
        return switch (s) {
            case DILIGENT, ONE_ACCOUNT, SYBIL -> new ReplayProof(a.key(), run.outputs(a.segment(), true));
            case COLLUDING -> new ReplayProof(a.key(), run.outputs(a.segment(), false));
            case LAZY -> new ReplayProof(a.key(), new dev.verity.chain.SyntheticTrace(rng.nextLong()).outputs(
                    dev.verity.chain.SyntheticTrace.endStep(a.segment(), STEPS, INTERVAL)));
            case ABSENT -> null;
            default -> throw new IllegalStateException(s + " is not a verifier strategy");
        };
    }

    /** The seat reveals the chunk its probe draws, proven in the solver's committed ends and in its keyed root. */
    private void reveal(Task t, Verity.Assignment seat, int index, ReplayProof r) {
        v.revealProbe(seat.verifier(), t.id(), index, r.reveal(dev.verity.chain.ChainSelftest.drawnProbe(v, t.id(), index), t.ends(), (int) seat.segment()));
    }

    /** A griefer disputes a segment the solver did not skip; the solver answers round 2. Returns the dispute, or -1. */
    private long grief(long id, String solver, SyntheticDispute syn, SyntheticRun run) {
        List<Long> right = new ArrayList<>();
        for (long s = 0; s < segments(); s++) if (!run.cheatedSegments().contains(s)) right.add(s);
        if (right.isEmpty()) return -1;
        long seg = right.get(rng.nextInt(right.size()));
        long d = v.openDispute(pool.griefer, id, seg);
        v.round2(solver, d, syn.round2(seg));
        return d;
    }

    /** A skipped segment's dispute, every round played: the referee recomputes the disputed link and the challenger wins. */
    private void playToRuling(long d, String solver, String challenger, SyntheticDispute syn, long seg) {
        v.round2(solver, d, syn.round2(seg));
        v.round3(challenger, d, syn.round3(seg, Math.min(3, INTERVAL), syn.graphOps / 2, syn.outputElems - 1));
        v.round4(solver, d, syn.round4());
        v.round5(challenger, d, syn.round5(syn.chainLength / 2));
        if (!v.dispute(d).challengerWon()) throw new IllegalStateException("the referee did not rule for the challenger of skipped segment " + seg);
    }

    private void pastRound(long d) {
        long wait = v.dispute(d).deadline() - v.chain.timestamp() + 1;
        if (wait > 0) v.chain.advanceTime(wait);
    }

    private void pastWindow(long id) {
        long wait = v.task(id).deadline() + v.probeWindow() - v.chain.timestamp() + 1;
        if (wait > 0) v.chain.advanceTime(wait);
    }

    /** No stuck funds: every task ends Settled, Failed or Cancelled and holds no escrow. */
    private static void checkEnded(long id, Verity.TaskView t) {
        boolean ended = t.status() == Verity.Status.SETTLED || t.status() == Verity.Status.FAILED || t.status() == Verity.Status.CANCELLED;
        if (!ended || t.escrow().signum() != 0) {
            throw new IllegalStateException("stuck funds: task " + id + " is " + t.status() + " holding " + t.escrow() + " wei of escrow");
        }
    }

    private void cost(String who, double vrt) {
        costs.merge(who.toLowerCase(java.util.Locale.ROOT), vrt, Double::sum);
    }

    private Map<String, BigInteger> holdings(List<String> who) {
        Map<String, BigInteger> out = new HashMap<>();
        for (String a : who) out.put(a, v.balanceOf(a).add(v.staked(a)).add(v.unbonding(a)));
        return out;
    }

    private Map<String, Long> gas(List<String> who) {
        Map<String, Long> out = new HashMap<>();
        for (String a : who) out.put(a, v.gasSentBy(a));
        return out;
    }
}
