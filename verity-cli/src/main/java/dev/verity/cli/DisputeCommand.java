package dev.verity.cli;

import dev.verity.proof.cheat.Cheat;
import dev.verity.proof.cheat.Cheats;
import dev.verity.proof.dispute.HonestChallenger;
import dev.verity.proof.dispute.Defender;
import dev.verity.proof.dispute.Dispute;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.verify.SegmentReplayer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verity dispute DIR --segment I}: the whole dispute, a replaying challenger against the proof's solver. */
@Command(name = "dispute", mixinStandardHelpOptions = true,
        description = "Run the dispute over one segment: an honest challenger (replay) against the solver's commitments, every round printed.")
public final class DisputeCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "proof directory written by verity train --prove")
    Path dir;

    @Option(names = "--segment", required = true, description = "segment to dispute")
    int segment;

    @Override
    public Integer call() throws Exception {
        ProofDir p = ProofDir.open(dir);
        TaskRun run = p.run();
        SegmentReplayer v = new SegmentReplayer(run, p.store(), p.manifest());
        if (segment < 0 || segment >= v.segments()) {
            throw new IllegalArgumentException("--segment must be in [0, " + v.segments() + ")");
        }
        SegmentReplayer.Verdict r = v.replay(segment);
        if (r.ok()) {
            System.out.println("segment " + segment + " replays bit-exactly: an honest challenger has nothing to dispute");
            return 0;
        }
        System.out.println("replay: " + r.reason());
        ProvenTraining.StepFunction fn = ProvenTraining.HONEST;
        TaskRun traceRun = run;
        if (p.cheat() != null) {
            Cheat c = Cheats.all().stream().filter(x -> x.name().equals(p.cheat())).findFirst().orElseThrow();
            fn = c.stepFunction(run);
            traceRun = c.defenderRun(run);
            System.out.println("(the solver of this proof is the cheat '" + c.name() + "': " + c.description() + ")");
        }
        Defender d = new Defender(run, traceRun, p.store(), p.manifest(), fn, true);
        Dispute.Result res = Dispute.run(run, p.manifest(), d, new HonestChallenger(run, p.store(), p.manifest()), segment,
                System.out::println);
        System.out.println("dispute: " + (res.ruling().defenderLost() ? "the solver loses" : "the challenger loses"));
        return 0;
    }
}
