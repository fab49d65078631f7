package dev.verity.proof.dispute;

import dev.verity.proof.commit.Commitments;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.BasicOps;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainingState;
import java.util.Arrays;
import java.util.List;

/**
 * The Java referee: decides each round from the task's public commitments (graph root, dataset
 * root), the defender's own commitments (trace root, segment root, op-trace root, chain root)
 * and the data the defender must make available, checked against those roots. The last round
 * recomputes one basic operation. The Solidity referee implements exactly these rulings.
 */
public final class Referee {
    private final TaskRun run;

    public Referee(TaskRun run) {
        this.run = run;
    }

    private static Ruling challenger(int round, String claim, String reason) {
        return Ruling.of(Ruling.Party.CHALLENGER, round, claim, reason);
    }

    private static Ruling defender(int round, String claim, String reason) {
        return Ruling.of(Ruling.Party.DEFENDER, round, claim, reason);
    }

    /** Round 2 check: a well-formed segment that starts and ends on the committed checkpoints; null if fine. */
    public Ruling checkSegmentRoots(Manifest m, Messages.OpenDispute open, Messages.SegmentRoots r) {
        int i = open.segment();
        if (i < 0 || i + 1 >= m.checkpoints().size()) {
            return defender(1, "segment", "segment " + i + " does not exist");
        }
        long s0 = m.checkpoints().get(i).step();
        long s1 = m.checkpoints().get(i + 1).step();
        List<byte[]> roots = r.stateRoots();
        if (r.firstStep() != s0 || roots.size() != s1 - s0 + 1) {
            return challenger(2, "segment roots", "posted " + roots.size() + " roots from step " + r.firstStep()
                    + ", the segment has " + (s1 - s0 + 1) + " from step " + s0);
        }
        if (!Arrays.equals(Defender.segmentTree(r).root(), r.root())) {
            return challenger(2, "segment roots", "the posted root is not the root of the posted entries");
        }
        if (!Arrays.equals(roots.get(0), Sha256.unhex(m.checkpoints().get(i).stateRoot())) || !Arrays.equals(r.opTraceRoots().get(0), new byte[32])) {
            return challenger(2, "segment roots", "the first entry is not checkpoint " + i);
        }
        if (!Arrays.equals(roots.get(roots.size() - 1), Sha256.unhex(m.checkpoints().get(i + 1).stateRoot()))) {
            return challenger(2, "segment roots", "the last entry is not checkpoint " + (i + 1));
        }
        return null;
    }

    /**
     * Round 3 check: the disputed step lies in the segment and the op trace served for it is the one its segment
     * entry committed in round 2, and well formed; null if fine.
     */
    public Ruling checkOpTrace(Messages.SegmentRoots r, Messages.DisputeStep d, Messages.OpTrace t) {
        long k = d.agreedStep() - r.firstStep();
        if (k < 0 || k + 1 >= r.stateRoots().size()) {
            return defender(3, "step", "step " + d.agreedStep() + " is outside the segment");
        }
        if (!Arrays.equals(t.root(), r.opTraceRoots().get((int) k + 1))) {
            return challenger(3, "op trace", "the served op trace is not the one the segment committed for step " + (d.agreedStep() + 1));
        }
        int n = run.graph().size();
        if (t.outputRoots().size() != n || t.recordHashes().size() != n || t.outputs().size() != n) {
            return challenger(3, "op trace", "the op trace has " + t.outputRoots().size() + " entries, the graph " + n);
        }
        if (!Arrays.equals(StepTrace.tree(t.recordHashes(), t.outputRoots(), t.outputs()).root(), t.root())) {
            return challenger(3, "op trace", "the posted root is not the root of the posted entries");
        }
        for (int i = 0; i < n; i++) {
            if (!Arrays.equals(Commitments.tensorRoot(t.outputs().get(i).data()), t.outputRoots().get(i))
                    || t.outputs().get(i).size() != run.graph().node(i).numel()) {
                return challenger(3, "op trace", "the data served for node " + i + " does not match its root");
            }
        }
        return null;
    }

