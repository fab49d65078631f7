package dev.verity.testkit.econ;

import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.Verity;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code verity econ simulate}: agents of every strategy run tasks on a fresh deployment of the real contracts on the
 * embedded EVM, and each strategy's net profit is measured (token change minus off-chain costs, {@link Economy}). The
 * solver of task i plays the strategies in turn ({@link Strategy#SOLVERS}); the contracts draw each task's seats from
 * the pool by stake ({@link Pool}); a griefer disputes a tenth of the tasks. The run is also a load test: it checks after
 * every task that the task ended with no escrow, and every {@link #CONSERVATION_EVERY} tasks and at the end that every
 * token of the supply is in an account or in a contract's books.
 */
public final class Simulation {
    static final int CONSERVATION_EVERY = 25;
    /** The most tasks one run may have: the submitter spends about 20,000 VRT a task, refilled from the keeper's supply. */
    public static final int MAX_TASKS = 20_000;
    /** The share of tasks a griefer disputes. */
    static final double GRIEF_SHARE = 0.1;

    /** What to run: {@code tasks} tasks under {@code rules}, the random choices (bids, secrets, cheats) from {@code seed}. */
    public record Settings(int tasks, long seed, Rules rules, Economy economy) {
        public Settings {
            int min = 2 * Strategy.SOLVERS.size();
            if (tasks < min || tasks > MAX_TASKS) {
                throw new IllegalArgumentException("--tasks must be in [" + min + ", " + MAX_TASKS + "] (two per solver strategy; the keeper's "
                        + "share of the supply pays for at most " + MAX_TASKS + "), got " + tasks);
            }
            if (rules == null || economy == null) throw new IllegalArgumentException("rules and economy are required");
        }

        public static Settings defaults() {
            return new Settings(1_000, 1, Rules.defaults(), Economy.defaults());
        }
    }

    /** Samples of one run: per strategy, per solver strategy and number of lazy seats, and the load figures. */
    public record Result(Settings settings, Map<Strategy, Sample> profit, Map<Strategy, Sample[]> byLazySeats, Sample submitter, long tasks,
            Map<Verity.Status, Integer> statuses, double seconds, long gas, Sample honestGas, String supply, double jackpotPool,
            Map<String, List<Long>> gasPerCall) {
        public double tasksPerSecond() {
            return tasks / seconds;
        }

        public double gasPerTask() {
            return (double) gas / tasks;
        }
    }

    private Simulation() {}

    public static Result run(Settings s, PrintStream progress) {
        try (EmbeddedChain chain = new EmbeddedChain(Pool.accounts())) {
            String deployer = Pool.accounts().get(0);
            Verity v = Verity.deploy(chain, deployer, Pool.accounts().get(1), s.rules().config());
            Pool pool = Pool.setUp(v, s.rules());
            ChainSelftest.checkConservation(v, pool.everyone());
            return loop(s, v, pool, progress);
        }
    }

    private static Result loop(Settings s, Verity v, Pool pool, PrintStream progress) {
        SplittableRandom rng = new SplittableRandom(s.seed());
        TaskRound round = new TaskRound(v, pool, s.rules(), s.economy(), rng);
        Map<Strategy, Sample> profit = new EnumMap<>(Strategy.class);
        for (Strategy st : Strategy.values()) profit.put(st, new Sample());
        Map<Strategy, Sample[]> byLazy = new EnumMap<>(Strategy.class);
        for (Strategy st : Strategy.SOLVERS) byLazy.put(st, newSamples(TaskRound.SEATS + 1));
        Map<Verity.Status, Integer> statuses = new EnumMap<>(Verity.Status.class);
        Sample submitter = new Sample();
        long gas = 0;
        Sample honestGas = new Sample();
        long t0 = System.nanoTime();
        for (int i = 0; i < s.tasks(); i++) {
            Strategy solver = Strategy.SOLVERS.get(i % Strategy.SOLVERS.size());
            TaskRound.Outcome o = round.play(i, solver, rng.nextDouble() < GRIEF_SHARE);
            record(o, pool, profit, byLazy);
            submitter.add(o.net().get(pool.submitter));
            statuses.merge(o.status(), 1, Integer::sum);
            gas += o.gas();
            if (solver == Strategy.HONEST_SOLVER) honestGas.add(o.gas());
            if ((i + 1) % CONSERVATION_EVERY == 0 || i + 1 == s.tasks()) ChainSelftest.checkConservation(v, pool.everyone());
            if (progress != null && (i + 1) % 100 == 0) {
                progress.printf("  %d/%d tasks, %.0f s%n", i + 1, s.tasks(), (System.nanoTime() - t0) / 1e9);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        checkDrained(v);
        return new Result(s, profit, byLazy, submitter, s.tasks(), statuses, seconds, gas, honestGas, v.totalSupply().toString(), Money.vrt(v.jackpotPool()),
                v.gasTable());
    }

    private static Sample[] newSamples(int n) {
        Sample[] out = new Sample[n];
        for (int i = 0; i < n; i++) out[i] = new Sample();
        return out;
    }

    /** One task's nets into the samples: the solver's, each seat's, the stake groups' and the griefer's. */
    private static void record(TaskRound.Outcome o, Pool pool, Map<Strategy, Sample> profit, Map<Strategy, Sample[]> byLazy) {
        double solverNet = o.net().get(pool.solvers.get(o.solverStrategy()));
        profit.get(o.solverStrategy()).add(solverNet);
        byLazy.get(o.solverStrategy())[o.lazySeats()].add(solverNet);
        // A verifier's deviation is judged where the solver is honest (what every solver does once cheating does not pay): in a
        // cheater's task a diligent seat also wins half the cheater's stake, which would hide what a deviation saves.
        if (o.solverStrategy() == Strategy.HONEST_SOLVER) {
            for (Map.Entry<String, Strategy> seat : o.seats().entrySet()) {
                Strategy behaviour = Pool.replays(seat.getValue()) ? Strategy.DILIGENT : seat.getValue();
                profit.get(behaviour).add(o.net().get(seat.getKey()));
            }
            // the same stake in one account or split over sybils: their whole net in every such task, drawn or not
            profit.get(Strategy.ONE_ACCOUNT).add(sum(o, pool, Strategy.ONE_ACCOUNT));
            profit.get(Strategy.SYBIL).add(sum(o, pool, Strategy.SYBIL));
        }
        if (o.griefed()) profit.get(Strategy.GRIEFING).add(o.net().get(pool.griefer));
    }

    private static double sum(TaskRound.Outcome o, Pool pool, Strategy s) {
        return pool.verifiersOf(s).stream().mapToDouble(a -> o.net().get(a)).sum();
    }

    /** After the run: the market holds no task's escrow (only the jackpot pool, which pays future forced errors) and the game no bond. */
    private static void checkDrained(Verity v) {
        BigInteger escrow = v.totalEscrowed().subtract(v.jackpotPool());
        if (escrow.signum() != 0) throw new IllegalStateException("stuck funds: the market still escrows " + escrow + " wei beside its jackpot pool");
        if (v.totalBonds().signum() != 0) throw new IllegalStateException("stuck funds: " + v.totalBonds() + " wei of dispute bonds still held");
    }

    /** Writes the chart of {@code r} to {@code png}. */
    public static void chart(Result r, Path png) throws java.io.IOException {
        Chart.write(r, png);
    }
}
