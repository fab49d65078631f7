package dev.verity.tensor.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The training executor's shared buffers: the same bits as one buffer per node, step after step;
 * no buffer handed to a node while an earlier value in it still has a reader to come (nor to a
 * node that reads it); fewer floats; and a clear error when a shared value is read.
 */
class StepExecutorBuffersTest {
    static Trainer trainer(String model) throws Exception {
        if (model.equals("gpt")) {
            TextCorpus kjv = Datasets.kjv();
            TextCorpus small = TextCorpus.of("kjv-60k", "test",
                    new String(kjv.decode(java.util.Arrays.copyOf(kjv.tokens(), 60_000))));
            return Trainer.text(new ModelConfig.Gpt(2, 64, 4, 32, small.vocabSize(), 0.1f),
                    TrainConfig.defaults("gpt", 3, 13).withBatch(4), small);
        }
        Dataset train = Datasets.fashionMnistShipped().train().slice(0, 2000);
        return Trainer.images(ModelConfig.defaults(model, 10), TrainConfig.defaults(model, 3, 11).withBatch(16), train);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "lenet5", "gpt"})
    void sharedBuffersGiveTheSameStatesAndLossesAsOneBufferPerNode(String model) throws Exception {
        Trainer t = trainer(model);
        TrainingState shared = t.initialState();
        TrainingState own = t.initialState();
        StepExecutor every = t.tracingExecutor();
        for (int i = 0; i < 3; i++) {
            float loss = t.step(shared, true);
            t.inputs().get(StepGraphs.STEP).data()[0] = (float) own.step();
            every.run(own.tensors(), t.inputs(), true);
            assertEquals(Float.floatToRawIntBits(every.output("loss").data()[0]), Float.floatToRawIntBits(loss),
                    model + " loss at step " + i);
            every.commit(own.tensors());
            own.advance(t.config().batch());
            assertEquals(own.sha256Hex(), shared.sha256Hex(), model + " state after step " + (i + 1));
        }
        assertTrue(t.executor().bufferFloats() < every.bufferFloats(), model + ": " + t.executor().bufferFloats()
                + " floats shared vs " + every.bufferFloats());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "lenet5", "gpt"})
    void noBufferIsTakenWhileAValueInItHasAReaderToCome(String model) throws Exception {
        Trainer t = trainer(model);
        StepExecutor ex = t.executor();
        Graph g = ex.graph();
        // the last node to read each node's buffer, through views, computed here independently
        int[] owner = new int[g.size()];
        int[] lastRead = new int[g.size()];
        for (Node n : g.nodes()) {
            owner[n.id()] = n.kind().op().isView() ? owner[n.input(0)] : n.id();
            lastRead[n.id()] = -1;
            for (int i = 0; i < n.arity(); i++) {
                lastRead[owner[n.input(i)]] = Math.max(lastRead[owner[n.input(i)]], n.id());
            }
        }
        for (int id : g.outputs().values()) {
            lastRead[owner[id]] = Integer.MAX_VALUE;
        }
        for (int id : g.stateUpdates().values()) {
            lastRead[owner[id]] = Integer.MAX_VALUE;
        }
        Map<float[], List<Integer>> users = new IdentityHashMap<>();
        int shared = 0;
        for (Node n : g.nodes()) {
            boolean source = n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT;
            if (source || n.kind().op().isView()) {
                continue;
            }
            List<Integer> before = users.computeIfAbsent(ex.buffer(n.id()), k -> new ArrayList<>());
            for (int prev : before) {
                assertTrue(lastRead[prev] < n.id(), model + ": node %" + n.id() + " takes the buffer of %" + prev
                        + ", which node %" + lastRead[prev] + " still reads");
                shared++;
            }
            before.add(n.id());
        }
        assertTrue(shared > 0, model + ": no buffer was shared at all");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp"})
    void readingASharedValueIsAClearError(String model) throws Exception {
        Trainer t = trainer(model);
        TrainingState s = t.initialState();
        t.step(s, true);
        StepExecutor ex = t.executor();
        int interior = -1;
        for (Node n : ex.graph().nodes()) {
            if (!ex.readable(n.id())) {
                interior = n.id();
                break;
            }
        }
        assertTrue(interior >= 0, "every node readable");
        int id = interior;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ex.value(id));
        assertTrue(e.getMessage().contains("tracingExecutor"), e.getMessage());
        assertArrayEquals(new int[] {1}, ex.output("loss").shape());
        assertTrue(ex.readable(ex.graph().output("loss")));
    }
}
