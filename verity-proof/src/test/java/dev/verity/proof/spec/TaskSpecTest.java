package dev.verity.proof.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainingState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskSpecTest {
    static String root;
    static final ModelConfig MLP = new ModelConfig.Mlp(new int[] {784, 16, 10});

    @BeforeAll
    static void root() throws Exception {
        root = TaskRun.datasetRootFor("fashion-mnist:500", MLP, 8);
    }

    static String json(String override) {
        String base = "{\"version\":1,\"model\":{\"arch\":\"mlp\",\"sizes\":[784,16,10]},"
                + "\"dataset\":{\"name\":\"fashion-mnist:500\",\"root\":\"" + root + "\"},"
                + "\"optimizer\":{\"kind\":\"sgd\",\"momentum\":0.9},\"schedule\":{\"kind\":\"cosine\",\"lr\":0.05},"
                + "\"batch\":8,\"steps\":10,\"seed\":3,\"checkpointInterval\":5}";
        return override == null ? base : base.replace(override.split("=>")[0], override.split("=>")[1]);
    }

    @Test
    void parsesAndHasOneCanonicalForm() throws Exception {
        TaskSpec a = TaskSpec.parse(json(null));
        String reordered = "{\"seed\":3,\"steps\":10,\"checkpointInterval\":5,\"batch\":8,"
                + "\"schedule\":{\"lr\":0.05,\"kind\":\"cosine\"},\"optimizer\":{\"momentum\":0.9,\"kind\":\"sgd\"},"
                + "\"dataset\":{\"root\":\"" + root + "\",\"name\":\"fashion-mnist:500\"},"
                + "\"model\":{\"sizes\":[784,16,10],\"arch\":\"mlp\"},\"version\":1}";
        TaskSpec b = TaskSpec.parse(reordered);
        assertEquals(a.canonicalJson(), b.canonicalJson());
        assertEquals(a.hashHex(), b.hashHex());
        assertEquals(a.canonicalJson(), TaskSpec.parse(a.canonicalJson()).canonicalJson());
        assertTrue(!a.canonicalJson().contains(" "));
        TaskSpec c = TaskSpec.parse(json("\"seed\":3=>\"seed\":4"));
        assertTrue(!a.hashHex().equals(c.hashHex()));
        // a spec that passes validation must train
        TaskRun run = TaskRun.open(a);
        TrainingState s = run.initialState(null);
        run.trainer().train(s, 2, true, null);
        assertEquals(2, s.step());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"seed\":3=>\"seed\":3,\"colour\":1|colour: unknown field",
        "\"arch\":\"mlp\"=>\"arch\":\"resnet\"|model.arch: unknown architecture 'resnet'",
        "\"steps\":10=>\"steps\":\"ten\"|steps: must be an integer",
        "\"steps\":10=>\"steps\":999999999|steps: must be an integer in [1, 1048576]",
        "\"batch\":8=>\"batch\":100000|batch: must be an integer in [1, 4096]",
        "[784,16,10]=>[784,16777216,10]|model.sizes[1]: must be an integer in [1, 65536]",
        "\"momentum\":0.9=>\"momentum\":1.5|optimizer.momentum: must be in",
        "\"checkpointInterval\":5=>\"checkpointInterval\":11|checkpointInterval: must be in [1, steps]",
        "\"version\":1=>\"version\":2|version: this Verity reads version 1",
        "\"kind\":\"cosine\"=>\"kind\":\"linear\"|schedule: schedule must be constant, step or cosine",
        "{\"version\"=>[{\"version\"|(document): must be a JSON object",
    })
    void badSpecsAreRejectedWithTheField(String edit, String message) {
        String j = json(edit);
        if (j.startsWith("[")) {
            j = j + "]";
        }
        String jj = j;
        Exception e = assertThrows(IllegalArgumentException.class, () -> TaskSpec.parse(jj));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void truncatedJsonAndWrongDatasetRootAreRejected() {
        Exception e = assertThrows(TaskSpec.SpecException.class, () -> TaskSpec.parse(json(null).substring(0, 40)));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        String wrong = json(null).replace(root, "00".repeat(32));
        Exception e2 = assertThrows(TaskSpec.SpecException.class, () -> TaskRun.open(TaskSpec.parse(wrong)));
        assertTrue(e2.getMessage().contains("dataset.root"), e2.getMessage());
    }

    @Test
    void oversizedModelsAreRefusedBeforeTraining() {
        String huge = json("[784,16,10]=>[784,12000,12000,10]");
        Exception e = assertThrows(TaskSpec.SpecException.class, () -> TaskRun.open(TaskSpec.parse(huge)));
        assertTrue(e.getMessage().contains("exceed the limit"), e.getMessage());
    }

    /** Work units come from the graph; the matmul FLOPs equal the basic operations actually chained while training. */
    @Test
    void workUnitsMatchACountTakenWhileTraining() throws Exception {
        TaskRun run = TaskRun.open(TaskSpec.parse(json(null)));
        TrainingState s = run.initialState(null);
        StepExecutor ex = run.trainer().tracingExecutor();
        run.trainer().inputs().get("step").data()[0] = 0;
        ex.run(s.tensors(), run.trainer().inputs(), true);
        long predicted = 0;
        long counted = 0;
        for (Node n : run.graph().nodes()) {
            if (n.kind() != OpKind.MATMUL) {
                continue;
            }
            predicted += n.kind().op().flops(n, run.graph().inputShapes(n));
            for (int e = 0; e < n.numel(); e++) {
                ElementChain ch = new ElementChain();
                ex.element(n.id(), e, ch);
                for (var l : ch.links()) {
                    counted += l.op() == BasicOp.FMA ? 2 : 1;
                }
            }
        }
        assertTrue(counted > 0);
        assertEquals(predicted, counted);
        assertEquals(Math.ceilDiv(run.graph().flops() * 10, TaskRun.FLOPS_PER_WORK_UNIT), run.workUnits());
    }
}
