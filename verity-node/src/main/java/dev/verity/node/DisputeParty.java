package dev.verity.node;

import dev.verity.chain.Chain;
import dev.verity.chain.Receipt;
import dev.verity.chain.DisputeMoves;
import dev.verity.chain.ReplayProof;
import dev.verity.chain.Verity;
import dev.verity.proof.commit.Commitments;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.dispute.ChallengerMoves;
import dev.verity.proof.dispute.Defender;
import dev.verity.proof.dispute.LinkData;
import dev.verity.proof.dispute.Messages;
import dev.verity.proof.dispute.StepTrace;
import dev.verity.merkle.MerkleProof;
import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * One party of an on-chain dispute, each playing only its own rounds: {@link DefenderSide} (the
 * solver: rounds 2 and 4) and {@link ChallengerSide} (rounds 1, 3 and 5). A side reads whose turn
 * it is from DisputeGame and what the other side posted from the game's events; the other side's
 * off-chain data (per-step state roots and op traces with every output tensor and state, element chain)
 * comes from the blob store under the very roots posted on chain ({@link TreeBlobs}). The two sides
 * share no Java object, so each can run in its own process.
 *
 * <p>All of verity-node's use of the DisputeGame round wrappers of {@link Verity} is in this class.
 * A side rebuilds its session from the chain and the blob store when it has none (a restarted
 * node), by replaying its earlier answers, which are deterministic.
 */
public final class DisputeParty {
    private DisputeParty() {
    }

    /**
     * Gas of one transaction of the dispute (or "timeout"), and the wall time {@code millis} its side spent on it: the
     * off-chain work before it (replaying steps, op traces, element chains, proofs) and the transaction on the chain.
     */
    public record Move(int round, String name, long gas, long millis) {
        public Move(int round, String name, long gas) {
            this(round, name, gas, 0);
        }
    }

    static List<byte[]> sib(MerkleProof p) {
        return Arrays.asList(p.siblings());
    }

    private static Verity.Leaf leaf(StateCommitment.Proven p) {
        return new Verity.Leaf(p.leaf(), p.proof().n(), p.proof().index(), sib(p.proof()));
    }

    private static Verity.OpEntry entry(Messages.OpTrace ot, MerkleTree opTree, int i) {
        return new Verity.OpEntry(i, ot.recordHashes().get(i), ot.outputRoots().get(i), ot.outputs().get(i).size(), sib(opTree.proof(i)));
    }

    /** What both sides have in common: the chain, an account, the task's run and manifest, and a move log. */
    abstract static class Side {
        final Verity v;
        final String account;
        final BlobStore store;
        final TaskRun run;
        final Manifest m;
        final long dispute;
        final List<Move> moves = new ArrayList<>();
        /** The round this side could not play, and why (it then loses by timeout). */
        int stuckRound;
        String stuckWhy;
        /** The last thing this side did, in words. */
        String lastHow = "";
        /** Whether the role already told the story of being stuck. */
        boolean reportedStuck;
        /** When this side's current piece of work began: its turn, or its last transaction within the turn. */
        long workStart = System.nanoTime();

        Side(Verity v, String account, BlobStore store, TaskRun run, Manifest m, long dispute) {
            this.v = v;
            this.account = account;
            this.store = store;
            this.run = run;
            this.m = m;
            this.dispute = dispute;
        }

        /** Whether it is this side's turn (the solver's: an even round, or an opening the challenger demanded). */
        abstract boolean mine(Verity.DisputeView d);

        abstract String play(Verity.DisputeView d) throws Exception;

        public long dispute() {
            return dispute;
        }

        public List<Move> moves() {
            return List.copyOf(moves);
        }

        public String stuck() {
            return stuckRound == 0 ? null : "round " + stuckRound + ": " + stuckWhy;
        }

        /** The last thing this side did, in words. */
        public String lastHow() {
            return lastHow;
        }

        /**
         * Makes this side's move if it is its turn, or ends the dispute by timeout if the other side
         * let its deadline pass. Returns true if it sent a transaction.
         */
        public boolean step() {
            Verity.DisputeView d = v.dispute(dispute);
            int round = d.nextRound();
            if (round == 0) {
                return false;
            }
            long now = v.chain.timestamp();
            if (!mine(d)) {
                if (now > d.deadline()) {
                    Receipt r = v.timeoutDispute(account, dispute);
                    moves.add(new Move(round, "timeout", r.gasUsed()));
                    lastHow = "silence at round " + round;
                    return true;
                }
                return false;
            }
            if (now > d.deadline() || stuckRound == round) {
                return false;
            }
            workStart = System.nanoTime();
            try {
                lastHow = play(d);
                return true;
            } catch (Chain.RevertException e) {
                moves.add(new Move(round, "reverted: " + e.reason(), e.receipt() == null ? 0 : e.receipt().gasUsed()));
                stuckRound = round;
                stuckWhy = "move rejected: " + e.reason();
            } catch (Exception e) {
                stuckRound = round;
                stuckWhy = "cannot move: " + e.getMessage();
            }
            return false;
        }

        Receipt record(int round, String name, Receipt r) {
            long now = System.nanoTime();
            moves.add(new Move(round, name, r.gasUsed(), (now - workStart) / 1_000_000));
            workStart = now;
            return r;
        }

