package dev.verity.chain;

import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Internally consistent commitments for a task of any size, with the messages of every dispute round
 * (docs/dispute-protocol.md), built without training anything: state roots, op records, tensors and
 * links are pseudo-random, but every tree is built exactly as the contracts check it. Used by the
 * self-test, the gas measurements and the property tests until verity-proof produces real ones.
 *
 * <p>Only what a dispute touches is materialised: the trace (numSegments + 1 leaves), the disputed
 * segment (c + 1 leaves), the graph and one op trace (every step's, and every op's output is the same
 * tensor of {@code outputElems} pseudo-random floats, so the segment can commit to it before the
 * challenger names an op), that tensor's chunk tree, and one element chain.
 */
public final class SyntheticDispute {
    /** BasicOp.FMA's code (docs/referee.md; WireCodesTest ties it to BasicOp's). */
    public static final int OP_FMA = 4;
    /** The chain link and chain result leaf tags (docs/commitments.md; WireCodesTest ties them to verity-proof's). */
    public static final byte TAG_LINK = 0x70;
    public static final byte TAG_RESULT = 0x71;
    /** The operand kinds of a link (verity-proof's Commitments.OPERAND_*; WireCodesTest ties them to those). */
    public static final byte OPERAND_INPUT = 0;
    public static final byte OPERAND_LINK = 1;
    public static final byte OPERAND_CONSTANT = 2;

    public final long totalSteps;
    public final long interval;
    public final int graphOps;
    public final long outputElems;
    public final int chainLength;
    private final long salt;
    private final MerkleTree trace;
    private final MerkleTree graph;
    private final List<byte[]> graphRecords = new ArrayList<>();

    public SyntheticDispute(long totalSteps, long interval, int graphOps, long outputElems, int chainLength, long salt) {
        this.totalSteps = totalSteps;
        this.interval = interval;
        this.graphOps = graphOps;
        this.outputElems = outputElems;
        this.chainLength = chainLength;
        this.salt = salt;
        long segs = numSegments();
        List<byte[]> leaves = new ArrayList<>();
        for (long i = 0; i <= segs; i++) {
            long step = Math.min(i * interval, totalSteps);
            leaves.add(stepLeaf(step, stateRoot(step)));
        }
        this.trace = MerkleTree.ofLeafHashes(leaves);
        List<byte[]> g = new ArrayList<>();
        for (int k = 0; k < graphOps; k++) {
            byte[] rec = Abi.concat(new byte[] {0x40}, Sha256.u64(k), hash("op", k));
            graphRecords.add(rec);
            g.add(MerkleTree.leafHash(rec));
        }
        this.graph = MerkleTree.ofLeafHashes(g);
    }

    public long numSegments() {
        return (totalSteps + interval - 1) / interval;
    }

    public byte[] traceRoot() {
        return trace.root();
    }

    public byte[] graphRoot() {
        return graph.root();
    }

    public byte[] modelRoot() {
        return stateRoot(totalSteps);
    }

    private byte[] hash(String tag, long v) {
        return Sha256.hash(tag.getBytes(), Sha256.u64(salt), Sha256.u64(v));
    }

    /** The state root after {@code step} steps: a real tree over {@link #stateRecords}, so a demanded state can be opened. */
    public byte[] stateRoot(long step) {
        List<byte[]> leaves = new ArrayList<>();
        for (byte[] r : stateRecords(step)) leaves.add(MerkleTree.leafHash(r));
        return MerkleTree.ofLeafHashes(leaves).root();
    }

    /**
     * The records of the state after {@code step} steps (docs/commitments.md): one {@code 0x20} record of a 4-element tensor
     * "w" (its tensor root pseudo-random), then the {@code 0x21} scalars record.
     */
    public List<byte[]> stateRecords(long step) {
        byte[] w = Abi.concat(new byte[] {0x20, 0, 1, 'w', 1, 0, 0, 0, 4}, hash("w", step));
        byte[] scalars = Abi.concat(new byte[] {0x21}, Sha256.u64(step), Sha256.u64(0), Sha256.u64(0));
        return List.of(w, scalars);
    }

    static byte[] stepLeaf(long step, byte[] stateRoot) {
        return MerkleTree.leafHash(Abi.concat(new byte[] {0x50}, Sha256.u64(step), stateRoot));
    }

    private long segStart(long seg) {
        return seg * interval;
    }

    private long segEnd(long seg) {
        return Math.min(seg * interval + interval, totalSteps);
    }

    /** The op-trace root committed for step {@code s} of segment {@code seg} (zero for the segment's first leaf). */
    private byte[] opTraceRootAt(long seg, long s) {
        return s == segStart(seg) || s == noOpTraceAt ? new byte[32] : opTrace().root();
    }

