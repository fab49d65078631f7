package dev.verity.cli;

import dev.verity.chain.Verity;
import dev.verity.node.Accounts;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verity account [ADDRESS]}: what an account holds and has staked. */
@Command(name = "account", mixinStandardHelpOptions = true,
        description = "An account's token balance, stake (locked, free, unbonding) and verifier registration; the key's account if no ADDRESS is given.")
public final class AccountCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ADDRESS", description = "0x-prefixed 20-byte address (default: the --key/--key-file account)")
    String address;

    @Mixin
    NetworkOptions net;

    @Option(names = "--json", description = "print JSON (amounts in wei, as strings) instead of a table")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Override
    public Integer call() throws Exception {
        String who = null;
        if (address != null) {
            if (!address.strip().matches("0x[0-9a-fA-F]{40}")) {
                throw new IllegalArgumentException("ADDRESS must be 0x followed by 40 hex digits, got '" + address + "'");
            }
            who = address.strip().toLowerCase(Locale.ROOT);
        }
        try (NetworkOptions.Connection c = net.connect()) {
            if (who == null) {
                if (c.account() == null) {
                    throw new IllegalArgumentException("whose account? give an ADDRESS, or the account's --key-file FILE (or --key HEX)");
                }
                who = c.account();
            }
            Verity v = c.verity();
            BigInteger staked = v.staked(who);
            BigInteger locked = v.locked(who);
            BigInteger unbonding = v.unbonding(who);
            long releaseAt = v.unbondingReleaseAt(who);
            boolean verifier = v.verifierPool().contains(who);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("address", who);
            r.put("balance", v.balanceOf(who).toString());
            r.put("staked", staked.toString());
            r.put("locked", locked.toString());
            r.put("free", staked.subtract(locked).toString());
            r.put("unbonding", unbonding.toString());
            r.put("unbondingReleaseAt", unbonding.signum() == 0 ? null : releaseAt);
            r.put("verifier", verifier);
            r.put("minVerifierStake", v.rules().seatStake().toString());
            r.put("gasBalance", v.chain.etherBalance(who).toString());
            dev.verity.chain.Governance gov = new dev.verity.chain.Governance(v);
            String delegate = gov.delegates(who);
            BigInteger votes = gov.votes(who);
            r.put("votes", votes.toString());
            r.put("delegate", delegate.equals("0x0000000000000000000000000000000000000000") ? null : delegate);
            PrintWriter out = cmd.commandLine().getOut();
            if (json) {
                out.println(TaskCommand.JSON.writeValueAsString(r));
                return 0;
            }
            String f = "%-14s %s%n";
            out.printf(f, "account", who);
            out.printf(f, "balance", Accounts.tokens(v.balanceOf(who)));
            out.printf(f, "stake", Accounts.tokens(staked) + " (" + Accounts.tokens(locked) + " locked by open tasks, "
                    + Accounts.tokens(staked.subtract(locked)) + " free)");
            out.printf(f, "unbonding", unbonding.signum() == 0 ? "none"
                    : Accounts.tokens(unbonding) + ", withdrawable " + TaskCommand.time(releaseAt, v.chain.timestamp()));
            out.printf(f, "verifier", verifier ? "registered" : "not registered (needs a stake of at least "
                    + Accounts.tokens(v.rules().seatStake()) + ")");
            out.printf(f, "gas balance", new java.math.BigDecimal(v.chain.etherBalance(who)).movePointLeft(18).stripTrailingZeros().toPlainString() + " ETH");
            // tokens vote only once delegated (docs/governance.md): say where this account's go, and what it holds for others
            out.printf(f, "votes", Accounts.tokens(votes) + " delegated to it; "
                    + (r.get("delegate") == null ? "its own tokens vote for no one until it delegates (verity gov delegate)"
                    : "its own tokens vote through " + (delegate.equals(who) ? "itself" : delegate)));
        }
        return 0;
    }
}
