package dev.verity.cli;

import dev.verity.chain.ChainSelftest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity chain ...}: the settlement contracts on the embedded EVM or any Ethereum node. */
@Command(name = "chain", mixinStandardHelpOptions = true, description = "Settlement contracts: deploy and exercise them.",
        subcommands = {ChainCommand.Selftest.class})
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
}
