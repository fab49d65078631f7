package dev.verity.node;

import dev.verity.chain.Chain;
import dev.verity.chain.ChainSelftest;
import dev.verity.chain.Receipt;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.TaskSpec;
import dev.verity.chain.Verity;
import dev.verity.proof.commit.Commitments;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.dispute.ChallengerMoves;
import dev.verity.proof.dispute.Defender;
import dev.verity.proof.dispute.Messages;
import dev.verity.proof.dispute.StepTrace;
import dev.verity.proof.merkle.MerkleProof;
import dev.verity.proof.merkle.MerkleTree;
import dev.verity.proof.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.chain.Link;
import dev.verity.tensor.chain.Operand;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainingState;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Takes verity-proof's off-chain dispute onto a chain: runs a {@link Defender} and a challenger
 * ({@code Challenger} or a dishonest one) round by round and posts every move as a transaction to
 * TaskMarket / DisputeGame, with the real commitments and Merkle proofs of verity-proof. The
 * contract (and BasicOpReferee in round 7) rules; a party that cannot move, or whose move the
 * contract rejects, stays silent and loses by timeout, as on a real chain.
 */
public final class ChainDispute {
    /** Gas of one transaction of the dispute. */
    public record RoundGas(int round, String move, long gas) {
    }

    /** The on-chain outcome. */
    public record Result(boolean challengerWon, int decidedRound, String how, List<RoundGas> gas) {
        public long totalGas() {
            return gas.stream().mapToLong(RoundGas::gas).sum();
        }

        public long gasOfRound(int round) {
            return gas.stream().filter(g -> g.round() == round).mapToLong(RoundGas::gas).sum();
        }
    }

    private final Verity v;
    private final ChainSelftest.Actors a;

    private ChainDispute(Verity v, ChainSelftest.Actors a) {
        this.v = v;
        this.a = a;
    }

