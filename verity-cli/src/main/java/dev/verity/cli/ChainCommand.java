package dev.verity.cli;

import dev.verity.chain.ChainSelftest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity chain ...}: the settlement contracts on the embedded EVM or any Ethereum node. */
@Command(name = "chain", mixinStandardHelpOptions = true, description = "Settlement contracts: deploy and exercise them.",
        subcommands = {ChainCommand.Selftest.class, ChainCommand.RefereeCheckCommand.class, ChainCommand.AttackCheckCommand.class})
public final class ChainCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "selftest", mixinStandardHelpOptions = true,
            description = "Deploy the contracts, run an honest and a disputed task through every stage, print gas per call and per dispute round.")
    static final class Selftest implements Callable<Integer> {
        @Option(names = "--rpc", description = "JSON-RPC URL of an Ethereum node (default: the embedded in-process EVM)")
        String rpc;

        @Override
        public Integer call() throws Exception {
            if (rpc != null && !rpc.startsWith("http://") && !rpc.startsWith("https://")) {
                throw new IllegalArgumentException("--rpc must be an http(s) URL, got '" + rpc + "'");
            }
            return ChainSelftest.run(rpc, System.out);
        }
    }

    @Command(name = "attack-check", mixinStandardHelpOptions = true,
            description = "Attacks on the protocol's rules (sybils, withholding, front-running, griefing, squatting, grinding), each on a "
                    + "fresh deployment of the real contracts on the embedded EVM: one row per attack with the attacker's and the honest "
                    + "parties' net tokens; exit 1 if any attack profits, costs an honest party or breaks its rule.")
    static final class AttackCheckCommand implements Callable<Integer> {
        @Option(names = "--only", paramLabel = "NAME", description = "run only the attacks whose name contains NAME")
        String only;

        @Override
        public Integer call() {
            java.util.List<dev.verity.testkit.attack.AttackCheck.Row> rows = dev.verity.testkit.attack.AttackCheck.runAll(only, System.out);
            if (rows.isEmpty()) {
                throw new IllegalArgumentException("no attack's name contains '" + only + "'");
            }
            return rows.stream().allMatch(dev.verity.testkit.attack.AttackCheck.Row::defended) ? 0 : 1;
        }
    }

    @Command(name = "referee-check", mixinStandardHelpOptions = true,
            description = "Random operand sets per basic operation through the on-chain referee and through Java; "
                    + "print mismatches and gas per operation.")
    static final class RefereeCheckCommand implements Callable<Integer> {
        @Option(names = "--cases", defaultValue = "10000", description = "operand sets per operation (default ${DEFAULT-VALUE})")
        int cases;

        @Option(names = "--rpc", description = "JSON-RPC URL of an Ethereum node (default: the embedded in-process EVM)")
        String rpc;

        @Option(names = "--seed", defaultValue = "1", description = "seed of the random operand sets")
        long seed;

        @Override
        public Integer call() throws Exception {
            if (cases < 1 || cases > 10_000_000) {
                throw new IllegalArgumentException("--cases must be in [1, 10000000]");
            }
            if (rpc != null && !rpc.startsWith("http://") && !rpc.startsWith("https://")) {
                throw new IllegalArgumentException("--rpc must be an http(s) URL, got '" + rpc + "'");
            }
            try (dev.verity.chain.Chain chain = dev.verity.chain.ChainSelftest.open(rpc)) {
                String referee = dev.verity.chain.RefereeCheck.deployReferee(chain);
                dev.verity.chain.RefereeCheck.Report r = dev.verity.chain.RefereeCheck.run(chain, referee, cases, seed,
                        (op, v) -> dev.verity.tensor.elementchain.BasicOps.apply(dev.verity.tensor.elementchain.BasicOp.fromCode(op), v), System.out);
                System.out.println();
                long bad = RealLinkCheck.run(chain, referee, 200, System.out);
                System.out.println("referee: " + (r.cases()) + " random cases + real links, " + (r.mismatches() + bad)
                        + " mismatches");
                return r.mismatches() + bad == 0 ? 0 : 1;
            }
        }
    }
}
