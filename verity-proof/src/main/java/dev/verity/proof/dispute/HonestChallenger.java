package dev.verity.proof.dispute;

import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * An honest verifier driving a dispute: at every round it recomputes what an honest solver would
 * have posted and names the first place the defender's answer departs from it.
 */
public final class HonestChallenger implements ChallengerMoves {
    private final TaskRun run;
    private final SegmentReplayer checkpoints;
    private TrainingState agreed;
    private List<Tensor> honestTrace;
    private Messages.OpTrace posted;

    public HonestChallenger(TaskRun run, BlobStore store, Manifest manifest) {
        this.run = run;
        this.checkpoints = new SegmentReplayer(run, store, manifest);
    }

    @Override
    public Messages.OpenDispute open(int segment) {
        return new Messages.OpenDispute(segment);
    }

    /** Round 3: the first step whose posted state root is not the honest one. */
    @Override
    public Messages.DisputeStep step(Messages.OpenDispute open, Messages.SegmentRoots roots) throws IOException {
        TrainingState s = checkpoints.load(open.segment());
        List<byte[]> r = roots.stateRoots();
        for (int k = 1; k < r.size(); k++) {
            TrainingState next = StepTrace.next(run, s);
            if (!Arrays.equals(StateCommitment.rootOf(next), r.get(k))) {
                agreed = s;
                return new Messages.DisputeStep(s.step());
            }
            s = next;
        }
        // every state is honest: a posted op trace that is not the honest step's (a made-up segment end the solver stands by)
        s = checkpoints.load(open.segment());
        for (int k = 1; k < r.size(); k++) {
            TrainingState pre = s.copy();
            // one traced step in place: its op-trace root, and the state trainer.step would leave
            if (!Arrays.equals(StepTrace.stepTraced(run, s).opTraceRoot(), roots.opTraceRoots().get(k))) {
                agreed = pre;
                return new Messages.DisputeStep(pre.step());
            }
        }
        throw new IllegalStateException("every posted step state and op trace is honest: nothing to dispute in segment " + open.segment());
    }

    /**
     * Round 5: checks the op trace in the order a referee can decide most cheaply: records,
     * sources, then the first node whose inputs agree with the honest run but whose output does
     * not, then the new state's records and scalars.
     */
    @Override
    public Messages.Claim claim(Messages.OpTrace trace, TrainingState postedNext) {
        posted = trace;
        honestTrace = StepTrace.outputs(run, agreed);
        List<byte[]> honestRoots = StepTrace.roots(honestTrace);
        for (int i = 0; i < run.graph().size(); i++) {
            if (!Arrays.equals(trace.recordHashes().get(i), run.graphTree().leafHashAt(i))) {
                return new Messages.RecordClaim(i);
            }
        }
        for (Node n : run.graph().nodes()) {
            boolean source = n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT;
            if (source && !Arrays.equals(honestRoots.get(n.id()), trace.outputRoots().get(n.id()))) {
                return new Messages.SourceClaim(n.id());
            }
        }
        for (Node n : run.graph().nodes()) {
            if (n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT
                    || Arrays.equals(honestRoots.get(n.id()), trace.outputRoots().get(n.id()))) {
                continue;
            }
            float[] mine = honestTrace.get(n.id()).data();
            float[] theirs = trace.outputs().get(n.id()).data();
            for (int e = 0; e < mine.length; e++) {
                if (!sameBits(mine[e], theirs[e])) {
                    return new Messages.ElementClaim(n.id(), e);
                }
            }
        }
        // every node is honest, yet the posted next state is not: one of its records disagrees
        for (var e : run.graph().stateUpdates().entrySet()) {
            Tensor t = postedNext.tensors().get(e.getKey());
            if (t == null || !Arrays.equals(dev.verity.proof.commit.Commitments.tensorRoot(t.data()),
                    trace.outputRoots().get(e.getValue()))) {
                return new Messages.UpdateClaim(e.getKey(), e.getValue());
            }
        }
        return new Messages.ScalarsClaim();
    }

    static boolean sameBits(float a, float b) {
        return Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b) || (a != a && b != b);
    }

    /**
     * Round 7: the first link of the posted chain that is not the honest one (size() = the result). It asks for the
     * structure check where the difference is one of structure (another basic op, operand source or constant, an
     * extra or missing link, another result operand), which recomputing the link alone cannot see.
     */
    @Override
    public Messages.DisputeLink link(Messages.ElementClaim claim, Messages.ElementChainMsg chain) {
        Node n = run.graph().node(claim.node());
        Tensor[] in = new Tensor[n.arity()];
        for (int i = 0; i < in.length; i++) {
            in[i] = posted.outputs().get(n.input(i));
        }
        ElementChain ch = new ElementChain();
        Operand expected = n.kind().op().element(n, in, claim.element(), ch);
        List<Link> want = ch.links();
        List<Link> got = chain.links();
        int common = Math.min(want.size(), got.size());
        for (int t = 0; t < common; t++) {
            if (!want.get(t).equals(got.get(t))) {
                return new Messages.DisputeLink(t, !sameStructure(want.get(t), got.get(t)));
            }
        }
        if (want.size() != got.size()) {
            return new Messages.DisputeLink(common, true);
        }
        if (!expected.equals(chain.result())) {
            return new Messages.DisputeLink(got.size(), !sameSource(expected, chain.result()));
        }
        // the chain is honest: then it contradicts the posted output (or there is nothing to dispute)
        return new Messages.DisputeLink(got.size());
    }

    /** Same basic op and every operand from the same place (bits aside, except for constants). */
    static boolean sameStructure(Link a, Link b) {
        if (a.op() != b.op() || a.operands().size() != b.operands().size()) {
            return false;
        }
        for (int i = 0; i < a.operands().size(); i++) {
            if (!sameSource(a.operands().get(i), b.operands().get(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean sameSource(Operand a, Operand b) {
        return switch (a) {
            case Operand.Input x -> b instanceof Operand.Input y && x.input() == y.input() && x.index() == y.index();
            case Operand.Link x -> b instanceof Operand.Link y && x.link() == y.link();
            case Operand.Const x -> b instanceof Operand.Const y && x.bits() == y.bits();
        };
    }
}
