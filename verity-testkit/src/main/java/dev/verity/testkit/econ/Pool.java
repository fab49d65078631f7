package dev.verity.testkit.econ;

import dev.verity.chain.DevAccounts;
import dev.verity.chain.Verity;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The simulated population, each agent its own development account: a keeper (the deployer, who also closes
 * auctions and settles), the treasury, one submitter, one solver per solver strategy, a griefer, and a verifier pool
 * whose seats the contracts draw in proportion to stake. Verifier stakes are counted in seats (the rules' seat stake):
 * six diligent verifiers of 4 seats, one diligent verifier of 8 (the sybils' counterpart), one verifier split into 4
 * sybil accounts of 2, two lazy, two colluding and one absent verifier of 4: by stake, 67% of the pool replays, 13% is
 * lazy, 13% colludes and 7% is absent.
 */
public final class Pool {
    /** Verifier accounts per strategy and the seats each one's stake covers. */
    private static final List<Object[]> VERIFIERS = List.of(new Object[] {Strategy.DILIGENT, 6, 4}, new Object[] {Strategy.ONE_ACCOUNT, 1, 8},
            new Object[] {Strategy.SYBIL, 4, 2}, new Object[] {Strategy.LAZY, 2, 4}, new Object[] {Strategy.COLLUDING, 2, 4},
            new Object[] {Strategy.ABSENT, 1, 4});
    /** Tokens each agent starts with, and what a solver stakes (many tasks' solver stakes). */
    static final BigInteger FUNDS = Verity.ether(10_000_000);
    static final BigInteger SOLVER_STAKE = Verity.ether(200_000);

    public final String keeper;
    public final String treasury;
    public final String submitter;
    public final String griefer;
    /** Solver account per solver strategy. */
    public final Map<Strategy, String> solvers = new LinkedHashMap<>();
    /** Verifier account (lower case) to its strategy, in pool order. */
    public final Map<String, Strategy> verifiers = new LinkedHashMap<>();

    private Pool(List<String> acc) {
        keeper = acc.get(0);
        treasury = acc.get(1);
        submitter = acc.get(2);
        griefer = acc.get(3);
        int i = 4;
        for (Strategy s : Strategy.SOLVERS) solvers.put(s, acc.get(i++));
        for (Object[] v : VERIFIERS) {
            for (int k = 0; k < (int) v[1]; k++) verifiers.put(acc.get(i++), (Strategy) v[0]);
        }
    }

    /** How many accounts the pool uses. */
    public static int size() {
        int n = 4 + Strategy.SOLVERS.size();
        for (Object[] v : VERIFIERS) n += (int) v[1];
        return n;
    }

    public static List<String> accounts() {
        List<String> out = new ArrayList<>();
        for (String a : DevAccounts.addresses(size())) out.add(a.toLowerCase(Locale.ROOT));
        return out;
    }

    /** The agents over {@link #accounts()}, funded, approved, staked and (verifiers) registered on {@code v}. */
    public static Pool setUp(Verity v, Rules rules) {
        Pool p = new Pool(accounts());
        BigInteger max = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);
        for (String who : p.everyone()) {
            if (who.equals(p.keeper) || who.equals(p.treasury)) continue;
            v.transfer(p.keeper, who, FUNDS);
            for (String spender : List.of(v.market, v.staking, v.game)) v.approve(who, spender, max);
        }
        for (String s : p.solvers.values()) v.stake(s, SOLVER_STAKE);
        for (Object[] spec : VERIFIERS) {
            BigInteger stake = rules.task().seatStake().multiply(BigInteger.valueOf((int) spec[2]));
            for (Map.Entry<String, Strategy> e : p.verifiers.entrySet()) {
                if (e.getValue() != spec[0]) continue;
                v.stake(e.getKey(), stake);
                v.registerVerifier(e.getKey());
                p.verifierStake.put(e.getKey(), stake);
            }
        }
        return p;
    }

    /** Each verifier's stake: a slashed verifier restakes up to it, so a strategy keeps its share of the draw all run long. */
    private final Map<String, BigInteger> verifierStake = new LinkedHashMap<>();

    /**
     * Refills the wallets of the submitter and the solvers that fell below half their starting funds from the keeper's
     * (the supply's holder): a long run pays more than {@link #FUNDS} for work and loses more to slashes; and restakes
     * slashed verifiers from their own wallets. Called between tasks, outside any task's accounting (a restake moves tokens
     * from a wallet to a stake, so holdings do not change).
     */
    public void refill(Verity v) {
        List<String> payers = new ArrayList<>(List.of(submitter));
        payers.addAll(solvers.values());
        for (String who : payers) {
            if (v.balanceOf(who).compareTo(FUNDS.shiftRight(1)) < 0) v.transfer(keeper, who, FUNDS);
        }
        for (Map.Entry<String, BigInteger> e : verifierStake.entrySet()) {
            BigInteger missing = e.getValue().subtract(v.staked(e.getKey()));
            if (missing.signum() > 0) v.stake(e.getKey(), missing);
            if (v.drawWeight(e.getKey()).signum() == 0) v.registerVerifier(e.getKey()); // slashed below one seat, it had left the pool
        }
    }

    /** Every account of the simulation, the keeper and the treasury included. */
    public List<String> everyone() {
        List<String> all = new ArrayList<>(List.of(keeper, treasury, submitter, griefer));
        all.addAll(solvers.values());
        all.addAll(verifiers.keySet());
        return all;
    }

    /** The verifier's strategy (its behaviour when seated: the sybils and the one-account verifier replay as diligent ones do). */
    public Strategy strategyOf(String verifier) {
        Strategy s = verifiers.get(verifier.toLowerCase(Locale.ROOT));
        if (s == null) throw new IllegalStateException(verifier + " was seated but is none of the simulation's verifiers");
        return s;
    }

    /** Accounts of {@code s} among the verifiers. */
    public List<String> verifiersOf(Strategy s) {
        return verifiers.entrySet().stream().filter(e -> e.getValue() == s).map(Map.Entry::getKey).toList();
    }

    /** Whether a seated verifier of this strategy replays its segment. */
    public static boolean replays(Strategy s) {
        return s == Strategy.DILIGENT || s == Strategy.ONE_ACCOUNT || s == Strategy.SYBIL;
    }
}
