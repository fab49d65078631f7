package dev.verity.tensor.graph;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Graph}: output buffers are allocated once, so the steady-state loop allocates
 * nothing but view headers. Sources are bound to the caller's tensors (no copy).
 *
 * <p>Two buffer plans. {@link #StepExecutor(Graph)} gives every node its own buffer, so every
 * value can be read after {@link #run}: what tracing, disputes and op checks need.
 * {@link #sharingBuffers(Graph)} lets a node take over the buffer of a node whose last reader has
 * already run (same element count; assigned once, in node order, so the same for every run):
 * gpt's step then touches 55 MB of buffers instead of 149 MB, and what it writes is still in the
 * caches when it is read (measured: +8% samples/s at 1 thread, +11% at 2). Only graph outputs,
 * state updates and sources stay readable there. A node's output never shares a buffer with its
 * own inputs (a buffer is freed only after the node that last reads it has its output), so no
 * kernel runs in place unless it did before; the bits are the same under both plans.
 */
public final class StepExecutor {
    private final Graph graph;
    private final Tensor[] values;
    private final Tensor[][] ins;
    /** Whether node i's value is still intact after a run (every node unless buffers are shared). */
    private final boolean[] readable;
    /** graph.stateUpdates() as two arrays, so that commit walks no map views (garbage per step). */
    private final String[] updateNames;
    private final int[] updateNodes;
    private final long bufferFloats;
    private final long unsharedFloats;
    private long[] nanosByNode;

    /** An executor that keeps every node's value readable after a run (one buffer per node). */
    public StepExecutor(Graph graph) {
        this(graph, false);
    }

    /**
     * An executor for training: nodes share buffers once their values are dead; only outputs,
     * state updates and sources can be read after a run.
     */
    public static StepExecutor sharingBuffers(Graph graph) {
        return new StepExecutor(graph, true);
    }

    private StepExecutor(Graph graph, boolean share) {
        this.graph = graph;
        int size = graph.size();
        this.values = new Tensor[size];
        this.ins = new Tensor[size][];
        this.readable = new boolean[size];
        this.updateNames = graph.stateUpdates().keySet().toArray(new String[0]);
        this.updateNodes = graph.stateUpdates().values().stream().mapToInt(Integer::intValue).toArray();
        // root: the node whose buffer a view reads; last: the last node reading each root's buffer.
        int[] root = new int[size];
        int[] last = new int[size];
        Arrays.fill(last, -1);
        for (Node n : graph.nodes()) {
            root[n.id()] = n.kind().op().isView() ? root[n.input(0)] : n.id();
            for (int i = 0; i < n.arity(); i++) {
                int r = root[n.input(i)];
                last[r] = Math.max(last[r], n.id());
            }
        }
        for (int id : graph.outputs().values()) {
            last[root[id]] = Integer.MAX_VALUE;
        }
        for (int id : graph.stateUpdates().values()) {
            last[root[id]] = Integer.MAX_VALUE;
        }
        // Buffers free for reuse, by element count (exact: kernels size their loops by the array).
        Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
        List<List<Integer>> freedAfter = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            freedAfter.add(new ArrayList<>());
        }
        for (Node n : graph.nodes()) {
            int i = n.id();
            if (share && ownsBuffer(n) && last[i] < size) {
                // read last by node last[i], or never read (-1): free once node i itself has its buffer
                freedAfter.get(Math.max(i, last[i])).add(i);
            }
        }
        long floats = 0;
        long unshared = 0;
        for (Node n : graph.nodes()) {
            ins[n.id()] = new Tensor[n.arity()];
            if (ownsBuffer(n)) {
                unshared += n.numel();
                ArrayDeque<float[]> q = free.get((int) n.numel());
                float[] buf = q == null ? null : q.pollFirst();
                if (buf == null) {
                    buf = new float[Math.toIntExact(n.numel())];
                    floats += buf.length;
                }
                values[n.id()] = new Tensor(n.shape(), buf);
            }
            for (int r : freedAfter.get(n.id())) {
                free.computeIfAbsent(values[r].size(), k -> new ArrayDeque<>()).addFirst(values[r].data());
            }
        }
        for (int i = 0; i < size; i++) {
            OpKind rk = graph.node(root[i]).kind();
            readable[i] = !share || last[root[i]] == Integer.MAX_VALUE || rk == OpKind.STATE || rk == OpKind.INPUT;
        }
        this.bufferFloats = floats;
        this.unsharedFloats = unshared;
    }

    /** Whether node n's output gets a buffer of its own (sources are the caller's, views read their input's). */
    private static boolean ownsBuffer(Node n) {
        return n.kind() != OpKind.STATE && n.kind() != OpKind.INPUT && !n.kind().op().isView();
    }

    /** Floats in the node output buffers this executor allocated (sources are the caller's). */
    public long bufferFloats() {
        return bufferFloats;
    }

    /** Floats the node outputs would take with one buffer per node (= {@link #bufferFloats} unless shared). */
    public long unsharedFloats() {
        return unsharedFloats;
    }

    /** Whether node {@code id}'s value can be read after a run (always, unless buffers are shared). */
    public boolean readable(int id) {
        return readable[id];
    }

    /** Node {@code id}'s output array (the caller's for sources, after a run), readable or not: for tests of the plan. */
    float[] buffer(int id) {
        return values[id] == null ? null : values[id].data();
    }

    private Tensor readableValue(int id) {
        if (!readable[id]) {
            throw new IllegalStateException("node %" + id + " (" + graph.node(id).kind() + ") shares its buffer with"
                    + " later nodes in this executor; read intermediate values from an executor made with"
                    + " new StepExecutor(graph) (e.g. Trainer.tracingExecutor())");
        }
        return values[id];
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
                        // a view shares its input's array; a new Tensor only when that array changed
                        // (a state or input bound anew), so a steady-state step allocates none
                        Tensor v = values[n.id()];
                        if (v == null || v.data() != in[0].data()) {
                            values[n.id()] = new Tensor(n.shapeView(), in[0].data());
                        }
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
        if (!t.hasShape(n.shapeView())) {
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
        for (int i = 0; i < updateNames.length; i++) {
            Tensor dst = state.get(updateNames[i]);
            Tensor src = values[updateNodes[i]];
            if (dst.data() != src.data()) {
                System.arraycopy(src.data(), 0, dst.data(), 0, dst.size());
            }
        }
    }

    /** The value of node {@code id} after {@link #run}; see {@link #readable}. */
    public Tensor value(int id) {
        return readableValue(id);
    }

    public Tensor output(String name) {
        return values[graph.output(name)];
    }

    /** The inputs node {@code id} read in the last run; see {@link #readable}. */
    public Tensor[] inputsOf(int id) {
        Node n = graph.node(id);
        Tensor[] in = new Tensor[n.arity()];
        for (int i = 0; i < in.length; i++) {
            in[i] = readableValue(n.input(i));
        }
        return in;
    }

    /** Recomputes element {@code index} of node {@code id} with its chain of basic operations. */
    public Operand element(int id, int index, ElementChain chain) {
        Node n = graph.node(id);
        return n.kind().op().element(n, inputsOf(id), index, chain);
    }
}
