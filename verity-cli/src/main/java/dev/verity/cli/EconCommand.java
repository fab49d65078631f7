package dev.verity.cli;

import dev.verity.chain.EmbeddedChain;
import dev.verity.testkit.econ.Economy;
import dev.verity.testkit.econ.Report;
import dev.verity.testkit.econ.Rules;
import dev.verity.testkit.econ.Simulation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity econ ...}: the protocol's economics, measured on the real contracts. */
@Command(name = "econ", mixinStandardHelpOptions = true, description = "The protocol's economics, measured on the real contracts.",
        subcommands = {EconCommand.Simulate.class})
public final class EconCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Agents of every strategy run tasks on a fresh deployment of the real contracts on the embedded EVM; prints each strategy's "
                        + "mean net profit per task (per seat in the honest solver's tasks for verifiers, per dispute for griefers) with a 95%% confidence interval, "
                        + "writes a PNG chart, and ends with 'strategies: N, profitable deviations: K, honest profit > 0: yes|no' "
                        + "(exit 1 if K > 0 or honest agents lose). docs/incentives.md, Simulation.",
                "",
                "Model. Contracts, tokens and randomness are real; the training is synthetic (losses and state roots pseudo-random but "
                        + "consistent, disputes won by the referee on chain). Each task: 400 steps in 100 segments, 20,000 work units, at most "
                        + "1 VRT a unit, 3 seats, the bid drawn in [0.8, 1] VRT. Net profit = token change (wallet + stake + unbonding) minus "
                        + "off-chain costs: training costs --cost-share of the clearing price per work unit trained, a replay one segment's "
                        + "work units at that rate, gas --vrt-per-gas VRT a gas.",
                "Solvers (task i: strategies in turn): honest; cheat-f, f in 0.01, 0.1, 0.5, 1.0, skips f of the segments (at least one) "
                        + "and saves that share of the training. Verifiers (seats drawn by stake): diligent (replays; challenges a skipped "
                        + "segment and plays the dispute), lazy (attests a made-up replay), colluding (attests the solver's own losses, never "
                        + "challenges), absent (does nothing); by stake 67%% of the pool replays, 13%% is lazy, 13%% colludes, 7%% is absent; sybil (one diligent stake split over 4 accounts) against one account with the "
                        + "same stake; griefing (disputes a right segment of a tenth of the tasks and loses its bond).",
                "A deviation is profitable when its mean exceeds its honest counterpart's (0 for griefing) by more than its own "
                        + "confidence half-width. The run is also a load test: tasks per second, gas per task, every task ends Settled, "
                        + "Failed or Cancelled with no escrow, and tokens are conserved.",
                ""})
    static final class Simulate implements Callable<Integer> {
        @Option(names = "--tasks", defaultValue = "1000", description = "tasks to run (default ${DEFAULT-VALUE})")
        int tasks;

        @Option(names = "--seed", defaultValue = "1", description = "seed of the bids, secrets and cheats (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--rules", defaultValue = "default",
                description = "rule set: default (the network's), or bad (replay fee and its floor 0, no forced errors, no jackpot) (default ${DEFAULT-VALUE})")
        String rules;

        @Option(names = "--replay-fee-bps", description = "override: the replay fee submitters post, in bps of one segment's work at the maximum price")
        Integer replayFeeBps;

        @Option(names = "--replay-fee-floor-bps", description = "override: the market's replay fee floor, in bps (the same unit)")
        Integer replayFeeFloorBps;

        @Option(names = "--forced-error-ppm", description = "override: forced errors per million seats")
        Integer forcedErrorPpm;

        @Option(names = "--jackpot-share-bps", description = "override: the share of the protocol fee that funds the forced errors' jackpot, in bps")
        Integer jackpotShareBps;

        @Option(names = "--cost-share", defaultValue = "0.7", description = "off-chain cost per work unit, a share of the clearing price (default ${DEFAULT-VALUE})")
        double costShare;

        @Option(names = "--vrt-per-gas", defaultValue = "2e-5", description = "VRT a unit of gas costs (default ${DEFAULT-VALUE}: 20 gwei at 0.001 ETH a VRT)")
        double vrtPerGas;

        @Option(names = "--chart", defaultValue = "econ-simulation.png", description = "where to write the PNG chart (default ${DEFAULT-VALUE})")
        Path chart;

        @Option(names = "--gas", description = "also print the gas of every contract call of the run (calls, min, max)")
        boolean gas;

        @Override
        public Integer call() throws Exception {
            String why = EmbeddedChain.unsupportedReason();
            if (why != null) throw new IllegalStateException(why);
            Simulation.Settings s = new Simulation.Settings(tasks, seed, rules(), new Economy(costShare, vrtPerGas));
            System.out.println("rules: " + s.rules().describe());
            System.out.println("costs: " + s.economy().describe());
            System.out.printf("running %d tasks on the embedded EVM (seed %d)...%n", tasks, seed);
            Simulation.Result r = Simulation.run(s, System.out);
            Report report = Report.of(r);
            System.out.println();
            report.print(r, System.out);
            System.out.println();
            Report.printLoad(r, System.out);
            if (gas) dev.verity.chain.ChainSelftest.printGas(r.gasPerCall(), System.out);
            Simulation.chart(r, chart);
            System.out.println("chart: " + chart.toAbsolutePath());
            System.out.println(report.finalLine());
            return report.passed() ? 0 : 1;
        }

        private Rules rules() {
            Rules r = Rules.named(rules);
            if (replayFeeBps != null || replayFeeFloorBps != null) {
                r = r.withReplayFee(replayFeeFloorBps == null ? r.task().replayFeeFloorBps() : replayFeeFloorBps,
                        replayFeeBps == null ? r.replayFeeBps() : replayFeeBps);
            }
            if (forcedErrorPpm != null || jackpotShareBps != null) {
                r = r.withJackpot(jackpotShareBps == null ? r.task().jackpotShareBps() : jackpotShareBps,
                        forcedErrorPpm == null ? r.task().forcedErrorPpm() : forcedErrorPpm);
            }
            return r;
        }
    }
}
