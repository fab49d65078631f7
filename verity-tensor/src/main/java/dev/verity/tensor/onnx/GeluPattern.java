package dev.verity.tensor.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Opsets up to 17 have no GELU op: PyTorch exports {@code nn.GELU()} as {@code Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)),
 * 0.5)}. This pass finds that pattern and replaces it by one node of the internal op type {@link #GELU}, which the
 * importer turns into Verity's GELU (the same exact erf form, one op with one gradient and one prescription).
 */
final class GeluPattern {
    /** The internal op type of a recognised GELU; not an ONNX op type, so no model can name it. */
    static final String GELU = "verity.Gelu";
    private static final double SQRT2 = Math.sqrt(2);

    private GeluPattern() {
    }

    /** The model's nodes with every GELU pattern replaced (other nodes unchanged, order kept). */
    static List<OnnxNode> rewrite(OnnxGraph model) {
        List<OnnxNode> nodes = model.nodes();
        Map<String, Integer> producer = new HashMap<>();
        Map<String, Integer> uses = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).outputs()) {
                producer.put(out, i);
            }
            for (String in : nodes.get(i).inputs()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (var out : model.outputs()) {
            uses.merge(out.name(), 1, Integer::sum);
        }
        boolean[] drop = new boolean[nodes.size()];
        OnnxNode[] replace = new OnnxNode[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).opType().equals("Erf")) {
                match(model, nodes, producer, uses, i, drop, replace);
            }
        }
        List<OnnxNode> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (replace[i] != null) {
                out.add(replace[i]);
            } else if (!drop[i]) {
                out.add(nodes.get(i));
            }
        }
        return out;
    }

    private static void match(OnnxGraph model, List<OnnxNode> nodes, Map<String, Integer> producer,
                              Map<String, Integer> uses, int erf, boolean[] drop, OnnxNode[] replace) {
        OnnxNode e = nodes.get(erf);
        Integer divAt = producer.get(e.input(0));
        if (divAt == null || !nodes.get(divAt).opType().equals("Div")
                || !near(constant(model, nodes, producer, nodes.get(divAt).input(1)), SQRT2)) {
            return;
        }
        String x = nodes.get(divAt).input(0);
        int add = soleConsumer(nodes, uses, e.output(0), "Add");
        if (add < 0 || !near(constant(model, nodes, producer, other(nodes.get(add), e.output(0))), 1)) {
            return;
        }
        int mul = soleConsumer(nodes, uses, nodes.get(add).output(0), "Mul");
        if (mul < 0 || !x.equals(other(nodes.get(mul), nodes.get(add).output(0)))) {
            return;
        }
        int half = soleConsumer(nodes, uses, nodes.get(mul).output(0), "Mul");
        if (half < 0 || !near(constant(model, nodes, producer, other(nodes.get(half), nodes.get(mul).output(0))), 0.5)) {
            return;
        }
        if (uses.getOrDefault(nodes.get(divAt).output(0), 0) == 1) {
            drop[divAt] = true;
        }
        drop[erf] = true;
        drop[add] = true;
        drop[mul] = true;
        OnnxNode last = nodes.get(half);
        replace[half] = new OnnxNode(last.name(), GELU, List.of(x), last.outputs(), Map.of());
    }

    /** The index of the only node reading {@code value}, if it has op type {@code op}; else -1. */
    private static int soleConsumer(List<OnnxNode> nodes, Map<String, Integer> uses, String value, String op) {
        if (uses.getOrDefault(value, 0) != 1) {
            return -1;
        }
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).inputs().contains(value)) {
                return nodes.get(i).opType().equals(op) ? i : -1;
            }
        }
        return -1;
    }

    /** The input of a two-input node that is not {@code value} ("" if both are). */
    private static String other(OnnxNode n, String value) {
        if (n.inputs().size() != 2) {
            return "";
        }
        return n.input(0).equals(value) ? n.input(1) : n.input(1).equals(value) ? n.input(0) : "";
    }

    /** The single value of a constant (a Constant node's output or an initializer), or NaN. */
    private static double constant(OnnxGraph model, List<OnnxNode> nodes, Map<String, Integer> producer, String name) {
        OnnxTensor t = model.initializers().get(name);
        Integer at = producer.get(name);
        if (t == null && at != null && nodes.get(at).opType().equals("Constant")
                && nodes.get(at).attrs().get("value") instanceof OnnxTensor v) {
            t = v;
        }
        return t != null && t.size() == 1 ? t.floatAt(0) : Double.NaN;
    }

    private static boolean near(double got, double want) {
        return Math.abs(got - want) <= 1e-6 * want;
    }
}