        /**
         * Whether op {@code node}'s output with root {@code root} is an array of the task's dataset (an INPUT node whose
         * output is that array): public data, which both sides hold, so it is neither published nor fetched.
         */
        boolean isPublicDataset(int node, byte[] root) {
            if (node < 0 || node >= run.graph().size()) {
                return false;
            }
            Node n = run.graph().node(node);
            if (n.kind() != OpKind.INPUT || n.name().equals(StepGraphs.STEP)) {
                return false;
            }
            return run.trainer().inputs().containsKey(n.name()) && Arrays.equals(run.dataArrayRoot(n.name()), root);
        }

        ChainEvents.Event event(String name) {
            ChainEvents.Event e = ChainEvents.last(v, v.game, name, dispute);
            if (e == null) {
                throw new IllegalStateException("dispute " + dispute + " has no " + name + " event");
            }
            return e;
        }

        int segment() {
            return Math.toIntExact(event("DisputeOpened").wordLong(1));
        }
    }

    // ======================================================================== defender

    /** The solver's side: rounds 2 and 4, answering from its own {@link Defender}. */
    public static final class DefenderSide extends Side {
        private final Defender defender;
        private Messages.SegmentRoots roots;
        private Messages.OpTrace ot;
        private Messages.DisputeStep ds;

        public DefenderSide(Verity v, String account, BlobStore store, TaskRun run, Manifest m, long dispute, Defender defender) {
            super(v, account, store, run, m, dispute);
            this.defender = defender;
        }

        @Override
        boolean mine(Verity.DisputeView d) {
            return d.solversTurn();
        }

        @Override
        String play(Verity.DisputeView d) throws Exception {
            if ((d.demand() & 3) == 1) {
                return postOpTrace();
            }
            if ((d.demand() & 3) == 2) {
                return postChain();
            }
            return switch (d.nextRound()) {
                case 2 -> round2();
                case 4 -> round4();
                default -> throw new IllegalStateException("round " + d.nextRound() + " is not the defender's");
            };
        }

        /** The challenger demanded the disputed step's op trace on chain: every entry, as calldata. */
        private String postOpTrace() throws IOException {
            ensureTrace();
            List<Long> elems = new ArrayList<>();
            for (Tensor t : ot.outputs()) {
                elems.add((long) t.size());
            }
            record(3, "postOpTrace", v.postOpTrace(account, dispute, new Verity.OpTraceEntries(ot.recordHashes(), ot.outputRoots(), elems)));
            return "opened the op trace of step " + (ds.agreedStep() + 1) + " on chain (" + elems.size() + " entries), as demanded";
        }

        /** The challenger demanded the element chain on chain: its link leaves and result leaf, as calldata. */
        private String postChain() throws IOException {
            ensureTrace();
            ChainEvents.Event e = event("OpDisputed");
            Messages.ElementChainMsg chain = defender.chain(new Messages.ElementClaim(Math.toIntExact(e.wordLong(0)), Math.toIntExact(e.wordLong(1))));
            List<byte[]> leaves = new ArrayList<>();
            for (int t = 0; t < chain.links().size(); t++) {
                leaves.add(Commitments.linkLeaf(t, chain.links().get(t)));
            }
            leaves.add(Commitments.resultLeaf(chain.result()));
            long page = v.chainPageDue(dispute);
            if (page >= 0) {
                // a chain too long for one opening: the demanded page, with the path from its subtree to the chain root
                int size = 1 << Verity.CHAIN_PAGE_HEIGHT;
                int from = Math.toIntExact(page * size);
                List<byte[]> slice = List.copyOf(leaves.subList(from, Math.min(leaves.size(), from + size)));
                MerkleTree tree = Commitments.chainTree(chain.links(), chain.result());
                List<byte[]> proof = sib(tree.proof(from));
                List<byte[]> path = proof.subList(Verity.CHAIN_PAGE_HEIGHT, proof.size());
                record(5, "postChainPage", v.postChainPage(account, dispute, slice, path));
                return "opened page " + page + " of the " + chain.links().size() + "-link element chain on chain, as demanded";
            }
            record(5, "postChain", v.postChain(account, dispute, leaves));
            return "opened the " + chain.links().size() + "-link element chain on chain, as demanded";
        }

        /** Its segment (states and op traces), recomputed without publishing (a restarted solver after round 2). */
        private void ensureRoots() throws IOException {
            if (roots == null) {
                roots = defender.segmentRoots(new Messages.OpenDispute(segment()));
            }
        }

