package dev.verity.proof.dispute;

import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.tensor.train.TrainingState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a dispute round by round between a {@link Defender} and a challenger, with the
 * {@link Referee} checking every message. A party that cannot answer (an exception: missing
 * data, nothing to dispute) loses, as silence loses on chain.
 */
public final class Dispute {
    private Dispute() {
    }

    public record Result(Ruling ruling, int segment, long step, int node, String op, int element, List<String> transcript) {
    }

    public static Result run(TaskRun run, Manifest manifest, Defender defender, ChallengerMoves challenger, int segment,
                             Consumer<String> log) {
        List<String> tx = new ArrayList<>();
        Consumer<String> say = s -> {
            tx.add(s);
            if (log != null) {
                log.accept(s);
            }
        };
        Referee ref = new Referee(run);
        long step = -1;
        int node = -1;
        int element = -1;
        String op = "";
        Messages.OpenDispute open = challenger.open(segment);
        say.accept("round 1 (challenger): disputes segment " + open.segment() + " (steps "
                + manifest.checkpoints().get(open.segment()).step() + ".." + manifest.checkpoints().get(open.segment() + 1).step() + ")");
        Messages.SegmentRoots roots;
        try {
            roots = defender.segmentRoots(open);
        } catch (Exception e) {
            return end(Ruling.of(Ruling.Party.CHALLENGER, 2, "silence", "the defender cannot answer: " + e.getMessage()),
                    open.segment(), step, node, op, element, tx, say);
        }
        say.accept("round 2 (defender): posts " + roots.stateRoots().size() + " per-step state roots and op-trace roots, root "
                + Sha256.hex(roots.root()).substring(0, 16) + "…");
        Ruling r = ref.checkSegmentRoots(manifest, open, roots);
        if (r != null) {
            return end(r, open.segment(), step, node, op, element, tx, say);
        }
        // round 3 is one move: the challenger names the step and, in the op trace the step's segment entry committed
        // (the defender serves its data), what is wrong
        Messages.DisputeStep ds;
        try {
            ds = challenger.step(open, roots);
        } catch (Exception e) {
            return end(Ruling.of(Ruling.Party.DEFENDER, 3, "silence", "the challenger cannot name a step: " + e.getMessage()),
                    open.segment(), step, node, op, element, tx, say);
        }
        step = ds.agreedStep();
        Messages.OpTrace trace;
        TrainingState pre;
        TrainingState post;
        try {
            trace = defender.opTrace(ds);
            pre = defender.stateAt(ds.agreedStep());
            post = defender.stateAt(ds.agreedStep() + 1);
        } catch (Exception e) {
            return end(Ruling.of(Ruling.Party.CHALLENGER, 3, "silence", "the defender cannot serve the step's data: " + e.getMessage()),
                    open.segment(), step, node, op, element, tx, say);
        }
        r = ref.checkOpTrace(roots, ds, trace);
        if (r != null) {
            return end(r, open.segment(), step, node, op, element, tx, say);
        }
        Messages.Claim claim;
        try {
            claim = challenger.claim(trace, post);
        } catch (Exception e) {
            return end(Ruling.of(Ruling.Party.DEFENDER, 3, "silence", "the challenger cannot make a claim: " + e.getMessage()),
                    open.segment(), step, node, op, element, tx, say);
        }
        say.accept("round 3 (challenger): agrees with the state after step " + ds.agreedStep() + ", disputes step "
                + (ds.agreedStep() + 1) + " (op trace of " + trace.outputRoots().size() + " ops, root "
                + Sha256.hex(trace.root()).substring(0, 16) + "…): " + describe(run, claim));
        r = ref.ruleClaim(roots, trace, claim, pre, post);
        if (r != null) {
            if (claim instanceof Messages.SourceClaim sc) {
                node = sc.node();
                op = run.graph().node(node).kind().name();
            }
            return end(r, open.segment(), step, node, op, element, tx, say);
        }
        Messages.ElementClaim ec = (Messages.ElementClaim) claim;
        node = ec.node();
        element = ec.element();
        op = run.graph().node(node).kind().name();
        Messages.ElementChainMsg chain = defender.chain(ec);
        say.accept("round 4 (defender): posts the chain of element " + ec.element() + " of " + op + ": "
                + chain.links().size() + " basic operations, root " + Sha256.hex(chain.root()).substring(0, 16) + "…");
        Messages.DisputeLink dl = challenger.link(ec, chain);
        say.accept("round 5 (challenger): disputes " + (dl.link() < chain.links().size()
                ? "link " + dl.link() + " (" + chain.links().get(dl.link()).op() + ")" : "the chain's result"));
        r = ref.ruleLink(trace, ec, chain, dl);
        return end(r, open.segment(), step, node, op, element, tx, say);
    }

    private static Result end(Ruling r, int segment, long step, int node, String op, int element, List<String> tx,
                              Consumer<String> say) {
        say.accept("referee: " + r);
        return new Result(r, segment, step, node, op, element, List.copyOf(tx));
    }

    static String describe(TaskRun run, Messages.Claim c) {
        return switch (c) {
            case Messages.RecordClaim rc -> "op record " + rc.node() + " is not the graph's";
            case Messages.SourceClaim sc -> "source node " + sc.node() + " ('" + run.graph().node(sc.node()).name()
                    + "') is not the agreed state's";
            case Messages.UpdateClaim uc -> "'" + uc.name() + "' after the step is not node " + uc.node() + " of the op trace";
            case Messages.ScalarsClaim sc -> "the step counters did not advance by one step";
            case Messages.ElementClaim ec -> "agrees with the inputs of node " + ec.node() + " ("
                    + run.graph().node(ec.node()).kind() + " '" + run.graph().node(ec.node()).name() + "'), disputes element "
                    + ec.element();
        };
    }
}
