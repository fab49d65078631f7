package dev.verity.chain;

import dev.verity.merkle.MerkleTree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.utils.Numeric;

/**
 * StructureReferee on its own (embedded EVM): a three-op graph (two inputs, an ADD that broadcasts, an EMBEDDING), its
 * records, op trace and chains built here byte by byte (docs/commitments.md), so that every proof StructureReferee
 * checks can be broken one at a time. The whole-dispute path is ChainDisputeTest's (verity-node).
 */
class StructureRefereeTest {
    static EmbeddedChain chain;
    static String referee;

    // graph: 0 = x [2,3], 1 = b [3], 2 = ADD(x, b) [2,3], 3 = table [4,2], 4 = ids [3], 5 = EMBEDDING(table, ids) [3,2],
    // 6 = RESHAPE-coded op (70) of (x, b): an op kind LinkStructure does not cover (a view: no chain), 7 = GATHER_ROWS(table, ids) [2,2]
    // (batch 2, seed 5; its "step" input is ids), 8 = EMBEDDING_GRAD(ids, dy = node 5) [4,2] (LinkStructureNorm)
    static final List<byte[]> RECORDS = withInputShapes(List.of(record(0, 2, new int[0], new int[] {2, 3}), record(1, 2, new int[0], new int[] {3}),
            record(2, 21, new int[] {0, 1}, new int[] {2, 3}), record(3, 2, new int[0], new int[] {4, 2}),
            record(4, 2, new int[0], new int[] {3}), record(5, 63, new int[] {3, 4}, new int[] {3, 2}),
            record(6, 70, new int[] {0, 1}, new int[] {2, 3}), gather(7), record(8, 64, new int[] {4, 5}, new int[] {4, 2})));
    static final float[][] OUTPUTS = {{1, 2, 3, 4, 5, 6}, {10, 20, 30}, {11, 22, 33, 14, 25, 36}, {0, 1, 2, 3, 4, 5, 6, 7}, {2, 0, 3},
            {4, 5, 0, 1, 6, 7}, {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0}, {0, 1, 0, 0, 4, 5, 6, 7}};
    static MerkleTree graph;
    static MerkleTree opTrace;

    @BeforeAll
    static void deploy() {
        chain = new EmbeddedChain();
        String structure = LinkStructure.deploy(chain);
        referee = chain.deploy(chain.accounts().get(0), Abi.concat(Artifacts.creationCode("StructureReferee"), Abi.encodeArgs(Abi.addr(structure))))
                .contractAddress();
        List<byte[]> g = new ArrayList<>();
        List<byte[]> ot = new ArrayList<>();
        for (int i = 0; i < RECORDS.size(); i++) {
            g.add(MerkleTree.leafHash(RECORDS.get(i)));
            ot.add(MerkleTree.leafHash(entry(i)));
        }
        graph = MerkleTree.ofLeafHashes(g);
        opTrace = MerkleTree.ofLeafHashes(ot);
    }

    @AfterAll
    static void close() {
        chain.close();
    }

