package dev.verity.cli;

import dev.verity.chain.Chain;
import dev.verity.chain.LinkStructure;
import dev.verity.proof.commit.Commitments;
import dev.verity.proof.dispute.LinkData;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The on-chain link structure ({@code LinkStructure}) against the Java chains of real training steps (mlp, lenet5,
 * gpt; SLICE, CONCAT and PAD_SLICE, which none of them has, on a small graph of their own): for every op kind, random
 * elements, and the links of their chains (all of them up to
 * {@code maxLinks} per element, a random sample beyond), each checked by the contract against the op's record; then
 * the chain length and result leaf; then mutations (wrong input index, wrong input number, wrong constant, wrong
 * basic op, an extra link, a wrong result leaf, a wrong chain length), each of which must be rejected with a reason.
 */
final class LinkStructureCheck {
    private LinkStructureCheck() {
    }

    /** One op kind's row. */
    record Row(OpKind kind, boolean covered, int elements, int links, int mismatches, int mutations, int mutationsMissed,
               long gasMin, long gasMedian, long gasMax, String example) {
    }

    record Report(List<Row> rows) {
        long mismatches() {
            return rows.stream().mapToLong(r -> r.mismatches() + r.mutationsMissed()).sum();
        }

        long covered() {
            return rows.stream().filter(Row::covered).count();
        }
    }

    /** One op node of a real step with everything its prescription needs. */
    private record Site(Node node, byte[] record, byte[] dims, StepExecutor ex) {
    }

    static Report run(Chain chain, int elementsPerKind, int maxLinks, PrintStream out) throws IOException {
        String address = LinkStructure.deploy(chain);
        TreeMap<OpKind, List<Site>> sites = new TreeMap<>();
        var fm = Datasets.fashionMnistShipped().train().slice(0, 512);
        collect(Trainer.images(new ModelConfig.Mlp(new int[] {784, 32, 10}), TrainConfig.defaults("mlp", 2, 1).withBatch(8), fm), sites);
        collect(Trainer.images(ModelConfig.defaults("lenet5", 10), TrainConfig.defaults("lenet5", 2, 1).withBatch(4), fm), sites);
        TextCorpus kjv = Datasets.kjv();
        TextCorpus small = TextCorpus.of("kjv-8k", "kjv", kjv.decode(Arrays.copyOf(kjv.tokens(), 8000)));
        collect(Trainer.text(new ModelConfig.Gpt(1, 32, 4, 16, small.vocabSize(), 0.1f), TrainConfig.defaults("gpt", 2, 1)
                .withBatch(2), small), sites);
        collectMoves(sites);
        SplittableRandom rnd = new SplittableRandom(11);
        List<Row> rows = new ArrayList<>();
        if (out != null) {
            out.printf("%-20s %7s %5s %7s %6s %9s %6s %8s %8s %8s%n", "op kind", "covered", "elems", "links", "wrong", "mutations",
                    "missed", "gas min", "median", "max");
        }
        for (var en : sites.entrySet()) {
            Row r = checkKind(chain, address, en.getKey(), en.getValue(), elementsPerKind, maxLinks, rnd);
            rows.add(r);
            if (out != null) {
                out.printf("%-20s %7s %5d %7d %6d %9d %6d %8d %8d %8d%s%n", r.kind(), r.covered() ? "yes" : "NO", r.elements(),
                        r.links(), r.mismatches(), r.mutations(), r.mutationsMissed(), r.gasMin(), r.gasMedian(), r.gasMax(),
                        r.example().isEmpty() ? "" : "  " + r.example());
            }
        }
        Report rep = new Report(rows);
        if (out != null) {
            out.println("link structure: " + rep.covered() + "/" + rows.size() + " op kinds covered, " + rep.mismatches()
                    + " mismatches");
        }
        return rep;
    }

