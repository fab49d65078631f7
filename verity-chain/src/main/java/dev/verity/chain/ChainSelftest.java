package dev.verity.chain;

import dev.verity.merkle.Sha256;

import java.io.PrintStream;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * {@code verity chain selftest [--rpc URL]}: deploys the contracts (embedded EVM, or the node at URL),
 * runs an honest task and a disputed task through every stage, checks token conservation after each
 * stage, prints gas per call and per dispute round, and ends with "selftest: ok".
 *
 * <p>The dispute is decided by the real referee (BasicOpReferee recomputes the disputed fma link, whose synthetic
 * result is wrong), so the slashing path runs end to end. Against a remote node the accounts are the public
 * development keys, so only point it at a development node (Hardhat, Anvil).
 */
public final class ChainSelftest {
    private ChainSelftest() {}

    public static int run(String rpcUrlOrNull, PrintStream out) {
        try (Chain chain = open(rpcUrlOrNull)) {
            out.printf("chain: %s (chain id %d)%n", rpcUrlOrNull == null ? "embedded EVM (libevm, Shanghai)" : "JSON-RPC " + rpcUrlOrNull, chain.chainId());
            Actors a = Actors.of(chain);
            Verity v = Verity.deploy(chain, a.deployer, a.treasury, Verity.Config.defaults());
            out.printf("deployed: token %s market %s game %s%n", v.token, v.market, v.game);
            setUp(v, a);
            check(v, a, out, "setup");

            long honest = honestTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 1));
            check(v, a, out, "honest task " + honest + " settled");
            if (v.task(honest).status() != Verity.Status.SETTLED) throw new IllegalStateException("honest task not settled");

            SyntheticDispute syn = new SyntheticDispute(64, 8, 8, 1024, 16, 2);
            long disputed = disputedTask(v, a, syn, 3);
            check(v, a, out, "disputed task " + disputed + " resolved");
            if (v.task(disputed).status() != Verity.Status.FAILED) throw new IllegalStateException("disputed task did not fail");