    /** Each record with its input-shape trailer (per input: uint32 rank ‖ dims, read from the input's record). */
    static List<byte[]> withInputShapes(List<byte[]> records) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] r : records) {
            ByteBuffer b = ByteBuffer.wrap(r);
            int nIn = b.getInt(8);
            ByteBuffer t = ByteBuffer.allocate(256);
            for (int i = 0; i < nIn; i++) {
                byte[] in = records.get(b.getInt(12 + 4 * i));
                int o = 12 + 4 * ByteBuffer.wrap(in).getInt(8);
                int rank = ByteBuffer.wrap(in).getInt(o);
                t.put(in, o, 4 + 4 * rank);
            }
            out.add(Abi.concat(r, java.util.Arrays.copyOf(t.array(), t.position())));
        }
        return List.copyOf(out);
    }

    /** 0x40 ‖ uint32 id ‖ uint16 opCode ‖ uint8 role ‖ uint32 nInputs ‖ inputs ‖ uint32 rank ‖ dims ‖ uint32 attrLen ‖ attrs (none) ‖ uint16 nameLen ‖ name ‖ uint16 0. */
    static byte[] record(int id, int code, int[] inputs, int[] shape) {
        byte[] name = ("n" + id).getBytes();
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 2 + 1 + 4 + 4 * inputs.length + 4 + 4 * shape.length + 4 + 4 + 2 + name.length + 2);
        b.put((byte) 0x40).putInt(id).putShort((short) code).put((byte) 0).putInt(inputs.length);
        for (int i : inputs) b.putInt(i);
        b.putInt(shape.length);
        for (int d : shape) b.putInt(d);
        b.putInt(4).putInt(0).putShort((short) name.length).put(name).putShort((short) 0);
        return b.array();
    }

    /** GATHER_ROWS (code 10) of inputs 3, 4, attributes batch = 2 and seed = 5 (name order). */
    static byte[] gather(int id) {
        byte[] name = ("n" + id).getBytes();
        ByteBuffer a = ByteBuffer.allocate(35).putInt(2);
        a.putShort((short) 5).put("batch".getBytes()).put((byte) 1).putLong(2);
        a.putShort((short) 4).put("seed".getBytes()).put((byte) 1).putLong(5);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 2 + 1 + 4 + 8 + 4 + 8 + 4 + 35 + 2 + name.length + 2);
        b.put((byte) 0x40).putInt(id).putShort((short) 10).put((byte) 0).putInt(2).putInt(3).putInt(4).putInt(2).putInt(2).putInt(2);
        b.putInt(35).put(a.array()).putShort((short) name.length).put(name).putShort((short) 0);
        return b.array();
    }

    static byte[] chunk(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static byte[] tensorRoot(float[] v) {
        return MerkleTree.ofLeafHashes(List.of(MerkleTree.leafHash(Abi.concat(new byte[] {0x10}, chunk(v))))).root();
    }

    static byte[] entry(int i) {
        return ByteBuffer.allocate(81).put((byte) 0x60).putLong(i).put(MerkleTree.leafHash(RECORDS.get(i))).put(tensorRoot(OUTPUTS[i]))
                .putLong(OUTPUTS[i].length).array();
    }

    static Verity.OpEntry opEntry(int i) {
        return new Verity.OpEntry(i, MerkleTree.leafHash(RECORDS.get(i)), tensorRoot(OUTPUTS[i]), OUTPUTS[i].length, opTrace.siblings(i));
    }

    /** uint8 kind ‖ uint32 number ‖ uint32 index ‖ uint32 bits. */
    static byte[] operand(int kind, int number, int index, float v) {
        return ByteBuffer.allocate(13).put((byte) kind).putInt(number).putInt(index).putInt(Float.floatToRawIntBits(v)).array();
    }

    static byte[] link(int t, int op, byte[]... operands) {
        ByteBuffer b = ByteBuffer.allocate(7 + 13 * operands.length + 4).put((byte) 0x70).putInt(t).put((byte) op).put((byte) operands.length);
        for (byte[] o : operands) b.put(o);
        return b.putInt(0).array();
    }

    static byte[] result(int kind, int number, int index, float v) {
        return Abi.concat(new byte[] {0x71}, operand(kind, number, index, v));
    }

    record Ruling(boolean covered, boolean matches, String why) {
    }

    static Verity.Structure bundle(int op, List<Verity.Source> sources) {
        return new Verity.Structure(RECORDS.get(op), sources);
    }

    @SuppressWarnings("rawtypes")
    static Ruling rule(int op, int element, long links, byte[] chainRoot, long t, byte[] leaf, Verity.Structure s) {
        var site = Abi.tuple(Abi.b32(graph.root()), Abi.u64(RECORDS.size()), Abi.b32(MerkleTree.leafHash(RECORDS.get(op))), Abi.b32(opTrace.root()),
                Abi.b32(chainRoot), Abi.u64(links), Abi.u64(element), Abi.u64(t));
        byte[] ret = chain.call(chain.accounts().get(0), referee, Abi.call("rule((bytes32,uint64,bytes32,bytes32,bytes32,uint64,uint64,uint64),bytes,bytes)",
                site, Abi.bytes(leaf), Abi.bytes(s.encode())));
        @SuppressWarnings("unchecked")
        List<TypeReference<Type>> types = List.of((TypeReference) new TypeReference<Bool>() {}, (TypeReference) new TypeReference<Bool>() {},
                (TypeReference) new TypeReference<Utf8String>() {});
        List<Type> v = FunctionReturnDecoder.decode(Numeric.toHexString(ret), types);
        return new Ruling((Boolean) v.get(0).getValue(), (Boolean) v.get(1).getValue(), (String) v.get(2).getValue());
    }

    /** ADD(x, b), element 4 = x[1,1] + b[1]: one link, ADD(input 0 element 4, input 1 element 1). */
    static final byte[] ADD_LINK = link(0, 0, operand(0, 0, 4, 5), operand(0, 1, 1, 20));

    static byte[] addChainRoot(byte[]... leaves) {
        List<byte[]> h = new ArrayList<>();
        for (byte[] l : leaves) h.add(MerkleTree.leafHash(l));
        return MerkleTree.ofLeafHashes(h).root();
    }

    @Test
    void prescribedLinkAndResultMatch() {
        byte[] res = result(1, 0, 0, 25);
        byte[] root = addChainRoot(ADD_LINK, res);
        Ruling r = rule(2, 4, 1, root, 0, ADD_LINK, bundle(2, List.of()));
        assertTrue(r.covered() && r.matches(), r.why());
        r = rule(2, 4, 1, root, 1, res, bundle(2, List.of()));
        assertTrue(r.covered() && r.matches(), r.why());
    }

    @Test
    void wrongElementConstantLengthAndResultAreNamed() {
        // a correctly quoted but wrong element of b (b[2] instead of b[1])
        byte[] wrong = link(0, 0, operand(0, 0, 4, 5), operand(0, 1, 2, 30));
        Ruling r = rule(2, 4, 1, addChainRoot(wrong, result(1, 0, 0, 35)), 0, wrong, bundle(2, List.of()));
        assertTrue(r.covered());
        assertFalse(r.matches());
        assertEquals("operand 1: must be element 1 of input 1", r.why());
        byte[] constant = link(0, 0, operand(0, 0, 4, 5), operand(2, 0, 0, 20));
        r = rule(2, 4, 1, addChainRoot(constant, result(1, 0, 0, 25)), 0, constant, bundle(2, List.of()));
        assertFalse(r.matches());
        assertEquals("operand 1: must be element 1 of input 1", r.why());
        byte[] extra = link(1, 11, operand(2, 0, 0, 26), operand(1, 0, 0, 25), operand(2, 0, 0, 1));
        r = rule(2, 4, 2, addChainRoot(ADD_LINK, extra, result(1, 1, 0, 26)), 1, extra, bundle(2, List.of()));
        assertEquals("the op prescribes 1 links; link 1 is extra", r.why());
        byte[] shortRes = result(2, 0, 0, 25);
        r = rule(2, 4, 0, addChainRoot(shortRes), 0, shortRes, bundle(2, List.of()));
        assertEquals("the chain has 0 links, the op prescribes 1", r.why());
        byte[] constRes = result(2, 0, 0, 25);
        r = rule(2, 4, 1, addChainRoot(ADD_LINK, constRes), 1, constRes, bundle(2, List.of()));
        assertFalse(r.matches());
        assertEquals("result: must be the result of link 0", r.why());
    }

    @Test
    void dataWordsAreReadFromTheProvenChunk() {
        // EMBEDDING element 2 = table[ids[1] * 2 + 0] = table[0]: no links, the token id (ids[1] = 0) a data word
        byte[] res = result(0, 0, 0, 0);
        byte[] root = addChainRoot(res);
        Verity.Source ids = Verity.Source.ofInput(1, opEntry(4), chunk(OUTPUTS[4]), List.of(), List.of(1));
        Ruling r = rule(5, 2, 0, root, 0, res, bundle(5, List.of(ids)));
        assertTrue(r.covered() && r.matches(), r.why());
        // the word is read from the chunk, not from the challenger: with element 0's id (2) the result must be table[4]
        Verity.Source other = Verity.Source.ofInput(1, opEntry(4), chunk(OUTPUTS[4]), List.of(), List.of(0));
        Chain.RevertException missing = assertThrows(Chain.RevertException.class, () -> rule(5, 2, 0, root, 0, res, bundle(5, List.of(other))));
        assertTrue(missing.reason().contains("needs element 1 of input 1"), missing.reason());
        Ruling wrongRow = rule(5, 0, 0, root, 0, res, bundle(5, List.of(other)));
        assertEquals("result: must be element 4 of input 0", wrongRow.why());
        // a chunk that is not the input's
        float[] forged = OUTPUTS[4].clone();
        forged[1] = 3;
        Verity.Source bad = Verity.Source.ofInput(1, opEntry(4), chunk(forged), List.of(), List.of(1));
        Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> rule(5, 2, 0, root, 0, res, bundle(5, List.of(bad))));
        assertTrue(e.reason().contains("bad proof of chunk"), e.reason());
        // the op-trace entry of another node than the op's input 1
        Verity.Source notInput = Verity.Source.ofInput(1, opEntry(1), chunk(OUTPUTS[1]), List.of(), List.of(1));
        e = assertThrows(Chain.RevertException.class, () -> rule(5, 2, 0, root, 0, res, bundle(5, List.of(notInput))));
        assertTrue(e.reason().contains("not that input's op-trace entry"), e.reason());
    }

    @Test
    void everyTokenIdIsADataWordOfEmbeddingGrad() {
        // EMBEDDING_GRAD element 5 = row 2, column 1: ids = {2, 0, 3}, so one link, ADD(+0, dy[0 * 2 + 1]) (input 1)
        byte[] add = link(0, 0, operand(2, 0, 0, 0), operand(0, 1, 1, 5));
        byte[] res = result(1, 0, 0, 5);
        byte[] root = addChainRoot(add, res);
        Verity.Source ids = Verity.Source.ofInput(0, opEntry(4), chunk(OUTPUTS[4]), List.of(), List.of(0, 1, 2));
        Ruling r = rule(8, 5, 1, root, 0, add, bundle(8, List.of(ids)));
        assertTrue(r.covered() && r.matches(), r.why());
        r = rule(8, 5, 1, root, 1, res, bundle(8, List.of(ids)));
        assertTrue(r.covered() && r.matches(), r.why());
        // the row of another position (p = 2, token 3), correctly quoted: not the prescribed element
        byte[] other = link(0, 0, operand(2, 0, 0, 0), operand(0, 1, 5, 7));
        r = rule(8, 5, 1, addChainRoot(other, result(1, 0, 0, 7)), 0, other, bundle(8, List.of(ids)));
        assertTrue(r.covered());
        assertFalse(r.matches());
        assertEquals("operand 1: must be element 1 of input 1", r.why());
        // no link at all: the ids say there is one
        byte[] zero = result(2, 0, 0, 0);
        r = rule(8, 5, 0, addChainRoot(zero), 0, zero, bundle(8, List.of(ids)));
        assertEquals("the chain has 0 links, the op prescribes 1", r.why());
        // every id is needed, even those after the element's positions: without id 2 the contract asks for it
        Verity.Source two = Verity.Source.ofInput(0, opEntry(4), chunk(OUTPUTS[4]), List.of(), List.of(0, 1));
        Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> rule(8, 5, 1, root, 0, add, bundle(8, List.of(two))));
        assertTrue(e.reason().contains("needs element 2 of input 0"), e.reason());
    }

    @Test
    void anOpKindNotCoveredRulesNothing() {
        // the game then goes on as without a bundle (recompute the link; a correctly quoted result leaf stands)
        Ruling r = rule(6, 4, 1, addChainRoot(ADD_LINK, result(1, 0, 0, 25)), 0, ADD_LINK, bundle(6, List.of()));
        assertFalse(r.covered());
        assertFalse(r.matches());
        assertEquals("op kind 70 is not covered", r.why());
    }

    @Test
    void aChainTooShortForTheLinkItsOpReadsLosesAtItsResult() {
        // GATHER_ROWS prescribes F2I(step), SHUFFLE(…), and a result read at link 1's sample: a one-link chain has no link 1
        byte[] f2i = link(0, 16, operand(0, 1, 0, 2));
        byte[] res = result(2, 0, 0, 4);
        byte[] root = addChainRoot(f2i, res);
        Ruling r = rule(7, 0, 1, root, 1, res, bundle(7, List.of(Verity.Source.absentLink(1))));
        assertTrue(r.covered());
        assertFalse(r.matches());
        assertEquals("the op reads link 1, which the chain does not have", r.why());
        // without the word the contract asks for it; an absent link inside the chain, or before its result, is refused
        Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> rule(7, 0, 1, root, 1, res, bundle(7, List.of())));
        assertTrue(e.reason().contains("needs the result of link 1"), e.reason());
        e = assertThrows(Chain.RevertException.class, () -> rule(7, 0, 1, root, 0, f2i, bundle(7, List.of(Verity.Source.absentLink(1)))));
        assertTrue(e.reason().contains("an absent link only past the chain"), e.reason());
        e = assertThrows(Chain.RevertException.class, () -> rule(7, 0, 1, root, 1, res, bundle(7, List.of(Verity.Source.absentLink(0)))));
        assertTrue(e.reason().contains("an absent link only past the chain"), e.reason());
    }

    @Test
    void unprovenRecordsRevert() {
        byte[] res = result(1, 0, 0, 25);
        byte[] root = addChainRoot(ADD_LINK, res);
        // the op's record with other input shapes than the graph's: not the record the game proved
        byte[] rec = RECORDS.get(2).clone();
        rec[rec.length - 1] = 4; // input 1: shape [4] instead of [3]
        Verity.Structure forged = new Verity.Structure(rec, List.of());
        Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> rule(2, 4, 1, root, 0, ADD_LINK, forged));
        assertTrue(e.reason().contains("not the disputed op's record"), e.reason());
        // another op's record
        Verity.Structure other = new Verity.Structure(RECORDS.get(5), List.of());
        e = assertThrows(Chain.RevertException.class, () -> rule(2, 4, 1, root, 0, ADD_LINK, other));
        assertTrue(e.reason().contains("not the disputed op's record"), e.reason());

    }
}
