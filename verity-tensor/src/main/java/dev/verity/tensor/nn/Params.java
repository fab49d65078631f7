package dev.verity.tensor.nn;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.GraphBuilder;
import java.util.Arrays;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The parameters a model declares while it builds its graph: name, shape and init. Names are
 * dotted paths ("block0.attn.q.weight"); iteration is in name order, never declaration order.
 */
public final class Params {
    public record Spec(String name, int[] shape, Init init) {
        public Spec {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }
    }

    private final TreeMap<String, Spec> specs = new TreeMap<>();
    private final TreeMap<String, Integer> nodes = new TreeMap<>();
    private final TreeMap<String, Spec> buffers = new TreeMap<>();
    private final GraphBuilder g;
    private final long seed;

    /** Parameters of graph {@code g}; {@code seed} keys their random init (it goes into each STATE node). */
    public Params(GraphBuilder g, long seed) {
        this.g = g;
        this.seed = seed;
    }

    public GraphBuilder graph() {
        return g;
    }

    /** Declares (or reuses) parameter {@code name} and returns the node reading it. */
    public int get(String name, Init init, int... shape) {
        Spec have = specs.get(name);
        if (have != null) {
            if (!Arrays.equals(have.shape, shape)) {
                throw new IllegalArgumentException("parameter '" + name + "' declared with two shapes");
            }
            return nodes.get(name);
        }
        specs.put(name, new Spec(name, shape, init));
        int id = g.state(name, init.stateAttrs(seed, true), shape);
        nodes.put(name, id);
        return id;
    }

    /**
     * Declares model state that is not trained by the optimizer but belongs to the model (BatchNorm's running
     * statistics): a state tensor marked as a model tensor ({@code param} 1, so a fine-tune starts it from the parent
     * model), updated by the graph itself. Returns the node reading it.
     */
    public int buffer(String name, Init init, int... shape) {
        if (specs.containsKey(name) || buffers.containsKey(name)) {
            throw new IllegalArgumentException("model tensor '" + name + "' declared twice");
        }
        buffers.put(name, new Spec(name, shape, init));
        return g.state(name, init.stateAttrs(seed, true), shape);
    }

    /** The buffers declared with {@link #buffer}, by name. */
    public SortedMap<String, Spec> buffers() {
        return Collections.unmodifiableSortedMap(buffers);
    }

    public SortedMap<String, Spec> specs() {
        return Collections.unmodifiableSortedMap(specs);
    }

    /** Parameter name to the node reading it. */
    public SortedMap<String, Integer> nodes() {
        return Collections.unmodifiableSortedMap(nodes);
    }

    public long count() {
        long n = 0;
        for (Spec s : specs.values()) {
            n += Tensor.numel(s.shape);
        }
        return n;
    }

    /** Fresh initial values for every parameter under {@code seed}. */
    public TreeMap<String, Tensor> initialValues(long seed) {
        TreeMap<String, Tensor> out = new TreeMap<>();
        for (Spec s : specs.values()) {
            Tensor t = Tensor.zeros(s.shape);
            s.init.fill(s.name, seed, t.data());
            out.put(s.name, t);
        }
        return out;
    }
}
