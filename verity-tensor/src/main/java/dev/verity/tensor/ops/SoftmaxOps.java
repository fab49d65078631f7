package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Attrs;
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
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax, log-softmax and cross-entropy over the last axis. Per row: {@code m} = MAX chain from
 * -inf in order; {@code e_j = exp(x_j - m)}; {@code s} = ADD chain of e_j from +0 in order. The
 * reductions are sequential (their order is the protocol); the elementwise parts are vectorised.
 */
public final class SoftmaxOps {
    private SoftmaxOps() {
    }

    private static final VectorSpecies<Float> F = Vectors.F;

    /**
     * Shortest row for which SOFTMAX and SOFTMAX_GRAD take the across-rows path: on gpt's
     * attention rows (64) the block transposes cost about what the hidden chain latency saves
     * (measured A/B in a training step: no gain, a loss for SOFTMAX_GRAD), so they stay per row.
     */
    static final int LANES_MIN_ROW = 128;

    static float rowMax(float[] x, int off, int c) {
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) {
            m = Math.max(m, x[off + j]);
        }
        return m;
    }

    /**
     * {@link #rowMax}'s value, vectorised: lanewise maxima, then across the lanes. MAX returns one
     * of its operands (+0 above -0, NaN if any operand is NaN), so a row's maximum is the same
     * value whatever the order (the Vector API documents the same of reduceLanes(MAX)); only a
     * NaN's payload could differ, and every hash maps NaNs to one pattern (docs/architecture.md, determinism rules).
     */
    static float rowMaxFast(float[] x, int off, int c) {
        int l = F.length();
        if (c < l) {
            return rowMax(x, off, c);
        }
        FloatVector m = FloatVector.fromArray(F, x, off);
        int j = l;
        for (; j + l <= c; j += l) {
            m = m.max(FloatVector.fromArray(F, x, off + j));
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; j < c; j++) {
            r = Math.max(r, x[off + j]);
        }
        return r;
    }

    /** e[j] = exp(x[off+j] - m) into e[eoff+j]; returns the ADD chain of the e's. */
    static float expShiftSum(float[] x, int off, int c, float m, float[] e, int eoff, boolean fast) {
        expShift(x, off, c, m, e, eoff, fast);
        float s = 0f;
        for (int j = 0; j < c; j++) {
            s = s + e[eoff + j];
        }
        return s;
    }

    /**
     * For the L rows of length c transposed into xt (lane i = row i, see {@link RowLanes}): the
     * MAX chain m from -inf into st[0..L), e_j = exp(x_j - m) into et, and the ADD chain of the
     * e's from +0 into st[L..2L): exactly {@link #rowMax} and {@link #expShiftSum}'s chains per
     * lane. exp runs as DetMathVector's array kernel over all of et, never as a per-vector call:
     * where C2 did not inline that call (a caller grown too big, or exp already compiled on its
     * own into more code than it inlines), every vector crossing it was boxed, 15-18 KB of garbage
     * per lenet5 step from CROSS_ENTROPY_GRAD alone, in some runs.
     */
    static void expLanes(float[] xt, int c, float[] et, float[] st) {
        int l = F.length();
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < c; j++) {
            m = m.max(FloatVector.fromArray(F, xt, j * l));
        }
        for (int j = 0; j < c; j++) {
            FloatVector.fromArray(F, xt, j * l).sub(m).intoArray(et, j * l);
        }
        DetMathVector.exp(et, 0, et, 0, c * l);
        FloatVector s = FloatVector.zero(F);
        for (int j = 0; j < c; j++) {
            s = s.add(FloatVector.fromArray(F, et, j * l));
        }
        m.intoArray(st, 0);
        s.intoArray(st, l);
    }

    /** The ADD chain from +0 over each of the L rows of length c at a[off..], lane i = row i, into st[at..at+L). */
    static void sumLanes(float[] a, int off, int c, float[] st, int at) {
        int l = F.length();
        float[] t = RowLanes.transpose(a, off, c, 1);
        FloatVector s = FloatVector.zero(F);
        for (int j = 0; j < c; j++) {
            s = s.add(FloatVector.fromArray(F, t, j * l));
        }
        s.intoArray(st, at);
    }

    /** e[eoff+j] = exp(x[off+j] - m) for j in [0, c), vectorised along the row when fast. */
    static void expShift(float[] x, int off, int c, float m, float[] e, int eoff, boolean fast) {
        if (fast) {
            // x - m first, then exp as the array kernel (see expLanes); its scalar tail is DetMath.exp
            FloatVector mv = FloatVector.broadcast(F, m);
            int j = 0;
            for (int end = F.loopBound(c); j < end; j += F.length()) {
                FloatVector.fromArray(F, x, off + j).sub(mv).intoArray(e, eoff + j);
            }
            for (; j < c; j++) {
                e[eoff + j] = x[off + j] - m;
            }
            DetMathVector.exp(e, eoff, e, eoff, c);
            return;
        }
        for (int j = 0; j < c; j++) {
            e[eoff + j] = DetMath.exp(x[off + j] - m);
        }
    }

    /** The ADD chain from +0 of exp(x_j - m) over one row (no stores). */
    static float sumExp(float[] x, int off, int c, float m) {
        float s = 0f;
        for (int j = 0; j < c; j++) {
            s = s + DetMath.exp(x[off + j] - m);
        }
        return s;
    }

    /**
     * The ADD chains from +0 of the four rows at e[off..] (row stride c) into st[at..at+4), side
     * by side: the CPU overlaps four chains' latencies where one chain alone waits on each add.
     */
    static void rowSum4(float[] e, int off, int c, float[] st, int at) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        for (int j = off; j < off + c; j++) {
            s0 = s0 + e[j];
            s1 = s1 + e[j + c];
            s2 = s2 + e[j + 2 * c];
            s3 = s3 + e[j + 3 * c];
        }
        st[at] = s0;
        st[at + 1] = s1;
        st[at + 2] = s2;
        st[at + 3] = s3;
    }

    record Chained(Operand max, Operand sum, Operand[] e) {
    }

    /** The chain of m, the e_j and s for one row (input {@code input}, row starting at {@code off}). */
    static Chained rowChain(ElementChain ch, int input, float[] x, int off, int c) {
        Operand m = ch.constant(Float.NEGATIVE_INFINITY);
        Operand[] xs = new Operand[c];
        for (int j = 0; j < c; j++) {
            xs[j] = ch.input(input, off + j, x[off + j]);
            m = ch.max(m, xs[j]);
        }
        Operand[] e = new Operand[c];
        Operand s = ch.constant(0f);
        for (int j = 0; j < c; j++) {
            e[j] = DetMathChain.exp(ch, ch.sub(xs[j], m));
        }
        for (int j = 0; j < c; j++) {
            s = ch.add(s, e[j]);
        }
        return new Chained(m, s, e);
    }

    private static int lastDim(int[] s) {
        if (s.length < 1 || s[s.length - 1] <= 0) { // not Shapes.require: no message built per step
            throw new IllegalArgumentException("needs a non-empty last axis, got " + Shapes.str(s));
        }
        return s[s.length - 1];
    }

    /** SOFTMAX (y_j = e_j / s) and LOG_SOFTMAX (y_j = (x_j - m) - log s). */
    public static final class Softmax implements Op {
        private final boolean log;

        public Softmax(boolean log) {
            this.log = log;
        }

        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            lastDim(in[0]);
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] x = in[0].data();
            float[] y = out.data();
            int c = lastDim(node.shapeView());
            int rows = y.length / c;
            int l = F.length();
            Parallel.parallelFor((rows + l - 1) / l, Math.max(1, 4096 / (c * l)), (lo, hi) -> {
                float[] st = RowLanes.block();
                for (int b = lo; b < hi; b++) {
                    int r0 = b * l;
                    int n = Math.min(l, rows - r0);
                    if (fast && n == l && c >= LANES_MIN_ROW) {
                        // The whole block on its transpose, one row per lane, then written back.
                        float[] xt = RowLanes.transpose(x, r0 * c, c, 0);
                        float[] et = RowLanes.buffer(1, c * l);
                        expLanes(xt, c, et, st);
                        FloatVector m = FloatVector.fromArray(F, st, 0);
                        FloatVector s = FloatVector.fromArray(F, st, l);
                        if (log) {
                            FloatVector ls = DetMathVector.log(s);
                            for (int j = 0; j < c; j++) {
                                FloatVector.fromArray(F, xt, j * l).sub(m).sub(ls).intoArray(et, j * l);
                            }
                        } else {
                            for (int j = 0; j < c; j++) {
                                FloatVector.fromArray(F, et, j * l).div(s).intoArray(et, j * l);
                            }
                        }
                        RowLanes.untranspose(et, y, r0 * c, c);
                        continue;
                    } else {
                        int i = 0;
                        if (fast) {
                            for (; i + 4 <= n; i += 4) {
                                int off = (r0 + i) * c;
                                for (int k = 0; k < 4; k++) {
                                    st[i + k] = rowMaxFast(x, off + k * c, c);
                                    expShift(x, off + k * c, c, st[i + k], y, off + k * c, true);
                                }
                                rowSum4(y, off, c, st, l + i);
                            }
                        }
                        for (; i < n; i++) {
                            int off = (r0 + i) * c;
                            st[i] = fast ? rowMaxFast(x, off, c) : rowMax(x, off, c);
                            st[l + i] = expShiftSum(x, off, c, st[i], y, off, fast);
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        int off = (r0 + i) * c;
                        float m = st[i];
                        float s = st[l + i];
                        if (log) {
                            float ls = DetMath.log(s);
                            for (int j = 0; j < c; j++) {
                                y[off + j] = (x[off + j] - m) - ls;
                            }
                        } else {
                            int j = 0;
                            if (fast) {
                                for (int end = F.loopBound(c); j < end; j += F.length()) {
                                    FloatVector.fromArray(F, y, off + j).div(s).intoArray(y, off + j);
                                }
                            }
                            for (; j < c; j++) {
                                y[off + j] = y[off + j] / s;
                            }
                        }
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int c = lastDim(node.shapeView());
            int off = index / c * c;
            int j = index % c;
            float[] x = in[0].data();
            Chained r = rowChain(ch, 0, x, off, c);
            if (log) {
                Operand ls = DetMathChain.log(ch, r.sum());
                return ch.sub(ch.sub(ch.input(0, index, x[index]), r.max()), ls);
            }
            return ch.div(r.e()[j], r.sum());
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            ad.accumulate(node.input(0), g.append(log ? OpKind.LOG_SOFTMAX_GRAD : OpKind.SOFTMAX_GRAD, node.id(), dy));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel() * 24;
        }
    }

    /**
     * Inputs (y, dy). SOFTMAX_GRAD: d = FMA chain of dy_j*y_j from +0; dx_i = y_i * (dy_i - d).
     * LOG_SOFTMAX_GRAD: s = ADD chain of dy_j from +0; dx_i = fma(-exp(y_i), s, dy_i).
     */
    public static final class SoftmaxGrad implements Op {
        private final boolean log;

        public SoftmaxGrad(boolean log) {
            this.log = log;
        }

        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(Arrays.equals(in[0], in[1]), "value and gradient shapes differ");
            lastDim(in[0]);
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] y = in[0].data();
            float[] dy = in[1].data();
            float[] dx = out.data();
            int c = lastDim(node.shapeView());
            int rows = dx.length / c;
            int l = F.length();
            Parallel.parallelFor((rows + l - 1) / l, Math.max(1, 4096 / (c * l)), (lo, hi) -> {
                float[] st = RowLanes.block();
                for (int b = lo; b < hi; b++) {
                    int r0 = b * l;
                    int n = Math.min(l, rows - r0);
                    boolean lanes = fast && n == l && c >= LANES_MIN_ROW;
                    if (lanes && log) {
                        sumLanes(dy, r0 * c, c, st, 0);
                    } else if (lanes) {
                        // d = FMA chain of dy_j * y_j from +0, one row per lane.
                        float[] yt = RowLanes.transpose(y, r0 * c, c, 0);
                        float[] dyt = RowLanes.transpose(dy, r0 * c, c, 1);
                        FloatVector d = FloatVector.zero(F);
                        for (int j = 0; j < c; j++) {
                            d = FloatVector.fromArray(F, dyt, j * l).fma(FloatVector.fromArray(F, yt, j * l), d);
                        }
                        d.intoArray(st, 0);
                    } else {
                        int i = 0;
                        if (fast && !log) {
                            // Four rows' FMA chains side by side (see rowSum4).
                            for (; i + 4 <= n; i += 4) {
                                int off = (r0 + i) * c;
                                float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f;
                                for (int j = off; j < off + c; j++) {
                                    d0 = Math.fma(dy[j], y[j], d0);
                                    d1 = Math.fma(dy[j + c], y[j + c], d1);
                                    d2 = Math.fma(dy[j + 2 * c], y[j + 2 * c], d2);
                                    d3 = Math.fma(dy[j + 3 * c], y[j + 3 * c], d3);
                                }
                                st[i] = d0;
                                st[i + 1] = d1;
                                st[i + 2] = d2;
                                st[i + 3] = d3;
                            }
                        }
                        for (; i < n; i++) {
                            int off = (r0 + i) * c;
                            float acc = 0f;
                            if (log) {
                                for (int j = 0; j < c; j++) {
                                    acc = acc + dy[off + j];
                                }
                            } else {
                                for (int j = 0; j < c; j++) {
                                    acc = Math.fma(dy[off + j], y[off + j], acc);
                                }
                            }
                            st[i] = acc;
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        int off = (r0 + i) * c;
                        if (log) {
                            float s = st[i];
                            for (int j = 0; j < c; j++) {
                                dx[off + j] = Math.fma(-DetMath.exp(y[off + j]), s, dy[off + j]);
                            }
                        } else {
                            float d = st[i];
                            int j = 0;
                            if (fast) {
                                FloatVector dv = FloatVector.broadcast(F, d);
                                for (int end = F.loopBound(c); j < end; j += F.length()) {
                                    FloatVector.fromArray(F, y, off + j).mul(FloatVector.fromArray(F, dy, off + j).sub(dv))
                                            .intoArray(dx, off + j);
                                }
                            }
                            for (; j < c; j++) {
                                dx[off + j] = y[off + j] * (dy[off + j] - d);
                            }
                        }
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int c = lastDim(node.shapeView());
            int off = index / c * c;
            float[] y = in[0].data();
            float[] dy = in[1].data();
            Operand dyi = ch.input(1, index, dy[index]);
            if (log) {
                Operand s = ch.constant(0f);
                for (int j = 0; j < c; j++) {
                    s = ch.add(s, ch.input(1, off + j, dy[off + j]));
                }
                Operand e = DetMathChain.exp(ch, ch.input(0, index, y[index]));
                return ch.fma(ch.neg(e), s, dyi);
            }
            Operand d = ch.constant(0f);
            for (int j = 0; j < c; j++) {
                d = ch.fma(ch.input(1, off + j, dy[off + j]), ch.input(0, off + j, y[off + j]), d);
            }
            return ch.mul(ch.input(0, index, y[index]), ch.sub(dyi, d));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel() * (log ? 24 : 4);
        }
    }

    private static int label(float v, int c) {
        int l = (int) v;
        if (l != v || l < 0 || l >= c) {
            throw new IllegalArgumentException("label " + v + " is not a class index in [0, " + c + ")");
        }
        return l;
    }

    /**
     * Mean cross-entropy, inputs (logits [N, C], labels [N]). Row r: {@code l_r = (log s + m) - x[label]};
     * loss = (ADD chain of l_r from +0) / N.
     */
    public static final class CrossEntropy implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(in[0].length == 2, "logits must be [N, C], got " + Shapes.str(in[0]));
            Shapes.require(in[1].length == 1 && in[1][0] == in[0][0], "labels must be [" + in[0][0] + "], got "
                    + Shapes.str(in[1]));
            return new int[] {1};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] x = in[0].data();
            float[] lab = in[1].data();
            int n = in[0].dim(0);
            int c = in[0].dim(1);
            // Row losses in this thread's reusable scratch (no per-call allocation).
            float[] rowLoss = RowLanes.rows(n);
            int l = F.length();
            Parallel.parallelFor((n + l - 1) / l, Math.max(1, 4096 / (c * l)), (lo, hi) -> {
                float[] st = RowLanes.block();
                for (int b = lo; b < hi; b++) {
                    int r0 = b * l;
                    int k = Math.min(l, n - r0);
                    if (fast && k == l) {
                        // the e's themselves are not needed, only their sum: buffer 1 is scratch
                        expLanes(RowLanes.transpose(x, r0 * c, c, 0), c, RowLanes.buffer(1, c * l), st);
                    } else {
                        for (int i = 0; i < k; i++) {
                            int off = (r0 + i) * c;
                            st[i] = rowMax(x, off, c);
                            st[l + i] = sumExp(x, off, c, st[i]);
                        }
                    }
                    for (int i = 0; i < k; i++) {
                        int r = r0 + i;
                        rowLoss[r] = (DetMath.log(st[l + i]) + st[i]) - x[r * c + label(lab[r], c)];
                    }
                }
            });
            float acc = 0f;
            for (int r = 0; r < n; r++) {
                acc = acc + rowLoss[r];
            }
            out.data()[0] = acc / (float) n;
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            float[] x = in[0].data();
            float[] lab = in[1].data();
            int n = in[0].dim(0);
            int c = in[0].dim(1);
            Operand acc = ch.constant(0f);
            for (int r = 0; r < n; r++) {
                int off = r * c;
                int l = label(lab[r], c);
                Chained rc = rowChain(ch, 0, x, off, c);
                Operand lr = ch.sub(ch.add(DetMathChain.log(ch, rc.sum()), rc.max()), ch.input(0, off + l, x[off + l]));
                acc = ch.add(acc, lr);
            }
            return ch.div(acc, ch.constant((float) n));
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            ad.accumulate(node.input(0), ad.builder().append(OpKind.CROSS_ENTROPY_GRAD, node.input(0), node.input(1), dy));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 24L;
        }
    }

    /** Inputs (logits, labels, dloss[1]): dx[r,j] = (e_j / s - [j == label]) * (dloss / N). */
    public static final class CrossEntropyGrad implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 3, 3);
            Shapes.require(in[0].length == 2 && in[1].length == 1 && in[1][0] == in[0][0] && Shapes.numel(in[2]) == 1,
                    "expects logits [N, C], labels [N], dloss [1]");
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] x = in[0].data();
            float[] lab = in[1].data();
            float[] dx = out.data();
            int n = in[0].dim(0);
            int c = in[0].dim(1);
            float g = in[2].data()[0] / (float) n;
            int l = F.length();
            Parallel.parallelFor((n + l - 1) / l, Math.max(1, 4096 / (c * l)), (lo, hi) -> {
                float[] st = RowLanes.block();
                for (int b = lo; b < hi; b++) {
                    int r0 = b * l;
                    int k = Math.min(l, n - r0);
                    if (fast && k == l) {
                        // The whole block on its transpose, one row per lane, then written back.
                        for (int i = 0; i < l; i++) {
                            st[i] = label(lab[r0 + i], c);
                        }
                        FloatVector labels = FloatVector.fromArray(F, st, 0);
                        float[] xt = RowLanes.transpose(x, r0 * c, c, 0);
                        float[] et = RowLanes.buffer(1, c * l);
                        expLanes(xt, c, et, st);
                        FloatVector s = FloatVector.fromArray(F, st, l);
                        FloatVector zero = FloatVector.zero(F);
                        for (int j = 0; j < c; j++) {
                            FloatVector onehot = zero.blend(1f, labels.eq((float) j));
                            FloatVector.fromArray(F, et, j * l).div(s).sub(onehot).mul(g).intoArray(et, j * l);
                        }
                        RowLanes.untranspose(et, dx, r0 * c, c);
                        continue;
                    }
                    for (int i = 0; i < k; i++) {
                        int off = (r0 + i) * c;
                        st[i] = rowMax(x, off, c);
                        st[l + i] = sumExp(x, off, c, st[i]);
                    }
                    for (int i = 0; i < k; i++) {
                        int r = r0 + i;
                        int off = r * c;
                        int lb = label(lab[r], c);
                        float m = st[i];
                        float s = st[l + i];
                        expShift(x, off, c, m, dx, off, fast);
                        for (int j = 0; j < c; j++) {
                            dx[off + j] = (dx[off + j] / s - (j == lb ? 1f : 0f)) * g;
                        }
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            float[] x = in[0].data();
            float[] lab = in[1].data();
            int n = in[0].dim(0);
            int c = in[0].dim(1);
            int r = index / c;
            int j = index % c;
            int l = label(lab[r], c);
            Chained rc = rowChain(ch, 0, x, r * c, c);
            Operand p = ch.div(rc.e()[j], rc.sum());
            Operand q = ch.sub(p, ch.constant(j == l ? 1f : 0f));
            Operand g = ch.div(ch.input(2, 0, in[2].data()[0]), ch.constant((float) n));
            return ch.mul(q, g);
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 26L;
        }
    }
}