    /**
     * Round 3: decides a claim about the op trace, or (for an element claim) returns null so the
     * dispute goes on. {@code pre} and {@code post} are the states the defender serves for the
     * agreed and disputed steps; they must hash to the roots it posted.
     */
    public Ruling ruleClaim(Messages.SegmentRoots r, Messages.OpTrace t, Messages.Claim claim, TrainingState pre,
                            TrainingState post) {
        long k = t.agreedStep() - r.firstStep();
        StateCommitment preC = StateCommitment.of(pre);
        StateCommitment postC = StateCommitment.of(post);
        if (!Arrays.equals(preC.root(), r.stateRoots().get((int) k))) {
            return challenger(3, "data", "the served agreed state does not hash to the posted root");
        }
        if (!Arrays.equals(postC.root(), r.stateRoots().get((int) k + 1))) {
            return challenger(3, "data", "the served disputed state does not hash to the posted root");
        }
        MerkleTree traceTree = StepTrace.tree(t.recordHashes(), t.outputRoots(), t.outputs());
        return switch (claim) {
            case Messages.RecordClaim rc -> ruleRecord(t, rc, traceTree);
            case Messages.SourceClaim sc -> ruleSource(t, sc, preC);
            case Messages.UpdateClaim uc -> ruleUpdate(t, uc, postC);
            case Messages.ScalarsClaim sc -> ruleScalars(pre, postC);
            case Messages.ElementClaim ec -> ruleElement(ec);
        };
    }

    /** The op trace's record of a node must be the graph's (both proven against their roots). */
    private Ruling ruleRecord(Messages.OpTrace t, Messages.RecordClaim rc, MerkleTree traceTree) {
        int i = rc.node();
        if (i < 0 || i >= run.graph().size()) {
            return defender(3, "record", "no node " + i);
        }
        byte[] entry = StepTrace.entry(i, t.recordHashes().get(i), t.outputRoots().get(i), t.outputs().get(i).size());
        MerkleTree graph = run.graphTree();
        boolean proven = traceTree.proof(i).verifies(t.root(), entry)
                && graph.proof(i).verifies(graph.root(), Commitments.graphRecord(run.graph(), run.graph().node(i)));
        return proven && !Arrays.equals(t.recordHashes().get(i), graph.leafHashAt(i))
                ? challenger(3, "record", "node " + i + " of the op trace is not the graph's record")
                : defender(3, "record", "node " + i + " is the graph's record");
    }

    /** A source node's output must be what the agreed state, the step counter or the dataset holds. */
    private Ruling ruleSource(Messages.OpTrace t, Messages.SourceClaim sc, StateCommitment preC) {
        int i = sc.node();
        if (i < 0 || i >= run.graph().size()) {
            return defender(3, "source", "no node " + i);
        }
        Node n = run.graph().node(i);
        byte[] want;
        if (n.kind() == OpKind.STATE) {
            StateCommitment.Proven rec = preC.record(n.name());
            if (!rec.verifies(preC.root())) {
                return defender(3, "source", "bad state record proof");
            }
            want = StateCommitment.rootInRecord(rec.leaf());
        } else if (n.kind() == OpKind.INPUT && n.name().equals(StepGraphs.STEP)) {
            want = Commitments.tensorRoot(new float[] {(float) t.agreedStep()});
        } else if (n.kind() == OpKind.INPUT) {
            want = run.trainer().inputs().containsKey(n.name()) ? run.dataArrayRoot(n.name()) : null;
        } else {
            return defender(3, "source", "node " + i + " is not a source");
        }
        return !Arrays.equals(want, t.outputRoots().get(i))
                ? challenger(3, "source", "node " + i + " ('" + n.name() + "') is not what the agreed state holds")
                : defender(3, "source", "node " + i + " matches the agreed state");
    }

