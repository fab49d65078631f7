package dev.verity.tensor.graph;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.chain.ElementChain;
import dev.verity.tensor.chain.Operand;
import java.util.Arrays;
import java.util.Map;

/**
 * Runs a {@link Graph}: every node's output buffer is allocated once, so the steady-state loop
 * allocates nothing but view headers. Sources are bound to the caller's tensors (no copy).
 */
public final class StepExecutor {
    private final Graph graph;
    private final Tensor[] values;
    private final Tensor[][] ins;
    private long[] nanosByNode;

    public StepExecutor(Graph graph) {
        this.graph = graph;
        this.values = new Tensor[graph.size()];
        this.ins = new Tensor[graph.size()][];
        for (Node n : graph.nodes()) {
            ins[n.id()] = new Tensor[n.arity()];
            boolean source = n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT;
            if (!source && !n.kind().op().isView()) {
                values[n.id()] = Tensor.zeros(n.shape());
            }
        }
    }

    public Graph graph() {
        return graph;
    }

    /** Runs every node in order. {@code fast} picks the Vector API kernels (false: scalar references). */
    public void run(Map<String, Tensor> state, Map<String, Tensor> inputs, boolean fast) {
        for (Node n : graph.nodes()) {
            switch (n.kind()) {
                case STATE -> values[n.id()] = bind(n, state.get(n.name()), "state");
                case INPUT -> values[n.id()] = bind(n, inputs.get(n.name()), "input");
                default -> {
                    Tensor[] in = ins[n.id()];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = values[n.input(i)];
                    }
                    if (n.kind().op().isView()) {
                        values[n.id()] = new Tensor(n.shape(), in[0].data());
                    } else if (nanosByNode == null) {
                        n.kind().op().forward(n, in, values[n.id()], fast);
                    } else {
                        long t0 = System.nanoTime();
                        n.kind().op().forward(n, in, values[n.id()], fast);
                        nanosByNode[n.id()] += System.nanoTime() - t0;
                    }
                }
            }
        }
    }

    private static Tensor bind(Node n, Tensor t, String what) {
        if (t == null) {
            throw new IllegalArgumentException("missing " + what + " '" + n.name() + "'");
        }
        if (!Arrays.equals(t.shape(), n.shape())) {
            throw new IllegalArgumentException(what + " '" + n.name() + "' has shape " + Arrays.toString(t.shape())
                    + ", the graph expects " + Arrays.toString(n.shape()));
        }
        return t;
    }

    /** Starts accumulating wall time per node (for profiling; off by default). */
    public void profile(boolean on) {
        nanosByNode = on ? new long[graph.size()] : null;
    }

    /** Nanoseconds spent per op kind since {@link #profile} was switched on. */
    public java.util.SortedMap<OpKind, Long> profile() {
        java.util.TreeMap<OpKind, Long> m = new java.util.TreeMap<>();
        if (nanosByNode != null) {
            for (Node n : graph.nodes()) {
                if (nanosByNode[n.id()] > 0) {
                    m.merge(n.kind(), nanosByNode[n.id()], Long::sum);
                }
            }
        }
        return m;
    }

    /** Nanoseconds spent in node {@code id} since {@link #profile} was switched on (0 when off). */
    public long profileOf(int id) {
        return nanosByNode == null ? 0 : nanosByNode[id];
    }

    /** Copies each updated state value into the state tensors (after {@link #run}). */
    public void commit(Map<String, Tensor> state) {
        for (var e : graph.stateUpdates().entrySet()) {
            Tensor dst = state.get(e.getKey());
            Tensor src = values[e.getValue()];
            if (dst.data() != src.data()) {
                System.arraycopy(src.data(), 0, dst.data(), 0, dst.size());
            }
        }
    }

    /** The value of node {@code id} after {@link #run}. */
    public Tensor value(int id) {
        return values[id];
    }

    public Tensor output(String name) {
        return values[graph.output(name)];
    }

    /** The inputs node {@code id} read in the last run. */
    public Tensor[] inputsOf(int id) {
        Node n = graph.node(id);
        Tensor[] in = new Tensor[n.arity()];
        for (int i = 0; i < in.length; i++) {
            in[i] = values[n.input(i)];
        }
        return in;
    }

    /** Recomputes element {@code index} of node {@code id} with its chain of basic operations. */
    public Operand element(int id, int index, ElementChain chain) {
        Node n = graph.node(id);
        return n.kind().op().element(n, inputsOf(id), index, chain);
    }
}