    private static void collect(Trainer t, TreeMap<OpKind, List<Site>> sites) {
        TrainingState s = t.initialState();
        t.train(s, 1, true, null);
        // run step 1 without committing, so every node's inputs are still in place
        t.inputs().get("step").data()[0] = (float) s.step();
        t.tracingExecutor().run(s.tensors(), t.inputs(), true);
        var g = t.trainingStep().graph();
        for (Node n : g.nodes()) {
            if (n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT || n.kind().op().isView()) {
                continue;
            }
            int[][] shapes = new int[n.arity()][];
            for (int i = 0; i < shapes.length; i++) {
                shapes[i] = g.node(n.input(i)).shape();
            }
            sites.computeIfAbsent(n.kind(), k -> new ArrayList<>())
                    .add(new Site(n, Commitments.graphRecord(g, n), LinkStructure.dims(shapes), t.tracingExecutor()));
        }
    }

    /**
     * SLICE, CONCAT and PAD_SLICE occur in none of the three models' graphs: a small graph of them (every axis of a
     * rank-3 input, a three-way concat, a pad with zeros on both sides), run on random inputs.
     */
    private static void collectMoves(TreeMap<OpKind, List<Site>> sites) {
        GraphBuilder b = new GraphBuilder();
        int a = b.input("a", 3, 4, 5);
        int c = b.input("c", 3, 2, 5);
        int d = b.input("d", 3, 4, 1);
        b.slice(a, 0, 1, 3);
        int s1 = b.slice(a, 1, 1, 3);
        b.slice(a, 2, 2, 5);
        b.concat(1, a, c, s1);
        b.concat(2, a, d);
        b.concat(0, c, s1);
        b.append(OpKind.PAD_SLICE, Attrs.builder().put(OpAttr.AXIS, 1).put(OpAttr.START, 1).put(OpAttr.SIZE, 4).build(), s1);
        b.append(OpKind.PAD_SLICE, Attrs.builder().put(OpAttr.AXIS, 2).put(OpAttr.START, 0).put(OpAttr.SIZE, 7).build(), a);
        importedKinds(b, a);
        Graph g = b.build();
        SplittableRandom r = new SplittableRandom(5);
        java.util.Map<String, Tensor> inputs = new java.util.TreeMap<>();
        for (Node n : g.nodes()) {
            if (n.kind() == OpKind.INPUT) {
                float[] v = new float[(int) n.numel()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                inputs.put(n.name(), new Tensor(n.shape(), v));
            }
        }
        StepExecutor ex = new StepExecutor(g);
        ex.run(new java.util.TreeMap<>(), inputs, true);
        for (Node n : g.nodes()) {
            if (n.kind() == OpKind.INPUT) {
                continue;
            }
            int[][] shapes = new int[n.arity()][];
            for (int i = 0; i < shapes.length; i++) {
                shapes[i] = g.node(n.input(i)).shape();
            }
            sites.computeIfAbsent(n.kind(), k -> new ArrayList<>()).add(new Site(n, Commitments.graphRecord(g, n), LinkStructure.dims(shapes), ex));
        }
    }

    /**
     * The op kinds an imported ONNX model may hold that none of the three models has (SUB, TANH, SIGMOID, LOG_SOFTMAX,
     * AVGPOOL2D, SUM, MEAN) and their gradients, appended to the small graph so the contract is held to them too.
     */
    private static void importedKinds(GraphBuilder b, int a) {
        int a2 = b.input("a2", 3, 4, 5);
        int img = b.input("img", 2, 3, 6, 6);
        int ls = b.logSoftmax(b.sigmoid(b.tanh(b.sub(a, a2))));
        int pooled = b.avgPool2d(img, 2, 2);
        int loss = b.add(b.sum(ls), b.mean(pooled));
        java.util.TreeMap<String, Integer> wrt = new java.util.TreeMap<>();
        wrt.put("a2", a2);
        wrt.put("img", img);
        dev.verity.tensor.graph.Autograd.backward(b, loss, wrt);
    }

    /**
     * The data words the prescription of link t (t at the chain's end: the result and length) reads, as the dispute
     * sends them ({@link LinkData}: labels, the shuffled sample of link 1, the token id, the step), with their bits.
     * Using exactly these words here checks LinkData against the contract: a word left out reverts.
     */
    private static List<BigInteger> data(Site s, int e, int t, List<Link> links) {
        List<BigInteger> d = new ArrayList<>();
        Tensor[] in = s.ex().inputsOf(s.node().id());
        for (LinkData.Need n : LinkData.needs(s.node(), in, e, t)) {
            d.add(n.kind() == 1 ? LinkStructure.pack(1, n.number(), 0, links.get(n.number()).resultBits())
                    : LinkStructure.pack(0, n.number(), n.index(), Float.floatToRawIntBits(in[n.number()].data()[n.index()])));
        }
        return d;
    }

    /** What the checks of one kind found so far: links checked and their gas, mismatches, mutations and those missed, the first example. */
    private static final class Tally {
        final List<Long> gas = new ArrayList<>();
        int links;
        int bad;
        int mutations;
        int missed;
        String example = "";
        boolean covered = true;

        /** A check the referee's code does not cover: the kind is not covered, and why is the example. */
        void uncovered(String why) {
            covered = false;
            example = why;
        }

        void bad(String why) {
            bad++;
            if (example.isEmpty()) {
                example = why;
            }
        }

        Row row(OpKind kind, int elements) {
            long[] g = gas.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Row(kind, covered, covered ? elements : 0, links, bad, mutations, missed, g.length == 0 ? 0 : g[0],
                    g.length == 0 ? 0 : g[g.length / 2], g.length == 0 ? 0 : g[g.length - 1], example);
        }
    }

    private static Row checkKind(Chain chain, String address, OpKind kind, List<Site> sites, int elements, int maxLinks,
                                 SplittableRandom rnd) {
        Tally tally = new Tally();
        for (int k = 0; k < elements; k++) {
            Site s = sites.get(rnd.nextInt(sites.size()));
            int e = rnd.nextInt((int) s.node().numel());
            ElementChain ch = new ElementChain();
            Operand result = s.ex().element(s.node().id(), e, ch);
            // data-dependent kinds leave most elements without links (not a window's maximum, a token not in the
            // batch): every other element is drawn until it has some, so that links are checked too
            for (int tries = 0; k % 2 == 0 && ch.links().isEmpty() && tries < 64
                    && (kind == OpKind.MAXPOOL2D_GRAD || kind == OpKind.EMBEDDING_GRAD); tries++) {
                e = rnd.nextInt((int) s.node().numel());
                ch = new ElementChain();
                result = s.ex().element(s.node().id(), e, ch);
            }
            if (!checkElement(chain, address, s, e, result, ch.links(), maxLinks, rnd, tally)) {
                break;
            }
        }
        return tally.row(kind, elements);
    }

    /** Checks element e's links (up to maxLinks of them), its result and their mutants; false once a check is not covered. */
    private static boolean checkElement(Chain chain, String address, Site s, int e, Operand result, List<Link> chain0, int maxLinks,
                                        SplittableRandom rnd, Tally tally) {
        for (int t : linksToCheck(chain0, maxLinks, rnd)) {
            LinkStructure.Verdict v = LinkStructure.checkLink(chain, address, s.record(), s.dims(), e, t,
                    Commitments.linkLeaf(t, chain0.get(t)), data(s, e, t, chain0));
            if (!v.covered()) {
                tally.uncovered(v.why());
                return false;
            }
            tally.links++;
            tally.gas.add(v.gas());
            if (!v.matches()) {
                tally.bad("e=" + e + " t=" + t + ": " + v.why());
            }
        }
        LinkStructure.Verdict rv = LinkStructure.checkResult(chain, address, s.record(), s.dims(), e, chain0.size(),
                Commitments.resultLeaf(result), data(s, e, chain0.size(), chain0));
        if (!rv.covered()) {
            tally.uncovered(rv.why());
            return false;
        }
        if (!rv.matches()) {
            tally.bad("e=" + e + " result: " + rv.why());
        }
        // mutations: each must be rejected, with a reason
        for (Mutant m : mutants(chain0, result, rnd)) {
            tally.mutations++;
            LinkStructure.Verdict mv = m.t() < 0
                    ? LinkStructure.checkResult(chain, address, s.record(), s.dims(), e, m.links(), m.leaf(), data(s, e, chain0.size(), chain0))
                    : LinkStructure.checkLink(chain, address, s.record(), s.dims(), e, m.t(), m.leaf(),
                            data(s, e, Math.min(m.t(), chain0.size()), chain0));
            if (mv.matches() || mv.why().isEmpty()) {
                tally.missed++;
                if (tally.example.isEmpty()) {
                    tally.example = "mutation not caught: " + m.what();
                }
            }
        }
        return true;
    }

    /** Every link of a short chain; of a long one, maxLinks of them: the first 16, the last 16, the rest drawn. */
    private static List<Integer> linksToCheck(List<Link> chain0, int maxLinks, SplittableRandom rnd) {
        List<Integer> ts = new ArrayList<>();
        if (chain0.size() <= maxLinks) {
            for (int t = 0; t < chain0.size(); t++) {
                ts.add(t);
            }
        } else {
            for (int t = 0; t < maxLinks; t++) {
                ts.add(t < 16 ? t : t < 32 ? chain0.size() - 1 - (t - 16) : rnd.nextInt(chain0.size()));
            }
        }
        return ts;
    }


    /** A mutated link leaf (t >= 0) or result leaf with a chain length (t < 0). */
    record Mutant(String what, int t, byte[] leaf, long links) {
    }

    static List<Mutant> mutants(List<Link> links, Operand result, SplittableRandom rnd) {
        List<Mutant> out = new ArrayList<>();
        int n = links.size();
        for (int t = 0; t < n; t++) {
            Link l = links.get(t);
            for (int i = 0; i < l.operands().size(); i++) {
                Operand o = l.operands().get(i);
                if (o instanceof Operand.Input in && out.stream().noneMatch(m -> m.what().startsWith("input index"))) {
                    out.add(new Mutant("input index", t, Commitments.linkLeaf(t, with(l, i, new Operand.Input(in.input(), in.index() + 1, in.bits()))), n));
                    out.add(new Mutant("input number", t, Commitments.linkLeaf(t, with(l, i, new Operand.Input(in.input() + 1, in.index(), in.bits()))), n));
                }
                if (o instanceof Operand.Const c && out.stream().noneMatch(m -> m.what().equals("constant"))) {
                    out.add(new Mutant("constant", t, Commitments.linkLeaf(t, with(l, i, new Operand.Const(c.bits() ^ 1))), n));
                }
                if (o instanceof Operand.Link k && k.link() > 0 && out.stream().noneMatch(m -> m.what().equals("link number"))) {
                    out.add(new Mutant("link number", t, Commitments.linkLeaf(t, with(l, i, new Operand.Link(k.link() - 1, k.bits()))), n));
                }
            }
        }
        if (n > 0) {
            int t = rnd.nextInt(n);
            Link l = links.get(t);
            BasicOp other = sameArity(l.op());
            if (other != null) {
                out.add(new Mutant("basic op", t, Commitments.linkLeaf(t, new Link(other, l.operands(), l.resultBits())), n));
            }
            out.add(new Mutant("extra link", n, Commitments.linkLeaf(n, links.get(n - 1)), n + 1));
        }
        Operand wrong = switch (result) {
            case Operand.Input in -> new Operand.Input(in.input(), in.index() + 1, in.bits());
            case Operand.Link k -> k.link() > 0 ? new Operand.Link(k.link() - 1, k.bits()) : new Operand.Const(k.bits());
            case Operand.Const c -> new Operand.Const(c.bits() ^ 1);
        };
        out.add(new Mutant("result leaf", -1, Commitments.resultLeaf(wrong), n));
        out.add(new Mutant("chain length", -1, Commitments.resultLeaf(result), n + 1));
        return out;
    }

    private static Link with(Link l, int i, Operand o) {
        List<Operand> ops = new ArrayList<>(l.operands());
        ops.set(i, o);
        return new Link(l.op(), ops, l.resultBits());
    }

    private static BasicOp sameArity(BasicOp op) {
        for (BasicOp b : BasicOp.values()) {
            if (b != op && b.arity() == op.arity()) {
                return b;
            }
        }
        return null;
    }
}
