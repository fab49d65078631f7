package dev.verity.tensor.graph;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reverse-mode differentiation on the graph itself: walks the forward records backwards and asks
 * each op to append the records of its inputs' gradients. The gradient is part of the step graph
 * (every backward op is an op record too), so it can be disputed like the forward pass. When a
 * value feeds several ops, its gradient contributions are summed with ADD records in the fixed
 * order this walk meets them.
 */
public final class Autograd {
    private final GraphBuilder g;
    private final boolean[] needs;
    private final TreeMap<Integer, Integer> grads = new TreeMap<>();

    private Autograd(GraphBuilder g, int loss, SortedMap<String, Integer> params) {
        this.g = g;
        this.needs = new boolean[loss + 1];
        for (int p : params.values()) {
            if (p <= loss) {
                needs[p] = true;
            }
        }
        for (int id = 0; id <= loss; id++) {
            if (!needs[id]) {
                for (int in : g.node(id).inputs()) {
                    if (needs[in]) {
                        needs[id] = true;
                        break;
                    }
                }
            }
        }
    }

    /**
     * Appends the backward pass of {@code loss} (a one-element node) and returns, for each
     * parameter name, the node holding its gradient (a zero constant if the loss does not depend on it).
     */
    public static SortedMap<String, Integer> backward(GraphBuilder g, int loss, SortedMap<String, Integer> params) {
        if (g.node(loss).numel() != 1) {
            throw new IllegalArgumentException("loss must have one element, has shape "
                    + java.util.Arrays.toString(g.shape(loss)));
        }
        GraphRole saved = g.role();
        g.role(GraphRole.BACKWARD);
        Autograd ad = new Autograd(g, loss, params);
        ad.grads.put(loss, g.constant(1f, g.shape(loss)));
        for (int id = loss; id >= 0; id--) {
            Integer gid = ad.grads.get(id);
            Node n = g.node(id);
            if (gid == null || n.role() == GraphRole.SOURCE || !ad.needs[id]) {
                continue;
            }
            n.kind().op().backward(ad, n, gid);
        }
        TreeMap<String, Integer> out = new TreeMap<>();
        for (var e : params.entrySet()) {
            Integer gid = ad.grads.get(e.getValue());
            out.put(e.getKey(), gid != null ? gid : g.constant(0f, g.shape(e.getValue())));
        }
        g.role(saved);
        return out;
    }

    public GraphBuilder builder() {
        return g;
    }

    /** Whether node {@code id}'s value depends on a parameter (so its gradient is wanted). */
    public boolean needs(int id) {
        return id < needs.length && needs[id];
    }

    /** Adds {@code grad} to the gradient of node {@code id} (an ADD record if it already has one). */
    public void accumulate(int id, int grad) {
        if (!needs(id)) {
            return;
        }
        int[] want = g.shape(id);
        if (!java.util.Arrays.equals(want, g.shape(grad))) {
            grad = g.reduceTo(grad, want);
        }
        Integer have = grads.get(id);
        grads.put(id, have == null ? grad : g.add(have, grad));
    }
}
