package dev.verity.proof.dispute;

import dev.verity.proof.commit.Commitments;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.merkle.MerkleTree;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The solver's side of a dispute. It answers from its own commitments: the states its step
 * function produced (honest or not), always consistent with what it already posted — a dishonest
 * solver that wants to survive must lie somewhere, and the dispute finds where. With
 * {@code sneaky}, a lie is pushed down to the last basic operation of a chain (so the referee
 * has to recompute one IEEE operation); otherwise the chain is honest and contradicts the output.
 * The other {@link Lie}s hide the lie in the chain's structure instead: every link recomputes, every
 * operand quotes its source, but a link, a constant, an operand's source or the chain's length is
 * not what the op prescribes (only the structure check catches them: docs/referee.md).
 */
public final class Defender {
    /** How the defender's chain hides a wrong element (round 4). */
    public enum Lie {
        /** The honest chain of its own inputs (it then contradicts a wrong posted element). */
        NONE,
        /** The last link's result is set to the posted element: a wrong basic operation. */
        VALUE,
        /** The honest links, then one more: {@code SELECT(posted, result, 1)}, which recomputes to the posted element. */
        EXTRA_LINK,
        /** The last link left out, the result leaf the constant posted element: a wrong chain length. */
        SHORT_CHAIN,
        /** The honest links, the result leaf the constant posted element instead of the prescribed operand. */
        CONSTANT_RESULT,
        /**
         * Op traces and chains of its own graph ({@code traceRun}), but the task graph's record hashes in its op
         * trace: a chain of another op (another constant, other operands) passed off as the task's op.
         */
        DISGUISED,
        /**
         * Like {@link #DISGUISED}, but the chain's links are the task op's (on its own inputs) and only the result
         * leaf is its own op's: a correctly quoted but wrong element.
         */
        DISGUISED_RESULT,
        /**
         * Like {@link #DISGUISED}, then the chain's last link left out and the result leaf the posted element as a
         * constant: a chain too short even for the links its op reads (a gather's shuffled sample).
         */
        DISGUISED_SHORT
    }

    private final TaskRun run;
    private final TaskRun traceRun;
    private final SegmentReplayer checkpoints;
    private final Manifest manifest;
    private final ProvenTraining.StepFunction stepFn;
    private final Lie lie;
    private List<TrainingState> states;
    private long firstStep;
    private List<Tensor> trace;

    public Defender(TaskRun run, BlobStore store, Manifest manifest, ProvenTraining.StepFunction stepFn, boolean sneaky) {
        this(run, run, store, manifest, stepFn, sneaky);
    }

    public Defender(TaskRun run, TaskRun traceRun, BlobStore store, Manifest manifest, ProvenTraining.StepFunction stepFn,
                    boolean sneaky) {
        this(run, traceRun, store, manifest, stepFn, sneaky ? Lie.VALUE : Lie.NONE);
    }

    /** A defender whose op traces come from {@code traceRun}'s graph (a solver that trained with its own). */
    public Defender(TaskRun run, TaskRun traceRun, BlobStore store, Manifest manifest, ProvenTraining.StepFunction stepFn,
                    Lie lie) {
        this.run = run;
        this.traceRun = traceRun;
        this.manifest = manifest;
        this.checkpoints = new SegmentReplayer(run, store, manifest);
        this.stepFn = stepFn;
        this.lie = java.util.Objects.requireNonNull(lie, "lie");
    }

    /**
     * Round 2: its states through the segment, forced to end on its committed checkpoint i+1, and the op trace of
     * every step (only the roots are kept; {@code eachTrace}, if not null, sees every step's whole trace, e.g. to
     * publish its tensors: round 3's challenger may pick any step).
     */
    public Messages.SegmentRoots segmentRoots(Messages.OpenDispute open, java.util.function.Consumer<Messages.OpTrace> eachTrace)
            throws IOException {
        int i = open.segment();
        TrainingState s = checkpoints.load(i);
        firstStep = s.step();
        long until = manifest.checkpoints().get(i + 1).step();
        states = new ArrayList<>();
        states.add(s.copy());
        while (s.step() < until) {
            stepFn.step(run, s);
            states.add(s.copy());
        }
        // it committed checkpoint i+1: whatever its steps produced, that is the state it must end on
        states.set(states.size() - 1, checkpoints.load(i + 1));
        List<byte[]> roots = new ArrayList<>();
        List<byte[]> opTraceRoots = new ArrayList<>();
        for (int k = 0; k < states.size(); k++) {
            roots.add(StateCommitment.rootOf(states.get(k)));
            if (k == 0) {
                opTraceRoots.add(new byte[32]);
            } else {
                Messages.OpTrace t = opTrace(new Messages.DisputeStep(firstStep + k - 1));
                opTraceRoots.add(t.root());
                if (eachTrace != null) {
                    eachTrace.accept(t);
                }
            }
        }
        trace = null;
        return new Messages.SegmentRoots(firstStep, roots, opTraceRoots, segmentTree(firstStep, roots, opTraceRoots).root());
    }

