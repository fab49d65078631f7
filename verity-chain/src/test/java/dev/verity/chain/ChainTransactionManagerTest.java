package dev.verity.chain;

import static dev.verity.chain.Abi.addr;
import static dev.verity.chain.Abi.b32;
import static dev.verity.chain.Abi.b32s;
import static dev.verity.chain.Abi.bool;
import static dev.verity.chain.Abi.bytes;
import static dev.verity.chain.Abi.u128;
import static dev.verity.chain.Abi.u16;
import static dev.verity.chain.Abi.u256;
import static dev.verity.chain.Abi.u32;
import static dev.verity.chain.Abi.u64;
import static dev.verity.chain.Abi.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.verity.chain.bindings.DisputeGame;
import dev.verity.chain.bindings.ProtocolParams;
import dev.verity.chain.bindings.TaskMarket;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.StaticStruct;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.utils.Numeric;

/**
 * The generated wrappers send exactly the calldata the hand-written tuple signatures did (so gas is unchanged), and run
 * through {@link ChainTransactionManager} with no {@code Web3j}: transactions and calls reach the {@link Chain}, a revert
 * comes out as the chain's {@link Chain.RevertException}.
 */
class ChainTransactionManagerTest {
    // the tuple strings Verity kept by hand before the wrappers were generated: the reference the wrappers must match
    static final String STATE = "(uint64,address,address,uint8,bool,uint64,uint128,bytes32,bytes32,uint64,bytes32,uint64,uint64,uint64,uint64,"
            + "uint64,bytes32,bytes32,bytes32,uint64,bytes32,bytes32,uint64,uint64,uint64,uint32,uint8)";
    static final String STEP = "(uint64,bytes32,bytes32,bytes32,bytes32,bytes32[])";
    static final String OP_ENTRY = "(uint64,bytes32,bytes32,uint64,bytes32[])";
    static final String LEAF = "(bytes,uint64,uint64,bytes32[])";
    static final String EVIDENCE = "(uint8,bytes," + OP_ENTRY + ",bytes,bytes32[],bytes,bytes32[])";
    static final String POST_PARAMS =
            "(bytes32,bytes32,bytes32,bytes32,bytes32,bytes32,uint64,uint64,uint64,uint64,uint128,uint128,uint128,uint32,uint64,uint64,uint64,uint64)";

    static final String A = "0x1111111111111111111111111111111111111111";
    static final String B = "0x2222222222222222222222222222222222222222";