            printGas(v.gasTable(), out);
            out.println("selftest: ok");
            return 0;
        } catch (RuntimeException e) {
            out.println("selftest: FAILED: " + e);
            e.printStackTrace(out);
            return 1;
        }
    }

    /** The embedded EVM, or a dev node at the URL (unlocked well-known test accounts). */
    public static Chain open(String rpcUrlOrNull) {
        if (rpcUrlOrNull != null) return RpcChain.devNode(rpcUrlOrNull);
        String why = EmbeddedChain.unsupportedReason();
        if (why != null) throw new UnsupportedOperationException(why);
        return new EmbeddedChain();
    }

    /** Fixed roles over the chain's first 10 accounts. */
    public record Actors(String deployer, String treasury, String submitter, String solver, String solver2, List<String> verifiers,
            String challenger) {
        public static Actors of(Chain chain) {
            List<String> acc = chain.accounts();
            if (acc.size() < 9) throw new IllegalStateException("need 9 accounts, chain has " + acc.size());
            return new Actors(acc.get(0), acc.get(1), acc.get(2), acc.get(3), acc.get(4), List.of(acc.get(5), acc.get(6), acc.get(7)), acc.get(8));
        }

        public List<String> all() {
            List<String> l = new java.util.ArrayList<>(List.of(deployer, treasury, submitter, solver, solver2, challenger));
            l.addAll(verifiers);
            return l;
        }
    }

    /** Funds every actor, approves the contracts, stakes solvers and verifiers, registers verifiers. */
    public static void setUp(Verity v, Actors a) {
        BigInteger max = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);
        for (String who : a.all()) {
            if (who.equals(a.deployer()) || who.equals(a.treasury())) continue;
            v.transfer(a.deployer(), who, Verity.ether(100_000));
            v.approve(who, v.market, max);
            v.approve(who, v.staking, max);
            v.approve(who, v.game, max);
        }
        v.stake(a.solver(), Verity.ether(10_000));
        v.stake(a.solver2(), Verity.ether(10_000));
        for (String ver : a.verifiers()) {
            v.stake(ver, Verity.ether(300)); // three seats' stake each, so overlapping tasks can all draw verifiers
            v.registerVerifier(ver);
        }
    }

    public static PostParams spec(SyntheticDispute syn, byte[] secret) {
        return PostParams.builder().specHash(Sha256.hash("spec".getBytes(), secret)).datasetRoot(Sha256.hash("data".getBytes()))
                .graph(syn.graphRoot(), syn.graphOps).initRoot(syn.stateRoot(0)).seedCommit(PostParams.seedCommitment(secret))
                .shape(syn.totalSteps, syn.interval, 1000)
                .pricing(Verity.ether(1), PostParams.replayFeeFloor(1000, syn.totalSteps, syn.interval, Verity.ether(1)), Verity.ether(1000))
                .verifiers(2).windows(3600, 86400, 3600, 86400).build();
    }

    /** A fresh random seed secret (a submitter's commit-reveal secret). */
    public static byte[] secret() {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        return s;
    }

    /** Post -> two bids -> close -> commit -> reveal -> attest -> settle. */
    public static long honestTask(Verity v, Actors a, SyntheticDispute syn) {
        byte[] secret = secret();
        PostParams spec = spec(syn, secret);
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver2(), id, Verity.ether(1));
        v.bid(a.solver(), id, new BigInteger("800000000000000000"));
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.commit(a.solver(), id, syn.traceRoot(), syn.modelRoot(), Sha256.hash("manifest".getBytes()), syntheticEnds(spec));
        v.revealSeed(a.submitter(), id, secret);
        attestAll(v, id);
        v.chain.advanceTime(spec.verifyWindow() + 601); // past the verify window and the probe window
        v.settle(a.deployer(), id);
        if (!v.modelRegistered(syn.modelRoot())) throw new IllegalStateException("model not registered");
        return id;
    }

    /**
     * Every verifier drawn for the task attests with its keyed replay of the synthetic op trace {@link #TRACE} gives, and
     * once each probe is drawn reveals the drawn chunk: every seat is proven.
     */
    public static void attestAll(Verity v, long taskId) {
        int[] all = new int[v.assignments(taskId).size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        proveSeats(v, taskId, all);
    }

    /**
     * The seats {@code seats} attest their replays of the synthetic op trace, then, seat by seat, reveal at their probes.
     * The attestations come first: a node evaluates a view at its latest block, so a probe is drawn only once a block
     * after its attestation's is mined (a lone seat on such a node needs one more transaction first).
     */
    public static void proveSeats(Verity v, long taskId, int... seats) {
        List<Verity.Assignment> as = v.assignments(taskId);
        List<ReplayProof> replays = new java.util.ArrayList<>();
        for (int i : seats) {
            ReplayProof r = syntheticReplay(v, taskId, as.get(i));
            replays.add(r);
            v.attest(as.get(i).verifier(), taskId, i, r.root());
        }
        PostParams spec = v.task(taskId).spec();
        for (int j = 0; j < seats.length; j++) {
            byte[] seed = drawnProbe(v, taskId, seats[j]);
            Verity.Assignment seat = as.get(seats[j]);
            v.revealProbe(seat.verifier(), taskId, seats[j], replays.get(j).reveal(seed, syntheticEnds(spec), (int) seat.segment()));
        }
    }

    /**
     * Seat {@code index}'s probe seed. A node evaluates a view at its latest block, where the probe of an attestation mined
     * in that very block is not drawn yet: on a development chain, one more block is mined first.
     */
    public static byte[] drawnProbe(Verity v, long taskId, long index) {
        byte[] seed = v.probeOf(taskId, index);
        if (seed == null) {
            v.chain.advanceTime(1);
            seed = v.probeOf(taskId, index);
        }
        if (seed == null) throw new IllegalStateException("seat " + index + " of task " + taskId + " has no probe drawn: did it attest?");
        return seed;
    }

    /** The synthetic op traces of the self-test's tasks (an honest solver and an honest replay agree on them). */
    public static final SyntheticTrace TRACE = new SyntheticTrace(1);

    /** The ends a synthetic task's solver commits: {@link #TRACE}'s op trace of every segment's last step. */
    public static ReplayProof.SegmentEnds syntheticEnds(PostParams spec) {
        return TRACE.ends(spec.totalSteps(), spec.checkpointInterval());
    }

    /** The ends a synthetic task of {@code totalSteps} steps, checkpoints every {@code interval}, commits. */
    public static ReplayProof.SegmentEnds syntheticEnds(long totalSteps, long interval) {
        return TRACE.ends(totalSteps, interval);
    }

    /** The keyed replay of seat {@code seat}'s segment that {@link #TRACE} gives. */
    public static ReplayProof syntheticReplay(Verity v, long taskId, Verity.Assignment seat) {
        PostParams spec = v.task(taskId).spec();
        return new ReplayProof(seat.key(), TRACE.outputs(SyntheticTrace.endStep(seat.segment(), spec.totalSteps(), spec.checkpointInterval())));
    }

    /** A task taken to verification, ready for a challenge. */
    public static long committedTask(Verity v, Actors a, SyntheticDispute syn) {
        return committedTask(v, a, syn, syn.traceRoot());
    }

    /** As {@link #committedTask(Verity, Actors, SyntheticDispute)}, the solver committing {@code traceRoot}. */
    public static long committedTask(Verity v, Actors a, SyntheticDispute syn, byte[] traceRoot) {
        byte[] secret = secret();
        PostParams spec = spec(syn, secret);
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver(), id, Verity.ether(1));
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.commit(a.solver(), id, traceRoot, syn.modelRoot(), Sha256.hash("manifest".getBytes()), syntheticEnds(spec));
        v.revealSeed(a.submitter(), id, secret);
        return id;
    }

    /** All five rounds on segment {@code seg}; the referee rules. Returns the task id. */
    public static long disputedTask(Verity v, Actors a, SyntheticDispute syn, long seg) {
        long id = committedTask(v, a, syn);
        playDispute(v, a, id, syn, seg, 3, syn.graphOps / 2, syn.outputElems - 1, syn.chainLength / 2);
        // a task failed by a dispute pays its verifiers and refunds its submitter in settle()
        if (v.task(id).status() == Verity.Status.FAILED) v.settle(a.deployer(), id);
        return id;
    }

    public static long playDispute(Verity v, Actors a, long taskId, SyntheticDispute syn, long seg, long k, int op, long element, int link) {
        long d = v.openDispute(a.challenger(), taskId, seg);
        v.round2(a.solver(), d, syn.round2(seg));
        v.round3(a.challenger(), d, syn.round3(seg, k, op, element));
        v.round4(a.solver(), d, syn.round4());
        v.round5(a.challenger(), d, syn.round5(link));
        return d;
    }

    /**
     * Conservation: every token is in exactly one place. Market balance == total escrow, staking
     * balance == staked + unbonding + open bonds + the treasury's uncollected share, the game holds nothing, and the balances of all actors and
     * contracts sum to the total supply.
     */
    public static void checkConservation(Verity v, Actors a) {
        checkConservation(v, a.all());
    }

    /**
     * Token conservation: every token of the supply is in exactly one place — one of
     * {@code accounts}, the market's escrow, the staking contract (stakes), or the game (bonds) —
     * and each contract holds exactly what its books say. Throws naming the first difference.
     */
    public static void checkConservation(Verity v, Collection<String> accounts) {
        BigInteger sum = BigInteger.ZERO;
        for (String who : accounts) {
            sum = sum.add(v.balanceOf(who));
        }
        BigInteger mkt = v.balanceOf(v.market);
        BigInteger stk = v.balanceOf(v.staking);
        BigInteger gm = v.balanceOf(v.game);
        sum = sum.add(mkt).add(stk).add(gm).add(v.balanceOf(v.registry)).add(v.balanceOf(v.referee));
        if (!sum.equals(v.totalSupply())) {
            throw new IllegalStateException("conservation: balances + escrow + stakes + bonds = " + sum + ", supply is " + v.totalSupply());
        }
        if (!mkt.equals(v.totalEscrowed())) {
            throw new IllegalStateException("conservation: the market holds " + mkt + " but its escrow books say " + v.totalEscrowed());
        }
        // Staking holds the stakes, the open disputes' bonds and the treasury's uncollected share of slashes
        BigInteger staked = v.totalStaked().add(v.totalUnbonding()).add(v.totalBonds()).add(v.treasuryAccrued());
        if (!stk.equals(staked)) {
            throw new IllegalStateException("conservation: staking holds " + stk + " but stakes + bonds + treasury share are " + staked);
        }
        if (gm.signum() != 0) {
            throw new IllegalStateException("conservation: the game holds " + gm + " tokens; bonds belong in Staking");
        }
    }

    private static void check(Verity v, Actors a, PrintStream out, String stage) {
        checkConservation(v, a);
        out.printf("  ok: %-32s conservation holds (supply %s, escrow %s, staked %s)%n", stage, v.totalSupply(), v.totalEscrowed(), v.totalStaked());
    }

    public static void printGas(Map<String, List<Long>> table, PrintStream out) {
        out.printf("%-46s %6s %10s %10s%n", "gas per call", "calls", "min", "max");
        long dispute = 0;
        for (Map.Entry<String, List<Long>> e : table.entrySet()) {
            long min = e.getValue().stream().mapToLong(Long::longValue).min().orElse(0);
            long max = e.getValue().stream().mapToLong(Long::longValue).max().orElse(0);
            out.printf("%-46s %6d %10d %10d%n", e.getKey(), e.getValue().size(), min, max);
            if (e.getKey().contains("(round")) dispute += max;
        }
        out.printf("%-46s %6s %10s %10d%n", "whole dispute (rounds 1-5, max each)", "", "", dispute);
    }
}
