package dev.verity.testkit.attack;

import dev.verity.merkle.Sha256;

import dev.verity.chain.Chain;
import dev.verity.chain.ChainSelftest;
import dev.verity.chain.DevAccounts;
import dev.verity.chain.EmbeddedChain;
import dev.verity.merkle.MerkleTree;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.PostParams;
import dev.verity.chain.Verity;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fresh deployment of the real contracts (default parameters, the real referees) on the embedded EVM or a node, with the
 * self-test's funded actors and five more funded accounts for sybils, copycats and squatters. It remembers every
 * account's holdings (wallet + stake + unbonding) when an attack starts, so an attack ends with each party's net tokens.
 */
public final class Arena implements AutoCloseable {
    /** Accounts the actors do not use: an attacker's other accounts. */
    public static final int EXTRA = 5;

    public final Chain chain;
    public final Verity v;
    public final ChainSelftest.Actors a;
    public final List<String> extra;
    private final Map<String, BigInteger> start = new LinkedHashMap<>();

    /** Accounts an arena uses: the self-test's nine actors and {@link #EXTRA} more. */
    public static List<String> accounts() {
        return DevAccounts.addresses(9 + EXTRA);
    }

    /** On a fresh embedded EVM. */
    public Arena() {
        this(new EmbeddedChain(accounts()));
    }

    /**
     * On {@code chain}, whose first {@code 9 + EXTRA} accounts must be {@link #accounts()} (a development node signing
     * with the public development keys, each funded with ether for gas). A fresh deployment of the contracts either way.
     */
    public Arena(Chain chain) {
        this.chain = chain;
        if (!chain.accounts().subList(0, 9 + EXTRA).equals(accounts())) {
            throw new IllegalArgumentException("an arena needs the first " + (9 + EXTRA) + " development accounts, in order");
        }
        a = ChainSelftest.Actors.of(chain);
        v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults());
        ChainSelftest.setUp(v, a);
        extra = List.copyOf(accounts().subList(9, 9 + EXTRA));
        BigInteger max = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);
        for (String x : extra) {
            v.transfer(a.deployer(), x, Verity.ether(100_000));
            v.approve(x, v.market, max);
            v.approve(x, v.staking, max);
            v.approve(x, v.game, max);
        }
        mark();
    }

    /** Every account of the arena. */
    public List<String> everyone() {
        List<String> all = new ArrayList<>(a.all());
        all.addAll(extra);
        return all;
    }

    /** Tokens {@code who} holds anywhere: its wallet, its stake (locked or not) and its unbonding stake. */
    public BigInteger holdings(String who) {
        return v.balanceOf(who).add(v.staked(who)).add(v.unbonding(who));
    }

    /** From now on, nets are counted from here. */
    public void mark() {
        start.clear();
        for (String who : everyone()) start.put(who, holdings(who));
    }

    /** The net token change of {@code who} since {@link #mark}. */
    public BigInteger net(String who) {
        return holdings(who).subtract(start.get(who));
    }

    /** The task spec the arena's tasks use: {@code syn}'s roots, 1000 work units at 1 VRT at most, a 1000 VRT stake. */
    public PostParams spec(SyntheticDispute syn, byte[] secret, long verifyWindow) {
        return PostParams.builder().specHash(Sha256.hash("spec".getBytes(), Sha256.u64(syn.totalSteps)))
                .datasetRoot(Sha256.hash("data".getBytes())).graph(syn.graphRoot(), syn.graphOps).initRoot(syn.stateRoot(0))
                .seedCommit(PostParams.seedCommitment(secret)).shape(syn.totalSteps, syn.interval, 1000)
                .pricing(Verity.ether(1), PostParams.replayFeeFloor(1000, syn.totalSteps, syn.interval, Verity.ether(1)), Verity.ether(1000))
                .verifiers(2).windows(3600, 86400, 3600, verifyWindow).build();
    }

    /** A task of {@code submitter} won by {@code solver}, committed with {@code traceRoot} and {@code modelRoot}; {@code reveal}: the seed is revealed. */
    public long committed(String submitter, String solver, SyntheticDispute syn, byte[] traceRoot, byte[] modelRoot, long verifyWindow,
            boolean reveal) {
        byte[] secret = ChainSelftest.secret();
        return committed(submitter, solver, spec(syn, secret, verifyWindow), secret, traceRoot, modelRoot, reveal);
    }

    /** A task of {@code submitter} posted as {@code spec} (its seed commitment is {@code secret}'s), then as above. */
    public long committed(String submitter, String solver, PostParams spec, byte[] secret, byte[] traceRoot, byte[] modelRoot, boolean reveal) {
        long id = v.post(submitter, spec);
        v.bid(solver, id, Verity.ether(1));
        chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.commit(solver, id, traceRoot, modelRoot, Sha256.hash("manifest".getBytes()), ChainSelftest.syntheticEnds(spec));
        if (reveal) v.revealSeed(submitter, id, secret);
        return id;
    }

    /** The usual task: the actors' submitter and solver, {@code syn}'s own roots, the seed revealed. */
    public long committed(SyntheticDispute syn) {
        return committed(a.submitter(), a.solver(), syn, syn.traceRoot(), syn.modelRoot(), 86400, true);
    }

    /** Past the task's verify deadline (the probe window still open). */
    public void pastDeadline(long taskId) {
        long wait = v.task(taskId).deadline() - chain.timestamp() + 1;
        if (wait > 0) chain.advanceTime(wait);
    }

    /** Past every deadline of the task's verification: the verify window and the probe window after it. */
    public void pastWindow(long taskId) {
        long wait = v.task(taskId).deadline() + v.probeWindow() - chain.timestamp() + 1; // and the probe window
        if (wait > 0) chain.advanceTime(wait);
    }

    /** Past the dispute's round deadline. */
    public void pastRound(long disputeId) {
        long wait = v.dispute(disputeId).deadline() - chain.timestamp() + 1;
        if (wait > 0) chain.advanceTime(wait);
    }

    @Override
    public void close() {
        chain.close();
    }
}
