package dev.verity.tensor.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Builds a {@link Graph} from shapes alone. Layers and models call the typed methods below; each
 * appends one op record, checks its input shapes and returns the new node's id.
 */
public final class GraphBuilder {
    private final List<Node> nodes = new ArrayList<>();
    private final TreeMap<String, Integer> stateInputs = new TreeMap<>();
    private final TreeMap<String, Integer> inputs = new TreeMap<>();
    private final TreeMap<String, Integer> stateUpdates = new TreeMap<>();
    private final TreeMap<String, Integer> outputs = new TreeMap<>();
    private GraphRole role = GraphRole.FORWARD;

    public GraphRole role() {
        return role;
    }

    /** Sets the role recorded on the nodes added from now on. */
    public GraphBuilder role(GraphRole r) {
        this.role = r;
        return this;
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    public int[] shape(int id) {
        return nodes.get(id).shape();
    }

    public int size() {
        return nodes.size();
    }

    /** Appends a node; the op checks the input shapes and gives the output shape. */
    public int append(OpKind kind, Attrs attrs, String name, int... in) {
        int[][] shapes = new int[in.length][];
        for (int i = 0; i < in.length; i++) {
            if (in[i] < 0 || in[i] >= nodes.size()) {
                throw new IllegalArgumentException(kind + ": input " + in[i] + " is not an earlier node");
            }
            shapes[i] = nodes.get(in[i]).shape();
        }
        int[] out;
        try {
            out = kind.op().shape(attrs, shapes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(kind + (name.isEmpty() ? "" : " '" + name + "'") + ": " + e.getMessage(), e);
        }
        GraphRole r = (kind == OpKind.STATE || kind == OpKind.INPUT) ? GraphRole.SOURCE : role;
        Node n = new Node(nodes.size(), kind, attrs, in, out, r, name);
        nodes.add(n);
        return n.id();
    }

    public int append(OpKind kind, Attrs attrs, int... in) {
        return append(kind, attrs, "", in);
    }

    public int append(OpKind kind, int... in) {
        return append(kind, Attrs.NONE, "", in);
    }

    // ---- sources -------------------------------------------------------------------------

    /** Reads the state tensor {@code name} (a weight or optimizer state), with no init rule (test and bench graphs). */
    public int state(String name, int... shape) {
        return state(name, Attrs.NONE, shape);
    }

    /**
     * Reads the state tensor {@code name}; {@code init} are the attributes that say how it starts
     * ({@code nn.Init.stateAttrs}), committed with the node so checkpoint 0 is a function of the graph.
     */
    public int state(String name, Attrs init, int... shape) {
        Integer have = stateInputs.get(name);
        if (have != null) {
            if (!Arrays.equals(nodes.get(have).shape(), shape)) {
                throw new IllegalArgumentException("state '" + name + "' declared with two shapes");
            }
            return have;
        }
        for (var e : init.asMap().entrySet()) {
            if (!(e.getValue() instanceof Long || e.getValue() instanceof Float)) {
                throw new IllegalArgumentException("init attribute '" + e.getKey() + "' must be a long or a float");
            }
        }
        int id = append(OpKind.STATE, Attrs.builder().put(OpAttr.SHAPE, shape).putAll(init).build(), name);
        stateInputs.put(name, id);
        return id;
    }

    /** Reads the named input (dataset arrays, the step counter). */
    public int input(String name, int... shape) {
        Integer have = inputs.get(name);
        if (have != null) {
            return have;
        }
        int id = append(OpKind.INPUT, Attrs.builder().put(OpAttr.SHAPE, shape).build(), name);
        inputs.put(name, id);
        return id;
    }

    public int constant(float value, int... shape) {
        return append(OpKind.CONST, Attrs.builder().put(OpAttr.VALUE, value).put(OpAttr.SHAPE, shape).build());
    }

    /** Declares that after the step, state tensor {@code name} holds node {@code id}. */
    public void updateState(String name, int id) {
        if (!stateInputs.containsKey(name)) {
            throw new IllegalArgumentException("update of unknown state '" + name + "'");
        }
        if (!Arrays.equals(shape(stateInputs.get(name)), shape(id))) {
            throw new IllegalArgumentException("update of state '" + name + "' changes its shape");
        }
        if (stateUpdates.put(name, id) != null) {
            throw new IllegalArgumentException("state '" + name + "' updated twice");
        }
    }

    public void output(String name, int id) {
        outputs.put(name, id);
    }

    public Graph build() {
        return new Graph(nodes, stateInputs, inputs, stateUpdates, outputs);
    }

    // ---- forward ops ---------------------------------------------------------------------

    /** a x b, 2-D or batched 3-D, optionally transposed, with an optional per-column bias (-1 = none). */
    public int matmul(int a, int b, boolean transA, boolean transB, int bias) {
        Attrs at = Attrs.builder().put(OpAttr.TRANS_A, transA).put(OpAttr.TRANS_B, transB).build();
        return bias < 0 ? append(OpKind.MATMUL, at, a, b) : append(OpKind.MATMUL, at, a, b, bias);
    }

    public int matmul(int a, int b) {
        return matmul(a, b, false, false, -1);
    }

    public int add(int a, int b) {
        return append(OpKind.ADD, a, b);
    }

    public int sub(int a, int b) {
        return append(OpKind.SUB, a, b);
    }

    public int mul(int a, int b) {
        return append(OpKind.MUL, a, b);
    }

    public int scale(int a, float factor) {
        return append(OpKind.SCALE, Attrs.builder().put(OpAttr.FACTOR, factor).build(), a);
    }

    /** Sums {@code a} down to a broadcast-compatible {@code shape} (the gradient of a broadcast). */
    public int reduceTo(int a, int... shape) {
        if (Arrays.equals(shape(a), shape)) {
            return a;
        }
        return append(OpKind.REDUCE_TO, Attrs.builder().put(OpAttr.SHAPE, shape).build(), a);
    }

    public int sum(int a) {
        return append(OpKind.SUM, a);
    }

    public int mean(int a) {
        return append(OpKind.MEAN, a);
    }

    public int relu(int a) {
        return append(OpKind.RELU, a);
    }

    public int gelu(int a) {
        return append(OpKind.GELU, a);
    }

    public int tanh(int a) {
        return append(OpKind.TANH, a);
    }

    public int sigmoid(int a) {
        return append(OpKind.SIGMOID, a);
    }

    public int softmax(int a) {
        return append(OpKind.SOFTMAX, a);
    }

    public int logSoftmax(int a) {
        return append(OpKind.LOG_SOFTMAX, a);
    }

    /** Mean cross-entropy of logits [N, C] against integer labels [N] (held as floats). */
    public int crossEntropy(int logits, int labels) {
        return append(OpKind.CROSS_ENTROPY, logits, labels);
    }

    public int conv2d(int x, int w, int bias, int stride, int pad) {
        Attrs at = Attrs.builder().put(OpAttr.STRIDE, stride).put(OpAttr.PAD, pad).build();
        return bias < 0 ? append(OpKind.CONV2D, at, x, w) : append(OpKind.CONV2D, at, x, w, bias);
    }

    public int maxPool2d(int x, int kernel, int stride) {
        return append(OpKind.MAXPOOL2D, Attrs.builder().put(OpAttr.KERNEL, kernel).put(OpAttr.STRIDE, stride).build(), x);
    }

    public int avgPool2d(int x, int kernel, int stride) {
        return append(OpKind.AVGPOOL2D, Attrs.builder().put(OpAttr.KERNEL, kernel).put(OpAttr.STRIDE, stride).build(), x);
    }

    public int layerNorm(int x, int gamma, int beta, float eps) {
        return append(OpKind.LAYERNORM, Attrs.builder().put(OpAttr.EPS, eps).build(), x, gamma, beta);
    }

    public int embedding(int table, int idx) {
        return append(OpKind.EMBEDDING, table, idx);
    }

    public int reshape(int x, int... shape) {
        return append(OpKind.RESHAPE, Attrs.builder().put(OpAttr.SHAPE, shape).build(), x);
    }

    public int transpose(int x, int... perm) {
        return append(OpKind.TRANSPOSE, Attrs.builder().put(OpAttr.PERM, perm).build(), x);
    }

    public int slice(int x, int axis, int start, int end) {
        return append(OpKind.SLICE, Attrs.builder().put(OpAttr.AXIS, axis).put(OpAttr.START, start).put(OpAttr.END, end).build(), x);
    }

    public int concat(int axis, int... parts) {
        return append(OpKind.CONCAT, Attrs.builder().put(OpAttr.AXIS, axis).build(), parts);
    }

    /** Sets x[..., i, j] = fill for j &gt; i (future positions); x's last two dims are square. */
    public int causalMask(int x, float fill) {
        return append(OpKind.CAUSAL_MASK, Attrs.builder().put(OpAttr.FILL, fill).build(), x);
    }

    /**
     * Inverted dropout: x times a mask of 0 or 1/(1-p), drawn from the counter-based RNG keyed by
     * (seed, purpose, step, element index). The mask is its own node so its gradient is a MUL.
     */
    public int dropout(int x, int step, float p, long seed, int purpose) {
        if (p == 0f) {
            return x;
        }
        GraphRole saved = role;
        role(GraphRole.DATA);
        int mask = append(OpKind.DROPOUT_MASK, Attrs.builder().put(OpAttr.P, p).put(OpAttr.SEED, seed).put(OpAttr.PURPOSE, purpose)
                .put(OpAttr.SHAPE, shape(x)).build(), step);
        role(saved);
        return mul(x, mask);
    }

    @Override
    public String toString() {
        return "GraphBuilder(" + nodes.size() + " nodes)";
    }
}
