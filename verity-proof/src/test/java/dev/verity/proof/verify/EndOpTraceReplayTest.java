package dev.verity.proof.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.merkle.Sha256;
import dev.verity.proof.dispute.StepTrace;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.run.TinyTask;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A verifier's replay of a segment shows the op trace of its last step and holds the manifest's root to it. */
class EndOpTraceReplayTest {
    static TaskRun run;
    static LocalBlobStore store;
    static ProvenTraining.Result honest;

    @BeforeAll
    static void train(@TempDir Path dir) throws IOException {
        run = TaskRun.open(TinyTask.spec(7, 3));
        store = new LocalBlobStore(dir);
        honest = ProvenTraining.train(run, store, ProvenTraining.HONEST, null);
    }

    @Test
    void anHonestManifestReplaysWithTheEndTracesItLists() throws IOException {
        Manifest m = honest.manifest();
        SegmentReplayer v = new SegmentReplayer(TaskRun.open(run.spec()), store, m);
        assertTrue(v.checkManifest().ok(), v.checkManifest().toString());
        assertNull(v.replayedEnd());
        for (int i = 0; i < v.segments(); i++) {
            SegmentReplayer.Verdict verdict = v.replay(i);
            assertTrue(verdict.ok(), verdict.toString());
            StepTrace.End end = v.replayedEnd();
            assertArrayEquals(m.endOpTraceRoot(i), end.opTraceRoot(), "segment " + i);
            // its outputs are those before the step's commit (the state nodes show the pre-state): they give its root
            assertArrayEquals(end.opTraceRoot(), end.tree().root());
            assertArrayEquals(end.opTraceRoot(), StepTrace.tree(end.recordHashes(), StepTrace.roots(end.outputs()),
                    end.outputs()).root());
            // the losses of the segment, the last one read from the trace, are the solver's
            long s0 = m.checkpoints().get(i).step();
            float[] losses = v.replayedLosses();
            for (int k = 0; k < losses.length; k++) {
                assertEquals(Float.floatToRawIntBits(honest.losses().get(s0 + k + 1)), Float.floatToRawIntBits(losses[k]),
                        "segment " + i + ", step " + (s0 + k + 1));
            }
        }
    }

    @Test
    void aWrongEndRootFailsTheReplayOfItsSegmentOnly() throws IOException {
        Manifest m = withEndRoot(honest.manifest(), 2, flipped(honest.manifest().checkpoints().get(2).endOpTraceRoot()));
        SegmentReplayer v = new SegmentReplayer(run, store, m);
        assertTrue(v.checkManifest().ok(), "well formed: " + v.checkManifest());
        assertTrue(v.replay(0).ok(), v.replay(0).toString());
        SegmentReplayer.Verdict bad = v.replay(1);
        assertFalse(bad.ok());
        assertEquals("op trace", bad.check());
        assertTrue(bad.reason().contains("segment 1") && bad.reason().contains("step 5 → 6")
                && bad.reason().contains("checkpoint 2's endOpTraceRoot"), bad.reason());
        assertTrue(v.replay(2).ok(), v.replay(2).toString());
    }

    @Test
    void aMalformedEndRootFailsTheManifestCheck() {
        Manifest m = withEndRoot(honest.manifest(), 3, "");
        SegmentReplayer v = new SegmentReplayer(run, store, m);
        SegmentReplayer.Verdict verdict = v.checkManifest();
        assertFalse(verdict.ok());
        assertEquals("op trace", verdict.check());
        assertTrue(verdict.reason().contains("checkpoint 3 (step 7) must have endOpTraceRoot"), verdict.reason());
        SegmentReplayer.Verdict replay = v.replay(2);
        assertEquals("op trace", replay.check(), replay.toString());
        assertTrue(v.replay(1).ok(), v.replay(1).toString());
    }

    static String flipped(String hex) {
        char c = hex.charAt(10);
        return hex.substring(0, 10) + (c == '0' ? '1' : '0') + hex.substring(11);
    }

    /** The manifest with checkpoint i's endOpTraceRoot replaced (the trace root covers only steps and state roots). */
    static Manifest withEndRoot(Manifest m, int i, String root) {
        List<Manifest.Checkpoint> cps = new ArrayList<>(m.checkpoints());
        Manifest.Checkpoint c = cps.get(i);
        cps.set(i, new Manifest.Checkpoint(c.step(), c.stateRoot(), c.blob(), root));
        Manifest out = new Manifest(m.task(), m.datasetRoot(), m.graphRoot(), cps, m.traceRoot(), m.modelRoot(), m.modelBlob());
        assertEquals(m.traceRoot(), Sha256.hex(out.traceTree().root()));
        return out;
    }
}
