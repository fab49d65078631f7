package dev.verity.cli;

import dev.verity.chain.EmbeddedChain;
import dev.verity.testkit.node.ChainDispute;
import dev.verity.testkit.proof.Cheat;
import dev.verity.testkit.proof.Cheats;
import dev.verity.proof.dispute.HonestChallenger;
import dev.verity.proof.dispute.Defender;
import dev.verity.proof.dispute.Dispute;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.verify.SegmentReplayer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code verity dispute DIR --segment I [--on-chain]}: the whole dispute, a replaying challenger against the proof's solver,
 * off chain with the Java referee, or through the real contracts on an embedded EVM.
 */
@Command(name = "dispute", mixinStandardHelpOptions = true,
        description = "Run the dispute over one segment: an honest challenger (replay) against the solver's commitments, every round printed.")
public final class DisputeCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "proof directory written by verity train --prove")
    Path dir;

    @Option(names = "--segment", required = true, description = "segment to dispute")
    int segment;

    @Option(names = "--on-chain", description = "play it through the real contracts (TaskMarket, DisputeGame, BasicOpReferee) on an "
            + "embedded EVM: the task is posted and committed with the proof's roots, then every move is a transaction; prints "
            + "each transaction's gas and the total")
    boolean onChain;

    @Override
    public Integer call() throws Exception {
        ProofDir p = ProofDir.open(dir);
        TaskRun run = p.run();
        SegmentReplayer v = new SegmentReplayer(run, p.store(), p.manifest());
        if (segment < 0 || segment >= v.segments()) {
            throw new IllegalArgumentException("--segment must be in [0, " + v.segments() + ")");
        }
        SegmentReplayer.Verdict manifest = v.checkManifest();
        if (!manifest.ok()) {
            System.out.println("manifest: INVALID — " + manifest.check() + ": " + manifest.reason());
        }
        long t0 = System.nanoTime();
        SegmentReplayer.Verdict r = v.replay(segment);
        if (r.ok() && manifest.ok()) {
            System.out.println("segment " + segment + " replays bit-exactly: an honest challenger has nothing to dispute");
            return 0;
        }
        if (r.ok()) {
            // a forged final model or a made-up start: the steps are honest, the claim is about what the manifest commits
            System.out.printf(Locale.ROOT, "segment %d replays bit-exactly (%.1f s); the dispute is about the manifest%n", segment, seconds(t0));
            if (!onChain) {
                System.out.println("the Java referee rules on steps only: play this dispute through the contracts with --on-chain "
                        + "(the final model: the last segment; the initial state: segment 0)");
                return 0;
            }
        } else {
            System.out.printf(Locale.ROOT, "replay (%.1f s): %s%n", seconds(t0), r.reason());
        }
        ProvenTraining.StepFunction fn = ProvenTraining.HONEST;
        TaskRun traceRun = run;
        if (p.cheat() != null) {
            Cheat c = Cheats.all().stream().filter(x -> x.name().equals(p.cheat())).findFirst().orElseThrow();
            fn = c.stepFunction(run);
            traceRun = c.defenderRun(run);
            System.out.println("(the solver of this proof is the cheat '" + c.name() + "': " + c.description() + ")");
        }
        Defender d = new Defender(run, traceRun, p.store(), p.manifest(), fn, true);
        if (onChain) {
            return playOnChain(p, run, d);
        }
        Dispute.Result res = Dispute.run(run, p.manifest(), d, new HonestChallenger(run, p.store(), p.manifest()), segment,
                System.out::println);
        System.out.println("dispute: " + (res.ruling().defenderLost() ? "the solver loses" : "the challenger loses"));
        return 0;
    }

    /**
     * Deploys the contracts on a fresh embedded EVM, posts the task with the spec's graph root and init root, lets the proof's
     * solver commit its trace root, and plays the dispute: every move a transaction the contracts check and rule on.
     */
    private int playOnChain(ProofDir p, TaskRun run, Defender d) throws Exception {
        try (EmbeddedChain evm = new EmbeddedChain()) {
            ChainDispute cd = ChainDispute.deploy(evm);
            long task = cd.commitTask(run, p.manifest(), p.store());
            System.out.println("on chain (embedded EVM): task " + task + " posted, won and committed with trace root "
                    + p.manifest().traceRoot().substring(0, 16) + "…; an honest challenger opens a dispute of segment " + segment);
            long t0 = System.nanoTime();
            ChainDispute.Result res = cd.play(task, run, p.manifest(), p.store(), d, new HonestChallenger(run, p.store(), p.manifest()), segment);
            System.out.printf(Locale.ROOT, "%-6s %-44s %12s %10s%n", "round", "transaction", "gas", "work (s)");
            for (ChainDispute.RoundGas g : res.gas()) {
                System.out.printf(Locale.ROOT, "%-6d %-44s %,12d %10.1f%n", g.round(), g.move(), g.gas(), g.millis() / 1000.0);
            }
            System.out.printf(Locale.ROOT, "total: %,d gas in %d transactions, %.1f s; decided in round %d (%s)%n", res.totalGas(), res.gas().size(),
                    seconds(t0), res.decidedRound(), res.how());
            System.out.println("dispute on chain: " + (res.challengerWon() ? "the solver loses (its stake is slashed)" : "the challenger loses"));
            return 0;
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