        /** Publishes one step's op trace: its 0x60 entries and every output tensor, under the root round 2 commits. */
        private void publish(Messages.OpTrace t) {
            try {
                List<byte[]> leaves = new ArrayList<>();
                for (int i = 0; i < t.outputs().size(); i++) {
                    if (isPublicDataset(i, t.outputRoots().get(i))) {
                        // the task's own dataset: every party holds it (the challenger reads it locally)
                        leaves.add(StepTrace.entry(i, t.recordHashes().get(i), t.outputRoots().get(i), t.outputs().get(i).size()));
                        continue;
                    }
                    byte[] root = TreeBlobs.putTensor(store, t.outputs().get(i).data(), t.outputRoots().get(i));
                    if (!Arrays.equals(root, t.outputRoots().get(i))) {
                        throw new IllegalStateException("output " + i + ": published tensor root differs from the op trace's");
                    }
                    leaves.add(StepTrace.entry(i, t.recordHashes().get(i), t.outputRoots().get(i), t.outputs().get(i).size()));
                }
                if (!Arrays.equals(TreeBlobs.put(store, leaves), t.root())) {
                    throw new IllegalStateException("published op trace root differs from the op trace's");
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /**
         * Round 2: the segment's per-step state roots and op-trace roots. The challenger names the step and what is
         * wrong in it in one move, so every step's data is published now: the op traces (entries and output tensors)
         * and the states, as checkpoints are.
         */
        private String round2() throws IOException {
            try {
                roots = defender.segmentRoots(new Messages.OpenDispute(segment()), this::publish);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            int n = roots.stateRoots().size();
            List<byte[]> leaves = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                leaves.add(Commitments.segmentStepEntry(roots.firstStep() + k, roots.stateRoots().get(k), roots.opTraceRoots().get(k)));
                TreeBlobs.putState(store, defender.stateAt(roots.firstStep() + k));
            }
            byte[] published = TreeBlobs.put(store, leaves);
            if (!Arrays.equals(published, roots.root())) {
                throw new IllegalStateException("published segment tree root differs from the segment root");
            }
            // the segment's two checkpoints, opened against the committed trace root (entries seg and seg + 1), and every
            // leaf as calldata: the contract computes the segment root itself
            int seg = segment();
            MerkleTree trace = m.traceTree();
            List<byte[]> ends = Verity.pairProof(sib(trace.proof(seg)), sib(trace.proof(seg + 1)), seg);
            DisputeMoves.SegmentPost r2 = new DisputeMoves.SegmentPost(roots.stateRoots().get(0), roots.stateRoots().get(n - 1), ends,
                    roots.stateRoots(), roots.opTraceRoots());
            if (!Arrays.equals(r2.segmentRoot(roots.firstStep()), roots.root())) {
                throw new IllegalStateException("the segment leaves do not hash to the segment root");
            }
            record(2, "postSegment", v.round2(account, dispute, r2));
            if (seg == 0 && !Arrays.equals(roots.stateRoots().get(0), v.initRootOf(v.dispute(dispute).taskId()))) {
                return "opened checkpoint 0, which is not the task's init root: lost at round 2 (claim kind 7)";
            }
            return "opened checkpoints " + seg + " and " + (seg + 1) + " and posted the " + n + " states and " + (n - 1) + " op-trace roots of segment "
                    + seg;
        }

        private void ensureTrace() throws IOException {
            ensureRoots();
            if (ot == null) {
                long step = event("StepDisputed").wordLong(0);
                ds = new Messages.DisputeStep(step - 1);
                ot = defender.opTrace(ds);
            }
        }

        private String round4() throws IOException {
            ensureTrace();
            ChainEvents.Event e = event("OpDisputed");
            Messages.ElementClaim ec = new Messages.ElementClaim(Math.toIntExact(e.wordLong(0)), Math.toIntExact(e.wordLong(1)));
            Messages.ElementChainMsg chain = defender.chain(ec);
            List<Link> links = chain.links();
            List<byte[]> leaves = new ArrayList<>();
            for (int t = 0; t < links.size(); t++) {
                leaves.add(Commitments.linkLeaf(t, links.get(t)));
            }
            leaves.add(Commitments.resultLeaf(chain.result()));
            if (!Arrays.equals(TreeBlobs.put(store, leaves), chain.root())) {
                throw new IllegalStateException("published chain root differs from the chain's");
            }
            MerkleTree chainTree = Commitments.chainTree(links, chain.result());
            float[] out = ot.outputs().get(ec.node()).data();
            int c = ec.element() / Commitments.CHUNK;
            byte[] chunk = Commitments.canonicalBytes(out, c * Commitments.CHUNK, Math.min(out.length, (c + 1) * Commitments.CHUNK));
            MerkleTree outTree = Commitments.tensorTree(out);
            record(4, "postElementChain", v.round4(account, dispute, new DisputeMoves.ChainPost(chain.root(), links.size(), chunk,
                    sib(outTree.proof(c)), Commitments.resultLeaf(chain.result()), sib(chainTree.proof(links.size())))));
            return "posted the " + links.size() + "-link chain of element " + ec.element() + " of op " + ec.node();
        }
    }

    // ======================================================================== challenger

    /** The challenger's side: rounds 1, 3 and 5, deciding with its {@link ChallengerMoves}. */
    public static final class ChallengerSide extends Side {
        private final ChallengerMoves strategy;
        private Messages.OpenDispute open;
        private Messages.SegmentRoots roots;
        private Messages.DisputeStep ds;
        private Messages.OpTrace ot;
        private MerkleTree opTree;
        private TrainingState pre;
        private TrainingState post;
        private Messages.Claim claim;
        /** The disputed step's op-trace entries, once read (round 3 checks it can read them, then builds its claim from them). */
        private List<byte[]> otLeaves;
        /** What the referee was asked to rule on, in words (filled in rounds 3 and 5). */
        private String ruledOn = "";

        private ChallengerSide(Verity v, String account, BlobStore store, TaskRun run, Manifest m, long dispute, ChallengerMoves moves) {
            super(v, account, store, run, m, dispute);
            this.strategy = moves;
        }

        /** Round 1: opens a dispute of {@code segment} of committed task {@code taskId} (bond pulled from {@code account}). */
        public static ChallengerSide open(Verity v, String account, BlobStore store, TaskRun run, Manifest m, ChallengerMoves moves,
                                          long taskId, int segment) {
            long start = System.nanoTime();
            Messages.OpenDispute open = moves.open(segment);
            int seg = open.segment();
            // nothing to prove: the solver must open its trace at the segment's checkpoints in round 2
            long id = v.openDispute(account, taskId, seg);
            ChallengerSide side = new ChallengerSide(v, account, store, run, m, id, moves);
            side.open = open;
            List<Long> g = v.gasTable().get("DisputeGame.open (round 1)");
            side.moves.add(new Move(1, "open", g == null ? 0 : g.get(g.size() - 1), (System.nanoTime() - start) / 1_000_000));
            side.lastHow = "opened a dispute of segment " + seg;
            return side;
        }

        /** A side for a dispute this account already opened (after a restart). */
        public static ChallengerSide resume(Verity v, String account, BlobStore store, TaskRun run, Manifest m, ChallengerMoves moves,
                                            long dispute) {
            ChallengerSide side = new ChallengerSide(v, account, store, run, m, dispute, moves);
            side.open = moves.open(side.segment());
            return side;
        }

        /** What the referee ruled on, in words (op kind, element, link and basic operation), once rounds 3/5 were played. */
        public String ruledOn() {
            return ruledOn;
        }

        @Override
        boolean mine(Verity.DisputeView d) {
            return !d.solversTurn();
        }

        @Override
        String play(Verity.DisputeView d) throws Exception {
            int round = d.nextRound();
            return switch (round) {
                case 3 -> round3();
                case 5 -> round5();
                default -> throw new IllegalStateException("round " + round + " is not the challenger's");
            };
        }

        private void ensureStep() throws Exception {
            ensureRoots();
            if (ds == null) {
                // round 2 proved the segment's ends against the solver's trace: the first wrong step is the strategy's to find
                ds = strategy.step(open, roots);
            }
        }

        private void ensureRoots() {
            if (roots == null) {
                // every leaf is on chain (round 2's calldata, in its event): the challenger needs nothing the solver holds
                Verity.PostedSegment posted = v.postedSegment(dispute)
                        .orElseThrow(() -> new IllegalStateException("dispute " + dispute + " has no posted segment"));
                long first = v.disputeState(dispute).segStartStep();
                roots = new Messages.SegmentRoots(first, posted.stateRoots(), posted.opTraceRoots(), posted.segmentRoot());
            }
        }

        private int k() {
            return (int) (ds.agreedStep() + 1 - roots.firstStep());
        }

        /** The disputed step with its two segment leaves and their proofs (every round-3 move carries it). */
        private Verity.Step disputedStep() {
            int k = k();
            int n = roots.stateRoots().size();
            if (k < 1 || k >= n) {
                throw new IllegalStateException("step " + (ds.agreedStep() + 1) + " is outside the segment");
            }
            return stepAt(k);
        }

        /** Segment leaves {@code k − 1} and {@code k} with their proof: the step every round-3 move names. */
        private Verity.Step stepAt(int k) {
            MerkleTree segTree = Defender.segmentTree(roots);
            return Verity.Step.of(k, roots.stateRoots().get(k - 1), roots.opTraceRoots().get(k - 1), sib(segTree.proof(k - 1)),
                    roots.stateRoots().get(k), roots.opTraceRoots().get(k), sib(segTree.proof(k)));
        }

        private void ensureClaim() throws Exception {
            ensureStep();
            if (ot == null) {
                byte[] otRoot = roots.opTraceRoots().get(k());
                List<byte[]> leaves = opTraceLeaves(otRoot);
                List<byte[]> recs = new ArrayList<>();
                List<byte[]> outRoots = new ArrayList<>();
                List<Tensor> outs = new ArrayList<>();
                for (int i = 0; i < leaves.size(); i++) {
                    byte[] l = leaves.get(i);
                    ByteBuffer b = ByteBuffer.wrap(l);
                    if (l.length != 81 || b.get() != Commitments.OP_TRACE_ENTRY || b.getLong() != i) {
                        throw new IOException("op trace leaf " + i + " is not entry " + i);
                    }
                    byte[] rec = Arrays.copyOfRange(l, 9, 41);
                    byte[] root = Arrays.copyOfRange(l, 41, 73);
                    long elems = ByteBuffer.wrap(l, 73, 8).getLong();
                    float[] data = isPublicDataset(i, root) ? run.trainer().inputs().get(run.graph().node(i).name()).data().clone()
                            : TreeBlobs.getTensor(store, root, elems);
                    int[] shape = i < run.graph().size() && run.graph().node(i).numel() == elems ? run.graph().node(i).shape()
                            : new int[] {data.length};
                    recs.add(rec);
                    outRoots.add(root);
                    outs.add(new Tensor(shape, data));
                }
                ot = new Messages.OpTrace(ds.agreedStep(), recs, outRoots, outs, otRoot);
                opTree = StepTrace.tree(recs, outRoots, outs);
                pre = TreeBlobs.getState(store, roots.stateRoots().get(k() - 1));
                post = TreeBlobs.getState(store, roots.stateRoots().get(k()));
            }
            if (claim == null) {
                claim = strategy.claim(ot, post);
            }
        }

        /**
         * The disputed step's op-trace entries: from the blob store, else from the chain where the solver opened them on
         * demand.
         */
        private List<byte[]> opTraceLeaves(byte[] otRoot) throws IOException {
            if (otLeaves != null) {
                return otLeaves;
            }
            try {
                otLeaves = TreeBlobs.get(store, otRoot);
                return otLeaves;
            } catch (IOException missing) {
                java.util.Optional<Verity.OpTraceEntries> posted = v.postedOpTrace(dispute);
                if (posted.isEmpty()) {
                    throw missing;
                }
                Verity.OpTraceEntries e = posted.get();
                List<byte[]> leaves = new ArrayList<>();
                for (int i = 0; i < e.outputRoots().size(); i++) {
                    leaves.add(StepTrace.entry(i, e.graphLeaves().get(i), e.outputRoots().get(i), e.outputElems().get(i)));
                }
                otLeaves = leaves;
                return otLeaves;
            }
        }

        /**
         * In a dispute of the last segment: the first weight whose record in the committed model is not the final state's
         * (the model is the last checkpoint's weights), as the model claim's two proven records; null if they agree.
         */
        private Verity.Leaf[] modelMismatch() throws IOException {
            Verity.GameState gs = v.disputeState(dispute);
            if (gs.segment() + 2 != gs.traceLeaves()) {
                return null;
            }
            TreeMap<String, Tensor> model;
            StateCommitment fin;
            try {
                model = new TreeMap<>(dev.verity.tensor.io.SafeTensors.fromBytes(store.get(m.modelBlob())).tensors());
                fin = StateCommitment.of(TreeBlobs.getState(store, roots.stateRoots().get(roots.stateRoots().size() - 1)));
            } catch (IOException | RuntimeException unreadable) {
                // no model to compare (the task then has no quorum either): dispute the steps as usual
                lastHow = "could not read the model or the final state (" + unreadable + ")";
                return null;
            }
            MerkleTree modelTree = Commitments.namedTree(Commitments.STATE_TENSOR, model);
            int i = 0;
            for (var e : model.entrySet()) {
                byte[] rec = Commitments.namedTensorRecord(Commitments.STATE_TENSOR, e.getKey(), e.getValue().shape(),
                        Commitments.tensorRoot(e.getValue().data()));
                if (fin.has(e.getKey()) && !Arrays.equals(rec, fin.record(e.getKey()).leaf())) {
                    MerkleProof p = modelTree.proof(i);
                    return new Verity.Leaf[] {new Verity.Leaf(rec, p.n(), p.index(), sib(p)), leaf(fin.record(e.getKey()))};
                }
                i++;
            }
            return null;
        }

        /** Round 3: the first wrong step and, in the op trace its segment leaf committed, what is wrong. */
        private String round3() throws Exception {
            ensureRoots();
            if (ds == null) {
                // in the last segment, a committed model that is not the final state's weights is the claim, before any step
                Verity.Leaf[] model = modelMismatch();
                if (model != null) {
                    record(3, "claimModel", v.claimModel(account, dispute, model[0], model[1]));
                    ruledOn = "the model's record of a weight against the final checkpoint's";
                    return "claims the committed model is not the last checkpoint's weights";
                }
                String ends = endsClaim();
                if (ends != null) {
                    return ends;
                }
            }
            ensureStep();
            if (ot == null) {
                try {
                    opTraceLeaves(roots.opTraceRoots().get(k()));
                } catch (IOException missing) {
                    // the solver did not publish the step's op trace: it must open it on chain, or lose
                    record(3, "demandOpTrace", v.demandOpTrace(account, dispute, disputedStep()));
                    return "cannot fetch the op trace of step " + (ds.agreedStep() + 1) + " (" + missing.getMessage() + "): demands it on chain";
                }
            }
            ensureClaim();
            Verity.Step st = disputedStep();
            String stepWords = "agrees with the state after step " + ds.agreedStep() + ", disputes step " + (ds.agreedStep() + 1) + ": ";
            return stepWords + claimMove(st);
        }

        /**
         * The ends claim, before any step is named: round 2's op trace of the segment's last step is not the segment end
         * the solver committed (its manifest's, when the manifest's ends are the committed ones). Null when they agree.
         */
        private String endsClaim() {
            ReplayProof.SegmentEnds ends;
            try {
                ends = ReplayProofs.ends(m);
            } catch (IllegalArgumentException malformed) {
                return null; // a manifest without well-formed ends: the op claims are the way
            }
            int seg = Math.toIntExact(v.disputeSegment(dispute));
            List<byte[]> ots = roots.opTraceRoots();
            int k = ots.size() - 1;
            byte[] committed = ends.opTraceRoots().get(seg);
            if (Arrays.equals(ots.get(k), committed) || !Arrays.equals(ends.root(), v.endsRootOf(v.dispute(dispute).taskId()))) {
                return null;
            }
            record(3, "claimEnds", v.claimEnds(account, dispute, stepAt(k), committed, ends.proof(seg)));
            ruledOn = "the committed segment end against the op trace posted for step " + (roots.firstStep() + k);
            return "claims the op trace posted for the segment's last step is not the segment end the solver committed";
        }

        private String claimMove(Verity.Step st) throws Exception {
            MerkleTree graph = run.graphTree();
            StateCommitment preC = StateCommitment.of(pre);
            StateCommitment postC = StateCommitment.of(post);
            switch (claim) {
                case Messages.RecordClaim rc -> {
                    record(3, "claimRecord", v.claimRecord(account, dispute, st, entry(ot, opTree, rc.node()), graph.leafHashAt(rc.node()),
                            sib(graph.proof(rc.node()))));
                    ruledOn = "the record of op " + rc.node() + " (" + run.graph().node(rc.node()).kind() + ")";
                    return "claims op " + rc.node() + "'s record is not the graph's";
                }
                case Messages.SourceClaim sc -> {
                    Node node = run.graph().node(sc.node());
                    Verity.Leaf rec = node.kind() == OpKind.STATE && preC.has(node.name()) ? leaf(preC.record(node.name()))
                            : node.kind() == OpKind.INPUT && !node.name().equals(StepGraphs.STEP) ? leaf(run.datasetRecord(node.name()))
                            : new Verity.Leaf(new byte[0], 0, 0, List.of());
                    record(3, "claimSource", v.claimSource(account, dispute, st, entry(ot, opTree, sc.node()), Commitments.graphRecord(run.graph(), node),
                            sib(graph.proof(sc.node())), rec));
                    ruledOn = "the source op " + sc.node() + " (" + node.kind() + " " + node.name() + ")";
                    return "claims source op " + sc.node() + " is not the agreed state's";
                }
                case Messages.UpdateClaim uc -> {
                    int node = uc.node();
                    if (node < 0 || node >= run.graph().size() || !postC.has(uc.name())) {
                        throw new IllegalStateException("update claim on '" + uc.name() + "' not makeable on chain");
                    }
                    record(3, "claimUpdate", v.claimUpdate(account, dispute, st, entry(ot, opTree, node),
                            Commitments.graphRecord(run.graph(), run.graph().node(node)), sib(graph.proof(node)), leaf(postC.record(uc.name()))));
                    ruledOn = "the update of state tensor " + uc.name();
                    return "claims the posted state's " + uc.name() + " is not op " + node + "'s output";
                }
                case Messages.ScalarsClaim sc -> {
                    Node gather = null;
                    for (Node x : run.graph().nodes()) {
                        if (gather == null && (x.kind() == OpKind.GATHER_ROWS || x.kind() == OpKind.GATHER_WINDOWS)) {
                            gather = x;
                        }
                    }
                    if (gather == null) {
                        throw new IllegalStateException("the graph has no gather op for a scalars claim");
                    }
                    record(3, "claimScalars", v.claimScalars(account, dispute, st, leaf(preC.scalars()), leaf(postC.scalars()),
                            Commitments.graphRecord(run.graph(), gather), gather.id(), sib(graph.proof(gather.id()))));
                    ruledOn = "the scalars (step, data cursor, RNG counter)";
                    return "claims the step's scalars are wrong";
                }
                case Messages.ElementClaim ec -> {
                    int i = ec.node();
                    record(3, "disputeOp", v.round3(account, dispute, new DisputeMoves.OpClaim(st, i, Commitments.graphRecord(run.graph(), run.graph().node(i)),
                            ot.outputRoots().get(i), ot.outputs().get(i).size(), sib(opTree.proof(i)), ec.element())));
                    Node n = run.graph().node(i);
                    ruledOn = "op " + i + " (" + n.kind() + (n.name() == null || n.name().isEmpty() ? "" : " " + n.name()) + "), element "
                            + ec.element();
                    return "agrees with op " + i + " (" + n.kind() + ")'s inputs, disputes its output element " + ec.element();
                }
            }
        }

        /** The element chain's leaves: from the blob store, else from the chain where the solver opened them on demand. */
        private Messages.ElementChainMsg fetchChain() throws IOException {
            byte[] root = event("ElementChainPosted").wordBytes(0);
            List<byte[]> leaves;
            try {
                leaves = TreeBlobs.get(store, root);
            } catch (IOException missing) {
                java.util.Optional<List<byte[]>> whole = v.postedChain(dispute);
                leaves = whole.isPresent() ? whole.get() : postedPages().orElseThrow(() -> missing);
            }
            List<Link> links = new ArrayList<>();
            for (int t = 0; t < leaves.size() - 1; t++) {
                ByteBuffer b = ByteBuffer.wrap(leaves.get(t));
                try {
                    if (b.get() != Commitments.CHAIN_LINK || b.getInt() != t) {
                        throw new IOException("chain leaf " + t + " is not link " + t);
                    }
                    BasicOp op = BasicOp.fromCode(b.get() & 0xff);
                    int arity = b.get() & 0xff;
                    List<Operand> ops = new ArrayList<>();
                    for (int j = 0; j < arity; j++) {
                        ops.add(operand(b));
                    }
                    links.add(new Link(op, ops, b.getInt()));
                } catch (RuntimeException e) {
                    throw new IOException("chain leaf " + t + " is malformed: " + e);
                }
            }
            ByteBuffer r = ByteBuffer.wrap(leaves.get(leaves.size() - 1));
            if (r.remaining() != 14 || r.get() != Commitments.CHAIN_RESULT) {
                throw new IOException("the chain's last leaf is not its result");
            }
            return new Messages.ElementChainMsg(links, operand(r), root);
        }

        /** Every page of a long chain, once the solver opened them all on demand; empty while one is missing. */
        private java.util.Optional<List<byte[]>> postedPages() {
            long leaves = v.disputeState(dispute).links() + 1;
            long pages = (leaves + (1L << Verity.CHAIN_PAGE_HEIGHT) - 1) >> Verity.CHAIN_PAGE_HEIGHT;
            List<byte[]> all = new ArrayList<>();
            for (long p = 0; p < pages; p++) {
                java.util.Optional<List<byte[]>> page = v.postedChainPage(dispute, p);
                if (page.isEmpty()) {
                    return java.util.Optional.empty();
                }
                all.addAll(page.get());
            }
            return java.util.Optional.of(all);
        }

        /** The first page of a long chain not opened yet, or -1. */
        private long nextMissingPage() {
            long leaves = v.disputeState(dispute).links() + 1;
            for (long p = 0; p << Verity.CHAIN_PAGE_HEIGHT < leaves; p++) {
                if (v.postedChainPage(dispute, p).isEmpty()) {
                    return p;
                }
            }
            return -1;
        }

        private static Operand operand(ByteBuffer b) throws IOException {
            int kind = b.get();
            int a = b.getInt();
            int idx = b.getInt();
            int bits = b.getInt();
            return switch (kind) {
                case Commitments.OPERAND_INPUT -> new Operand.Input(a, idx, bits);
                case Commitments.OPERAND_LINK -> new Operand.Link(a, bits);
                case Commitments.OPERAND_CONSTANT -> new Operand.Const(bits);
                default -> throw new IOException("unknown operand kind " + kind);
            };
        }

        private String round5() throws Exception {
            ensureClaim();
            if (!(claim instanceof Messages.ElementClaim ec)) {
                throw new IllegalStateException("round 5 follows an element claim only");
            }
            Messages.ElementChainMsg chain;
            try {
                chain = fetchChain();
            } catch (IOException missing) {
                return demandChain(missing);
            }
            Messages.DisputeLink dl = strategy.link(ec, chain);
            List<Link> links = chain.links();
            int t = dl.link();
            if (t < 0 || t > links.size()) {
                throw new IllegalStateException("link " + t + " is not in the chain");
            }
            MerkleTree chainTree = Commitments.chainTree(links, chain.result());
            byte[] lf = t < links.size() ? Commitments.linkLeaf(t, links.get(t)) : Commitments.resultLeaf(chain.result());
            List<Operand> operands = t < links.size() ? links.get(t).operands() : List.of(chain.result());
            Node node = run.graph().node(ec.node());
            List<Verity.Evidence> evidence = misquotedOperands(node, operands, t, links, chainTree);
            Verity.Structure structure = dl.structure() ? structure(node, ec.element(), t, links, chainTree) : null;
            structure = disputeLink(t, lf, chainTree, evidence, structure);
            String what = t < links.size() ? "link " + t + " of " + links.size() + " (" + links.get(t).op() + ")" : "the result leaf";
            ruledOn += ", " + what + (structure == null ? "" : " (structure checked)");
            return "disputes " + what + (evidence.isEmpty() ? "" : " with " + evidence.size() + " misquoted operand(s)")
                    + (structure == null ? "" : ", asking whether it is the link the op prescribes");
        }

        /**
         * The solver did not publish the chain it posted the root of: it must open it on chain, or lose. A chain
         * opened already (and still unreadable) or too long to open cannot be demanded: say so, do not send a revert.
         */
        private String demandChain(IOException missing) throws Exception {
            if (v.disputeState(dispute).links() + 1 > 4096) {
                // too long for one opening: page by page, until every page is on chain
                long page = nextMissingPage();
                if (page < 0) {
                    throw new IllegalStateException("every page of the element chain is open, yet it cannot be read: " + missing.getMessage());
                }
                record(5, "demandChainPage", v.demandChainPage(account, dispute, page));
                return "cannot fetch the long element chain (" + missing.getMessage() + "): demands page " + page + " on chain";
            }
            if ((v.dispute(dispute).demand() & 4) != 0) {
                throw new IllegalStateException("the element chain cannot be fetched (" + missing.getMessage() + ") and was opened already");
            }
            record(5, "demandChain", v.demandChain(account, dispute));
            return "cannot fetch the element chain (" + missing.getMessage() + "): demands it on chain";
        }

        /**
         * Proof for each operand of link {@code t} whose quoted bits differ from what it names: an input
         * element of the op trace, or an earlier link's result. Operands naming nothing are left to the referee.
         */
        private List<Verity.Evidence> misquotedOperands(Node node, List<Operand> operands, int t, List<Link> links,
                MerkleTree chainTree) {
            List<Verity.Evidence> evidence = new ArrayList<>();
            for (int j = 0; j < operands.size(); j++) {
                switch (operands.get(j)) {
                    case Operand.Input in -> {
                        Verity.Evidence e = misquotedInput(j, in, node);
                        if (e != null) {
                            evidence.add(e);
                        }
                    }
                    case Operand.Link l -> {
                        if (l.link() >= 0 && l.link() < t && links.get(l.link()).resultBits() != l.bits()) {
                            evidence.add(Verity.Evidence.ofLink(j, Commitments.linkLeaf(l.link(), links.get(l.link())),
                                    sib(chainTree.proof(l.link()))));
                        }
                    }
                    case Operand.Const k -> {
                    }
                }
            }
            return evidence;
        }

        /** The input element's chunk, proven against the op trace, if operand {@code j} misquotes it; else null. */
        private Verity.Evidence misquotedInput(int j, Operand.Input in, Node node) {
            if (in.input() < 0 || in.input() >= node.arity()) {
                return null;
            }
            int src = node.input(in.input());
            float[] data = ot.outputs().get(src).data();
            if (in.index() < 0 || in.index() >= data.length) {
                return null;
            }
            if (sameBits(Float.floatToRawIntBits(data[in.index()]), in.bits())) {
                return null;
            }
            int ic = in.index() / Commitments.CHUNK;
            return Verity.Evidence.ofInput(j, Commitments.graphRecord(run.graph(), node), entry(ot, opTree, src),
                    Commitments.canonicalBytes(data, ic * Commitments.CHUNK, Math.min(data.length, (ic + 1) * Commitments.CHUNK)),
                    sib(Commitments.tensorTree(data).proof(ic)));
        }

        /** Sends round 5; returns the structure bundle the move carried (null if none, or if it had to be dropped). */
        private Verity.Structure disputeLink(int t, byte[] lf, MerkleTree chainTree, List<Verity.Evidence> evidence,
                Verity.Structure structure) {
            try {
                record(5, "disputeLink", v.round5(account, dispute, t, lf, sib(chainTree.proof(t)), evidence, structure));
                return structure;
            } catch (Chain.RevertException e) {
                if (structure == null) {
                    throw e;
                }
                // the structure check could not run (a data word it needs is not in the chain, a record the structure
                // contracts cannot read): dispute the link without it rather than fall silent and lose by timeout
                moves.add(new Move(5, "reverted: " + e.reason(), e.receipt() == null ? 0 : e.receipt().gasUsed()));
                record(5, "disputeLink", v.round5(account, dispute, t, lf, sib(chainTree.proof(t)), evidence, null));
                return null;
            }
        }

        /**
         * The structure bundle of round 5: the disputed op's record (its input-shape trailer gives the inputs' shapes)
         * and the sources of the data words its prescription reads ({@link LinkData}):
         * input elements from chunks proven against the op trace, link results from leaves proven against the chain.
         */
        private Verity.Structure structure(Node node, int element, int t, List<Link> links, MerkleTree chainTree) {
            Tensor[] in = new Tensor[node.arity()];
            for (int i = 0; i < node.arity(); i++) {
                in[i] = ot.outputs().get(node.input(i));
            }
            List<Verity.Source> sources = new ArrayList<>();
            // input words grouped by (input, chunk): one chunk proof serves every word it holds
            java.util.TreeMap<Long, List<Integer>> chunks = new java.util.TreeMap<>();
            for (LinkData.Need need : LinkData.needs(node, in, element, t)) {
                if (need.kind() == 1) {
                    if (need.number() >= links.size()) {
                        // the chain is shorter than the link its op reads: at the result leaf that alone rules; before it
                        // there is no word to send (the contract asks for it and reverts: then no structure check)
                        if (t == links.size()) {
                            sources.add(Verity.Source.absentLink(need.number()));
                        }
                        continue;
                    }
                    sources.add(Verity.Source.ofLink(need.number(), Commitments.linkLeaf(need.number(), links.get(need.number())),
                            sib(chainTree.proof(need.number()))));
                } else {
                    long key = ((long) need.number() << 32) | (need.index() / Commitments.CHUNK);
                    chunks.computeIfAbsent(key, k -> new ArrayList<>()).add(need.index());
                }
            }
            for (var c : chunks.entrySet()) {
                int input = (int) (c.getKey() >>> 32);
                int chunk = (int) (c.getKey() & 0xffffffffL);
                int src = node.input(input);
                float[] data = ot.outputs().get(src).data();
                sources.add(Verity.Source.ofInput(input, entry(ot, opTree, src), Commitments.canonicalBytes(data, chunk * Commitments.CHUNK,
                        Math.min(data.length, (chunk + 1) * Commitments.CHUNK)), sib(Commitments.tensorTree(data).proof(chunk)), c.getValue()));
            }
            return new Verity.Structure(Commitments.graphRecord(run.graph(), node), sources);
        }

        private static boolean sameBits(int a, int b) {
            boolean na = (a & 0x7f800000) == 0x7f800000 && (a & 0x7fffff) != 0;
            boolean nb = (b & 0x7f800000) == 0x7f800000 && (b & 0x7fffff) != 0;
            return a == b || (na && nb);
        }
    }
}