    /** Deploys Verity with the real referee (BasicOpReferee) on {@code chain} and funds the actors. */
    public static ChainDispute deploy(Chain chain) {
        ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
        Verity v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults().withReferee("BasicOpReferee"));
        ChainSelftest.setUp(v, a);
        return new ChainDispute(v, a);
    }

    public Verity verity() {
        return v;
    }

    /** Posts the task (graph root and size from {@code run}), lets the solver win it and commit the manifest's trace root. */
    public long commitTask(TaskRun run, Manifest m) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        long steps = m.checkpoints().get(m.checkpoints().size() - 1).step();
        TaskSpec spec = new TaskSpec(Sha256.hash("spec".getBytes(), secret), Sha256.unhex(m.datasetRoot()), run.graphTree().root(), new byte[32],
                TaskSpec.seedCommitment(secret), run.graph().size(), steps, run.spec().checkpointInterval(), 1000, Verity.ether(1), Verity.ether(2),
                Verity.ether(500), 2, 3600, 86400, 3600, 86400);
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver(), id, Verity.ether(1));
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.commit(a.solver(), id, Sha256.unhex(m.traceRoot()), Sha256.unhex(m.modelRoot()), Sha256.hash("manifest".getBytes()));
        v.revealSeed(a.submitter(), id, secret);
        return id;
    }

    static List<byte[]> sib(MerkleProof p) {
        return Arrays.asList(p.siblings());
    }

    private static Verity.Leaf leaf(StateCommitment.Proven p) {
        return new Verity.Leaf(p.leaf(), p.proof().n(), p.proof().index(), sib(p.proof()));
    }

    private interface Move {
        Receipt send();
    }

    private final class Game {
        final long dispute;
        final List<RoundGas> gas = new ArrayList<>();

        Game(long dispute) {
            this.dispute = dispute;
        }

        /** Sends a move; false if it could not be made or the contract rejected it (the mover then times out). */
        boolean move(int round, String name, Move m) {
            try {
                Receipt r = m.send();
                gas.add(new RoundGas(round, name, r.gasUsed()));
                return true;
            } catch (Chain.RevertException e) {
                gas.add(new RoundGas(round, name + " (reverted: " + e.reason() + ")", e.receipt() == null ? 0 : e.receipt().gasUsed()));
                return false;
            } catch (Exception e) {
                return false;
            }
        }

        Result silence(int round, String why) {
            v.chain.advanceTime(v.config.roundTimeout() + 1);
            Receipt r = v.timeoutDispute(a.deployer(), dispute);
            gas.add(new RoundGas(round, "timeout", r.gasUsed()));
            return done(round, "silence at round " + round + ": " + why);
        }

        Result done(int round, String how) {
            Verity.DisputeView d = v.dispute(dispute);
            if (d.nextRound() != 0) {
                throw new IllegalStateException("dispute " + dispute + " still open at round " + d.nextRound());
            }
            return new Result(d.challengerWon(), round, how, List.copyOf(gas));
        }
    }

    /**
     * Plays the whole dispute of segment {@code segment} of committed task {@code taskId} on chain.
     * {@code defender} must be fresh (it keeps the states of the segment it answers for).
     */
    public Result play(long taskId, TaskRun run, Manifest m, Defender defender, ChallengerMoves challenger, int segment) {
        // round 1
        Messages.OpenDispute open = challenger.open(segment);
        MerkleTree trace = m.traceTree();
        int seg = open.segment();
        byte[] start = Sha256.unhex(m.checkpoints().get(seg).stateRoot());
        byte[] end = Sha256.unhex(m.checkpoints().get(seg + 1).stateRoot());
        long dispute = v.openDispute(a.challenger(), taskId,
                new SyntheticDispute.Round1(seg, start, sib(trace.proof(seg)), end, sib(trace.proof(seg + 1))));
        Game g = new Game(dispute);
        List<Long> openGas = v.gasTable().get("DisputeGame.open (round 1)");
        g.gas.add(new RoundGas(1, "open", openGas.get(openGas.size() - 1)));

        // round 2
        Messages.SegmentRoots roots;
        try {
            roots = defender.segmentRoots(open);
        } catch (Exception e) {
            return g.silence(2, "the defender cannot answer: " + e.getMessage());
        }
        MerkleTree segTree = Defender.segmentTree(roots.firstStep(), roots.stateRoots());
        int n = roots.stateRoots().size();
        if (!g.move(2, "postSegmentRoot", () -> v.round2(a.solver(), dispute,
                new SyntheticDispute.Round2(roots.root(), sib(segTree.proof(0)), sib(segTree.proof(n - 1)))))) {
            return g.silence(2, "segment root rejected");
        }

        // round 3
        Messages.DisputeStep ds;
        try {
            ds = challenger.step(open, roots);
        } catch (Exception e) {
            return g.silence(3, "the challenger cannot name a step: " + e.getMessage());
        }
        int k = (int) (ds.agreedStep() + 1 - roots.firstStep());
        if (k < 1 || k >= n || !g.move(3, "disputeStep", () -> v.round3(a.challenger(), dispute, new SyntheticDispute.Round3(k,
                roots.stateRoots().get(k - 1), sib(segTree.proof(k - 1)), roots.stateRoots().get(k), sib(segTree.proof(k)))))) {
            return g.silence(3, "step " + (ds.agreedStep() + 1) + " rejected");
        }

        // round 4
        Messages.OpTrace ot;
        TrainingState pre;
        TrainingState post;
        try {
            ot = defender.opTrace(ds);
            pre = defender.stateAt(ds.agreedStep());
            post = defender.stateAt(ds.agreedStep() + 1);
        } catch (Exception e) {
            return g.silence(4, "the defender cannot answer: " + e.getMessage());
        }
        if (!g.move(4, "postOpTrace", () -> v.round4(a.solver(), dispute, ot.root()))) {
            return g.silence(4, "op trace rejected");
        }

        // round 5
        Messages.Claim claim;
        try {
            claim = challenger.claim(ot, post);
        } catch (Exception e) {
            return g.silence(5, "the challenger cannot make a claim: " + e.getMessage());
        }
        MerkleTree opTree = StepTrace.tree(ot.recordHashes(), ot.outputRoots(), ot.outputs());
        MerkleTree graph = run.graphTree();
        StateCommitment preC = StateCommitment.of(pre);
        StateCommitment postC = StateCommitment.of(post);
        switch (claim) {
            case Messages.RecordClaim rc -> {
                if (!g.move(5, "claimRecord", () -> v.claimRecord(a.challenger(), dispute, entry(ot, opTree, rc.node()), graph.leafHashAt(rc.node()),
                        sib(graph.proof(rc.node()))))) {
                    return g.silence(5, "record claim rejected");
                }
                return g.done(5, "record claim");
            }
            case Messages.SourceClaim sc -> {
                Node node = run.graph().node(sc.node());
                Verity.Leaf rec = node.kind() == OpKind.STATE && preC.has(node.name()) ? leaf(preC.record(node.name()))
                        : node.kind() == OpKind.INPUT && !node.name().equals(StepGraphs.STEP) ? leaf(run.datasetRecord(node.name()))
                        : new Verity.Leaf(new byte[0], 0, 0, List.of());
                if (!g.move(5, "claimSource", () -> v.claimSource(a.challenger(), dispute, entry(ot, opTree, sc.node()),
                        Commitments.graphRecord(run.graph(), node), sib(graph.proof(sc.node())), rec))) {
                    return g.silence(5, "source claim rejected");
                }
                return g.done(5, "source claim");
            }
            case Messages.UpdateClaim uc -> {
                int node = uc.node();
                if (node < 0 || node >= run.graph().size() || !postC.has(uc.name()) || !g.move(5, "claimUpdate", () -> v.claimUpdate(a.challenger(),
                        dispute, entry(ot, opTree, node), Commitments.graphRecord(run.graph(), run.graph().node(node)), sib(graph.proof(node)),
                        leaf(postC.record(uc.name()))))) {
                    return g.silence(5, "update claim not makeable on chain");
                }
                return g.done(5, "update claim");
            }
            case Messages.ScalarsClaim sc -> {
                Node gather = null;
                for (Node x : run.graph().nodes()) {
                    if (gather == null && (x.kind() == OpKind.GATHER_ROWS || x.kind() == OpKind.GATHER_WINDOWS)) {
                        gather = x;
                    }
                }
                Node gth = gather;
                if (gth == null || !g.move(5, "claimScalars", () -> v.claimScalars(a.challenger(), dispute, leaf(preC.scalars()),
                        leaf(postC.scalars()), Commitments.graphRecord(run.graph(), gth), gth.id(), sib(graph.proof(gth.id()))))) {
                    return g.silence(5, "scalars claim rejected");
                }
                return g.done(5, "scalars claim");
            }
            case Messages.ElementClaim ec -> {
                int i = ec.node();
                if (!g.move(5, "disputeOp", () -> v.round5(a.challenger(), dispute, new SyntheticDispute.Round5(i,
                        Commitments.graphRecord(run.graph(), run.graph().node(i)), sib(graph.proof(i)), ot.outputRoots().get(i), ot.outputs().get(i).size(),
                        sib(opTree.proof(i)), ec.element())))) {
                    return g.silence(5, "element claim rejected");
                }
                return elementRounds(g, run, defender, challenger, ot, opTree, ec);
            }
        }
    }

    private static Verity.OpEntry entry(Messages.OpTrace ot, MerkleTree opTree, int i) {
        return new Verity.OpEntry(i, ot.recordHashes().get(i), ot.outputRoots().get(i), ot.outputs().get(i).size(), sib(opTree.proof(i)));
    }

    private Result elementRounds(Game g, TaskRun run, Defender defender, ChallengerMoves challenger, Messages.OpTrace ot, MerkleTree opTree,
                                 Messages.ElementClaim ec) {
        long dispute = g.dispute;
        // round 6
        Messages.ElementChainMsg chain;
        try {
            chain = defender.chain(ec);
        } catch (Exception e) {
            return g.silence(6, "the defender cannot answer: " + e.getMessage());
        }
        List<Link> links = chain.links();
        MerkleTree chainTree = Commitments.chainTree(links, chain.result());
        float[] out = ot.outputs().get(ec.node()).data();
        int c = ec.element() / Commitments.CHUNK;
        byte[] chunk = Commitments.canonicalBytes(out, c * Commitments.CHUNK, Math.min(out.length, (c + 1) * Commitments.CHUNK));
        MerkleTree outTree = Commitments.tensorTree(out);
        if (!g.move(6, "postElementChain", () -> v.round6(a.solver(), dispute, new SyntheticDispute.Round6(chain.root(), links.size(), chunk,
                sib(outTree.proof(c)), Commitments.resultLeaf(chain.result()), sib(chainTree.proof(links.size())))))) {
            return g.silence(6, "element chain rejected");
        }
        // round 7
        Messages.DisputeLink dl;
        try {
            dl = challenger.link(ec, chain);
        } catch (Exception e) {
            return g.silence(7, "the challenger cannot name a link: " + e.getMessage());
        }
        int t = dl.link();
        if (t < 0 || t > links.size()) {
            return g.silence(7, "link " + t + " is not in the chain");
        }
        byte[] leaf = t < links.size() ? Commitments.linkLeaf(t, links.get(t)) : Commitments.resultLeaf(chain.result());
        List<Operand> operands = t < links.size() ? links.get(t).operands() : List.of(chain.result());
        Node node = run.graph().node(ec.node());
        List<Verity.Evidence> evidence = new ArrayList<>();
        for (int j = 0; j < operands.size(); j++) {
            switch (operands.get(j)) {
                case Operand.Input in -> {
                    if (in.input() < 0 || in.input() >= node.arity()) {
                        continue;
                    }
                    int src = node.input(in.input());
                    float[] data = ot.outputs().get(src).data();
                    if (in.index() < 0 || in.index() >= data.length) {
                        continue;
                    }
                    int actual = Float.floatToRawIntBits(data[in.index()]);
                    if (!sameBits(actual, in.bits())) {
                        int ic = in.index() / Commitments.CHUNK;
                        evidence.add(Verity.Evidence.ofInput(j, Commitments.graphRecord(run.graph(), node), entry(ot, opTree, src),
                                Commitments.canonicalBytes(data, ic * Commitments.CHUNK, Math.min(data.length, (ic + 1) * Commitments.CHUNK)),
                                sib(Commitments.tensorTree(data).proof(ic))));
                    }
                }
                case Operand.Link l -> {
                    if (l.link() >= 0 && l.link() < t && links.get(l.link()).resultBits() != l.bits()) {
                        evidence.add(Verity.Evidence.ofLink(j, Commitments.linkLeaf(l.link(), links.get(l.link())), sib(chainTree.proof(l.link()))));
                    }
                }
                case Operand.Const k -> {
                }
            }
        }
        if (!g.move(7, "disputeLink", () -> v.round7(a.challenger(), dispute, t, leaf, sib(chainTree.proof(t)), evidence))) {
            return g.silence(7, "link rejected");
        }
        return g.done(7, t < links.size() ? "link " + t + " (" + links.get(t).op() + ")" : "result leaf");
    }

    private static boolean sameBits(int a, int b) {
        boolean na = (a & 0x7f800000) == 0x7f800000 && (a & 0x7fffff) != 0;
        boolean nb = (b & 0x7f800000) == 0x7f800000 && (b & 0x7fffff) != 0;
        return a == b || (na && nb);
    }
}
