package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.DynamicBytes;

/**
 * The on-chain referee against Java's float arithmetic, bit for bit, on the embedded EVM:
 * {@code -Dverity.referee.cases=N} operand sets per basic operation (5,000 by default; 100,000 for the
 * full check), plus the Philox known-answer vectors and the rulings on 0x70 links and legacy claims.
 */
class RefereeTest {
    static final int CASES = Integer.getInteger("verity.referee.cases", 5000);
    static EmbeddedChain chain;
    static String referee;
    static String from;

    @BeforeAll
    static void deploy() {
        chain = new EmbeddedChain();
        from = chain.accounts().get(0);
        referee = chain.deploy(from, Artifacts.creationCode("BasicOpReferee")).contractAddress();
    }

    @AfterAll
    static void close() {
        chain.close();
    }

    static int applyOp(int op, int... v) {
        return (int) Abi.wordLong(chain.call(from, referee, RefereeCheck.applyOpCall(op, v)), 0);
    }

    @Test
    void everyBasicOperationMatchesJavaBitForBit() {
        long t0 = System.nanoTime();
        RefereeCheck.Report report = RefereeCheck.run(chain, referee, CASES, 0x5EED_F10A7L, JavaBasicOps::apply, System.out);
        System.out.printf("referee check: %d cases in %.1f s%n", report.cases(), (System.nanoTime() - t0) / 1e9);
        for (RefereeCheck.Row row : report.rows()) assertEquals(0, row.mismatches(), row.op() + ": " + row.example());
        // One whole applyOp transaction per operation, for the gas a caller pays (21k base + calldata + ABI).
        SplittableRandom r = new SplittableRandom(7);
        StringBuilder b = new StringBuilder("applyOp transaction gas:");
        for (int op = 0; op < RefereeCheck.OPS.size(); op++) {
            long g = chain.send(from, referee, RefereeCheck.applyOpCall(op, RefereeCheck.operands(op, r))).gasUsed();
            b.append(' ').append(RefereeCheck.OPS.get(op)).append('=').append(g);
        }
        System.out.println(b);
    }