    /** A step whose segment leaf commits no op trace (a zero root), or -1: a solver that left one out. */
    private long noOpTraceAt = -1;

    /** From now on the segment leaf of step {@code step} commits no op trace (-1: every step does). */
    public SyntheticDispute withoutOpTraceAt(long step) {
        noOpTraceAt = step;
        return this;
    }

    /** The state root the segment tree gives step {@code s}: the real one, or (forged) another one at the segment's start. */
    private byte[] segmentState(long seg, long s, boolean forgedStart) {
        return forgedStart && s == segStart(seg) ? hash("forged", s) : stateRoot(s);
    }

    private MerkleTree segmentTree(long seg, boolean forgedStart) {
        List<byte[]> l = new ArrayList<>();
        for (long s = segStart(seg); s <= segEnd(seg); s++) l.add(DisputeMoves.segmentLeaf(s, segmentState(seg, s, forgedStart), opTraceRootAt(seg, s)));
        return MerkleTree.ofLeafHashes(l);
    }

    public DisputeMoves.SegmentPost round2(long seg) {
        return round2(seg, false);
    }

    /** A solver's round 2 whose segment does not start at its own checkpoint (leaf 0 holds another state root). */
    public DisputeMoves.SegmentPost round2ForgedStart(long seg) {
        return round2(seg, true);
    }

    private DisputeMoves.SegmentPost round2(long seg, boolean forgedStart) {
        List<byte[]> states = new ArrayList<>();
        List<byte[]> opTraces = new ArrayList<>();
        for (long s = segStart(seg); s <= segEnd(seg); s++) {
            states.add(segmentState(seg, s, forgedStart));
            opTraces.add(opTraceRootAt(seg, s));
        }
        List<byte[]> ends = Verity.pairProof(trace.siblings(seg), trace.siblings(seg + 1), seg);
        return new DisputeMoves.SegmentPost(stateRoot(segStart(seg)), stateRoot(segEnd(seg)), ends, states, opTraces);
    }

    /** The step a round-3 move disputes: leaf {@code k} of segment {@code seg} (leaf k-1 agreed). */
    public Verity.Step step(long seg, long k) {
        return step(seg, k, false);
    }

    /** As {@link #step(long, long)}, in the segment of {@link #round2ForgedStart}. */
    public Verity.Step step(long seg, long k, boolean forgedStart) {
        MerkleTree t = segmentTree(seg, forgedStart);
        long s = segStart(seg) + k;
        return Verity.Step.of(k, segmentState(seg, s - 1, forgedStart), opTraceRootAt(seg, s - 1), t.siblings(k - 1), segmentState(seg, s, forgedStart),
                opTraceRootAt(seg, s), t.siblings(k));
    }

    private MerkleTree opTraceCache;

    /** Every step's op trace: op k's entry commits to the (one) output tensor, whatever op the challenger names. */
    private MerkleTree opTrace() {
        if (opTraceCache == null) {
            List<byte[]> l = new ArrayList<>();
            for (int k = 0; k < graphOps; k++) {
                l.add(MerkleTree.leafHash(Abi.concat(new byte[] {0x60}, Sha256.u64(k), MerkleTree.leafHash(graphRecords.get(k)), outputTree().root(),
                        Sha256.u64(outputElems))));
            }
            opTraceCache = MerkleTree.ofLeafHashes(l);
        }
        return opTraceCache;
    }

    /** Every entry of a step's op trace, as the solver opens it when the challenger demands it. */
    public Verity.OpTraceEntries opTraceEntries() {
        List<byte[]> graphLeaves = new ArrayList<>();
        List<byte[]> outputRoots = new ArrayList<>();
        List<Long> elems = new ArrayList<>();
        for (int k = 0; k < graphOps; k++) {
            graphLeaves.add(MerkleTree.leafHash(graphRecords.get(k)));
            outputRoots.add(outputTree().root());
            elems.add(outputElems);
        }
        return new Verity.OpTraceEntries(graphLeaves, outputRoots, elems);
    }

    /** Every leaf of the element chain (links, then the result leaf), as the solver opens it when the challenger demands it. */
    public List<byte[]> chainLeaves() {
        List<Verity.Link> links = links();
        List<byte[]> out = new ArrayList<>();
        for (int t = 0; t < links.size(); t++) out.add(linkLeaf(links, t));
        out.add(resultLeaf());
        return out;
    }

