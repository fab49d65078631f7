package dev.verity.cli;

import dev.verity.chain.Chain;
import dev.verity.chain.RefereeCheck;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Links of real training steps (mlp, lenet5, gpt) through the on-chain referee: for every op kind
 * of the three graphs, random elements of a real step, random links of their chains, recomputed by
 * the contract and compared with the link's recorded result.
 */
final class RealLinkCheck {
    private RealLinkCheck() {
    }

    record Sample(int basicOp, int[] operands, int result) {
    }

    static long run(Chain chain, String referee, int linksPerKind, PrintStream out) throws IOException {
        TreeMap<OpKind, List<Sample>> byKind = new TreeMap<>();
        SplittableRandom rnd = new SplittableRandom(7);
        var fm = Datasets.fashionMnistShipped().train().slice(0, 512);
        collect(Trainer.images(new ModelConfig.Mlp(new int[] {784, 32, 10}), TrainConfig.defaults("mlp", 2, 1).withBatch(8), fm),
                byKind, rnd, linksPerKind);
        collect(Trainer.images(ModelConfig.defaults("lenet5", 10), TrainConfig.defaults("lenet5", 2, 1).withBatch(4), fm),
                byKind, rnd, linksPerKind);
        TextCorpus kjv = Datasets.kjv();
        TextCorpus small = TextCorpus.of("kjv-8k", "kjv", kjv.decode(Arrays.copyOf(kjv.tokens(), 8000)));
        collect(Trainer.text(new ModelConfig.Gpt(1, 32, 4, 16, small.vocabSize(), 0.1f), TrainConfig.defaults("gpt", 2, 1)
                .withBatch(2), small), byKind, rnd, linksPerKind);
        out.printf("%-22s %7s %10s %8s %8s %8s%n", "op kind", "links", "mismatches", "gas min", "median", "max");
        long total = 0;
        long bad = 0;
        for (var e : byKind.entrySet()) {
            List<Sample> samples = e.getValue();
            long[] gas = new long[samples.size()];
            int mism = 0;
            int at = 0;
            TreeMap<Integer, List<Sample>> byOp = new TreeMap<>();
            for (Sample s : samples) {
                byOp.computeIfAbsent(s.basicOp(), k -> new ArrayList<>()).add(s);
            }
            for (var g : byOp.entrySet()) {
                int k = RefereeCheck.arity(g.getKey());
                int[] flat = new int[g.getValue().size() * k];
                for (int i = 0; i < g.getValue().size(); i++) {
                    System.arraycopy(g.getValue().get(i).operands(), 0, flat, i * k, k);
                }
                long[][] res = RefereeCheck.applyBatchGas(chain, referee, g.getKey(), flat);
                for (int i = 0; i < g.getValue().size(); i++) {
                    if (!RefereeCheck.agree(g.getKey(), (int) res[0][i], g.getValue().get(i).result())) {
                        mism++;
                    }
                    gas[at++] = res[1][i];
                }
            }
            Arrays.sort(gas);
            out.printf("%-22s %7d %10d %8d %8d %8d%n", e.getKey(), samples.size(), mism, gas.length == 0 ? 0 : gas[0],
                    gas.length == 0 ? 0 : gas[gas.length / 2], gas.length == 0 ? 0 : gas[gas.length - 1]);
            total += samples.size();
            bad += mism;
        }
        out.println("real links: " + total + " links over " + byKind.size() + " op kinds, " + bad + " mismatches");
        return bad;
    }

    private static void collect(Trainer t, TreeMap<OpKind, List<Sample>> byKind, SplittableRandom rnd, int perKind) {
        TrainingState s = t.initialState();
        t.train(s, 1, true, null);
        // run step 1 without committing, so every node's inputs are still in place
        t.inputs().get("step").data()[0] = (float) s.step();
        t.tracingExecutor().run(s.tensors(), t.inputs(), true);
        for (Node n : t.trainingStep().graph().nodes()) {
            if (n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT || n.kind().op().isView()) {
                continue;
            }
            List<Sample> list = byKind.computeIfAbsent(n.kind(), k -> new ArrayList<>());
            for (int tries = 0; tries < 4 && list.size() < perKind; tries++) {
                ElementChain ch = new ElementChain();
                t.tracingExecutor().element(n.id(), rnd.nextInt((int) n.numel()), ch);
                List<Link> links = ch.links();
                for (int j = 0; j < Math.min(8, links.size()) && list.size() < perKind; j++) {
                    Link l = links.get(rnd.nextInt(links.size()));
                    int[] v = l.operands().stream().mapToInt(Operand::bits).toArray();
                    list.add(new Sample(l.op().code(), v, l.resultBits()));
                }
            }
        }
    }
}