    static byte[] h(int seed) {
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) b[i] = (byte) (seed * 31 + i * 7);
        return b;
    }

    static byte[] raw(int seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed + i * 13);
        return b;
    }

    static final Verity.GameState STATE_VALUE = new Verity.GameState(7, A, B, 3, false, 1_700_000_000L, BigInteger.valueOf(123456789), h(1), h(2),
            42, h(3), 1025, 5, 40, 48, 44, h(4), h(5), h(6), 9, h(7), h(8), 4096, 77, 300, 0xDEADBEEFL, 6);

    static StaticStruct stateHand(Verity.GameState s) {
        return new StaticStruct(u64(s.taskId()), addr(s.challenger()), addr(s.defender()), u8(s.round()), bool(s.challengerWon()), u64(s.deadline()),
                u128(s.solverStake()), b32(s.graphRoot()), b32(s.datasetRoot()), u64(s.graphOps()), b32(s.traceRoot()), u64(s.traceLeaves()),
                u64(s.segment()), u64(s.segStartStep()), u64(s.segEndStep()), u64(s.step()), b32(s.h0()), b32(s.h1()), b32(s.opTraceRoot()),
                u64(s.opIndex()), b32(s.graphLeafHash()), b32(s.outputRoot()), u64(s.outputElems()), u64(s.element()), u64(s.links()),
                u32(s.claimedValue()), u8(s.demand()));
    }

    static final Verity.Step STEP_VALUE = new Verity.Step(44, h(10), h(11), h(12), h(13), List.of(h(14), h(15), h(16)));

    static DynamicStruct stepHand(Verity.Step s) {
        return new DynamicStruct(u64(s.k()), b32(s.preState()), b32(s.preOpTrace()), b32(s.postState()), b32(s.postOpTrace()), b32s(s.proof()));
    }

    static DynamicStruct leafHand(Verity.Leaf l) {
        return new DynamicStruct(bytes(l.data()), u64(l.n()), u64(l.index()), b32s(l.proof()));
    }

    static DynamicStruct opEntryHand(Verity.OpEntry e) {
        return new DynamicStruct(u64(e.opIndex()), b32(e.graphLeafHash()), b32(e.outputRoot()), u64(e.outputElems()), b32s(e.proof()));
    }

    static byte[] encoded(RemoteFunctionCall<?> call) {
        return Numeric.hexStringToByteArray(call.encodeFunctionCall());
    }

    /** A chain that answers nothing: the wrappers here only encode. */
    static final ChainTransactionManager OFFLINE = new ChainTransactionManager(null, A);

    @Test
    void disputeMovesEncodeAsTheHandWrittenSignatures() {
        DisputeGame g = DisputeGame.load(B, null, OFFLINE, ChainTransactionManager.GAS);
        BigInteger id = BigInteger.valueOf(3);
        assertArrayEquals(Abi.call("postSegment(uint256," + STATE + ",bytes32,bytes32,bytes32[],bytes32[],bytes32[])", u256(3), stateHand(STATE_VALUE),
                b32(h(20)), b32(h(21)), b32s(List.of(h(22))), b32s(List.of(h(23), h(24))), b32s(List.of())),
                encoded(g.postSegment(id, STATE_VALUE.toBinding(), h(20), h(21), List.of(h(22)), List.of(h(23), h(24)), List.of())));

        Verity.Leaf pre = new Verity.Leaf(raw(1, 45), 17, 3, List.of(h(30), h(31)));
        Verity.Leaf post = new Verity.Leaf(raw(2, 0), 1, 0, List.of());
        assertArrayEquals(Abi.call("claimScalars(uint256," + STATE + "," + STEP + "," + LEAF + "," + LEAF + ",bytes,uint64,bytes32[])", u256(3),
                stateHand(STATE_VALUE), stepHand(STEP_VALUE), leafHand(pre), leafHand(post), bytes(raw(3, 70)), u64(12), b32s(List.of(h(32)))),
                encoded(g.claimScalars(id, STATE_VALUE.toBinding(), STEP_VALUE.toBinding(), pre.toBinding(), post.toBinding(), raw(3, 70),
                        BigInteger.valueOf(12), List.of(h(32)))));

        Verity.OpEntry entry = new Verity.OpEntry(5, h(40), h(41), 256, List.of(h(42), h(43)));
        assertArrayEquals(Abi.call("claimUpdate(uint256," + STATE + "," + STEP + "," + OP_ENTRY + ",bytes,bytes32[]," + LEAF + ")", u256(3),
                stateHand(STATE_VALUE), stepHand(STEP_VALUE), opEntryHand(entry), bytes(raw(4, 33)), b32s(List.of(h(44))), leafHand(pre)),
                encoded(g.claimUpdate(id, STATE_VALUE.toBinding(), STEP_VALUE.toBinding(), entry.toBinding(), raw(4, 33), List.of(h(44)),
                        pre.toBinding())));

        List<Verity.Evidence> evidence = List.of(Verity.Evidence.ofInput(1, raw(5, 90), entry, raw(6, 64), List.of(h(50))),
                Verity.Evidence.ofLink(0, raw(7, 51), List.of(h(51), h(52))));
        List<DynamicStruct> evHand = new ArrayList<>();
        for (Verity.Evidence e : evidence) {
            evHand.add(new DynamicStruct(u8(e.operand()), bytes(e.graphRecord()), opEntryHand(e.input()), bytes(e.chunk()), b32s(e.chunkProof()),
                    bytes(e.link()), b32s(e.linkProof())));
        }
        List<DisputeGame.Evidence> ev = new ArrayList<>();
        for (Verity.Evidence e : evidence) ev.add(e.toBinding());
        assertArrayEquals(Abi.call("disputeLink(uint256," + STATE + ",uint64,bytes,bytes32[]," + EVIDENCE + "[],bytes)", u256(3), stateHand(STATE_VALUE),
                u64(9), bytes(raw(8, 51)), b32s(List.of(h(53))), new DynamicArray<>(DynamicStruct.class, evHand), bytes(raw(9, 200))),
                encoded(g.disputeLink(id, STATE_VALUE.toBinding(), BigInteger.valueOf(9), raw(8, 51), List.of(h(53)), ev, raw(9, 200))));

        assertArrayEquals(Abi.call("postOpTrace(uint256," + STATE + ",bytes32[],bytes32[],uint64[])", u256(3), stateHand(STATE_VALUE),
                b32s(List.of(h(60))), b32s(List.of(h(61))), new DynamicArray<>(Uint64.class, List.of(u64(4096)))),
                encoded(g.postOpTrace(id, STATE_VALUE.toBinding(), List.of(h(60)), List.of(h(61)), List.of(BigInteger.valueOf(4096)))));
    }

    static DynamicArray<org.web3j.abi.datatypes.DynamicBytes> bytesArray(List<byte[]> l) {
        List<org.web3j.abi.datatypes.DynamicBytes> out = new ArrayList<>();
        for (byte[] x : l) out.add(bytes(x));
        return new DynamicArray<>(org.web3j.abi.datatypes.DynamicBytes.class, out);
    }

    @Test
    void everyOtherDisputeMoveEncodesAsItsHandWrittenSignature() {
        DisputeGame g = DisputeGame.load(B, null, OFFLINE, ChainTransactionManager.GAS);
        BigInteger id = BigInteger.valueOf(4);
        DisputeGame.State st = STATE_VALUE.toBinding();
        StaticStruct sh = stateHand(STATE_VALUE);
        List<byte[]> leaves = List.of(raw(1, 51), raw(2, 0), raw(3, 64));
        Verity.OpEntry entry = new Verity.OpEntry(5, h(40), h(41), 256, List.of(h(42)));
        Verity.Leaf leaf = new Verity.Leaf(raw(4, 45), 17, 3, List.of(h(30), h(31)));
        Verity.Leaf other = new Verity.Leaf(raw(5, 7), 2, 1, List.of(h(32)));
        assertArrayEquals(Abi.call("open(uint256,uint64)", u256(9), u64(2)), encoded(g.open(BigInteger.valueOf(9), BigInteger.TWO)));
        assertArrayEquals(Abi.call("demandOpTrace(uint256," + STATE + "," + STEP + ")", u256(4), sh, stepHand(STEP_VALUE)),
                encoded(g.demandOpTrace(id, st, STEP_VALUE.toBinding())));
        assertArrayEquals(Abi.call("demandChain(uint256," + STATE + ")", u256(4), sh), encoded(g.demandChain(id, st)));
        assertArrayEquals(Abi.call("postChain(uint256," + STATE + ",bytes[])", u256(4), sh, bytesArray(leaves)), encoded(g.postChain(id, st, leaves)));
        assertArrayEquals(Abi.call("demandState(uint256," + STATE + "," + STEP + ",uint8)", u256(4), sh, stepHand(STEP_VALUE), u8(2)),
                encoded(g.demandState(id, st, STEP_VALUE.toBinding(), BigInteger.TWO)));
        assertArrayEquals(Abi.call("postState(uint256," + STATE + ",bytes[])", u256(4), sh, bytesArray(leaves)), encoded(g.postState(id, st, leaves)));
        assertArrayEquals(Abi.call("demandChainPage(uint256," + STATE + ",uint64)", u256(4), sh, u64(3)),
                encoded(g.demandChainPage(id, st, BigInteger.valueOf(3))));
        assertArrayEquals(Abi.call("postChainPage(uint256," + STATE + ",bytes[],bytes32[])", u256(4), sh, bytesArray(leaves), b32s(List.of(h(9)))),
                encoded(g.postChainPage(id, st, leaves, List.of(h(9)))));
        assertArrayEquals(Abi.call("disputeOp(uint256," + STATE + "," + STEP + ",uint64,bytes,bytes32,uint64,bytes32[],uint64)", u256(4), sh,
                stepHand(STEP_VALUE), u64(7), bytes(raw(6, 90)), b32(h(50)), u64(64), b32s(List.of(h(51), h(52))), u64(33)),
                encoded(g.disputeOp(id, st, STEP_VALUE.toBinding(), BigInteger.valueOf(7), raw(6, 90), h(50), BigInteger.valueOf(64),
                        List.of(h(51), h(52)), BigInteger.valueOf(33))));
        assertArrayEquals(Abi.call("postElementChain(uint256," + STATE + ",bytes32,uint64,bytes,bytes32[],bytes,bytes32[])", u256(4), sh, b32(h(60)),
                u64(16), bytes(raw(7, 64)), b32s(List.of(h(61))), bytes(raw(8, 12)), b32s(List.of(h(62), h(63)))),
                encoded(g.postElementChain(id, st, h(60), BigInteger.valueOf(16), raw(7, 64), List.of(h(61)), raw(8, 12), List.of(h(62), h(63)))));
        assertArrayEquals(Abi.call("claimRecord(uint256," + STATE + "," + STEP + "," + OP_ENTRY + ",bytes32,bytes32[])", u256(4), sh,
                stepHand(STEP_VALUE), opEntryHand(entry), b32(h(70)), b32s(List.of(h(71)))),
                encoded(g.claimRecord(id, st, STEP_VALUE.toBinding(), entry.toBinding(), h(70), List.of(h(71)))));
        assertArrayEquals(Abi.call("claimSource(uint256," + STATE + "," + STEP + "," + OP_ENTRY + ",bytes,bytes32[]," + LEAF + ")", u256(4), sh,
                stepHand(STEP_VALUE), opEntryHand(entry), bytes(raw(9, 40)), b32s(List.of(h(72))), leafHand(leaf)),
                encoded(g.claimSource(id, st, STEP_VALUE.toBinding(), entry.toBinding(), raw(9, 40), List.of(h(72)), leaf.toBinding())));
        assertArrayEquals(Abi.call("claimModel(uint256," + STATE + "," + LEAF + "," + LEAF + ")", u256(4), sh, leafHand(leaf), leafHand(other)),
                encoded(g.claimModel(id, st, leaf.toBinding(), other.toBinding())));
        assertArrayEquals(Abi.call("timeout(uint256," + STATE + ")", u256(4), sh), encoded(g.timeout(id, st)));
    }

    @Test
    void marketAndRulesEncodeAsTheHandWrittenSignatures() {
        TaskMarket m = TaskMarket.load(B, null, OFFLINE, ChainTransactionManager.GAS);
        Verity.Leaf a = new Verity.Leaf(raw(1, 40), 8, 2, List.of(h(1), h(2), h(3)));
        Verity.Leaf b = new Verity.Leaf(raw(2, 12), 4, 1, List.of(h(4), h(5)));
        Verity.Leaf c = new Verity.Leaf(raw(3, 300), 2, 0, List.of(h(6)));
        Verity.InitClaim claim = new Verity.InitClaim(a, b, c, 17);
        assertArrayEquals(Abi.call("challengeInit(uint256,(" + LEAF + "," + LEAF + "," + LEAF + ",uint32))", u256(11),
                new DynamicStruct(leafHand(a), leafHand(b), leafHand(c), u32(17))),
                encoded(m.challengeInit(BigInteger.valueOf(11), claim.toBinding())));

        PostParams p = new PostParams(h(1), h(2), h(3), h(4), h(5), h(6), 10, 200, 20, 5000, BigInteger.valueOf(7), BigInteger.TEN.pow(18),
                BigInteger.TWO.pow(100), 3, 60, 120, 30, 600);
        StaticStruct pHand = Abi.tuple(b32(p.specHash()), b32(p.datasetRoot()), b32(p.graphRoot()), b32(p.parentModel()), b32(p.initRoot()),
                b32(p.seedCommit()), u64(p.graphOps()), u64(p.totalSteps()), u64(p.checkpointInterval()), u64(p.workUnits()), u128(p.maxPricePerUnit()),
                u128(p.replayFee()), u128(p.solverStake()), u32(p.numVerifiers()), u64(p.bidWindow()), u64(p.commitWindow()), u64(p.revealWindow()),
                u64(p.verifyWindow()));
        assertArrayEquals(Abi.call("post(" + POST_PARAMS + ")", pHand), encoded(m.post(p.toBinding())));

        TaskRules r = TaskRules.defaults();
        ProtocolParams pp = ProtocolParams.load(B, null, OFFLINE, ChainTransactionManager.GAS);
        byte[] setRules = Abi.call("setRules((uint128,uint16,uint16,uint16,uint16,uint32,uint32,uint128,uint64))", Abi.tuple(u128(r.seatStake()),
                u16(r.feeBps()), u16(r.minStakeBps()), u16(r.replayFeeFloorBps()), u16(r.jackpotShareBps()), u32(r.forcedErrorPpm()),
                u32(r.refereeSet()), u128(r.challengeBond()), u64(r.roundTimeout())));
        assertArrayEquals(setRules, encoded(pp.setRules((ProtocolParams.Rules) Verity.rulesAbi(r))));
        // Governance proposes and reads proposals through the generated struct: the same calldata both ways
        assertArrayEquals(setRules, Governance.setRulesData(r));
        assertArrayEquals(java.util.Arrays.copyOf(setRules, 4), Governance.SET_RULES);
        TaskRules other = new TaskRules(BigInteger.TWO.pow(127).add(BigInteger.ONE), 2_000, 50_000, 0, 10_000, 1_000_000, 7,
                BigInteger.TWO.pow(128).subtract(BigInteger.ONE), TaskRules.MAX_ROUND_TIMEOUT);
        assertEquals(r, Verity.rulesOf(Governance.decodeRules(setRules)));
        assertEquals(other, Verity.rulesOf(Governance.decodeRules(Governance.setRulesData(other))));
        assertEquals(java.util.Optional.of(r), Governance.rulesIn(setRules));
        // a word past its field's width (a uint16 fee of 65,786: web3j keeps 250) is no rules ProtocolParams would take
        byte[] wide = setRules.clone();
        wide[4 + 2 * 32 - 3] = 1;
        assertEquals(java.util.Optional.empty(), Governance.rulesIn(wide));
        byte[] tooHigh = Governance.setRulesData(r);
        tooHigh[4 + 2 * 32 - 1] = (byte) 0xff;
        tooHigh[4 + 2 * 32 - 2] = (byte) 0xff; // fee 65,535 bps
        assertEquals(java.util.Optional.empty(), Governance.rulesIn(tooHigh));
    }

    /** A chain that records what is sent and answers from {@code reply}; every other method is unsupported. */
    static Chain fakeChain(AtomicReference<byte[]> sent, java.util.function.Supplier<Object> reply) {
        return (Chain) Proxy.newProxyInstance(Chain.class.getClassLoader(), new Class<?>[] {Chain.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "send", "call" -> {
                    assertEquals(A, args[0]);
                    assertEquals(B, args[1]);
                    sent.set((byte[]) args[2]);
                    Object r = reply.get();
                    if (r instanceof RuntimeException e) throw e;
                    return r;
                }
                default -> throw new UnsupportedOperationException(method.getName());
            }
        });
    }

    @Test
    void transactionsAndCallsGoThroughTheChainWithoutWeb3j() {
        AtomicReference<byte[]> sent = new AtomicReference<>();
        Receipt mined = new Receipt("0x" + "ab".repeat(32), 12, true, 54321, null, List.of());
        ChainTransactionManager tm = new ChainTransactionManager(fakeChain(sent, () -> mined), A);
        TaskMarket m = TaskMarket.load(B, null, tm, ChainTransactionManager.GAS);
        var call = m.settle(BigInteger.valueOf(5));
        Receipt got = tm.take(ChainTransactionManager.run(call));
        assertSame(mined, got);
        assertArrayEquals(Abi.call("settle(uint256)", u256(5)), sent.get());

        ChainTransactionManager viewer = new ChainTransactionManager(fakeChain(sent, () -> Abi.encodeArgs(u256(99))), A);
        assertEquals(BigInteger.valueOf(99), ChainTransactionManager.run(TaskMarket.load(B, null, viewer, ChainTransactionManager.GAS).taskCount()));
        assertArrayEquals(Abi.call("taskCount()"), sent.get());
    }

    @Test
    void aRevertComesOutAsTheChainsRevertException() {
        Chain.RevertException revert = new Chain.RevertException("TaskMarket: not settled", "execution reverted", null);
        ChainTransactionManager tm = new ChainTransactionManager(fakeChain(new AtomicReference<>(), () -> revert), A);
        TaskMarket m = TaskMarket.load(B, null, tm, ChainTransactionManager.GAS);
        assertSame(revert, assertThrows(Chain.RevertException.class, () -> ChainTransactionManager.run(m.settle(BigInteger.ONE))));
        assertSame(revert, assertThrows(Chain.RevertException.class, () -> ChainTransactionManager.run(m.taskCount())));
    }
}