    /** Page {@code page} of the element chain (its leaves, and the path from its subtree to the chain root), as the solver opens it. */
    public DisputeMoves.ChainPage chainPage(long page) {
        List<byte[]> all = chainLeaves();
        int size = 1 << Verity.CHAIN_PAGE_HEIGHT;
        int from = (int) (page * size);
        return new DisputeMoves.ChainPage(List.copyOf(all.subList(from, Math.min(all.size(), from + size))),
                chainTree(links()).pagePath(page, Verity.CHAIN_PAGE_HEIGHT));
    }

    /** Round 3: disputes step {@code k} of segment {@code seg}, op {@code op}'s output element {@code element}. */
    public DisputeMoves.OpClaim round3(long seg, long k, int op, long element) {
        this.element(element);
        return new DisputeMoves.OpClaim(step(seg, k), op, graphRecords.get(op), outputTree().root(), outputElems, opTrace().siblings(op), element);
    }

    private MerkleTree outputCache;

    /** The disputed element (its chunk, links and result). */
    private long element = 0;

    public SyntheticDispute element(long e) {
        element = e;
        return this;
    }

    /** Chunk {@code ci} of the output tensor: pseudo-random floats in [-1, 1), little-endian. */
    private byte[] chunk(long ci) {
        long chunks = (outputElems + 255) / 256;
        int len = (int) (ci + 1 < chunks ? 256 : outputElems - ci * 256);
        ByteBuffer b = ByteBuffer.allocate(4 * len).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom r = new SplittableRandom(salt ^ ci);
        for (int i = 0; i < len; i++) b.putFloat((float) r.nextDouble(-1, 1));
        return b.array();
    }

    private MerkleTree outputTree() {
        if (outputCache == null) {
            long chunks = (outputElems + 255) / 256;
            List<byte[]> leaves = new ArrayList<>();
            for (long c = 0; c < chunks; c++) {
                leaves.add(MerkleTree.leafHash(Abi.concat(new byte[] {0x10}, chunk(c))));
            }
            outputCache = MerkleTree.ofLeafHashes(leaves);
        }
        return outputCache;
    }

    private long elementBits() {
        int o = (int) (4 * (element % 256));
        return ByteBuffer.wrap(chunk(element / 256), o, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }

    /** Links: fma chain acc_t = fma(x_t, y_t, acc_{t-1}); z carries the previous result; the last result is the element. */
    private List<Verity.Link> links() {
        SplittableRandom r = new SplittableRandom(salt * 31 + element);
        List<Verity.Link> out = new ArrayList<>();
        long acc = 0;
        for (int t = 0; t < chainLength; t++) {
            long res = t == chainLength - 1 ? elementBits() : (r.nextInt() & 0xffffffffL);
            out.add(new Verity.Link(OP_FMA, r.nextInt() & 0xffffffffL, r.nextInt() & 0xffffffffL, acc, res));
            acc = res;
        }
        return out;
    }

    /** A link whose leaf is not a 0x70 leaf (a solver's malformed chain), or -1. */
    private long malformedLink = -1;

    /** From now on link {@code t}'s leaf is malformed (tagged 0x72): the chain still hashes to its root, as a solver's would. */
    public SyntheticDispute withMalformedLink(long t) {
        malformedLink = t;
        return this;
    }

    private byte[] linkLeaf(List<Verity.Link> links, int t) {
        byte[] leaf = links.get(t).leafBytes(t);
        if (t == malformedLink) leaf[0] = 0x72;
        return leaf;
    }

    /** 0x71 result leaf: the last link's result. */
    private byte[] resultLeaf() {
        return java.nio.ByteBuffer.allocate(14).put(TAG_RESULT).put(OPERAND_LINK).putInt(chainLength - 1).putInt(0).putInt((int) elementBits()).array();
    }

    private MerkleTree chainTree(List<Verity.Link> links) {
        List<byte[]> l = new ArrayList<>();
        for (int t = 0; t < links.size(); t++) l.add(MerkleTree.leafHash(linkLeaf(links, t)));
        l.add(MerkleTree.leafHash(resultLeaf()));
        return MerkleTree.ofLeafHashes(l);
    }

    public DisputeMoves.ChainPost round4() {
        List<Verity.Link> links = links();
        MerkleTree ct = chainTree(links);
        MerkleTree ot = outputTree();
        return new DisputeMoves.ChainPost(ct.root(), chainLength, chunk(element / 256), ot.siblings(element / 256), resultLeaf(), ct.siblings(chainLength));
    }

    public DisputeMoves.LinkPick round5(int t) {
        List<Verity.Link> links = links();
        MerkleTree ct = chainTree(links);
        return new DisputeMoves.LinkPick(t, t < chainLength ? linkLeaf(links, t) : resultLeaf(), ct.siblings(t));
    }

    /** Link {@code t} of the element chain (t < chainLength). */
    public Verity.Link link(int t) {
        return links().get(t);
    }
}
