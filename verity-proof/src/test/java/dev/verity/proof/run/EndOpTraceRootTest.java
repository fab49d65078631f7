package dev.verity.proof.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.merkle.Sha256;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.dispute.StepTrace;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every checkpoint after the first carries the op-trace root of the step that produced it, computed while training:
 * the root a fresh replay of its segment gives, the same after a resume, and checked for form when read.
 */
class EndOpTraceRootTest {
    /** 7 steps, a checkpoint every 3: segments of 3, 3 and 1 step (a last segment whose last step is its first). */
    static TaskSpec spec;
    static LocalBlobStore store;
    static ProvenTraining.Result honest;

    @BeforeAll
    static void train(@TempDir Path dir) throws IOException {
        spec = TinyTask.spec(7, 3);
        store = new LocalBlobStore(dir.resolve("honest"));
        honest = ProvenTraining.train(TaskRun.open(spec), store, ProvenTraining.HONEST, null);
    }

    /** The op-trace root of step s1 − 1 → s1 of segment i, replayed by a fresh run from checkpoint i's blob. */
    static byte[] replayedRoot(Manifest m, int i, LocalBlobStore from, ProvenTraining.StepFunction fn) throws IOException {
        TaskRun fresh = TaskRun.open(spec);
        Manifest.Checkpoint cp = m.checkpoints().get(i);
        TrainingState s = TrainingState.fromBytes(from.get(cp.blob()), "checkpoint " + i, fresh.identity());
        long s1 = m.checkpoints().get(i + 1).step();
        while (s.step() < s1 - 1) {
            fn.step(fresh, s);
        }
        List<Tensor> outputs = StepTrace.outputs(fresh, s);
        return StepTrace.tree(StepTrace.recordHashes(fresh), StepTrace.roots(outputs), outputs).root();
    }

    @Test
    void eachRecordedRootIsTheOpTraceOfAFreshReplayOfItsSegmentsLastStep() throws IOException {
        Manifest m = honest.manifest();
        assertEquals("", m.checkpoints().get(0).endOpTraceRoot());
        List<byte[]> roots = m.endOpTraceRoots();
        assertEquals(3, roots.size());
        for (int i = 0; i < roots.size(); i++) {
            assertArrayEquals(replayedRoot(m, i, store, ProvenTraining.HONEST), roots.get(i), "segment " + i);
            assertEquals(Sha256.hex(roots.get(i)), m.checkpoints().get(i + 1).endOpTraceRoot());
        }
        assertFalse(Arrays.equals(roots.get(0), roots.get(1)), "different steps, different traces");
        // a manifest read back has the same roots
        Manifest back = Manifest.fromJson(m.toJson());
        assertEquals(m, back);
        for (int i = 0; i < roots.size(); i++) {
            assertArrayEquals(roots.get(i), back.endOpTraceRoots().get(i));
        }
    }

    @Test
    void anyOtherStepFunctionGetsTheHonestTraceFromItsOwnPreState(@TempDir Path dir) throws IOException {
        // honest, but not HONEST itself: the path that traces a copy, then calls the step function
        ProvenTraining.StepFunction sameSteps = (run, s) -> run.trainer().step(s, true);
        ProvenTraining.Result slow = ProvenTraining.train(TaskRun.open(spec), new LocalBlobStore(dir.resolve("slow")), sameSteps, null);
        assertEquals(new String(honest.manifest().toJson(), StandardCharsets.UTF_8),
                new String(slow.manifest().toJson(), StandardCharsets.UTF_8));
        assertEquals(honest.losses(), slow.losses());
        // a cheat: every step nudges one weight; its roots are the honest step's trace from the cheat's own pre-states
        ProvenTraining.StepFunction nudge = (run, s) -> {
            run.trainer().step(s, true);
            s.tensors().firstEntry().getValue().data()[0] += 1e-3f;
        };
        LocalBlobStore cheatStore = new LocalBlobStore(dir.resolve("cheat"));
        Manifest cheat = ProvenTraining.train(TaskRun.open(spec), cheatStore, nudge, null).manifest();
        for (int i = 0; i < 3; i++) {
            byte[] got = cheat.endOpTraceRoots().get(i);
            assertArrayEquals(replayedRoot(cheat, i, cheatStore, nudge), got, "segment " + i);
            assertFalse(Arrays.equals(honest.manifest().endOpTraceRoots().get(i), got), "segment " + i);
            // and the cheat's own step was still taken, the last of each segment included
            TaskRun fresh = TaskRun.open(spec);
            TrainingState s = TrainingState.fromBytes(cheatStore.get(cheat.checkpoints().get(i).blob()), "cheat", fresh.identity());
            while (s.step() < cheat.checkpoints().get(i + 1).step()) {
                nudge.step(fresh, s);
            }
            assertEquals(cheat.checkpoints().get(i + 1).stateRoot(), Sha256.hex(StateCommitment.rootOf(s)), "segment " + i);
        }
    }