    public Messages.SegmentRoots segmentRoots(Messages.OpenDispute open) throws IOException {
        return segmentRoots(open, null);
    }

    /** The segment tree: 0x51 entries (step, state root, op-trace root of the step that produced it) for every step of the segment. */
    public static MerkleTree segmentTree(long firstStep, List<byte[]> roots, List<byte[]> opTraceRoots) {
        List<byte[]> e = new ArrayList<>();
        for (int k = 0; k < roots.size(); k++) {
            e.add(Commitments.segmentStepEntry(firstStep + k, roots.get(k), opTraceRoots.get(k)));
        }
        return MerkleTree.ofLeaves(e);
    }

    public static MerkleTree segmentTree(Messages.SegmentRoots r) {
        return segmentTree(r.firstStep(), r.stateRoots(), r.opTraceRoots());
    }

    /** The state it posted after {@code step} steps (served on request, like a checkpoint). */
    public TrainingState stateAt(long step) {
        return states.get((int) (step - firstStep));
    }

    /**
     * The op trace of the step after {@code agreedStep} (committed in round 2, served for round 3): honest outputs
     * from its agreed state, except that the nodes holding the new state must agree with the state it posted next.
     */
    public Messages.OpTrace opTrace(Messages.DisputeStep d) {
        TrainingState pre = stateAt(d.agreedStep());
        TrainingState post = stateAt(d.agreedStep() + 1);
        trace = StepTrace.outputs(traceRun, pre);
        for (var e : traceRun.graph().stateUpdates().entrySet()) {
            Tensor claimed = post.tensors().get(e.getKey());
            if (claimed != null) {
                trace.set(e.getValue(), claimed.copy());
            }
        }
        List<byte[]> roots = StepTrace.roots(trace);
        // a disguised defender reports the task graph's records for the ops its own graph computed
        List<byte[]> records = StepTrace.recordHashes(disguised() ? run : traceRun);
        return new Messages.OpTrace(d.agreedStep(), records, roots, trace, StepTrace.tree(records, roots, trace).root());
    }

    private boolean disguised() {
        return lie == Lie.DISGUISED || lie == Lie.DISGUISED_RESULT || lie == Lie.DISGUISED_SHORT;
    }

    private Tensor[] inputsOf(Node n) {
        Tensor[] in = new Tensor[n.arity()];
        for (int i = 0; i < in.length; i++) {
            in[i] = trace.get(n.input(i));
        }
        return in;
    }

    /** Round 4: the chain of the disputed element, computed from its own posted inputs. */
    public Messages.ElementChainMsg chain(Messages.ElementClaim claim) {
        Node n = traceRun.graph().node(claim.node());
        Tensor[] in = inputsOf(n);
        ElementChain ch = new ElementChain();
        Operand result = n.kind().op().element(n, in, claim.element(), ch);
        List<Link> links = new ArrayList<>(ch.links());
        int posted = Float.floatToRawIntBits(trace.get(claim.node()).data()[claim.element()]);
        if (lie == Lie.DISGUISED_RESULT) {
            // the task op's links on its own inputs, its own op's result operand
            Node task = run.graph().node(claim.node());
            ElementChain tc = new ElementChain();
            task.kind().op().element(task, inputsOf(task), claim.element(), tc);
            links = new ArrayList<>(tc.links());
        }
        boolean wrong = result.bits() != posted;
        switch (lie) {
            case VALUE -> {
                if (wrong) {
                    // make the chain end on the value it posted: the lie now sits in one basic operation
                    if (result instanceof Operand.Link l && l.link() == links.size() - 1) {
                        Link last = links.get(l.link());
                        links.set(l.link(), new Link(last.op(), last.operands(), posted));
                        result = new Operand.Link(l.link(), posted);
                    } else if (result instanceof Operand.Input in2) {
                        result = new Operand.Input(in2.input(), in2.index(), posted);
                    } else {
                        result = new Operand.Const(posted);
                    }
                }
            }
            case EXTRA_LINK -> {
                if (wrong) {
                    // SELECT(a, b, c) = c != 0 ? a : b: recomputes to the posted element, whatever the honest result
                    links.add(new Link(BasicOp.SELECT, List.of(new Operand.Const(posted), result,
                            new Operand.Const(Float.floatToRawIntBits(1f))), posted));
                    result = new Operand.Link(links.size() - 1, posted);
                }
            }
            case SHORT_CHAIN, DISGUISED_SHORT -> {
                if (wrong || lie == Lie.DISGUISED_SHORT) {
                    if (!links.isEmpty()) {
                        links.remove(links.size() - 1);
                    }
                    result = new Operand.Const(posted);
                }
            }
            case CONSTANT_RESULT -> {
                if (wrong) {
                    result = new Operand.Const(posted);
                }
            }
            case NONE, DISGUISED, DISGUISED_RESULT -> {
            }
        }
        return new Messages.ElementChainMsg(links, result, Commitments.chainTree(links, result).root());
    }
}
