package dev.verity.chain;

import static dev.verity.chain.Abi.addr;
import static dev.verity.chain.Abi.bool;
import static dev.verity.chain.Abi.u256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The same suite against a real Hardhat 2 node, plus the self-test over JSON-RPC. */
@Timeout(300)
class RpcChainTest extends ChainContractTest {
    private static HardhatNode node;
    private static RpcChain chain;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNodes.hardhat();
        chain = RpcChain.devNode(node.url);
    }

    @AfterAll
    static void stopNode() {
        if (chain != null) chain.close();
        if (node != null) node.close();
    }

    @Override
    Chain chain() {
        return chain;
    }

    @Test
    void selftestOverRpc() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = ChainSelftest.run(node.url, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, rc, out);
        assertTrue(out.strip().endsWith("selftest: ok"));
    }

    /** A history read in windows of 1 or 3 blocks (a provider's range limit) is the one read at once. */
    @Test
    void logsReadInWindowsAreTheWholeHistory() {
        String a = chain.accounts().get(0), b = chain.accounts().get(3);
        Receipt d = chain.deploy(a, Artifacts.creationCode("VerityToken", u256(1_000_000), bool(false)));
        for (int i = 1; i <= 5; i++) {
            chain.send(a, d.contractAddress(), Abi.call("transfer(address,uint256)", addr(b), u256(i)));
        }
        long from = d.blockNumber(), to = chain.blockNumber();
        assertTrue(to - from >= 5, "one block per transaction on an automining node");
        String transfer = Abi.eventTopic("Transfer(address,address,uint256)");
        List<Receipt.Log> whole = chain.logs(d.contractAddress(), transfer, from, to);
        assertEquals(6, whole.size(), "the mint and five transfers");
        try (RpcChain windowed = RpcChain.devNode(node.url)) {
            for (long w : new long[] {1, 3}) {
                List<Receipt.Log> parts = windowed.logsBlockRange(w).logs(d.contractAddress(), transfer, from, to);
                assertEquals(whole.stream().map(Receipt.Log::txHash).toList(), parts.stream().map(Receipt.Log::txHash).toList(), "window " + w);
            }
            assertThrows(IllegalArgumentException.class, () -> windowed.logsBlockRange(0));
        }
        // topic1 filtered by the node = the same logs filtered here (Transfer's topic1 is the sender)
        String fromA = "0x" + "0".repeat(24) + a.substring(2).toLowerCase();
        List<String> byNode = chain.logsWithTopic1(d.contractAddress(), fromA, from, to).stream().map(Receipt.Log::txHash).toList();
        List<String> byHand = whole.stream().filter(l -> l.topics().get(1).equalsIgnoreCase(fromA)).map(Receipt.Log::txHash).toList();
        assertEquals(5, byNode.size(), "five transfers from the deployer (the mint is from address zero)");
        assertEquals(byHand, byNode);
    }

    /** The embedded chain's gas accounting matches a real node's, transaction by transaction. */
    @Test
    void embeddedGasMatchesHardhat() {
        try (EmbeddedChain emb = new EmbeddedChain()) {
            String a = chain.accounts().get(0), b = chain.accounts().get(2);
            byte[] code = Artifacts.creationCode("VerityToken", u256(1_000_000), bool(false));
            Receipt dr = chain.deploy(a, code), de = emb.deploy(a, code);
            assertEquals(dr.gasUsed(), de.gasUsed(), "deploy gas");
            byte[] t = Abi.call("transfer(address,uint256)", addr(b), u256(7));
            assertEquals(chain.send(a, dr.contractAddress(), t).gasUsed(), emb.send(a, de.contractAddress(), t).gasUsed(), "first transfer");
            assertEquals(chain.send(a, dr.contractAddress(), t).gasUsed(), emb.send(a, de.contractAddress(), t).gasUsed(), "second transfer");
        }
    }

    /** The referee on a real node: bit for bit as Java, and the same gas per operation as on the embedded EVM. */
    @Test
    void refereeMatchesJavaOnHardhat() {
        int cases = Integer.getInteger("verity.referee.rpc.cases", 300);
        RefereeCheck.Report rpc = RefereeCheck.run(chain, cases, JavaBasicOps::apply, System.out);
        assertEquals(0, rpc.mismatches());
        try (EmbeddedChain emb = new EmbeddedChain()) {
            RefereeCheck.Report local = RefereeCheck.run(emb, cases, JavaBasicOps::apply, null);
            assertEquals(local.rows(), rpc.rows(), "embedded and Hardhat disagree on results or gas");
        }
    }
}