    @Test
    void resumingAfterACrashGivesTheRootsOfAnUninterruptedRun(@TempDir Path dir) throws IOException {
        Manifest whole = honest.manifest();
        for (int k = 1; k <= 2; k++) {
            // a restarted solver: a new run, the state read back from the last done checkpoint's blob
            TaskRun restarted = TaskRun.open(spec);
            List<Manifest.Checkpoint> done = new ArrayList<>(whole.checkpoints().subList(0, k + 1));
            Manifest.Checkpoint last = done.get(k);
            TrainingState s = TrainingState.fromBytes(store.get(last.blob()), "checkpoint " + k, restarted.identity());
            Manifest resumed = ProvenTraining.trainFrom(restarted, store, s, done, ProvenTraining.HONEST, null).manifest();
            assertEquals(whole.checkpoints(), resumed.checkpoints(), "resumed at checkpoint " + k);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(whole.endOpTraceRoots().get(i), resumed.endOpTraceRoots().get(i), "segment " + i);
            }
            assertEquals(whole, resumed);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2|DROP|checkpoint 2 (step 6) must have endOpTraceRoot|none",
        "2|''|checkpoint 2 (step 6) must have endOpTraceRoot|''''",
        "3|UPPER|checkpoint 3 (step 7) must have endOpTraceRoot|64 lowercase hex digits",
        "1|SHORT|checkpoint 1 (step 3) must have endOpTraceRoot|64 lowercase hex digits",
        "1|zz|checkpoint 1 (step 3) must have endOpTraceRoot|'zz'",
        "0|COPY|checkpoint 0 (the initial state, which no step produced) must have endOpTraceRoot \"\"|it has '",
        "0|DROP|checkpoint 0 (the initial state, which no step produced) must have endOpTraceRoot \"\"|it has none",
    })
    void aMalformedRootIsRejectedNamingItsCheckpoint(int i, String edit, String message, String detail) throws IOException {
        Manifest m = Manifest.fromJson(edited(honest.manifest(), i, edit));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::endOpTraceRoots);
        assertTrue(e.getMessage().startsWith("malformed manifest: "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        // the untouched manifest passes the same check
        assertEquals(3, honest.manifest().endOpTraceRoots().size());
    }

    /** The manifest's JSON with checkpoint i's endOpTraceRoot dropped, or replaced as {@code edit} says. */
    static byte[] edited(Manifest m, int i, String edit) {
        Manifest.Checkpoint c = m.checkpoints().get(i);
        String good = m.checkpoints().get(1).endOpTraceRoot();
        String json = new String(m.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"endOpTraceRoot\""), json);
        String field = "\"endOpTraceRoot\" : \"" + c.endOpTraceRoot() + "\"";
        int at = json.indexOf(field, json.indexOf("\"" + c.blob() + "\""));
        assertTrue(at > 0, json);
        if (edit.equals("DROP")) {
            // the field is a checkpoint's last: drop it with the comma before it
            int comma = json.lastIndexOf(',', at);
            return (json.substring(0, comma) + json.substring(at + field.length())).getBytes(StandardCharsets.UTF_8);
        }
        String replacement = switch (edit) {
            case "UPPER" -> field.replace(c.endOpTraceRoot(), c.endOpTraceRoot().toUpperCase());
            case "SHORT" -> field.replace(c.endOpTraceRoot(), c.endOpTraceRoot().substring(1));
            case "COPY" -> field.replace("\"\"", "\"" + good + "\"");
            default -> field.replace("\"" + c.endOpTraceRoot() + "\"", "\"" + edit + "\"");
        };
        return (json.substring(0, at) + replacement + json.substring(at + field.length())).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theReaderStaysStrict() {
        String json = new String(honest.manifest().toJson(), StandardCharsets.UTF_8)
                .replaceFirst("\"endOpTraceRoot\" : \"\"", "\"endOpTraceRoot\" : \"\", \"endOpTraceRoots\" : \"\"");
        IOException e = assertThrows(IOException.class, () -> Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("malformed manifest") && e.getMessage().contains("endOpTraceRoots"), e.getMessage());
    }
}
