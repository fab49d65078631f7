package dev.verity.proof.dispute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.verity.proof.run.TinyTask;
import dev.verity.proof.spec.TaskRun;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.train.TrainingState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** StepTrace.End and the traced steps: the op trace the definition gives, and the state trainer.step leaves. */
class StepTraceEndTest {
    /** The op-trace root as docs/commitments.md defines it, from copies of every output, nothing cached. */
    static byte[] definitionRoot(TaskRun run, TrainingState pre) {
        List<Tensor> outputs = StepTrace.outputs(run, pre);
        return StepTrace.tree(StepTrace.recordHashes(run), StepTrace.roots(outputs), outputs).root();
    }

    @Test
    void endIsTheOpTraceOfTheStepAndLeavesTheStateAsItIs() throws Exception {
        TaskRun run = TaskRun.open(TinyTask.spec(7, 3));
        TrainingState s = run.initialState(null);
        run.trainer().train(s, 2, true, null);
        byte[] before = s.sha256();
        StepTrace.End end = StepTrace.end(run, s);
        assertArrayEquals(before, s.sha256(), "end() must not change the state");
        assertArrayEquals(definitionRoot(run, s), end.opTraceRoot());
        assertArrayEquals(end.opTraceRoot(), end.tree().root());
        assertEquals(run.graph().size(), end.outputs().size());
        assertEquals(run.graph().size(), end.outputRoots().size());
        TrainingState next = s.copy();
        float loss = run.trainer().step(next, true);
        assertEquals(Float.floatToRawIntBits(loss), Float.floatToRawIntBits(end.loss(run)));
        // another pre-state has another trace: the root is not a constant of the graph
        assertFalse(Arrays.equals(end.opTraceRoot(), StepTrace.end(run, next).opTraceRoot()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "gpt"})
    void tracedStepsLeaveTheStateTrainerStepLeaves(String model) throws Exception {
        TaskRun run = TaskRun.open(model.equals("mlp") ? TinyTask.spec(7, 3) : TinyTask.gpt(7, 3));
        TrainingState plain = run.initialState(null);
        TrainingState traced = plain.copy();
        TrainingState ended = plain.copy();
        for (int k = 0; k < 4; k++) {
            byte[] want = definitionRoot(run, plain);
            float loss = run.trainer().step(plain, true);
            StepTrace.Traced t = StepTrace.stepTraced(run, traced);
            StepTrace.End e = StepTrace.endAndStep(run, ended);
            assertArrayEquals(want, t.opTraceRoot(), "stepTraced's root, step " + k);
            assertArrayEquals(want, e.opTraceRoot(), "endAndStep's root, step " + k);
            assertEquals(Float.floatToRawIntBits(loss), Float.floatToRawIntBits(t.loss()));
            assertEquals(Float.floatToRawIntBits(loss), Float.floatToRawIntBits(e.loss(run)));
            assertEquals(plain.sha256Hex(), traced.sha256Hex(), "stepTraced's state after step " + k);
            assertEquals(plain.sha256Hex(), ended.sha256Hex(), "endAndStep's state after step " + k);
        }
    }
}