    /** A state tensor after the step must be the output of the node the graph names as its update. */
    private Ruling ruleUpdate(Messages.OpTrace t, Messages.UpdateClaim uc, StateCommitment postC) {
        Integer node = run.graph().stateUpdates().get(uc.name());
        if (node == null) {
            return defender(3, "update", "no state '" + uc.name() + "'");
        }
        if (node != uc.node()) {
            // the graph record of the named node (committed by the graph root) does not list the tensor
            return defender(3, "update", "node " + uc.node() + " does not hold '" + uc.name() + "' after the step (node "
                    + node + " does)");
        }
        if (!postC.has(uc.name())) {
            return challenger(3, "update", "the disputed state has no tensor '" + uc.name() + "'");
        }
        StateCommitment.Proven rec = postC.record(uc.name());
        return rec.verifies(postC.root())
                && !Arrays.equals(StateCommitment.rootInRecord(rec.leaf()), t.outputRoots().get(node))
                ? challenger(3, "update", "'" + uc.name() + "' after the step is not what the op trace computed")
                : defender(3, "update", "'" + uc.name() + "' matches the op trace");
    }

    /** Step, data cursor and RNG counter must each advance by exactly one step. */
    private Ruling ruleScalars(TrainingState pre, StateCommitment postC) {
        byte[] want = Commitments.scalarsRecord(pre.step() + 1, pre.dataCursor() + run.spec().train().batch(), pre.step() + 1);
        StateCommitment.Proven rec = postC.scalars();
        return rec.verifies(postC.root()) && !Arrays.equals(want, rec.leaf())
                ? challenger(3, "scalars", "step, data cursor or RNG counter did not advance by one step")
                : defender(3, "scalars", "the scalars advanced correctly");
    }

    /** An element claim is decided later (null: the dispute goes on), if the element can be disputed at all. */
    private Ruling ruleElement(Messages.ElementClaim ec) {
        if (ec.node() < 0 || ec.node() >= run.graph().size()) {
            return defender(3, "element", "no node " + ec.node());
        }
        Node n = run.graph().node(ec.node());
        if (n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT || ec.element() < 0 || ec.element() >= n.numel()) {
            return defender(3, "element", "element " + ec.element() + " of node " + ec.node() + " cannot be disputed");
        }
        return null;
    }

