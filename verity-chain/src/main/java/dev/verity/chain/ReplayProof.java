package dev.verity.chain;

import dev.verity.merkle.MerkleTree;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A seat's proof of replay (docs/commitments.md, "Replay proof"): the op trace of its segment's last step, as the
 * solver committed it (the {@code 0x60} entries over each op output's {@code 0x10} chunks) and keyed with the seat's key
 * ({@code 0x54} entries over each output's {@code 0x55 | key | chunk} leaves): the keyed root is what the seat attests,
 * and at its probe it reveals the drawn chunk proven in both ({@link #reveal}). Verity-chain sees neither the tensors
 * nor verity-proof's layouts, so the outputs come as canonical chunk bytes ({@link StepOutputs}) and the tags are
 * copies that WireCodesTest ties to verity-proof's {@code Commitments}.
 */
public final class ReplayProof {
    public static final byte TAG_TENSOR_CHUNK = 0x10;
    public static final byte TAG_SEGMENT_END = 0x53;
    public static final byte TAG_KEYED_OP = 0x54;
    public static final byte TAG_KEYED_CHUNK = 0x55;
    public static final byte TAG_OP_TRACE = 0x60;
    /** Elements per chunk of a tensor root. */
    public static final int CHUNK_ELEMS = 256;
    /** Chunks a probe draws (ReplayReferee.DRAWS). */
    public static final int DRAWS = 4;

    /** One step's op outputs, in op order, as the probe reads them. */
    public interface StepOutputs {
        int ops();

        /** The leaf hash of op {@code op}'s graph record (the graph tree's leaf). */
        byte[] recordHash(int op);

        long elems(int op);

        /** Chunk {@code j} of op {@code op}'s output: its elements as float32 little-endian, NaN as 0x7fc00000. */
        byte[] chunk(int op, int j);

        /**
         * Op {@code op}'s output tensor root (over its {@code 0x10} chunks). By default hashed from the chunks; outputs
         * whose roots are known already (a traced step computed them) return those instead of hashing again.
         */
        default byte[] outputRoot(int op) {
            return tensorTree(this, op).root();
        }
    }

    /** What revealProbe takes (ReplayReferee's {@code ReplayReveal}): the segment end, then one chunk per draw. */
    public record Reveal(byte[] opTraceRoot, List<byte[]> endProof, long opCount, List<ChunkReveal> chunks) {
        public Reveal {
            chunks = List.copyOf(chunks);
        }
    }

    /** One drawn chunk (ReplayReferee's {@code ChunkReveal}): in the solver's op trace, and under the seat's key. */
    public record ChunkReveal(byte[] recordHash, byte[] outputRoot, long outputElems, List<byte[]> opProof, byte[] chunk,
            List<byte[]> chunkProof, byte[] keyedRoot, List<byte[]> keyedOpProof, List<byte[]> keyedChunkProof) {}

    private final byte[] key;
    private final StepOutputs outputs;
    private final List<MerkleTree> keyed = new ArrayList<>();
    private final MerkleTree opTrace;
    private final MerkleTree replay;

    /**
     * Hashes every chunk of {@code outputs} under {@code key} (the seat's root); the op trace takes each op's output root
     * from {@code outputs}, and a plain chunk tree is built only for an op a reveal draws.
     */
    public ReplayProof(byte[] key, StepOutputs outputs) {
        if (key.length != 32) throw new IllegalArgumentException("a seat's key is 32 bytes, got " + key.length);
        if (outputs.ops() == 0) throw new IllegalArgumentException("a step's op trace has at least one op");
        this.key = key.clone();
        this.outputs = outputs;
        List<byte[]> entries = new ArrayList<>();
        List<byte[]> keyedEntries = new ArrayList<>();
        for (int op = 0; op < outputs.ops(); op++) {
            int n = chunks(outputs.elems(op));
            List<byte[]> k = new ArrayList<>(n);
            for (int j = 0; j < n; j++) k.add(MerkleTree.leafHash(concat(new byte[] {TAG_KEYED_CHUNK}, this.key, outputs.chunk(op, j))));
            MerkleTree kt = MerkleTree.ofLeafHashes(k);
            keyed.add(kt);
            entries.add(opTraceEntry(op, outputs.recordHash(op), outputs.outputRoot(op), outputs.elems(op)));
            keyedEntries.add(ByteBuffer.allocate(41).put(TAG_KEYED_OP).putLong(op).put(kt.root()).array());
        }
        this.opTrace = MerkleTree.ofLeaves(entries);
        this.replay = MerkleTree.ofLeaves(keyedEntries);
    }

    /** The seat's attestation: the keyed root over every op of the step. */
    public byte[] root() {
        return replay.root();
    }

    /**
     * The plain op-trace root of a step (what a solver commits in a segment's {@code 0x53} entry), without the keyed half:
     * the solver's side, which has no key.
     */
    public static byte[] opTraceRoot(StepOutputs outputs) {
        List<byte[]> entries = new ArrayList<>();
        for (int op = 0; op < outputs.ops(); op++) entries.add(opTraceEntry(op, outputs.recordHash(op), outputs.outputRoot(op), outputs.elems(op)));
        return MerkleTree.ofLeaves(entries).root();
    }

    /** Op {@code op}'s output tensor tree: one {@code 0x10 | chunk} leaf per chunk, as the solver's op trace roots it. */
    static MerkleTree tensorTree(StepOutputs outputs, int op) {
        int n = chunks(outputs.elems(op));
        List<byte[]> p = new ArrayList<>(n);
        for (int j = 0; j < n; j++) p.add(MerkleTree.leafHash(concat(new byte[] {TAG_TENSOR_CHUNK}, outputs.chunk(op, j))));
        return MerkleTree.ofLeafHashes(p);
    }

    /** The plain op-trace root of the step: what the solver commits in the segment's {@code 0x53} entry. */
    public byte[] opTraceRoot() {
        return opTrace.root();
    }

    public int ops() {
        return outputs.ops();
    }

    /** The reveal at probe {@code seed}: each drawn chunk, proven in the op trace (and it in the solver's ends) and keyed. */
    public Reveal reveal(byte[] seed, SegmentEnds ends, int segment) {
        List<ChunkReveal> chunks = new ArrayList<>(DRAWS);
        for (int d = 0; d < DRAWS; d++) chunks.add(chunk(drawSeed(seed, d)));
        return new Reveal(opTraceRoot(), ends.proof(segment), outputs.ops(), chunks);
    }

    private ChunkReveal chunk(byte[] seed) {
        int op = opOf(seed, outputs.ops());
        long elems = outputs.elems(op);
        if (elems == 0) {
            // an empty output has no chunk: the op's entries are the whole of it
            return new ChunkReveal(outputs.recordHash(op), outputs.outputRoot(op), 0, opTrace.siblings(op), new byte[0], List.of(),
                    keyed.get(op).root(), replay.siblings(op), List.of());
        }
        int j = (int) chunkOf(seed, elems);
        return new ChunkReveal(outputs.recordHash(op), outputs.outputRoot(op), elems, opTrace.siblings(op), outputs.chunk(op, j),
                tensorTree(outputs, op).siblings(j), keyed.get(op).root(), replay.siblings(op), keyed.get(op).siblings(j));
    }

    /** The seed of draw {@code d} of a probe (ReplayReferee.drawSeed: keccak256(abi.encode(seed, d))). */
    public static byte[] drawSeed(byte[] seed, int d) {
        byte[] word = new byte[32];
        word[28] = (byte) (d >>> 24);
        word[29] = (byte) (d >>> 16);
        word[30] = (byte) (d >>> 8);
        word[31] = (byte) d;
        return org.web3j.crypto.Hash.sha3(concat(seed, word));
    }

    /** The op a probe seed draws (ReplayReferee.opOf: the seed's low 128 bits modulo the op count). */
    public static int opOf(byte[] seed, long opCount) {
        return new BigInteger(1, Arrays.copyOfRange(seed, 16, 32)).mod(BigInteger.valueOf(opCount)).intValueExact();
    }

    /** The chunk a probe seed draws (ReplayReferee.chunkOf: the seed's high 128 bits modulo the chunk count). */
    public static long chunkOf(byte[] seed, long elems) {
        return new BigInteger(1, Arrays.copyOfRange(seed, 0, 16)).mod(BigInteger.valueOf(chunks(elems))).longValueExact();
    }

    public static int chunks(long elems) {
        return Math.toIntExact((elems + CHUNK_ELEMS - 1) / CHUNK_ELEMS);
    }

    /** {@code 0x60 | uint64 op | recordHash | outputRoot | uint64 elems}. */
    public static byte[] opTraceEntry(int op, byte[] recordHash, byte[] outputRoot, long elems) {
        return ByteBuffer.allocate(81).put(TAG_OP_TRACE).putLong(op).put(recordHash).put(outputRoot).putLong(elems).array();
    }

    /**
     * The solver's ends root: one {@code 0x53 | uint64 step | opTraceRoot} entry per segment, in segment order (the op
     * trace of the step that ends on checkpoint {@code step}). The tree is built once.
     */
    public static final class SegmentEnds {
        private final List<Long> endSteps;
        private final List<byte[]> opTraceRoots;
        private final MerkleTree tree;

        public SegmentEnds(List<Long> endSteps, List<byte[]> opTraceRoots) {
            if (endSteps.size() != opTraceRoots.size() || endSteps.isEmpty()) {
                throw new IllegalArgumentException("one op-trace root per segment: " + endSteps.size() + " segment ends, "
                        + opTraceRoots.size() + " roots");
            }
            this.endSteps = List.copyOf(endSteps);
            this.opTraceRoots = List.copyOf(opTraceRoots);
            List<byte[]> l = new ArrayList<>();
            for (int i = 0; i < endSteps.size(); i++) l.add(entry(endSteps.get(i), opTraceRoots.get(i)));
            this.tree = MerkleTree.ofLeaves(l);
        }

        public List<Long> endSteps() {
            return endSteps;
        }

        public List<byte[]> opTraceRoots() {
            return opTraceRoots;
        }

        public MerkleTree tree() {
            return tree;
        }

        public byte[] root() {
            return tree.root();
        }

        public List<byte[]> proof(int segment) {
            return tree.siblings(segment);
        }

        public static byte[] entry(long step, byte[] opTraceRoot) {
            return ByteBuffer.allocate(41).put(TAG_SEGMENT_END).putLong(step).put(opTraceRoot).array();
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) b.put(p);
        return b.array();
    }
}
