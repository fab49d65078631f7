package dev.verity.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.ops.OpCases.Built;
import dev.verity.tensor.ops.OpCases.Case;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The element chains a referee replays must say exactly what the kernels computed. For every op
 * record of the real training graphs (after a real step, on shipped data) and of one small graph
 * per op kind, a few output elements are recomputed with {@link dev.verity.tensor.graph.Op#element}: the chain's result
 * must carry the executor's output bits, every link must recompute to its recorded result, every
 * input operand must name a real element of the node's input with those bits, and every link
 * operand must name an earlier link with that result.
 */
class OpChainTest {
    /** Random elements checked per node, besides the first and the last. */
    private static final int PER_NODE = 8;
    private static final Set<OpKind> SOURCES = EnumSet.of(OpKind.STATE, OpKind.INPUT);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mlp", "lenet5", "gpt"})
    void trainingGraphChainsMatchTheKernels(String model) throws IOException {
        Trainer t = trainer(model);
        TrainingState s = t.initialState();
        t.step(s, true); // one real step: weights and optimizer state are no longer their initial values
        // run step 1 without committing, so the state tensors still hold what the step read
        t.inputs().get(StepGraphs.STEP).data()[0] = (float) s.step();
        StepExecutor ex = t.tracingExecutor();
        ex.run(s.tensors(), t.inputs(), true);

        List<String> bad = new ArrayList<>();
        Set<OpKind> checked = checkGraph(model, ex, 42, bad);
        Set<OpKind> present = EnumSet.noneOf(OpKind.class);
        for (Node n : ex.graph().nodes()) {
            present.add(n.kind());
        }
        present.removeAll(SOURCES);
        present.removeAll(checked);
        assertTrue(present.isEmpty(), model + ": op kinds in the graph but never checked: " + present);
        assertTrue(bad.isEmpty(), model + ": " + bad.size() + " chain failures, first: " + bad.subList(0, Math.min(10, bad.size())));
    }

    /** One small graph per op kind (forward, backward, optimizer, data): together they cover every kind. */
    @Test
    void everyOpKindChainMatchesTheKernels() {
        List<Case> cases = new ArrayList<>(OpCases.gradientCases());
        cases.addAll(OpCases.nonDifferentiable());
        for (Case c : OpCases.bigCases()) {
            if (c.name().contains("specials")) {
                cases.add(c); // NaN, infinities and subnormals through the activation chains
            }
        }
        List<String> bad = new ArrayList<>();
        Set<OpKind> checked = EnumSet.noneOf(OpKind.class);
        for (Case c : cases) {
            Built b = OpCases.build(c, c.name().hashCode());
            checked.addAll(checkGraph(c.name(), OpCases.run(b, true), c.name().hashCode(), bad));
        }
        Set<OpKind> missing = EnumSet.allOf(OpKind.class);
        missing.removeAll(SOURCES);
        missing.removeAll(checked);
        assertTrue(missing.isEmpty(), "op kinds whose chains were never checked: " + missing);
        assertTrue(bad.isEmpty(), bad.size() + " chain failures, first: " + bad.subList(0, Math.min(10, bad.size())));
    }

    static Trainer trainer(String model) throws IOException {
        switch (model) {
            case "mlp" -> {
                Dataset d = Datasets.fashionMnistShipped().train().slice(0, 300);
                return Trainer.images(new ModelConfig.Mlp(new int[] {784, 32, 10}), TrainConfig.defaults("mlp", 10, 11).withBatch(8), d);
            }
            case "lenet5" -> {
                Dataset d = Datasets.fashionMnistShipped().train().slice(0, 300);
                return Trainer.images(ModelConfig.defaults("lenet5", 10), TrainConfig.defaults("lenet5", 10, 12).withBatch(4), d);
            }
            default -> {
                TextCorpus kjv = Datasets.kjv();
                String text = kjv.decode(Arrays.copyOfRange(kjv.tokens(), 0, 6000));
                TextCorpus corpus = TextCorpus.of("kjv-head", "test", text);
                ModelConfig.Gpt g = new ModelConfig.Gpt(1, 32, 4, 16, corpus.vocabSize(), 0.1f);
                return Trainer.text(g, TrainConfig.defaults("gpt", 10, 13).withBatch(2), corpus);
            }
        }
    }

    /** Checks the first, the last and {@link #PER_NODE} random elements of every computed node. */
    static Set<OpKind> checkGraph(String what, StepExecutor ex, long seed, List<String> bad) {
        Graph g = ex.graph();
        Random r = new Random(seed);
        Set<OpKind> checked = EnumSet.noneOf(OpKind.class);
        for (Node n : g.nodes()) {
            if (SOURCES.contains(n.kind())) {
                continue;
            }
            Tensor out = ex.value(n.id());
            Tensor[] in = ex.inputsOf(n.id());
            TreeSet<Integer> idx = new TreeSet<>(List.of(0, out.size() - 1));
            for (int k = 0; k < PER_NODE; k++) {
                idx.add(r.nextInt(out.size()));
            }
            for (int i : idx) {
                String at = what + " %" + n.id() + " " + n.kind() + " '" + n.name() + "' [" + i + "]";
                ElementChain ch = new ElementChain();
                Operand res = ex.element(n.id(), i, ch);
                List<Link> links = ch.links();
                if (!sameBits(res.bits(), Float.floatToRawIntBits(out.data()[i]))) {
                    bad.add(at + ": chain gives " + Float.intBitsToFloat(res.bits()) + ", the kernel wrote " + out.data()[i]);
                }
                for (int k = 0; k < links.size(); k++) {
                    Link l = links.get(k);
                    if (l.recompute() != l.resultBits()) {
                        bad.add(at + ": link " + k + " " + l.op() + " recomputes to " + l.recompute() + ", records " + l.resultBits());
                    }
                    for (Operand o : l.operands()) {
                        operand(at + " link " + k, o, in, links, k, bad);
                    }
                }
                operand(at + " result", res, in, links, links.size(), bad);
            }
            checked.add(n.kind());
        }
        return checked;
    }

    /** An operand must name a real input element with its bits, or an earlier link with its result. */
    private static void operand(String at, Operand o, Tensor[] in, List<Link> links, int before, List<String> bad) {
        switch (o) {
            case Operand.Input x -> {
                if (x.input() < 0 || x.input() >= in.length || x.index() < 0 || x.index() >= in[x.input()].size()) {
                    bad.add(at + ": input operand " + x + " out of range");
                } else if (x.bits() != Float.floatToRawIntBits(in[x.input()].data()[x.index()])) {
                    bad.add(at + ": input operand " + x + " has bits other than input " + x.input() + "[" + x.index() + "]");
                }
            }
            case Operand.Link x -> {
                if (x.link() < 0 || x.link() >= before) {
                    bad.add(at + ": link operand " + x + " is not an earlier link");
                } else if (links.get(x.link()).resultBits() != x.bits()) {
                    bad.add(at + ": link operand " + x + " differs from link " + x.link() + "'s result");
                }
            }
            case Operand.Const x -> {
                // fixed by the algorithm or the op's attributes: nothing to look up
            }
        }
    }

    /** Equal bits, or both NaN (NaN payloads are not part of the protocol: state hashes canonicalise them). */
    static boolean sameBits(int a, int b) {
        return a == b || Float.isNaN(Float.intBitsToFloat(a)) && Float.isNaN(Float.intBitsToFloat(b));
    }
}
