package dev.verity.tensor.onnx;

import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.nn.Init;
import dev.verity.tensor.nn.Params;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Turns an ONNX model's forward graph into Verity ops on a {@link GraphBuilder}: each ONNX node becomes one or a few
 * existing op kinds, so every imported model is made of ops that already have a scalar reference, a bit-equal fast
 * path, an element chain and an on-chain prescription ({@link #EMITS}). The shape arithmetic the exporter emits
 * (Shape, Gather, Unsqueeze, Concat feeding Reshape) is folded here, from the shapes Verity's graph actually has, so a
 * model exported at one batch size trains at another. Anything else is refused before training, naming the node.
 *
 * <p>Float initializers become parameters under their ONNX names (trained by the optimizer), except BatchNorm's
 * running statistics, which become buffers the graph updates itself. Their values are the model's initial weights
 * ({@link OnnxModelConfig#initialTensors}); integer initializers are constants for the shape arithmetic.
 *
 * <p>Where Verity's op is not PyTorch's operation to the bit, the difference is rounding only: a division by a
 * constant is a multiplication by its float reciprocal (within one ulp), BatchNorm's batch mean is a sum scaled by
 * 1/n, and dropout masks come from Verity's counter-based generator (so they are reproducible, not PyTorch's).
 */
public final class OnnxImporter {
    /** The ONNX op types the importer reads (plus the GELU pattern Div, Erf, Add, Mul, Mul). */
    public static final SortedSet<String> SUPPORTED = Collections.unmodifiableSortedSet(new TreeSet<>(List.of(
            "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape", "Conv", "Div",
            "Dropout", "Erf", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "Identity", "LayerNormalization",
            "LogSoftmax", "MatMul", "MaxPool", "Mul", "Range", "ReduceMean", "ReduceSum", "Relu", "Reshape", "Shape",
            "Sigmoid", "Slice", "Softmax", "Split", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze", "Where")));

    /**
     * Every op kind an imported training step may contain: what the forward translation emits, the gradients
     * Autograd appends for them, the loss, and the optimizers. The on-chain coverage check holds each to a
     * prescription, so an imported model holds no op a contract cannot rule on.
     */
    public static final Set<OpKind> EMITS = Collections.unmodifiableSet(EnumSet.of(
            OpKind.STATE, OpKind.INPUT, OpKind.CONST, OpKind.GATHER_ROWS, OpKind.GATHER_WINDOWS, OpKind.DROPOUT_MASK,
            OpKind.MATMUL, OpKind.ADD, OpKind.SUB, OpKind.MUL, OpKind.SCALE, OpKind.REDUCE_TO, OpKind.SUM, OpKind.MEAN,
            OpKind.RELU, OpKind.GELU, OpKind.TANH, OpKind.SIGMOID, OpKind.RELU_GRAD, OpKind.GELU_GRAD,
            OpKind.TANH_GRAD, OpKind.SIGMOID_GRAD, OpKind.SOFTMAX, OpKind.SOFTMAX_GRAD, OpKind.LOG_SOFTMAX,
            OpKind.LOG_SOFTMAX_GRAD, OpKind.CROSS_ENTROPY, OpKind.CROSS_ENTROPY_GRAD, OpKind.CONV2D,
            OpKind.CONV2D_GRAD_INPUT, OpKind.CONV2D_GRAD_WEIGHT, OpKind.MAXPOOL2D, OpKind.MAXPOOL2D_GRAD,
            OpKind.AVGPOOL2D, OpKind.AVGPOOL2D_GRAD, OpKind.LAYERNORM, OpKind.LAYERNORM_GRAD_INPUT,
            OpKind.LAYERNORM_GRAD_GAMMA, OpKind.EMBEDDING, OpKind.EMBEDDING_GRAD, OpKind.RESHAPE, OpKind.TRANSPOSE,
            OpKind.SLICE, OpKind.CONCAT, OpKind.PAD_SLICE, OpKind.CAUSAL_MASK, OpKind.SGD_BUF, OpKind.SGD_PARAM, OpKind.ADAM_M,
            OpKind.ADAM_V, OpKind.ADAMW_PARAM, OpKind.POW_UPDATE, OpKind.GRAD_NORM_SQ, OpKind.CLIP_SCALE,
            OpKind.LR_SCHEDULE));

    /** A value of the ONNX graph: a node of Verity's graph, or a constant folded at import. */
    private sealed interface Value permits Computed, Folded {
    }

    private record Computed(int id) implements Value {
    }

    private record Folded(OnnxTensor t) implements Value {
    }

    private final OnnxGraph model;
    private final Params p;
    private final GraphBuilder g;
    private final int step;
    private final long seed;
    private final boolean train;
    /** Looked up by name only, never iterated: its order cannot reach the graph. */
    private final Map<String, Value> values = new HashMap<>();
    private final Set<String> buffers;
    private int dropoutPurpose = 1;

    private OnnxImporter(OnnxGraph model, Params p, int step, long seed, boolean train) {
        this.model = model;
        this.p = p;
        this.g = p.graph();
        this.step = step;
        this.seed = seed;
        this.train = train;
        this.buffers = runningStatistics(model);
    }

    /**
     * Appends the model's forward pass to {@code p}'s graph. {@code x} is the batch as Verity's step reads it:
     * [B, features] for a float input (reshaped to the model's input shape with batch B) or [B, T] of token ids.
     * Returns the logits as [rows, classes] (a [B, T, V] output becomes [B*T, V]).
     */
    public static int logits(OnnxGraph model, Params p, int x, int step, long seed, boolean train) {
        return new OnnxImporter(model, p, step, seed, train).run(x);
    }

    private int run(int x) {
        bindInput(x);
        for (OnnxNode n : GeluPattern.rewrite(model)) {
            try {
                translate(n);
            } catch (OnnxImportException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw OnnxImportException.at(n, e.getMessage());
            }
        }
        String out = model.output().name();
        int logits = computed(out, "the model output '" + out + "'");
        int[] s = g.shape(logits);
        if (s.length < 2) {
            throw new OnnxImportException(model.source() + ": the output '" + out + "' has shape " + Arrays.toString(s)
                    + "; Verity trains models whose output is logits [batch, classes] or [batch, T, vocab]");
        }
        int classes = s[s.length - 1];
        return s.length == 2 ? logits : g.reshape(logits, (int) (g.node(logits).numel() / classes), classes);
    }

    private void bindInput(int x) {
        OnnxGraph.ValueInfo in = model.input();
        int[] dims = in.dims();
        int[] xs = g.shape(x);
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new OnnxImportException(model.source() + ": input '" + in.name() + "' has a dynamic dimension "
                        + i + "; only the batch dimension may be dynamic");
            }
        }
        if (dims.length == 0) {
            throw new OnnxImportException(model.source() + ": input '" + in.name() + "' is a scalar, not a batch");
        }
        dims[0] = xs[0];
        if (Arrays.equals(dims, xs)) {
            values.put(in.name(), new Computed(x));
            return;
        }
        if (dev.verity.tensor.Tensor.numel(dims) != g.node(x).numel()) {
            throw new OnnxImportException(model.source() + ": input '" + in.name() + "' is " + Arrays.toString(in.dims())
                    + " but the data gives batches of " + Arrays.toString(xs));
        }
        values.put(in.name(), new Computed(g.reshape(x, dims)));
    }

    /** BatchNormalization inputs 3 and 4: running statistics, buffers rather than trained parameters. */
    private static Set<String> runningStatistics(OnnxGraph model) {
        Set<String> s = new java.util.HashSet<>();
        for (OnnxNode n : model.nodes()) {
            if (n.opType().equals("BatchNormalization")) {
                s.add(n.input(3));
                s.add(n.input(4));
            }
        }
        return s;
    }

    // ---- values ------------------------------------------------------------------------------

    private Value value(String name) {
        Value v = values.get(name);
        if (v != null) {
            return v;
        }
        OnnxTensor init = model.initializers().get(name);
        if (init == null) {
            throw new OnnxImportException(model.source() + ": value '" + name + "' is used before it is computed");
        }
        if (!init.isFloat() || init.shape().length == 0) {
            v = new Folded(init);
        } else if (buffers.contains(name)) {
            v = new Computed(p.buffer(name, placeholderInit(init), init.shape()));
        } else {
            v = new Computed(p.get(name, Init.zeros(), init.shape()));
        }
        values.put(name, v);
        return v;
    }

    /** The init a graph records for an imported buffer: its actual values come from the model (a parent). */
    private static Init placeholderInit(OnnxTensor t) {
        return t.isUniform() && t.floatAt(0) == 1f ? Init.ones() : Init.zeros();
    }

    private int computed(String name, String what) {
        return switch (value(name)) {
            case Computed c -> c.id();
            case Folded f -> materialize(f.t(), what);
        };
    }

    /** A constant used as a tensor: Verity's CONST holds one value and a shape. */
    private int materialize(OnnxTensor t, String what) {
        if (!t.isUniform() || t.size() == 0) {
            throw new OnnxImportException(what + " is a constant tensor with differing values; Verity's graph holds "
                    + "constants of one value (make it a parameter or a buffer of the model)");
        }
        int[] s = t.shape().length == 0 ? new int[] {1} : t.shape();
        return g.constant(t.floatAt(0), s);
    }

    private OnnxTensor folded(OnnxNode n, int input) {
        if (value(n.input(input)) instanceof Folded f) {
            return f.t();
        }
        throw OnnxImportException.at(n, "input " + input + " ('" + n.input(input) + "') must be a constant");
    }

    private void put(OnnxNode n, int id) {
        values.put(n.output(0), new Computed(id));
    }

    private void put(OnnxNode n, OnnxTensor t) {
        values.put(n.output(0), new Folded(t));
    }

    private int axis(OnnxNode n, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw OnnxImportException.at(n, "axis " + axis + " is outside a rank-" + rank + " tensor");
        }
        return (int) a;
    }

    // ---- translation -------------------------------------------------------------------------

    private void translate(OnnxNode n) {
        switch (n.opType()) {
            case "Identity", "Cast" -> cast(n);
            case "Constant" -> put(n, constant(n));
            case "ConstantOfShape" -> constantOfShape(n);
            case "Shape" -> shape(n);
            case "Range" -> range(n);
            case "Gather" -> gather(n);
            case "Unsqueeze", "Squeeze" -> squeeze(n);
            case "Concat" -> concat(n);
            case "Slice" -> slice(n);
            case "Split" -> split(n);
            case "Where" -> where(n);
            case "Reshape" -> reshape(n);
            case "Flatten" -> flatten(n);
            case "Transpose" -> transpose(n);
            case "Add", "Sub", "Mul", "Div" -> binary(n);
            case "Relu" -> put(n, g.relu(computed(n.input(0), n.name())));
            case "Clip" -> clip(n);
            case "Sigmoid" -> put(n, g.sigmoid(computed(n.input(0), n.name())));
            case "Tanh" -> put(n, g.tanh(computed(n.input(0), n.name())));
            case GeluPattern.GELU -> put(n, g.gelu(computed(n.input(0), n.name())));
            case "Softmax", "LogSoftmax" -> softmax(n);
            case "MatMul" -> matmul(n);
            case "Gemm" -> gemm(n);
            case "Conv" -> OnnxConvolutions.conv(this, n);
            case "MaxPool", "AveragePool" -> OnnxConvolutions.pool(this, n);
            case "GlobalAveragePool" -> OnnxConvolutions.globalAveragePool(this, n);
            case "ReduceMean", "ReduceSum" -> reduce(n);
            case "BatchNormalization" -> OnnxConvolutions.batchNorm(this, n);
            case "LayerNormalization" -> layerNorm(n);
            case "Dropout" -> dropout(n);
            case "Erf" -> throw OnnxImportException.at(n, "Erf is supported as part of GELU, x * 0.5 * (1 + erf(x / sqrt(2))) "
                    + "(nn.GELU()), not on its own");
            default -> throw OnnxImportException.at(n, "unsupported op type; supported: " + String.join(", ", SUPPORTED));
        }
    }

    private void cast(OnnxNode n) {
        // every Verity value is a float32; integer ids and shapes stay exact (below 2^24), so a Cast is a rename
        values.put(n.output(0), value(n.input(0)));
    }

    private OnnxTensor constant(OnnxNode n) {
        Object v = n.attrs().get("value");
        if (v instanceof OnnxTensor t) {
            return t;
        }
        if (n.attrs().get("value_float") instanceof Float f) {
            return OnnxTensor.ofFloats(n.output(0), new int[0], f);
        }
        if (n.attrs().get("value_int") instanceof Long l) {
            return OnnxTensor.ofLongs(n.output(0), new int[0], l);
        }
        if (n.attrs().get("value_ints") instanceof long[] l) {
            return OnnxTensor.ofLongs(n.output(0), new int[] {l.length}, l);
        }
        if (n.attrs().get("value_floats") instanceof float[] f) {
            return OnnxTensor.ofFloats(n.output(0), new int[] {f.length}, f);
        }
        throw OnnxImportException.at(n, "a Constant needs one of value, value_float(s), value_int(s)");
    }

    private void constantOfShape(OnnxNode n) {
        long[] dims = folded(n, 0).asLongs();
        int[] shape = toInts(n, dims);
        long count = dev.verity.tensor.Tensor.numel(shape);
        OnnxTensor fill = n.attrs().get("value") instanceof OnnxTensor t ? t : OnnxTensor.ofFloats("", new int[] {1}, 0f);
        if (fill.isFloat()) {
            float[] f = new float[(int) count];
            Arrays.fill(f, fill.floatAt(0));
            put(n, OnnxTensor.ofFloats(n.output(0), shape, f));
        } else {
            long[] l = new long[(int) count];
            Arrays.fill(l, fill.longAt(0));
            put(n, OnnxTensor.ofLongs(n.output(0), shape, l));
        }
    }

    private void shape(OnnxNode n) {
        int[] s = switch (value(n.input(0))) {
            case Computed c -> g.shape(c.id());
            case Folded f -> f.t().shape();
        };
        int start = (int) n.intAttr("start", 0);
        int end = (int) n.intAttr("end", s.length);
        start = Math.clamp(start < 0 ? start + s.length : start, 0, s.length);
        end = Math.clamp(end < 0 ? end + s.length : end, 0, s.length);
        long[] out = new long[Math.max(0, end - start)];
        for (int i = 0; i < out.length; i++) {
            out[i] = s[start + i];
        }
        put(n, OnnxTensor.ofLongs(n.output(0), new int[] {out.length}, out));
    }

    private void range(OnnxNode n) {
        long start = folded(n, 0).longAt(0);
        long limit = folded(n, 1).longAt(0);
        long delta = folded(n, 2).longAt(0);
        if (delta == 0) {
            throw OnnxImportException.at(n, "delta is 0");
        }
        int count = (int) Math.max(0, Math.ceilDiv(limit - start, delta));
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = start + i * delta;
        }
        put(n, OnnxTensor.ofLongs(n.output(0), new int[] {count}, out));
    }

    private void gather(OnnxNode n) {
        Value data = value(n.input(0));
        Value idx = value(n.input(1));
        if (data instanceof Folded d && idx instanceof Folded i) {
            put(n, Folding.gather(n, d.t(), i.t()));
            return;
        }
        int x = computed(n.input(0), n.name());
        int rank = g.shape(x).length;
        int axis = axis(n, n.intAttr("axis", 0), rank);
        if (idx instanceof Computed ids) {
            if (axis != 0 || rank != 2 || g.node(x).kind() != OpKind.STATE) {
                throw OnnxImportException.at(n, "a Gather with computed indices must look rows up in a 2-D weight "
                        + "(an embedding)");
            }
            put(n, g.embedding(x, ids.id()));
            return;
        }
        OnnxTensor i = ((Folded) idx).t();
        put(n, gatherConstant(n, x, axis, i));
    }

    /** Gather of a contiguous range of positions (or one position) along an axis: a slice. */
    private int gatherConstant(OnnxNode n, int x, int axis, OnnxTensor idx) {
        int dim = g.shape(x)[axis];
        long[] l = idx.asLongs();
        if (l.length == 0) {
            throw OnnxImportException.at(n, "gathers nothing");
        }
        long first = l[0] < 0 ? l[0] + dim : l[0];
        for (int k = 0; k < l.length; k++) {
            long v = l[k] < 0 ? l[k] + dim : l[k];
            if (v != first + k || v < 0 || v >= dim) {
                throw OnnxImportException.at(n, "constant indices must be one ascending run inside [0, " + dim + ")");
            }
        }
        int y = g.slice(x, axis, (int) first, (int) first + l.length);
        if (idx.shape().length == 0) {
            return g.reshape(y, dropAxis(g.shape(y), axis));
        }
        if (idx.shape().length != 1) {
            throw OnnxImportException.at(n, "constant indices must be a scalar or a vector");
        }
        return y;
    }

    private static int[] dropAxis(int[] s, int axis) {
        int[] out = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i != axis) {
                out[j++] = s[i];
            }
        }
        return out;
    }

    private void squeeze(OnnxNode n) {
        Value v = value(n.input(0));
        int[] s = v instanceof Computed c ? g.shape(c.id()) : ((Folded) v).t().shape();
        long[] axes = n.input(1).isEmpty() ? n.intsAttr("axes", null) : folded(n, 1).asLongs();
        int[] to = n.opType().equals("Squeeze") ? Folding.squeezed(n, s, axes) : Folding.unsqueezed(n, s, axes);
        switch (v) {
            case Computed c -> put(n, g.reshape(c.id(), to));
            case Folded f -> put(n, f.t().reshaped(to));
        }
    }

    private void concat(OnnxNode n) {
        boolean allFolded = true;
        for (String in : n.inputs()) {
            allFolded &= value(in) instanceof Folded;
        }
        if (allFolded) {
            put(n, Folding.concat(n, n.inputs().stream().map(in -> ((Folded) value(in)).t()).toList()));
            return;
        }
        int[] ids = new int[n.inputs().size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = computed(n.input(i), n.name());
        }
        put(n, g.concat(axis(n, n.intAttr("axis", 0), g.shape(ids[0]).length), ids));
    }

    private void slice(OnnxNode n) {
        long[] starts = folded(n, 1).asLongs();
        long[] ends = folded(n, 2).asLongs();
        Value v = value(n.input(0));
        int[] s = v instanceof Computed c ? g.shape(c.id()) : ((Folded) v).t().shape();
        long[] axes = n.input(3).isEmpty() ? null : folded(n, 3).asLongs();
        long[] steps = n.input(4).isEmpty() ? null : folded(n, 4).asLongs();
        if (v instanceof Folded f) {
            put(n, Folding.slice(n, f.t(), starts, ends, axes, steps));
            return;
        }
        int x = ((Computed) v).id();
        for (int k = 0; k < starts.length; k++) {
            int a = axis(n, axes == null ? k : axes[k], s.length);
            if (steps != null && steps[k] != 1) {
                throw OnnxImportException.at(n, "slices with step " + steps[k] + "; only step 1 is supported");
            }
            int lo = (int) Folding.clampIndex(starts[k], s[a]);
            int hi = (int) Folding.clampIndex(ends[k], s[a]);
            if (lo != 0 || hi != s[a]) {
                x = g.slice(x, a, lo, Math.max(lo, hi));
            }
        }
        put(n, x);
    }

    private void split(OnnxNode n) {
        int x = computed(n.input(0), n.name());
        int[] s = g.shape(x);
        int a = axis(n, n.intAttr("axis", 0), s.length);
        int parts = n.outputs().size();
        long[] sizes = !n.input(1).isEmpty() ? folded(n, 1).asLongs() : n.intsAttr("split", null);
        if (sizes == null) {
            if (s[a] % parts != 0) {
                throw OnnxImportException.at(n, "cannot split " + s[a] + " into " + parts + " equal parts");
            }
            sizes = new long[parts];
            Arrays.fill(sizes, s[a] / parts);
        }
        if (sizes.length != parts || Arrays.stream(sizes).sum() != s[a]) {
            throw OnnxImportException.at(n, "split sizes " + Arrays.toString(sizes) + " do not cover " + s[a]);
        }
        int at = 0;
        for (int k = 0; k < parts; k++) {
            values.put(n.output(k), new Computed(g.slice(x, a, at, at + (int) sizes[k])));
            at += (int) sizes[k];
        }
    }

    /**
     * Where with a constant condition that is a causal mask over the last two axes: Where(future, fill, scores)
     * (future[i][j] = j &gt; i) or Where(past, scores, fill) is Verity's CAUSAL_MASK of the scores.
     */
    private void where(OnnxNode n) {
        OnnxTensor cond = folded(n, 0);
        Value a = value(n.input(1));
        Value b = value(n.input(2));
        boolean fillFirst = a instanceof Folded;
        if (fillFirst == (b instanceof Folded)) {
            throw OnnxImportException.at(n, "Where is supported as a causal mask: one computed input and one constant fill");
        }
        OnnxTensor fill = fillFirst ? ((Folded) a).t() : ((Folded) b).t();
        int x = fillFirst ? ((Computed) b).id() : ((Computed) a).id();
        int[] xs = g.shape(x);
        int t = xs[xs.length - 1];
        if (xs.length < 2 || xs[xs.length - 2] != t || !isTriangle(cond, t, fillFirst)) {
            throw OnnxImportException.at(n, "its condition is not a causal mask over the last two axes of "
                    + Arrays.toString(xs) + " (Verity supports Where only as masked_fill of future positions)");
        }
        put(n, g.causalMask(x, fill.scalar()));
    }

    /** True if cond is [t, t] (possibly with leading 1s) and true exactly where j &gt; i (future) or j &lt;= i. */
    private static boolean isTriangle(OnnxTensor cond, int t, boolean future) {
        if (cond.size() != t * t) {
            return false;
        }
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                if ((cond.longAt(i * t + j) != 0) != (future == (j > i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private void reshape(OnnxNode n) {
        long[] want = folded(n, 1).asLongs();
        int x = computed(n.input(0), n.name());
        int[] s = g.shape(x);
        boolean allowZero = n.intAttr("allowzero", 0) == 1;
        int[] to = new int[want.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < want.length; i++) {
            if (want[i] == -1) {
                if (infer >= 0) {
                    throw OnnxImportException.at(n, "two -1 dimensions in " + Arrays.toString(want));
                }
                infer = i;
                continue;
            }
            to[i] = want[i] == 0 && !allowZero ? s[i] : Math.toIntExact(want[i]);
            known *= to[i];
        }
        long numel = g.node(x).numel();
        if (infer >= 0) {
            to[infer] = known == 0 ? 0 : (int) (numel / known);
        }
        if (dev.verity.tensor.Tensor.numel(to) != numel) {
            throw OnnxImportException.at(n, "cannot reshape " + Arrays.toString(s) + " to " + Arrays.toString(want)
                    + " (a batch size fixed in the export? reshape with x.flatten(1) or x.view(x.size(0), -1))");
        }
        put(n, g.reshape(x, to));
    }

    private void flatten(OnnxNode n) {
        int x = computed(n.input(0), n.name());
        int[] s = g.shape(x);
        int a = n.intAttr("axis", 1) == s.length ? s.length : axis(n, n.intAttr("axis", 1), s.length);
        int outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= s[i];
        }
        put(n, g.reshape(x, outer, (int) (g.node(x).numel() / Math.max(1, outer))));
    }

    private void transpose(OnnxNode n) {
        int x = computed(n.input(0), n.name());
        int rank = g.shape(x).length;
        long[] perm = n.intsAttr("perm", null);
        int[] pm = new int[rank];
        for (int i = 0; i < rank; i++) {
            pm[i] = perm == null ? rank - 1 - i : (int) perm[i];
        }
        put(n, g.transpose(x, pm));
    }

    private void binary(OnnxNode n) {
        Value a = value(n.input(0));
        Value b = value(n.input(1));
        String op = n.opType();
        if (a instanceof Folded fa && b instanceof Folded fb) {
            put(n, Folding.arithmetic(n, op, fa.t(), fb.t()));
            return;
        }
        if (b instanceof Folded fb && (op.equals("Mul") || op.equals("Div")) && fb.t().size() == 1) {
            float c = fb.t().scalar();
            put(n, g.scale(((Computed) a).id(), op.equals("Mul") ? c : 1f / c));
            return;
        }
        if (a instanceof Folded fa && op.equals("Mul") && fa.t().size() == 1) {
            put(n, g.scale(((Computed) b).id(), fa.t().scalar()));
            return;
        }
        if (op.equals("Div")) {
            throw OnnxImportException.at(n, "divides by a computed tensor; Verity divides only by constants");
        }
        int x = computed(n.input(0), n.name());
        int y = computed(n.input(1), n.name());
        put(n, switch (op) {
            case "Add" -> g.add(x, y);
            case "Sub" -> g.sub(x, y);
            default -> g.mul(x, y);
        });
    }

    /**
     * Clip(x, 0, hi) (ReLU6 and its kin) as relu(x) - relu(x - hi): equal to min(max(x, 0), hi) wherever x - hi is
     * exact (x within [hi/2, 2 hi], Sterbenz) and within one ulp of hi beyond; its gradient is 1 inside, 0 outside.
     */
    private void clip(OnnxNode n) {
        int x = computed(n.input(0), n.name());
        float lo = n.input(1).isEmpty() ? Float.NEGATIVE_INFINITY : folded(n, 1).scalar();
        float hi = n.input(2).isEmpty() ? Float.POSITIVE_INFINITY : folded(n, 2).scalar();
        if (lo != 0f || !(hi > 0f)) {
            throw OnnxImportException.at(n, "Clip is supported with min 0 and a positive max (ReLU6), got [" + lo + ", "
                    + hi + "]");
        }
        int r = g.relu(x);
        put(n, hi == Float.POSITIVE_INFINITY ? r : g.sub(r, g.relu(g.sub(x, g.constant(hi, 1)))));
    }

    private void softmax(OnnxNode n) {
        int x = computed(n.input(0), n.name());
        int rank = g.shape(x).length;
        if (axis(n, n.intAttr("axis", -1), rank) != rank - 1) {
            throw OnnxImportException.at(n, "softmax over axis " + n.intAttr("axis", -1) + "; only the last axis is supported");
        }
        put(n, n.opType().equals("Softmax") ? g.softmax(x) : g.logSoftmax(x));
    }

    private void matmul(OnnxNode n) {
        int a = computed(n.input(0), n.name());
        int b = computed(n.input(1), n.name());
        put(n, matmul(n, a, b));
    }

    /** a x b for ranks 2 to 4: a [.., M, K] with a 2-D b folds the leading dims into rows; equal ranks batch. */
    private int matmul(OnnxNode n, int a, int b) {
        int[] sa = g.shape(a);
        int[] sb = g.shape(b);
        if (sb.length == 2 && sa.length >= 2) {
            int k = sa[sa.length - 1];
            int rows = (int) (g.node(a).numel() / k);
            int y = g.matmul(sa.length == 2 ? a : g.reshape(a, rows, k), b);
            if (sa.length == 2) {
                return y;
            }
            int[] out = sa.clone();
            out[out.length - 1] = g.shape(y)[1];
            return g.reshape(y, out);
        }
        if (sa.length == sb.length && sa.length >= 3 && sa.length <= 4) {
            if (sa.length == 3) {
                return g.matmul(a, b);
            }
            int batch = sa[0] * sa[1];
            if (sb[0] != sa[0] || sb[1] != sa[1]) {
                throw OnnxImportException.at(n, "batched matmul of " + Arrays.toString(sa) + " and " + Arrays.toString(sb)
                        + " needs equal batch dimensions");
            }
            int y = g.matmul(g.reshape(a, batch, sa[2], sa[3]), g.reshape(b, batch, sb[2], sb[3]));
            int[] ys = g.shape(y);
            return g.reshape(y, sa[0], sa[1], ys[1], ys[2]);
        }
        throw OnnxImportException.at(n, "matmul of " + Arrays.toString(sa) + " and " + Arrays.toString(sb)
                + " is not supported (2-D weights, or batches of equal rank 3 or 4)");
    }

    private void gemm(OnnxNode n) {
        if (n.floatAttr("alpha", 1f) != 1f || n.floatAttr("beta", 1f) != 1f) {
            throw OnnxImportException.at(n, "alpha and beta other than 1 are not supported");
        }
        int a = computed(n.input(0), n.name());
        if (n.intAttr("transA", 0) != 0) {
            a = g.transpose(a, 1, 0);
        }
        int b = computed(n.input(1), n.name());
        boolean transB = n.intAttr("transB", 0) != 0;
        int bias = -1;
        int addAfter = -1;
        if (!n.input(2).isEmpty()) {
            int c = computed(n.input(2), n.name());
            int outCols = g.shape(b)[transB ? 0 : 1];
            if (Arrays.equals(g.shape(c), new int[] {outCols})) {
                bias = c;
            } else {
                addAfter = c;
            }
        }
        int y = g.matmul(a, b, false, transB, bias);
        put(n, addAfter < 0 ? y : g.add(y, addAfter));
    }

    private void reduce(OnnxNode n) {
        int x = computed(n.input(0), n.name());
        int[] s = g.shape(x);
        long[] axes = n.opType().equals("ReduceSum") && !n.input(1).isEmpty() ? folded(n, 1).asLongs()
                : n.intsAttr("axes", null);
        int[] kept = s.clone();
        long count = 1;
        for (int i = 0; i < s.length; i++) {
            boolean reduced = axes == null;
            for (long a : axes == null ? new long[0] : axes) {
                reduced |= axis(n, a, s.length) == i;
            }
            if (reduced) {
                kept[i] = 1;
                count *= s[i];
            }
        }
        int y = g.reduceTo(x, kept);
        if (n.opType().equals("ReduceMean")) {
            y = g.scale(y, 1f / count);
        }
        if (n.intAttr("keepdims", 1) == 0) {
            int[] squeezed = Arrays.stream(kept).filter(d -> d != 1).toArray();
            y = g.reshape(y, squeezed.length == 0 ? new int[] {1} : squeezed);
        }
        put(n, y);
    }

    private void layerNorm(OnnxNode n) {
        int x = computed(n.input(0), n.name());
        int rank = g.shape(x).length;
        if (axis(n, n.intAttr("axis", -1), rank) != rank - 1) {
            throw OnnxImportException.at(n, "normalizes from axis " + n.intAttr("axis", -1) + "; only the last axis is supported");
        }
        int d = g.shape(x)[rank - 1];
        int gamma = computed(n.input(1), n.name());
        int beta = n.input(2).isEmpty() ? g.constant(0f, d) : computed(n.input(2), n.name());
        put(n, g.layerNorm(x, gamma, beta, n.floatAttr("epsilon", 1e-5f)));
    }

    private void dropout(OnnxNode n) {
        if (n.outputs().size() > 1 && !n.output(1).isEmpty()) {
            throw OnnxImportException.at(n, "its mask output is used; Verity draws its own masks");
        }
        int x = computed(n.input(0), n.name());
        float ratio = n.input(1).isEmpty() ? 0.5f : folded(n, 1).scalar();
        boolean training = !n.input(2).isEmpty() && folded(n, 2).longAt(0) != 0;
        put(n, train && training ? g.dropout(x, step, ratio, seed, 100 + dropoutPurpose++) : x);
    }

    static int[] toInts(OnnxNode n, long[] dims) {
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw OnnxImportException.at(n, "dimension " + dims[i] + " is out of range");
            }
            out[i] = (int) dims[i];
        }
        return out;
    }

    /** What an evaluation graph of {@code graph} reads besides the model's tensors (BatchNorm's folded statistics). */
    public static java.util.Map<String, dev.verity.tensor.Tensor> evaluationTensors(OnnxGraph graph,
            java.util.Map<String, dev.verity.tensor.Tensor> model) {
        return OnnxConvolutions.evaluationTensors(graph, model);
    }

    // ---- for OnnxConvolutions -------------------------------------------------------------------

    GraphBuilder graph() {
        return g;
    }

    int computedInput(OnnxNode n, int i) {
        return computed(n.input(i), n.name());
    }

    boolean training() {
        return train;
    }

    /** A tensor an evaluation graph reads that the model derives from its own (BatchNorm's folded statistics). */
    int evaluationTensor(String name, int size) {
        return p.buffer(name, Init.zeros(), size);
    }

    void define(OnnxNode n, int id) {
        put(n, id);
    }

    /** Declares {@code id} the new value of buffer {@code name} after the step (a running statistic). */
    void updateBuffer(String name, int id) {
        g.updateState(name, id);
    }
}