    @Test
    void philoxKnownAnswerVectors() {
        // Random123 kat_vectors, philox4x32 10 (counter, key -> output)
        int[][] kat = {
            {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
            {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
            {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
        };
        for (int[] v : kat) {
            int[] out = new int[4];
            for (int w = 0; w < 4; w++) out[w] = applyOp(RefereeCheck.PHILOX, v[4], v[5], v[0], v[1], v[2], v[3], w);
            assertArrayEquals(new int[] {v[6], v[7], v[8], v[9]}, out);
            assertArrayEquals(out, JavaBasicOps.philoxBlock(v[4], v[5], v[0], v[1], v[2], v[3]));
        }
        var e = assertThrows(Chain.RevertException.class, () -> applyOp(RefereeCheck.PHILOX, 0, 0, 0, 0, 0, 0, 4));
        assertEquals("Referee: operands outside the operation's domain", e.reason());
    }

    @Test
    void shuffleIsAPermutation() {
        int n = 1000;
        boolean[] seen = new boolean[n];
        int[] flat = new int[6 * n];
        for (int p = 0; p < n; p++) System.arraycopy(new int[] {42, 7, n, 10, p / 10, p % 10}, 0, flat, 6 * p, 6);
        byte[] ret = chain.call(from, referee, RefereeCheck.encodeOpWords(Abi.selector("applyBatch(uint8,uint32[])"), RefereeCheck.SHUFFLE, flat));
        int len = (int) Abi.wordLong(ret, 1);
        assertEquals(n, len);
        for (int i = 0; i < n; i++) {
            int s = (int) Abi.wordLong(ret, 2 + i);
            assertFalse(seen[s], "sample " + s + " twice");
            seen[s] = true;
        }
    }

    /** A 0x70 link leaf (docs/commitments.md). */
    static byte[] link(int t, int op, int[] operandBits, int result) {
        ByteBuffer b = ByteBuffer.allocate(7 + 13 * operandBits.length + 4).put((byte) 0x70).putInt(t).put((byte) op).put((byte) operandBits.length);
        for (int i = 0; i < operandBits.length; i++) b.put((byte) (i == 0 ? 0 : i == 1 ? 1 : 2)).putInt(i).putInt(3 * i).putInt(operandBits[i]);
        return b.putInt(result).array();
    }

    static boolean ruleLink(byte[] link) {
        return Abi.wordBool(chain.call(from, referee, Abi.call("ruleLink(bytes)", new DynamicBytes(link))), 0);
    }

    static boolean rule(int linkIndex, int opcode, int x, int y, int z, int result, byte[] operandProofs) {
        var claim = Abi.tuple(Abi.b32(new byte[32]), Abi.b32(new byte[32]), Abi.b32(new byte[32]), Abi.u64(5), Abi.u64(3), Abi.u64(17), Abi.u64(linkIndex),
                Abi.u64(64), Abi.u8(opcode), Abi.u32(x & 0xffffffffL), Abi.u32(y & 0xffffffffL), Abi.u32(z & 0xffffffffL), Abi.u32(result & 0xffffffffL));
        return Abi.wordBool(chain.call(from, referee, Abi.call("rule((bytes32,bytes32,bytes32,uint64,uint64,uint64,uint64,uint64,uint8,uint32,uint32,uint32,uint32),bytes)",
                claim, new DynamicBytes(operandProofs))), 0);
    }

    @Test
    void rulesLinks() {
        int one = Float.floatToRawIntBits(1f), two = Float.floatToRawIntBits(2f), three = Float.floatToRawIntBits(3f);
        int fma = Float.floatToRawIntBits(Math.fma(1f, 2f, 3f));
        assertTrue(ruleLink(link(4, 4, new int[] {one, two, three}, fma)));
        assertFalse(ruleLink(link(4, 4, new int[] {one, two, three}, fma + 1)));
        assertFalse(ruleLink(link(4, 0, new int[] {one, two, three}, fma)), "arity must match the op");
        assertFalse(ruleLink(link(4, 99, new int[] {one}, one)), "unknown op");
        assertFalse(ruleLink(new byte[] {0x70, 0, 0}), "short link");
        // NaN equals NaN for float results, not for integer results
        assertTrue(ruleLink(link(0, 3, new int[] {0, 0}, 0xffc00000)));
        assertTrue(ruleLink(link(0, 5, new int[] {0xbf800000}, 0x7fc00001)));
        int w = JavaBasicOps.philoxWord(1, 2, 3, 4, 5, 6, 0);
        assertTrue(ruleLink(link(0, RefereeCheck.PHILOX, new int[] {1, 2, 3, 4, 5, 6, 0}, w)));
        assertFalse(ruleLink(link(0, RefereeCheck.PHILOX, new int[] {1, 2, 3, 4, 5, 6, 0}, w ^ 1)));
        assertFalse(ruleLink(link(0, RefereeCheck.PHILOX, new int[] {1, 2, 3, 4, 5, 6, 9}, w)), "outside the domain is wrong, not a revert");

        // rule(): with a 0x70 link (index and result must be the claim's), and the legacy 3-operand form
        byte[] good = link(7, 4, new int[] {one, two, three}, fma);
        assertTrue(rule(7, 5, one, two, three, fma, good));
        assertFalse(rule(8, 5, one, two, three, fma, good), "link index differs from the claim");
        assertFalse(rule(7, 5, one, two, three, fma + 1, good), "result differs from the claim");
        assertTrue(rule(7, 5, one, two, three, fma, new byte[0]));
        assertFalse(rule(7, 5, one, two, three, fma ^ 1, new byte[0]));
        assertTrue(rule(0, 1, one, two, 0, three, new byte[0]));
        assertTrue(rule(0, 6, Float.floatToRawIntBits(9f), 0, 0, three, new byte[0]));
        assertFalse(rule(0, 9, one, two, 0, three, new byte[0]));
    }

    @Test
    void unknownOperationsAndOperandCountsRevert() {
        assertThrows(Chain.RevertException.class, () -> applyOp(21, 1));
        assertThrows(Chain.RevertException.class, () -> applyOp(0, 1));
        List<Integer> arities = new ArrayList<>();
        for (int op = 0; op < 22; op++) {
            arities.add((int) Abi.wordLong(chain.call(from, referee, Abi.call("arity(uint8)", Abi.u8(op))), 0));
        }
        List<Integer> expected = new ArrayList<>();
        for (int op = 0; op < 21; op++) expected.add(RefereeCheck.arity(op));
        expected.add(0);
        assertEquals(expected, arities);
    }

    /** The harness itself: a reference that is wrong for one operation is caught there and only there. */
    @Test
    void harnessCountsMismatches() {
        RefereeCheck.Report report = RefereeCheck.run(chain, referee, 200, 1, (op, v) -> op == 2 ? JavaBasicOps.apply(op, v) ^ 1 : JavaBasicOps.apply(op, v), null);
        for (RefereeCheck.Row row : report.rows()) {
            if (row.op().equals("MUL")) assertTrue(row.mismatches() > 100, row.toString());
            else assertEquals(0, row.mismatches(), row.toString());
        }
    }
}
