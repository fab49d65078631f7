package dev.verity.proof.verify;

import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.kernel.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;

/** Verifies a proof directory (spec.json, manifest.json, blobs/) replaying every segment; run in a child JVM. */
public final class VerifyMain {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        TaskRun run = TaskRun.open(TaskSpec.parse(Files.readString(dir.resolve("spec.json"))));
        Manifest m = Manifest.fromJson(Files.readAllBytes(dir.resolve("manifest.json")));
        SegmentReplayer v = new SegmentReplayer(run, new LocalBlobStore(dir.resolve("blobs")), m);
        boolean ok = v.checkManifest().ok();
        for (int i = 0; ok && i < v.segments(); i++) {
            SegmentReplayer.Verdict r = v.replay(i);
            ok = r.ok();
            if (!ok) {
                System.out.println("REASON " + r.reason());
            }
        }
        System.out.println("VERDICT " + (ok ? "valid" : "invalid") + " bits=" + Vectors.bits());
    }
}