    /**
     * Round 5: the one basic operation. Recomputes link {@code t} of the defender's chain from its
     * operands — each an input element proven against the op trace, an earlier link of the
     * defender's own chain, or a constant of the op — after checking that the link is the one the
     * op's definition prescribes at that position. {@code t == links.size()} rules on the result.
     */
    public Ruling ruleLink(Messages.OpTrace t, Messages.ElementClaim claim, Messages.ElementChainMsg chain,
                           Messages.DisputeLink d) {
        Node n = run.graph().node(claim.node());
        String op = n.kind().name();
        List<Link> links = chain.links();
        if (!Arrays.equals(Commitments.chainTree(links, chain.result()).root(), chain.root())) {
            return new Ruling(Ruling.Party.CHALLENGER, 4, "chain", op, -1, "", "the chain root is not the root of the posted links");
        }
        Tensor[] in = new Tensor[n.arity()];
        for (int i = 0; i < in.length; i++) {
            in[i] = t.outputs().get(n.input(i));
        }
        ElementChain expected = new ElementChain();
        Operand want = n.kind().op().element(n, in, claim.element(), expected);
        List<Link> wantLinks = expected.links();
        int k = d.link();
        if (k < 0 || k > links.size()) {
            return new Ruling(Ruling.Party.DEFENDER, 5, "link", op, k, "", "link " + k + " is not in the chain");
        }
        if (k < links.size()) {
            Link got = links.get(k);
            if (k >= wantLinks.size()) {
                return new Ruling(Ruling.Party.CHALLENGER, 5, "link", op, k, got.op().name(),
                        "the op prescribes " + wantLinks.size() + " links; link " + k + " is extra");
            }
            Link spec = wantLinks.get(k);
            String bad = structure(spec, got, links, in);
            if (bad != null) {
                return new Ruling(Ruling.Party.CHALLENGER, 5, "link", op, k, got.op().name(), bad);
            }
            int[] v = new int[got.operands().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = got.operands().get(i).bits();
            }
            int r = BasicOps.apply(got.op(), v);
            if (r != got.resultBits() && !(isNaN(r) && isNaN(got.resultBits()))) {
                return new Ruling(Ruling.Party.CHALLENGER, 5, "link", op, k, got.op().name(), String.format(
                        "%s of its operands is 0x%08x, the defender wrote 0x%08x", got.op(), r, got.resultBits()));
            }
            return new Ruling(Ruling.Party.DEFENDER, 5, "link", op, k, got.op().name(), "link " + k + " recomputes correctly");
        }
        if (links.size() != wantLinks.size()) {
            return new Ruling(Ruling.Party.CHALLENGER, 5, "result", op, k, "", "the chain has " + links.size()
                    + " links, the op prescribes " + wantLinks.size());
        }
        String bad = operandStructure(want, chain.result(), links, in);
        if (bad != null) {
            return new Ruling(Ruling.Party.CHALLENGER, 5, "result", op, k, "", "result: " + bad);
        }
        int posted = Float.floatToRawIntBits(t.outputs().get(claim.node()).data()[claim.element()]);
        if (posted != chain.result().bits() && !(isNaN(posted) && isNaN(chain.result().bits()))) {
            return new Ruling(Ruling.Party.CHALLENGER, 5, "result", op, k, "", String.format(
                    "the chain ends on 0x%08x but the op trace holds 0x%08x at element %d", chain.result().bits(), posted,
                    claim.element()));
        }
        return new Ruling(Ruling.Party.DEFENDER, 5, "result", op, k, "", "the chain's result is the posted element");
    }

    private static boolean isNaN(int bits) {
        return (bits & 0x7f800000) == 0x7f800000 && (bits & 0x007fffff) != 0;
    }

    /** Null if {@code got} is the prescribed link (same op, operands from the prescribed places). */
    private static String structure(Link spec, Link got, List<Link> chain, Tensor[] in) {
        if (spec.op() != got.op()) {
            return "the op prescribes " + spec.op() + " here, the defender's link is " + got.op();
        }
        for (int i = 0; i < spec.operands().size(); i++) {
            String bad = operandStructure(spec.operands().get(i), got.operands().get(i), chain, in);
            if (bad != null) {
                return "operand " + i + ": " + bad;
            }
        }
        return null;
    }

    private static String operandStructure(Operand spec, Operand got, List<Link> chain, Tensor[] in) {
        switch (spec) {
            case Operand.Input s -> {
                if (!(got instanceof Operand.Input g) || g.input() != s.input() || g.index() != s.index()) {
                    return "must be element " + s.index() + " of input " + s.input() + ", is " + got;
                }
                int actual = Float.floatToRawIntBits(in[s.input()].data()[s.index()]);
                return actual == g.bits() ? null : "input element " + s.index() + " is 0x" + Integer.toHexString(actual)
                        + ", the defender used 0x" + Integer.toHexString(g.bits());
            }
            case Operand.Link s -> {
                if (!(got instanceof Operand.Link g) || g.link() != s.link()) {
                    return "must be the result of link " + s.link() + ", is " + got;
                }
                return chain.get(g.link()).resultBits() == g.bits() ? null : "does not carry link " + g.link() + "'s result";
            }
            case Operand.Const s -> {
                return got instanceof Operand.Const g && g.bits() == s.bits() ? null
                        : "must be the constant 0x" + Integer.toHexString(s.bits()) + ", is " + got;
            }
        }
    }
}
