package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Chain;
import dev.verity.chain.DevAccounts;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.Governance;
import dev.verity.chain.GovernanceSettings;
import dev.verity.chain.Verity;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;
import picocli.CommandLine;

/**
 * {@code verity gov} on the embedded EVM through the same NetworkOptions path as over JSON-RPC: a rule change from
 * delegation to execution, and each move out of order or out of range refused with one line that says what to do.
 */
class GovCommandTest {
    @TempDir
    Path dir;
    EmbeddedChain chain;
    Verity v;
    Path deployment;

    @BeforeEach
    void deploy() throws Exception {
        chain = new EmbeddedChain();
        v = Verity.deploy(chain, chain.accounts().get(0), chain.accounts().get(1),
                Verity.Config.defaults().withGovernance(new GovernanceSettings(1, 5, Verity.ether(1_000), 4, 600)));
        deployment = dir.resolve("deployment.json");
        v.deployment().write(deployment);
    }

    @AfterEach
    void close() {
        chain.close();
    }

    record Result(int code, String out, String err) {}

    private Result gov(int keyIndex, String... args) {
        List<String> a = new ArrayList<>(List.of("gov"));
        a.addAll(List.of(args));
        return run(keyIndex, a.toArray(String[]::new));
    }

    private Result run(int keyIndex, String... args) {
        Chain shared = (Chain) Proxy.newProxyInstance(Chain.class.getClassLoader(), new Class<?>[] {Chain.class}, (p, m, a) -> {
            if (m.getName().equals("close")) return null;
            try {
                return m.invoke(chain, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == NetworkOptions.class ? cls.cast(new NetworkOptions((url, keys) -> shared)) : CommandLine.defaultFactory().create(cls);
            }
        };
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--deployment", deployment.toString()));
        if (keyIndex >= 0) {
            a.add("--key");
            a.add(Numeric.toHexStringNoPrefixZeroPadded(DevAccounts.credentials(10).get(keyIndex).getEcKeyPair().getPrivateKey(), 64));
        }
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = dev.verity.cli.VerityCli.execute(factory, a.toArray(String[]::new));
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private void fails(String part, Result r) {
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("verity: ") && r.err().contains(part), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    private void ok(Result r) {
        assertEquals(0, r.code(), r.out() + r.err());
    }

    private void mine(int n) {
        for (int i = 0; i < n; i++) chain.advanceTime(12);
    }

    @Test
    void aRuleChangeFromDelegationToExecutionAndEveryMoveOutOfOrderRefused() {
        Result params = gov(-1, "params");
        ok(params);
        assertTrue(params.out().matches("(?s).*feeBps +250 +allowed \\[0, 2000].*"), params.out());
        assertTrue(params.out().matches("(?s).*challengeBond +50000000000000000000 \\(50 VRT\\) +allowed \\[1, 2\\^128-1].*"), params.out());
        assertTrue(params.out().matches("(?s).*roundTimeout +\\d+ s +allowed \\[600, 31536000].*"), params.out());
        fails("rule out of range: roundTimeout = 60, ProtocolParams allows [600, 31536000]",
                gov(0, "propose", "--set", "roundTimeout=60", "--description", "A minute a round"));
        assertTrue(params.out().contains("referee set 0 (new tasks'): referee " + v.referee), params.out());
        fails("propose takes either --set NAME=VALUE (new rules) or --referee ADDRESS (a referee upgrade)",
                gov(0, "propose", "--description", "Nothing"));
        fails("is not a contract on this chain: deploy it first",
                gov(0, "propose", "--referee", "0x" + "12".repeat(20), "--description", "A referee that is not there"));

        fails("unknown rule 'fee'; the rules are seatStake, feeBps, minStakeBps", gov(0, "propose", "--set", "fee=300", "--description", "x"));
        fails("rule out of range: feeBps = 5000, ProtocolParams allows [0, 2000]",
                gov(0, "propose", "--set", "feeBps=5000", "--description", "Fee 50%"));
        fails("the proposal threshold is 1000 VRT; votes count only once delegated. It holds 1000000000 VRT: delegate to itself first",
                gov(0, "propose", "--set", "feeBps=300", "--description", "Fee 3%"));
        ok(gov(0, "delegate"));
        Result account = run(0, "account");
        ok(account);
        assertTrue(account.out().contains("votes          1000000000 VRT delegated to it; its own tokens vote through itself"), account.out());
        Result proposed = gov(0, "propose", "--set", "feeBps=300", "--set", "seatStake=150VRT", "--set", "challengeBond=80VRT", "--set",
                "roundTimeout=7200", "--description", "Fee 3%, seats 150 VRT, bonds 80 VRT, two hours a round");
        ok(proposed);
        assertTrue(proposed.out().contains("feeBps: 250 -> 300"), proposed.out());
        String id = proposed.out().lines().findFirst().orElseThrow().substring("proposal ".length());
        fails("voting on proposal " + id + " is not open yet: it opens at block", gov(0, "vote", id, "for"));

        mine(1);
        ok(gov(0, "vote", id, "for"));
        fails("cannot be queued: it is Active (voting is open until block", gov(0, "queue", id));
        mine(5);
        fails("cannot be executed: it is Succeeded; queue it next (verity gov queue)", gov(3, "execute", id));
        ok(gov(3, "queue", id));
        fails("is queued; the timelock releases it at", gov(3, "execute", id));
        chain.advanceTime(600);
        Result executed = gov(3, "execute", id);
        ok(executed);
        assertEquals(300, new Governance(v).rules().feeBps());
        assertEquals(Verity.ether(150), new Governance(v).rules().seatStake());
        assertEquals(Verity.ether(80), new Governance(v).rules().challengeBond());
        assertEquals(7_200, new Governance(v).rules().roundTimeout());
        Result status = gov(-1, "status", id);
        ok(status);
        assertTrue(status.out().contains("Executed"), status.out());
        fails("PROPOSAL must be a proposal id", gov(0, "vote", "abc", "for"));
    }

    @Test
    void aProposalThatMissedItsQuorumCannotBeQueuedAndSaysWhy() {
        v.transfer(chain.accounts().get(0), chain.accounts().get(2), Verity.ether(2_000));
        ok(gov(2, "delegate"));
        Result proposed = gov(2, "propose", "--set", "forcedErrorPpm=0", "--description", "No forced errors");
        ok(proposed);
        String id = proposed.out().lines().findFirst().orElseThrow().substring("proposal ".length());
        mine(2);
        ok(gov(2, "vote", id, "for"));
        mine(6);
        fails("cannot be queued: it is Defeated (for 2000 VRT, against 0 VRT, abstain 0 VRT; quorum 40000000 VRT not reached", gov(2, "queue", id));
        assertEquals(BigInteger.valueOf(20_000), BigInteger.valueOf(new Governance(v).rules().forcedErrorPpm()));
    }
}
