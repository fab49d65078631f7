package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Autograd;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.Op;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.kernel.Vectors;
import dev.verity.tensor.math.DetMath;
import dev.verity.tensor.math.DetMathChain;
import dev.verity.tensor.math.DetMathVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Elementwise ops: broadcasting add/sub/mul, scaling, activations and their gradients. */
public final class ElementwiseOps {
    private ElementwiseOps() {
    }

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int GRAIN = 1 << 14;

    public enum BinaryKind {
        ADD, SUB, MUL;

        float apply(float a, float b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
            };
        }

        FloatVector apply(FloatVector a, FloatVector b) {
            return switch (this) {
                case ADD -> a.add(b);
                case SUB -> a.sub(b);
                case MUL -> a.mul(b);
            };
        }

        Operand apply(ElementChain ch, Operand a, Operand b) {
            return switch (this) {
                case ADD -> ch.add(a, b);
                case SUB -> ch.sub(a, b);
                case MUL -> ch.mul(a, b);
            };
        }
    }

    /** a (op) b with numpy broadcasting. */
    public static final class Binary implements Op {
        private final BinaryKind kind;

        public Binary(BinaryKind kind) {
            this.kind = kind;
        }

        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            return Shapes.broadcast(in[0], in[1]);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] a = in[0].data();
            float[] b = in[1].data();
            float[] y = out.data();
            int[] os = out.shapeView();
            int n = y.length;
            boolean aFull = a.length == n;
            if (aFull && b.length == n) {
                Parallel.parallelFor(n, GRAIN, (lo, hi) -> same(a, b, y, lo, hi, fast));
            } else if (aFull && Shapes.isSuffix(in[1].shapeView(), os) || b.length == 1) {
                // b repeats along the leading dimensions (a bias row, a positional table, a scalar)
                int w = b.length;
                int rows = n / w;
                Parallel.parallelFor(rows, Math.max(1, GRAIN / Math.max(1, w)), (lo, hi) -> {
                    for (int r = lo; r < hi; r++) {
                        if (w == 1) {
                            y[r] = kind.apply(a[r], b[0]);
                        } else {
                            row(a, r * w, b, y, w, fast);
                        }
                    }
                });
            } else if (fast) {
                broadcast(BroadcastPlan.of(in[0].shapeView(), in[1].shapeView(), os), a, b, y);
            } else {
                int[] ia = Shapes.broadcastIndex(in[0].shapeView(), os);
                int[] ib = Shapes.broadcastIndex(in[1].shapeView(), os);
                for (int i = 0; i < n; i++) {
                    y[i] = kind.apply(a[ia[i]], b[ib[i]]);
                }
            }
        }

        /**
         * Any other broadcast (e.g. BatchNorm's per-channel [C, 1] against [C, N*H*W]), run by run: the same element
         * results as the index-map loop of the scalar path, without building two index maps of the output's size.
         */
        private void broadcast(BroadcastPlan p, float[] a, float[] b, float[] y) {
            int w = p.inner();
            int sa = p.strideA()[p.dims().length - 1];
            int sb = p.strideB()[p.dims().length - 1];
            Parallel.parallelFor(p.rows(), Math.max(1, GRAIN / w), (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int oa = BroadcastPlan.offset(p.dims(), p.strideA(), r);
                    int ob = BroadcastPlan.offset(p.dims(), p.strideB(), r);
                    run(a, oa, sa, b, ob, sb, y, r * w, w);
                }
            });
        }

        /** One run of w outputs: a moves by sa (0 or 1) and b by sb. */
        private void run(float[] a, int oa, int sa, float[] b, int ob, int sb, float[] y, int oy, int w) {
            int j = 0;
            int end = F.loopBound(w);
            if (sa == 1 && sb == 1) {
                for (; j < end; j += F.length()) {
                    kind.apply(FloatVector.fromArray(F, a, oa + j), FloatVector.fromArray(F, b, ob + j)).intoArray(y, oy + j);
                }
            } else if (sa == 1) {
                FloatVector bv = FloatVector.broadcast(F, b[ob]);
                for (; j < end; j += F.length()) {
                    kind.apply(FloatVector.fromArray(F, a, oa + j), bv).intoArray(y, oy + j);
                }
            } else if (sb == 1) {
                FloatVector av = FloatVector.broadcast(F, a[oa]);
                for (; j < end; j += F.length()) {
                    kind.apply(av, FloatVector.fromArray(F, b, ob + j)).intoArray(y, oy + j);
                }
            }
            for (; j < w; j++) {
                y[oy + j] = kind.apply(a[oa + j * sa], b[ob + j * sb]);
            }
        }

        private void same(float[] a, float[] b, float[] y, int lo, int hi, boolean fast) {
            int i = lo;
            if (fast) {
                for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                    kind.apply(FloatVector.fromArray(F, a, i), FloatVector.fromArray(F, b, i)).intoArray(y, i);
                }
            }
            for (; i < hi; i++) {
                y[i] = kind.apply(a[i], b[i]);
            }
        }

        private void row(float[] a, int off, float[] b, float[] y, int w, boolean fast) {
            int j = 0;
            if (fast) {
                for (int end = F.loopBound(w); j < end; j += F.length()) {
                    kind.apply(FloatVector.fromArray(F, a, off + j), FloatVector.fromArray(F, b, j)).intoArray(y, off + j);
                }
            }
            for (; j < w; j++) {
                y[off + j] = kind.apply(a[off + j], b[j]);
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int[] os = node.shapeView();
            int ia = Shapes.broadcastIndexOf(in[0].shapeView(), os, index);
            int ib = Shapes.broadcastIndexOf(in[1].shapeView(), os, index);
            return kind.apply(ch, ch.input(0, ia, in[0].data()[ia]), ch.input(1, ib, in[1].data()[ib]));
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            int a = node.input(0);
            int b = node.input(1);
            switch (kind) {
                case ADD -> {
                    ad.accumulate(a, dy);
                    ad.accumulate(b, dy);
                }
                case SUB -> {
                    ad.accumulate(a, dy);
                    if (ad.needs(b)) {
                        ad.accumulate(b, g.scale(dy, -1f));
                    }
                }
                case MUL -> {
                    if (ad.needs(a)) {
                        ad.accumulate(a, g.mul(dy, b));
                    }
                    if (ad.needs(b)) {
                        ad.accumulate(b, g.mul(dy, a));
                    }
                }
            }
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel();
        }
    }

    /** x * factor (the attribute {@code factor}). */
    public static final class Scale implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            a.get(OpAttr.FACTOR);
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float f = node.attrs().get(OpAttr.FACTOR);
            float[] x = in[0].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN, (lo, hi) -> {
                int i = lo;
                if (fast) {
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        FloatVector.fromArray(F, x, i).mul(f).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    y[i] = x[i] * f;
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            return ch.mul(ch.input(0, index, in[0].data()[index]), ch.constant(node.attrs().get(OpAttr.FACTOR)));
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            ad.accumulate(node.input(0), ad.builder().scale(dy, node.attrs().get(OpAttr.FACTOR)));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel();
        }
    }

    public enum UnaryKind {
        RELU, GELU, TANH, SIGMOID;

        float apply(float x) {
            return switch (this) {
                case RELU -> Math.max(x, 0f);
                case GELU -> DetMath.gelu(x);
                case TANH -> DetMath.tanh(x);
                case SIGMOID -> DetMath.sigmoid(x);
            };
        }

        FloatVector apply(FloatVector x) {
            return switch (this) {
                case RELU -> x.max(0f);
                case GELU -> DetMathVector.gelu(x);
                case TANH -> DetMathVector.tanh(x);
                case SIGMOID -> DetMathVector.sigmoid(x);
            };
        }

        Operand apply(ElementChain ch, Operand x) {
            return switch (this) {
                case RELU -> ch.max(x, ch.constant(0f));
                case GELU -> DetMathChain.gelu(ch, x);
                case TANH -> DetMathChain.tanh(ch, x);
                case SIGMOID -> DetMathChain.sigmoid(ch, x);
            };
        }

        /**
         * The gradient record's first input: the activation's input x (relu, gelu) or its
         * output y (tanh, sigmoid), whichever the derivative is cheaper from.
         */
        boolean gradFromOutput() {
            return this == TANH || this == SIGMOID;
        }

        OpKind gradKind() {
            return switch (this) {
                case RELU -> OpKind.RELU_GRAD;
                case GELU -> OpKind.GELU_GRAD;
                case TANH -> OpKind.TANH_GRAD;
                case SIGMOID -> OpKind.SIGMOID_GRAD;
            };
        }

        /** d = dy * f'(v), v = x or y as {@link #gradFromOutput}. */
        float grad(float v, float dy) {
            return switch (this) {
                case RELU -> v > 0f ? dy : 0f;
                case GELU -> dy * DetMath.geluGrad(v);
                case TANH -> dy * Math.fma(-v, v, 1f);
                case SIGMOID -> dy * (v * (1f - v));
            };
        }

        FloatVector grad(FloatVector v, FloatVector dy) {
            return switch (this) {
                case RELU -> FloatVector.zero(F).blend(dy, v.compare(VectorOperators.GT, 0f));
                case GELU -> dy.mul(DetMathVector.geluGrad(v));
                case TANH -> dy.mul(v.neg().fma(v, FloatVector.broadcast(F, 1f)));
                case SIGMOID -> dy.mul(v.mul(FloatVector.broadcast(F, 1f).sub(v)));
            };
        }

        Operand grad(ElementChain ch, Operand v, Operand dy) {
            return switch (this) {
                case RELU -> ch.select(ch.gt(v, ch.constant(0f)), dy, ch.constant(0f));
                case GELU -> ch.mul(dy, DetMathChain.geluGrad(ch, v));
                case TANH -> ch.mul(dy, ch.fma(ch.neg(v), v, ch.constant(1f)));
                case SIGMOID -> ch.mul(dy, ch.mul(v, ch.sub(ch.constant(1f), v)));
            };
        }
    }

    /** An activation applied elementwise. */
    public static final class Unary implements Op {
        private final UnaryKind kind;

        public Unary(UnaryKind kind) {
            this.kind = kind;
        }

        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] x = in[0].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN / 4, (lo, hi) -> {
                if (fast && kind != UnaryKind.RELU) {
                    // the array kernels run the same op sequence in cache-sized passes (no vector boxing)
                    switch (kind) {
                        case GELU -> DetMathVector.gelu(x, lo, y, lo, hi - lo);
                        case TANH -> DetMathVector.tanh(x, lo, y, lo, hi - lo);
                        default -> DetMathVector.sigmoid(x, lo, y, lo, hi - lo);
                    }
                    return;
                }
                int i = lo;
                if (fast) {
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        kind.apply(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    y[i] = kind.apply(x[i]);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            return kind.apply(ch, ch.input(0, index, in[0].data()[index]));
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            int v = kind.gradFromOutput() ? node.id() : node.input(0);
            ad.accumulate(node.input(0), ad.builder().append(kind.gradKind(), v, dy));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel() * (kind == UnaryKind.RELU ? 1 : 20);
        }
    }

    /** dy * f'(v) for an activation f; inputs (v, dy). */
    public static final class UnaryGrad implements Op {
        private final UnaryKind kind;

        public UnaryGrad(UnaryKind kind) {
            this.kind = kind;
        }

        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(java.util.Arrays.equals(in[0], in[1]), "value and gradient shapes differ: "
                    + Shapes.str(in[0]) + " vs " + Shapes.str(in[1]));
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] v = in[0].data();
            float[] dy = in[1].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN / 4, (lo, hi) -> {
                if (fast && kind == UnaryKind.GELU) {
                    DetMathVector.geluGradMul(v, lo, dy, lo, y, lo, hi - lo);
                    return;
                }
                int i = lo;
                if (fast) {
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        kind.grad(FloatVector.fromArray(F, v, i), FloatVector.fromArray(F, dy, i)).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    y[i] = kind.grad(v[i], dy[i]);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            return kind.grad(ch, ch.input(0, index, in[0].data()[index]), ch.input(1, index, in[1].data()[index]));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel() * (kind == UnaryKind.GELU ? 25 : 3);
        }
    }
}
