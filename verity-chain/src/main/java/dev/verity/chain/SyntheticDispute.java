package dev.verity.chain;

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
 * segment (c + 1 leaves), the graph and op trace, one output tensor's chunk tree (ceil(elems/256)
 * leaves, only the disputed chunk real), and one element chain.
 */
public final class SyntheticDispute {
    public record Round1(long segment, byte[] startState, List<byte[]> startProof, byte[] endState, List<byte[]> endProof) {}
    public record Round2(byte[] segmentRoot, List<byte[]> firstProof, List<byte[]> lastProof) {}
    public record Round3(long k, byte[] preState, List<byte[]> preProof, byte[] postState, List<byte[]> postProof) {}
    public record Round5(long opIndex, byte[] graphRecord, List<byte[]> graphProof, byte[] outputRoot, long outputElems, List<byte[]> opTraceProof,
            long element) {}
    public record Round6(byte[] chainRoot, long links, byte[] chunk, List<byte[]> chunkProof, byte[] resultLeaf, List<byte[]> resultProof) {}
    /** Link {@code t} (or the result leaf, t == links): its leaf bytes, proof, and the link itself (null for the result). */
    public record Round7(long t, byte[] leaf, List<byte[]> proof, Verity.Link link) {}

    /** BasicOp.FMA's ordinal (docs/referee.md). */
    public static final int OP_FMA = 4;

    public final long totalSteps;
    public final long interval;
    public final int graphOps;
    public final long outputElems;
    public final int chainLength;
    private final long salt;
    private final Merkle.Tree trace;
    private final Merkle.Tree graph;
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
        this.trace = Merkle.build(leaves);
        List<byte[]> g = new ArrayList<>();
        for (int k = 0; k < graphOps; k++) {
            byte[] rec = Abi.concat(new byte[] {0x40}, Merkle.u64(k), hash("op", k));
            graphRecords.add(rec);
            g.add(Merkle.leafHash(rec));
        }
        this.graph = Merkle.build(g);
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
        return Merkle.sha256(tag.getBytes(), Merkle.u64(salt), Merkle.u64(v));
    }

    /** The (fake) state root after {@code step} steps. */
    public byte[] stateRoot(long step) {
        return hash("state", step);
    }

    static byte[] stepLeaf(long step, byte[] stateRoot) {
        return Merkle.leafHash(Abi.concat(new byte[] {0x50}, Merkle.u64(step), stateRoot));
    }

    private long segStart(long seg) {
        return seg * interval;
    }

    private long segEnd(long seg) {
        return Math.min(seg * interval + interval, totalSteps);
    }

    private Merkle.Tree segmentTree(long seg) {
        List<byte[]> l = new ArrayList<>();
        for (long s = segStart(seg); s <= segEnd(seg); s++) l.add(stepLeaf(s, stateRoot(s)));
        return Merkle.build(l);
    }

    public Round1 round1(long seg) {
        return new Round1(seg, stateRoot(segStart(seg)), trace.proof(seg), stateRoot(segEnd(seg)), trace.proof(seg + 1));
    }

    public Round2 round2(long seg) {
        Merkle.Tree t = segmentTree(seg);
        return new Round2(t.root(), t.proof(0), t.proof(t.size() - 1));
    }

    public Round3 round3(long seg, long k) {
        Merkle.Tree t = segmentTree(seg);
        long s = segStart(seg) + k;
        return new Round3(k, stateRoot(s - 1), t.proof(k - 1), stateRoot(s), t.proof(k));
    }

    // The disputed op is `opIndex`; its output is the tensor below; other ops' outputs are stand-ins.
    private byte[] outputRoot(int op, int disputedOp) {
        return op == disputedOp ? outputTree().root() : hash("out", op);
    }

    private Merkle.Tree opTrace(int disputedOp) {
        List<byte[]> l = new ArrayList<>();
        for (int k = 0; k < graphOps; k++) {
            l.add(Merkle.leafHash(Abi.concat(new byte[] {0x60}, Merkle.u64(k), Merkle.leafHash(graphRecords.get(k)), outputRoot(k, disputedOp),
                    Merkle.u64(k == disputedOp ? outputElems : 1))));
        }
        return Merkle.build(l);
    }

    /** The op trace commits to the output tensor of the op the challenger will name, holding the disputed element. */
    public byte[] round4(int disputedOp, long disputedElement) {
        this.element(disputedElement);
        return opTrace(disputedOp).root();
    }

    public Round5 round5(int op, long element) {
        this.element(element);
        return new Round5(op, graphRecords.get(op), graph.proof(op), outputTree().root(), outputElems, opTrace(op).proof(op), element);
    }

    private Merkle.Tree outputCache;
    private long cachedElement = -1;
    private byte[] realChunk;

    /** The disputed element: the chunk holding it is real bytes, the other chunk leaves stand-ins. */
    private long element = 0;

    public SyntheticDispute element(long e) {
        if (e != element) {
            element = e;
            outputCache = null;
        }
        return this;
    }

    private Merkle.Tree outputTree() {
        if (outputCache == null || cachedElement != element) {
            long chunks = (outputElems + 255) / 256;
            long ci = element / 256;
            int len = (int) (ci + 1 < chunks ? 256 : outputElems - ci * 256);
            ByteBuffer b = ByteBuffer.allocate(4 * len).order(ByteOrder.LITTLE_ENDIAN);
            SplittableRandom r = new SplittableRandom(salt ^ ci);
            for (int i = 0; i < len; i++) b.putFloat((float) r.nextDouble(-1, 1));
            realChunk = b.array();
            List<byte[]> leaves = new ArrayList<>();
            for (long c = 0; c < chunks; c++) {
                leaves.add(c == ci ? Merkle.leafHash(Abi.concat(new byte[] {0x10}, realChunk)) : hash("chunk", c));
            }
            outputCache = Merkle.build(leaves);
            cachedElement = element;
        }
        return outputCache;
    }

    private long elementBits() {
        outputTree();
        int o = (int) (4 * (element % 256));
        return ByteBuffer.wrap(realChunk, o, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
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

    /** 0x71 result leaf: the last link's result. */
    private byte[] resultLeaf() {
        return java.nio.ByteBuffer.allocate(14).put((byte) 0x71).put((byte) 1).putInt(chainLength - 1).putInt(0).putInt((int) elementBits()).array();
    }

    private Merkle.Tree chainTree(List<Verity.Link> links) {
        List<byte[]> l = new ArrayList<>();
        for (int t = 0; t < links.size(); t++) l.add(Merkle.leafHash(links.get(t).leafBytes(t)));
        l.add(Merkle.leafHash(resultLeaf()));
        return Merkle.build(l);
    }

    public Round6 round6() {
        List<Verity.Link> links = links();
        Merkle.Tree ct = chainTree(links);
        Merkle.Tree ot = outputTree();
        return new Round6(ct.root(), chainLength, realChunk.clone(), ot.proof(element / 256), resultLeaf(), ct.proof(chainLength));
    }

    public Round7 round7(int t) {
        List<Verity.Link> links = links();
        Merkle.Tree ct = chainTree(links);
        return t < chainLength ? new Round7(t, links.get(t).leafBytes(t), ct.proof(t), links.get(t)) : new Round7(t, resultLeaf(), ct.proof(t), null);
    }
}
