package dev.verity.cli;

import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.proof.verify.SegmentSampler;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verity verify DIR}: a verifier's check of a proof directory. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check a proof (spec, manifest, checkpoints) and replay sampled segments bit for bit.")
public final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "proof directory written by verity train --prove")
    Path dir;

    @Option(names = "--segments", defaultValue = "3", description = "segments to replay (default ${DEFAULT-VALUE}; 0 = all)")
    int segments;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (on chain: revealed after the commit)")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (segments < 0) {
            throw new IllegalArgumentException("--segments must be >= 0");
        }
        ProofDir p = ProofDir.open(dir);
        TaskRun run = p.run();
        SegmentReplayer v = new SegmentReplayer(run, p.store(), p.manifest());
        System.out.printf("task %s: %s, %d steps, checkpoint every %d (%d segments)%n", p.spec().hashHex().substring(0, 16),
                p.spec().model().describe(), p.spec().train().steps(), p.spec().checkpointInterval(), v.segments());
        SegmentReplayer.Verdict m = v.checkManifest();
        System.out.println("manifest: " + (m.ok() ? "ok (task, dataset, graph, trace root, initial state, final model)"
                : "INVALID — " + m.check() + ": " + m.reason()));
        if (!m.ok()) {
            System.out.println("verdict: invalid");
            return 1;
        }
        int k = segments == 0 ? v.segments() : Math.min(segments, v.segments());
        int[] pick = SegmentSampler.sample(seed, v.segments(), k);
        long t0 = System.nanoTime();
        boolean ok = true;
        for (int i : pick) {
            long s0 = System.nanoTime();
            SegmentReplayer.Verdict r = v.replay(i);
            System.out.printf(Locale.ROOT, "segment %d: %s (%.2f s)%n", i, r.ok() ? "replays bit-exactly" : "MISMATCH — " + r.reason(),
                    (System.nanoTime() - s0) / 1e9);
            ok &= r.ok();
        }
        System.out.printf(Locale.ROOT, "replayed %d of %d segments in %.1f s (%.0f%% of the training work)%n", k, v.segments(),
                (System.nanoTime() - t0) / 1e9, 100.0 * k / v.segments());
        System.out.println("detection probability if the solver falsified f segments:");
        for (int f : new int[] {1, 2, 5, 10}) {
            if (f <= v.segments()) {
                System.out.printf(Locale.ROOT, "  f=%-3d %.3f%n", f, SegmentSampler.detectionProbability(v.segments(), f, k));
            }
        }
        System.out.println("verdict: " + (ok ? "valid" : "invalid"));
        return ok ? 0 : 1;
    }
}
