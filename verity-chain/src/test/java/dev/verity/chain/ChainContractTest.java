package dev.verity.chain;

import static dev.verity.chain.Abi.addr;
import static dev.verity.chain.Abi.bool;
import static dev.verity.chain.Abi.u256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Chain} must have; run against the embedded EVM and a real Hardhat node. */
abstract class ChainContractTest {
    abstract Chain chain();

    private static final String TRANSFER = Abi.eventTopic("Transfer(address,address,uint256)");

    private String deployToken(Chain c, String from) {
        Receipt r = c.deploy(from, Artifacts.creationCode("VerityToken", u256(1_000_000), bool(false)));
        assertTrue(r.success());
        assertNotNull(r.contractAddress());
        assertTrue(r.gasUsed() > 53_000, "creation costs at least intrinsic gas: " + r.gasUsed());
        return r.contractAddress();
    }

    @Test
    void accountsAndChainId() {
        Chain c = chain();
        assertEquals(31337, c.chainId());
        assertTrue(c.accounts().size() >= 9);
        assertTrue(c.etherBalance(c.accounts().get(0)).signum() > 0);
    }

    @Test
    void deployCallSendLogsReceipts() {
        Chain c = chain();
        String a = c.accounts().get(0), b = c.accounts().get(1);
        String token = deployToken(c, a);
        assertEquals(BigInteger.valueOf(1_000_000), Abi.word(c.call(a, token, Abi.call("balanceOf(address)", addr(a))), 0));
        long before = c.blockNumber();
        Receipt r = c.send(a, token, Abi.call("transfer(address,uint256)", addr(b), u256(250)));
        assertTrue(r.success());
        assertTrue(r.blockNumber() > before);
        assertEquals(before + 1, c.blockNumber());
        // 21000 intrinsic + calldata + two balance writes (one fresh slot): between 45k and 60k on Shanghai
        assertTrue(r.gasUsed() > 45_000 && r.gasUsed() < 60_000, "transfer gas " + r.gasUsed());
        assertEquals(1, r.logs().size());
        Receipt.Log log = r.logs().get(0);
        assertEquals(token, log.address());
        assertEquals(TRANSFER, log.topic0());
        assertEquals(BigInteger.valueOf(250), Abi.word(log.data(), 0));
        Receipt again = c.receipt(r.txHash()).orElseThrow();
        assertEquals(r.gasUsed(), again.gasUsed());
        assertEquals(r.blockNumber(), again.blockNumber());
        assertEquals(r.logs().size(), again.logs().size());
        List<Receipt.Log> found = c.logs(token, TRANSFER, r.blockNumber(), r.blockNumber());
        assertEquals(1, found.size());
        assertEquals(r.txHash(), found.get(0).txHash());
        assertEquals(2, c.logs(token, TRANSFER, 0, c.blockNumber()).size(), "mint + transfer");
        assertEquals(BigInteger.valueOf(250), Abi.word(c.call(a, token, Abi.call("balanceOf(address)", addr(b))), 0));
        // nonces: many transactions in a row from one account
        for (int i = 0; i < 5; i++) c.send(a, token, Abi.call("transfer(address,uint256)", addr(b), u256(1)));
        assertEquals(BigInteger.valueOf(255), Abi.word(c.call(a, token, Abi.call("balanceOf(address)", addr(b))), 0));
    }

    @Test
    void revertsCarryTheirReason() {
        Chain c = chain();
        String a = c.accounts().get(0), b = c.accounts().get(1);
        String token = deployToken(c, a);
        Chain.RevertException e = assertThrows(Chain.RevertException.class,
                () -> c.send(b, token, Abi.call("transfer(address,uint256)", addr(a), u256(1))));
        // OpenZeppelin's ERC-20 errors carry their values: sender, balance, needed
        assertEquals("ERC20InsufficientBalance(" + b + ", 0, 1)", e.reason());
        Chain.RevertException e2 = assertThrows(Chain.RevertException.class,
                () -> c.call(b, token, Abi.call("transferFrom(address,address,uint256)", addr(a), addr(b), u256(1))));
        assertEquals("ERC20InsufficientAllowance(" + b + ", 0, 1)", e2.reason());
        // state unchanged by the failed transaction
        assertEquals(BigInteger.ZERO, Abi.word(c.call(a, token, Abi.call("balanceOf(address)", addr(b))), 0));
    }

    @Test
    void timeMovesForward() {
        Chain c = chain();
        long t0 = c.timestamp();
        long n0 = c.blockNumber();
        c.advanceTime(3600);
        assertTrue(c.timestamp() >= t0 + 3600, "timestamp " + c.timestamp() + " vs " + t0);
        assertTrue(c.blockNumber() > n0);
    }

    @Test
    void fullProtocolWithConservation() {
        Chain c = chain();
        ChainSelftest.Actors a = ChainSelftest.Actors.of(c);
        Verity v = Verity.deploy(c, a.deployer(), a.treasury(), Verity.Config.defaults().withReferee("AlwaysChallengerReferee"));
        ChainSelftest.setUp(v, a);
        ChainSelftest.checkConservation(v, a);
        long honest = ChainSelftest.honestTask(v, a, new SyntheticDispute(32, 8, 4, 300, 4, 11));
        ChainSelftest.checkConservation(v, a);
        assertEquals(Verity.Status.SETTLED, v.task(honest).status());
        long disputed = ChainSelftest.disputedTask(v, a, new SyntheticDispute(32, 8, 4, 300, 4, 12), 1);
        ChainSelftest.checkConservation(v, a);
        assertEquals(Verity.Status.FAILED, v.task(disputed).status());
        assertEquals(v.jackpotPool(), v.balanceOf(v.market), "the market keeps only the jackpot pool (the settled task's share of its fee)");
        assertEquals(BigInteger.ZERO, v.balanceOf(v.game));
        // event queries see the whole history
        assertEquals(2, c.logs(v.market, Abi.eventTopic("TaskPosted(uint256,address,bytes32,uint64,uint128,uint256,uint64)"), 0, c.blockNumber()).size());
    }
}
