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
        return new Play(run, manifest, defender, challenger, log).play(segment);
    }

    /** One dispute in progress: the parties, the transcript, and how far the dispute has narrowed. */
    private static final class Play {
        private final TaskRun run;
        private final Manifest manifest;
        private final Defender defender;
        private final ChallengerMoves challenger;
        private final Consumer<String> log;
        private final Referee ref;
        private final List<String> tx = new ArrayList<>();
        // What the result reports: narrowed round by round, unset (-1, "") until the dispute gets there.
        private int segment;
        private long step = -1;
        private int node = -1;
        private int element = -1;
        private String op = "";

        Play(TaskRun run, Manifest manifest, Defender defender, ChallengerMoves challenger, Consumer<String> log) {
            this.run = run;
            this.manifest = manifest;
            this.defender = defender;
            this.challenger = challenger;
            this.log = log;
            this.ref = new Referee(run);
        }

        /** Rounds 1 and 2: the challenger picks a segment, the defender posts its per-step roots. */
        Result play(int requested) {
            Messages.OpenDispute open = challenger.open(requested);
            segment = open.segment();
            say("round 1 (challenger): disputes segment " + open.segment() + " (steps "
                    + manifest.checkpoints().get(open.segment()).step() + ".." + manifest.checkpoints().get(open.segment() + 1).step() + ")");
            Messages.SegmentRoots roots;
            try {
                roots = defender.segmentRoots(open);
            } catch (Exception e) {
                return end(Ruling.of(Ruling.Party.CHALLENGER, 2, "silence", "the defender cannot answer: " + e.getMessage()));
            }
            say("round 2 (defender): posts " + roots.stateRoots().size() + " per-step state roots and op-trace roots, root "
                    + Sha256.hex(roots.root()).substring(0, 16) + "…");
            Ruling r = ref.checkSegmentRoots(manifest, open, roots);
            if (r != null) {
                return end(r);
            }
            return round3(open, roots);
        }

        /**
         * Round 3 is one move: the challenger names the step and, in the op trace the step's segment
         * entry committed (the defender serves its data), what is wrong.
         */
        private Result round3(Messages.OpenDispute open, Messages.SegmentRoots roots) {
            Messages.DisputeStep ds;
            try {
                ds = challenger.step(open, roots);
            } catch (Exception e) {
                return end(Ruling.of(Ruling.Party.DEFENDER, 3, "silence", "the challenger cannot name a step: " + e.getMessage()));
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
                return end(Ruling.of(Ruling.Party.CHALLENGER, 3, "silence", "the defender cannot serve the step's data: "
                        + e.getMessage()));
            }
            Ruling r = ref.checkOpTrace(roots, ds, trace);
            if (r != null) {
                return end(r);
            }
            Messages.Claim claim;
            try {
                claim = challenger.claim(trace, post);
            } catch (Exception e) {
                return end(Ruling.of(Ruling.Party.DEFENDER, 3, "silence", "the challenger cannot make a claim: " + e.getMessage()));
            }
            say("round 3 (challenger): agrees with the state after step " + ds.agreedStep() + ", disputes step "
                    + (ds.agreedStep() + 1) + " (op trace of " + trace.outputRoots().size() + " ops, root "
                    + Sha256.hex(trace.root()).substring(0, 16) + "…): " + describe(run, claim));
            r = ref.ruleClaim(roots, trace, claim, pre, post);
            if (r != null) {
                if (claim instanceof Messages.SourceClaim sc) {
                    node = sc.node();
                    op = run.graph().node(node).kind().name();
                }
                return end(r);
            }
            // the referee decides every claim but an element claim in round 3
            return elementRounds(trace, (Messages.ElementClaim) claim);
        }

        /** Rounds 4 and 5: the defender posts the element's chain, the challenger disputes one link of it. */
        private Result elementRounds(Messages.OpTrace trace, Messages.ElementClaim ec) {
            node = ec.node();
            element = ec.element();
            op = run.graph().node(node).kind().name();
            Messages.ElementChainMsg chain = defender.chain(ec);
            say("round 4 (defender): posts the chain of element " + ec.element() + " of " + op + ": "
                    + chain.links().size() + " basic operations, root " + Sha256.hex(chain.root()).substring(0, 16) + "…");
            Messages.DisputeLink dl = challenger.link(ec, chain);
            say("round 5 (challenger): disputes " + (dl.link() < chain.links().size()
                    ? "link " + dl.link() + " (" + chain.links().get(dl.link()).op() + ")" : "the chain's result"));
            return end(ref.ruleLink(trace, ec, chain, dl));
        }

        private void say(String s) {
            tx.add(s);
            if (log != null) {
                log.accept(s);
            }
        }

        private Result end(Ruling r) {
            say("referee: " + r);
            return new Result(r, segment, step, node, op, element, List.copyOf(tx));
        }
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
