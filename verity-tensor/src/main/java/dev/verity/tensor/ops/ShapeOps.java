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
import java.util.Arrays;

/**
 * Data movement: no arithmetic, so an element's chain is empty and its value is one proven input
 * element (which {@link #element} names).
 */
public final class ShapeOps {
    private ShapeOps() {
    }

    /** A view with another shape of the same element count. */
    public static final class Reshape implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            int[] s = a.get(OpAttr.SHAPE);
            Shapes.require(Shapes.numel(s) == Shapes.numel(in[0]), "cannot reshape " + Shapes.str(in[0]) + " to "
                    + Shapes.str(s));
            return s;
        }

        @Override
        public boolean isView() {
            return true;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            throw new IllegalStateException("reshape is a view");
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            return ch.input(0, index, in[0].data()[index]);
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            ad.accumulate(node.input(0), ad.builder().reshape(dy, ad.builder().shape(node.input(0))));
        }
    }

    /** Permutes the axes: out dim d is input dim perm[d]. */
    public static final class Transpose implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            int[] p = a.get(OpAttr.PERM);
            Shapes.require(p.length == in[0].length, "perm " + Shapes.str(p) + " does not match rank of " + Shapes.str(in[0]));
            boolean[] seen = new boolean[p.length];
            int[] out = new int[p.length];
            for (int d = 0; d < p.length; d++) {
                Shapes.require(p[d] >= 0 && p[d] < p.length && !seen[p[d]], "perm " + Shapes.str(p) + " is not a permutation");
                seen[p[d]] = true;
                out[d] = in[0][p[d]];
            }
            return out;
        }

        static int source(int[] inShape, int[] perm, int[] outShape, int index) {
            int[] is = Shapes.strides(inShape);
            int src = 0;
            for (int d = outShape.length - 1; d >= 0; d--) {
                int c = index % outShape[d];
                index /= outShape[d];
                src += c * is[perm[d]];
            }
            return src;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int[] p = node.attrs().get(OpAttr.PERM);
            int[] is = in[0].shapeView();
            int[] os = node.shapeView();
            float[] x = in[0].data();
            float[] y = out.data();
            int r = os.length;
            int inner = os[r - 1];
            int innerStride = Shapes.strides(is)[p[r - 1]];
            int rows = y.length / Math.max(1, inner);
            if (fast && inner > 0) {
                int[][] c = coalesce(is, p);
                int[] cos = new int[c[1].length];
                for (int d = 0; d < cos.length; d++) {
                    cos[d] = c[0][c[1][d]];
                }
                int cInner = cos[cos.length - 1];
                transposeFast(x, y, c[0], cos, c[1], y.length / cInner, cInner, Shapes.strides(c[0])[c[1][cos.length - 1]]);
                return;
            }
            Parallel.parallelFor(rows, 64, (lo, hi) -> {
                for (int row = lo; row < hi; row++) {
                    int base = source(is, p, os, row * inner);
                    int o = row * inner;
                    for (int j = 0; j < inner; j++) {
                        y[o + j] = x[base + j * innerStride];
                    }
                }
            });
        }

        /**
         * The same permutation over fewer, longer dimensions: input dimensions that stay adjacent and in order in the
         * output are one dimension. BatchNorm's [N, C, H, W] -> [C, N, H, W] becomes [N, C, H*W] -> [C, N, H*W], so
         * each contiguous run copied is H*W floats instead of W. Returns {merged input shape, merged perm}.
         */
        static int[][] coalesce(int[] is, int[] p) {
            int r = p.length;
            int[] groupOf = new int[r]; // output dim -> its group, numbered in output order
            int groups = 0;
            for (int d = 0; d < r; d++) {
                groupOf[d] = d > 0 && p[d] == p[d - 1] + 1 ? groupOf[d - 1] : groups++;
            }
            // groups in input order: a group's first input dim orders it
            int[] first = new int[groups];
            int[] size = new int[groups];
            java.util.Arrays.fill(size, 1);
            for (int d = r - 1; d >= 0; d--) {
                first[groupOf[d]] = p[d];
                size[groupOf[d]] *= is[p[d]];
            }
            Integer[] byInput = new Integer[groups];
            for (int g = 0; g < groups; g++) {
                byInput[g] = g;
            }
            java.util.Arrays.sort(byInput, (a, b) -> Integer.compare(first[a], first[b]));
            int[] shape = new int[groups];
            int[] rank = new int[groups];
            for (int k = 0; k < groups; k++) {
                shape[k] = size[byInput[k]];
                rank[byInput[k]] = k;
            }
            return new int[][] {shape, rank};
        }

        /**
         * The same copy without per-row allocation: each thread walks its output rows with an
         * odometer over the outer output dimensions (source offset updated incrementally), and a
         * contiguous inner run (innerStride 1) is one arraycopy. A copy has no rounding, so any
         * order gives the same bits.
         */
        private static void transposeFast(float[] x, float[] y, int[] is, int[] os, int[] p, int rows, int inner,
                                          int innerStride) {
            int r = os.length;
            int[] istr = Shapes.strides(is);
            int[] step = new int[r]; // read-only in the parts
            for (int d = 0; d < r; d++) {
                step[d] = istr[p[d]];
            }
            Parallel.parallelFor(rows, 64, (lo, hi) -> {
                int[] idx = new int[r];
                // odometer start: the multi-index of output row lo over dimensions 0..r-2
                int rem = lo;
                int base = 0;
                for (int d = r - 2; d >= 0; d--) {
                    idx[d] = rem % os[d];
                    rem /= os[d];
                    base += idx[d] * step[d];
                }
                for (int row = lo; row < hi; row++) {
                    int o = row * inner;
                    if (innerStride == 1) {
                        System.arraycopy(x, base, y, o, inner);
                    } else {
                        for (int j = 0, s = base; j < inner; j++, s += innerStride) {
                            y[o + j] = x[s];
                        }
                    }
                    for (int d = r - 2; d >= 0; d--) {
                        if (++idx[d] < os[d]) {
                            base += step[d];
                            break;
                        }
                        base -= (os[d] - 1) * step[d];
                        idx[d] = 0;
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int src = source(in[0].shapeView(), node.attrs().get(OpAttr.PERM), node.shapeView(), index);
            return ch.input(0, src, in[0].data()[src]);
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            int[] p = node.attrs().get(OpAttr.PERM);
            int[] inv = new int[p.length];
            for (int d = 0; d < p.length; d++) {
                inv[p[d]] = d;
            }
            ad.accumulate(node.input(0), ad.builder().transpose(dy, inv));
        }
    }

    /** Copy of blocks: {@code outer} blocks of {@code len} contiguous floats. */
    private static void blocks(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int outer, int len) {
        for (int o = 0; o < outer; o++) {
            System.arraycopy(src, srcOff + o * srcStride, dst, dstOff + o * dstStride, len);
        }
    }

    private static int outer(int[] s, int axis) {
        int n = 1;
        for (int d = 0; d < axis; d++) {
            n *= s[d];
        }
        return n;
    }

    private static int inner(int[] s, int axis) {
        int n = 1;
        for (int d = axis + 1; d < s.length; d++) {
            n *= s[d];
        }
        return n;
    }

    /** x[..., start:end, ...] along {@code axis}. */
    public static final class Slice implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            int axis = a.get(OpAttr.AXIS);
            int start = a.get(OpAttr.START);
            int end = a.get(OpAttr.END);
            Shapes.require(axis >= 0 && axis < in[0].length, "axis " + axis + " out of range for " + Shapes.str(in[0]));
            Shapes.require(0 <= start && start < end && end <= in[0][axis], "slice [" + start + ", " + end
                    + ") out of range for dimension " + in[0][axis]);
            int[] s = in[0].clone();
            s[axis] = end - start;
            return s;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int axis = node.attrs().get(OpAttr.AXIS);
            int start = node.attrs().get(OpAttr.START);
            int[] is = in[0].shapeView();
            int inner = inner(is, axis);
            int len = node.shapeView()[axis] * inner;
            blocks(in[0].data(), start * inner, is[axis] * inner, out.data(), 0, len, outer(is, axis), len);
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int axis = node.attrs().get(OpAttr.AXIS);
            int start = node.attrs().get(OpAttr.START);
            int[] is = in[0].shapeView();
            int inner = inner(is, axis);
            int len = node.shapeView()[axis] * inner;
            int o = index / len;
            int src = o * is[axis] * inner + start * inner + index % len;
            return ch.input(0, src, in[0].data()[src]);
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            Attrs a = node.attrs();
            ad.accumulate(node.input(0), ad.builder().append(OpKind.PAD_SLICE, Attrs.builder().put(OpAttr.AXIS, a.get(OpAttr.AXIS))
                    .put(OpAttr.START, a.get(OpAttr.START)).put(OpAttr.SIZE, ad.builder().shape(node.input(0))[a.get(OpAttr.AXIS)]).build(), dy));
        }
    }

    /** The gradient of a slice: zeros of the sliced input's shape with dy placed at [start, start+len). */
    public static final class PadSlice implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            int axis = a.get(OpAttr.AXIS);
            int start = a.get(OpAttr.START);
            int size = a.get(OpAttr.SIZE);
            Shapes.require(axis >= 0 && axis < in[0].length && start >= 0 && start + in[0][axis] <= size,
                    "bad pad of " + Shapes.str(in[0]) + " at axis " + axis);
            int[] s = in[0].clone();
            s[axis] = size;
            return s;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int axis = node.attrs().get(OpAttr.AXIS);
            int start = node.attrs().get(OpAttr.START);
            int[] os = node.shapeView();
            int inner = inner(os, axis);
            int len = in[0].shapeView()[axis] * inner;
            Arrays.fill(out.data(), 0f);
            blocks(in[0].data(), 0, len, out.data(), start * inner, os[axis] * inner, outer(os, axis), len);
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int axis = node.attrs().get(OpAttr.AXIS);
            int start = node.attrs().get(OpAttr.START);
            int[] os = node.shapeView();
            int inner = inner(os, axis);
            int size = os[axis] * inner;
            int len = in[0].shapeView()[axis] * inner;
            int o = index / size;
            int r = index % size - start * inner;
            if (r < 0 || r >= len) {
                return ch.constant(0f);
            }
            int src = o * len + r;
            return ch.input(0, src, in[0].data()[src]);
        }
    }

    /** Concatenation along {@code axis}. */
    public static final class Concat implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.require(in.length >= 1, "needs at least one input");
            int axis = a.get(OpAttr.AXIS);
            int[] s = in[0].clone();
            Shapes.require(axis >= 0 && axis < s.length, "axis " + axis + " out of range");
            int total = 0;
            for (int[] t : in) {
                Shapes.require(t.length == s.length, "inputs differ in rank");
                for (int d = 0; d < s.length; d++) {
                    Shapes.require(d == axis || t[d] == s[d], "inputs differ outside axis " + axis + ": "
                            + Shapes.str(s) + " vs " + Shapes.str(t));
                }
                total += t[axis];
            }
            s[axis] = total;
            return s;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int axis = node.attrs().get(OpAttr.AXIS);
            int[] os = node.shapeView();
            int inner = inner(os, axis);
            int outer = outer(os, axis);
            int at = 0;
            for (Tensor t : in) {
                int len = t.dim(axis) * inner;
                blocks(t.data(), 0, len, out.data(), at * inner, os[axis] * inner, outer, len);
                at += t.dim(axis);
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int axis = node.attrs().get(OpAttr.AXIS);
            int[] os = node.shapeView();
            int inner = inner(os, axis);
            int size = os[axis] * inner;
            int o = index / size;
            int r = index % size;
            for (int i = 0; i < in.length; i++) {
                int len = in[i].dim(axis) * inner;
                if (r < len) {
                    int src = o * len + r;
                    return ch.input(i, src, in[i].data()[src]);
                }
                r -= len;
            }
            throw new IllegalStateException("index out of range");
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            int axis = node.attrs().get(OpAttr.AXIS);
            int at = 0;
            for (int in : node.inputs()) {
                int len = g.shape(in)[axis];
                if (ad.needs(in)) {
                    ad.accumulate(in, g.slice(dy, axis, at, at + len));
                }
                at += len;
            }
        }
    }

    /** x[..., i, j] = fill for j &gt; i; the last two dimensions are square. */
    public static final class CausalMask implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            int r = in[0].length;
            Shapes.require(r >= 2 && in[0][r - 1] == in[0][r - 2], "needs square last two dimensions, got " + Shapes.str(in[0]));
            a.get(OpAttr.FILL);
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float fill = node.attrs().get(OpAttr.FILL);
            int t = node.shapeView()[node.shapeView().length - 1];
            float[] x = in[0].data();
            float[] y = out.data();
            int mats = y.length / (t * t);
            Parallel.parallelFor(mats, 4, (lo, hi) -> {
                for (int m = lo; m < hi; m++) {
                    for (int i = 0; i < t; i++) {
                        int off = (m * t + i) * t;
                        System.arraycopy(x, off, y, off, i + 1);
                        Arrays.fill(y, off + i + 1, off + t, fill);
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int t = node.shapeView()[node.shapeView().length - 1];
            int i = (index / t) % t;
            int j = index % t;
            return j > i ? ch.constant(node.attrs().get(OpAttr.FILL)) : ch.input(0, index, in[0].data()[index]);
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            ad.accumulate(node.input(0), ad.builder().causalMask(dy, 0f));
        }
    }
}
