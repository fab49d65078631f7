package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Autograd;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.Op;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.kernel.Vectors;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 2-D pooling over [N, C, H, W] with a square window (no padding). Max: MAX chain from -inf over
 * the window in row-major order; its gradient goes to the first position holding the maximum.
 * Average: ADD chain from +0 over the window, then one division by k*k.
 */
public final class PoolOps {
    private PoolOps() {
    }

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final VectorSpecies<Integer> I = Vectors.I;

    /** Per-thread plane buffers of the fast max-pool paths (grown on demand, reused: no steady-state allocation). */
    private static final class Scratch {
        float[] max = new float[0];
        int[] at = new int[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static Scratch scratch(int plane) {
        Scratch s = SCRATCH.get();
        if (s.max.length < plane) {
            s.max = new float[plane];
            s.at = new int[plane];
        }
        return s;
    }

    /**
     * The gradient's max-pool core for one plane: for every flat position q of the plane that is
     * the top-left corner of a real window, at[q] = the flat offset ky*w+kx from q of the first
     * maximum of the MAX chain from -inf over the window in the reference order (ky, kx), updated
     * exactly where the reference updates it (the chain's bits change); m is scratch. The
     * forward, {@link #maxPoolPlanes}, walks the same ranges. Lanes run across positions q (independent windows); positions that are no real
     * corner (between strided corners, or wrapping past a row end) are computed too and never
     * read. A row of corners at least a vector wide runs on its own, skipping the rows between
     * strided window rows; narrower planes run as one range up to the last corner. The last
     * vector of a range is shifted back to end at its last corner (recomputing a few positions to
     * the same bits), so no read leaves the plane.
     */
    private static void windows(float[] x, int base, int w, int k, int st, int oh, int ow, float[] m, int[] at) {
        int span = (ow - 1) * st + 1;
        // Each range goes straight to its loop: every call level between the parallel body and
        // the vector ops counts against the JIT's inlining depth.
        boolean rows = span >= F.length();
        int ranges = rows ? oh : 1;
        for (int r = 0; r < ranges; r++) {
            int q0 = rows ? r * st * w : 0;
            int qEnd = rows ? q0 + span : (oh - 1) * st * w + span;
            if (qEnd < F.length()) {
                windowsScalar(x, base, w, k, q0, qEnd, m, at);
            } else {
                windowRowArg(x, base, w, k, q0, qEnd, at);
            }
        }
    }

    private static void windowRowArg(float[] x, int base, int w, int k, int q0, int qEnd, int[] at) {
        int lanes = F.length();
        FloatVector ninf = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        IntVector zero = IntVector.zero(I);
        for (int next = q0; next < qEnd; next += lanes) {
            int q = Math.min(next, qEnd - lanes);
            FloatVector acc = ninf;
            IntVector arg = zero;
            for (int ky = 0; ky < k; ky++) {
                int row = base + q + ky * w;
                for (int kx = 0; kx < k; kx++) {
                    FloatVector nm = acc.max(FloatVector.fromArray(F, x, row + kx));
                    VectorMask<Integer> changed = nm.reinterpretAsInts().compare(VectorOperators.NE,
                            acc.reinterpretAsInts());
                    arg = arg.blend(ky * w + kx, changed);
                    acc = nm;
                }
            }
            arg.intoArray(at, q);
        }
    }

    private static void windowsScalar(float[] x, int base, int w, int k, int q0, int qEnd, float[] m, int[] at) {
        for (int q = q0; q < qEnd; q++) {
            float acc = Float.NEGATIVE_INFINITY;
            int arg = 0;
            for (int ky = 0; ky < k; ky++) {
                int row = base + q + ky * w;
                for (int kx = 0; kx < k; kx++) {
                    float nm = Math.max(acc, x[row + kx]);
                    if (Float.floatToRawIntBits(nm) != Float.floatToRawIntBits(acc)) {
                        arg = ky * w + kx;
                    }
                    acc = nm;
                }
            }
            m[q] = acc;
            if (at != null) {
                at[q] = arg;
            }
        }
    }

    private static void maxPoolFast(float[] x, float[] y, int[] is, int[] os, int k, int st) {
        int plane = is[2] * is[3];
        Parallel.parallelFor(os[0] * os[1], 4, (lo, hi) -> maxPoolPlanes(x, y, is, os, k, st, lo, hi,
                scratch(plane).max));
    }

    /**
     * Planes [lo, hi) of the forward: {@link #windows} without the argmax, written out in one
     * method with its vector loop. Kept whole on purpose: with the vector loop in a helper called
     * per row, some runs left that helper in C1-compiled code (boxed vectors, the op 4x slower
     * for the whole run), depending on the order the JIT happened to compile things in.
     */
    private static void maxPoolPlanes(float[] x, float[] y, int[] is, int[] os, int k, int st, int lo, int hi,
                                      float[] m) {
        int w = is[3];
        int plane = is[2] * w;
        int oh = os[2];
        int ow = os[3];
        int lanes = F.length();
        int span = (ow - 1) * st + 1;
        boolean rows = span >= lanes;
        int ranges = rows ? oh : 1;
        FloatVector ninf = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int pl = lo; pl < hi; pl++) {
            int base = pl * plane;
            for (int r = 0; r < ranges; r++) {
                int q0 = rows ? r * st * w : 0;
                int qEnd = rows ? q0 + span : (oh - 1) * st * w + span;
                if (qEnd < lanes) {
                    windowsScalar(x, base, w, k, q0, qEnd, m, null);
                    continue;
                }
                for (int next = q0; next < qEnd; next += lanes) {
                    int q = Math.min(next, qEnd - lanes);
                    FloatVector acc = ninf;
                    for (int ky = 0; ky < k; ky++) {
                        int row = base + q + ky * w;
                        for (int kx = 0; kx < k; kx++) {
                            acc = acc.max(FloatVector.fromArray(F, x, row + kx));
                        }
                    }
                    acc.intoArray(m, q);
                }
            }
            int o = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int q = oy * st * w;
                for (int ox = 0; ox < ow; ox++, q += st) {
                    y[o++] = m[q];
                }
            }
        }
    }

    /**
     * dx plane by plane: +0 everywhere, then dy[o] added at the first maximum of window o for o
     * in increasing order (the reference's chain); planes are independent, so threads split them.
     */
    private static void maxPoolGradFast(float[] x, float[] dy, float[] dx, int[] is, int[] os, int k, int st) {
        int plane = is[2] * is[3];
        int per = os[2] * os[3];
        Parallel.parallelFor(os[0] * os[1], 4, (lo, hi) -> {
            Scratch s = scratch(plane);
            for (int pl = lo; pl < hi; pl++) {
                int base = pl * plane;
                windows(x, base, is[3], k, st, os[2], os[3], s.max, s.at);
                Arrays.fill(dx, base, base + plane, 0f);
                int o = pl * per;
                for (int oy = 0; oy < os[2]; oy++) {
                    int q = oy * st * is[3];
                    for (int ox = 0; ox < os[3]; ox++, q += st) {
                        int i = base + q + s.at[q];
                        dx[i] = dx[i] + dy[o++];
                    }
                }
            }
        });
    }

    static int[] outShape(Attrs a, int[] s) {
        Shapes.require(s.length == 4, "input must be [N, C, H, W], got " + Shapes.str(s));
        int k = a.get(OpAttr.KERNEL);
        int st = a.get(OpAttr.STRIDE);
        Shapes.require(k >= 1 && st >= 1, "kernel and stride must be positive");
        Shapes.require(s[2] >= k && s[3] >= k, "window " + k + " larger than the input " + Shapes.str(s));
        return new int[] {s[0], s[1], (s[2] - k) / st + 1, (s[3] - k) / st + 1};
    }

    /** Flat input index of the first maximum of output element {@code o}'s window. */
    static int argmax(float[] x, int[] is, int[] os, int k, int st, int o) {
        int ox = o % os[3];
        int oy = (o / os[3]) % os[2];
        int plane = o / (os[2] * os[3]);
        int base = plane * is[2] * is[3];
        float m = Float.NEGATIVE_INFINITY;
        int at = base + (oy * st) * is[3] + ox * st;
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                int i = base + (oy * st + ky) * is[3] + ox * st + kx;
                float nm = Math.max(m, x[i]);
                if (Float.floatToRawIntBits(nm) != Float.floatToRawIntBits(m)) {
                    at = i;
                }
                m = nm;
            }
        }
        return at;
    }

    public static final class MaxPool implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            return outShape(a, in[0]);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = in[0].shapeView();
            int[] os = node.shapeView();
            float[] x = in[0].data();
            float[] y = out.data();
            if (fast) {
                maxPoolFast(x, y, is, os, k, st);
                return;
            }
            int per = os[2] * os[3];
            Parallel.parallelFor(os[0] * os[1], 4, (lo, hi) -> {
                for (int pl = lo; pl < hi; pl++) {
                    int base = pl * is[2] * is[3];
                    for (int oy = 0; oy < os[2]; oy++) {
                        for (int ox = 0; ox < os[3]; ox++) {
                            float m = Float.NEGATIVE_INFINITY;
                            for (int ky = 0; ky < k; ky++) {
                                int row = base + (oy * st + ky) * is[3] + ox * st;
                                for (int kx = 0; kx < k; kx++) {
                                    m = Math.max(m, x[row + kx]);
                                }
                            }
                            y[pl * per + oy * os[3] + ox] = m;
                        }
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = in[0].shapeView();
            int[] os = node.shapeView();
            int ox = index % os[3];
            int oy = (index / os[3]) % os[2];
            int base = index / (os[2] * os[3]) * is[2] * is[3];
            Operand m = ch.constant(Float.NEGATIVE_INFINITY);
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int i = base + (oy * st + ky) * is[3] + ox * st + kx;
                    m = ch.max(m, ch.input(0, i, in[0].data()[i]));
                }
            }
            return m;
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            ad.accumulate(node.input(0), ad.builder().append(OpKind.MAXPOOL2D_GRAD, node.attrs(), node.input(0), dy));
        }

        @Override
        public long flops(Node node, int[][] in) {
            int k = node.attrs().get(OpAttr.KERNEL);
            return node.numel() * k * k;
        }
    }

    /**
     * Inputs (x, dy). dx[i] = ADD chain from +0 of dy[o] over the output positions o (in order)
     * whose window's first maximum is i; zero elsewhere.
     */
    public static final class MaxPoolGrad implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(Arrays.equals(outShape(a, in[0]), in[1]), "dy does not match the pooled shape");
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = in[0].shapeView();
            int[] os = in[1].shapeView();
            float[] x = in[0].data();
            float[] dy = in[1].data();
            float[] dx = out.data();
            if (fast) {
                maxPoolGradFast(x, dy, dx, is, os, k, st);
                return;
            }
            Arrays.fill(dx, 0f);
            int per = os[2] * os[3];
            Parallel.parallelFor(os[0] * os[1], 4, (lo, hi) -> {
                for (int o = lo * per; o < hi * per; o++) {
                    int i = argmax(x, is, os, k, st, o);
                    dx[i] = dx[i] + dy[o];
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = in[0].shapeView();
            int[] os = in[1].shapeView();
            int per = os[2] * os[3];
            int plane = index / (is[2] * is[3]);
            Operand acc = ch.constant(0f);
            for (int o = plane * per; o < (plane + 1) * per; o++) {
                if (argmax(in[0].data(), is, os, k, st, o) == index) {
                    acc = ch.add(acc, ch.input(1, o, in[1].data()[o]));
                }
            }
            return acc;
        }
    }

    public static final class AvgPool implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            return outShape(a, in[0]);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = in[0].shapeView();
            int[] os = node.shapeView();
            float[] x = in[0].data();
            float[] y = out.data();
            float kk = (float) (k * k);
            int per = os[2] * os[3];
            Parallel.parallelFor(os[0] * os[1], 4, (lo, hi) -> {
                for (int pl = lo; pl < hi; pl++) {
                    int base = pl * is[2] * is[3];
                    for (int oy = 0; oy < os[2]; oy++) {
                        for (int ox = 0; ox < os[3]; ox++) {
                            float s = 0f;
                            for (int ky = 0; ky < k; ky++) {
                                int row = base + (oy * st + ky) * is[3] + ox * st;
                                for (int kx = 0; kx < k; kx++) {
                                    s = s + x[row + kx];
                                }
                            }
                            y[pl * per + oy * os[3] + ox] = s / kk;
                        }
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = in[0].shapeView();
            int[] os = node.shapeView();
            int ox = index % os[3];
            int oy = (index / os[3]) % os[2];
            int base = index / (os[2] * os[3]) * is[2] * is[3];
            Operand s = ch.constant(0f);
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int i = base + (oy * st + ky) * is[3] + ox * st + kx;
                    s = ch.add(s, ch.input(0, i, in[0].data()[i]));
                }
            }
            return ch.div(s, ch.constant((float) (k * k)));
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            Attrs a = Attrs.builder().put(OpAttr.KERNEL, node.attrs().get(OpAttr.KERNEL)).put(OpAttr.STRIDE, node.attrs().get(OpAttr.STRIDE))
                    .put(OpAttr.IN_SHAPE, ad.builder().shape(node.input(0))).build();
            ad.accumulate(node.input(0), ad.builder().append(OpKind.AVGPOOL2D_GRAD, a, dy));
        }

        @Override
        public long flops(Node node, int[][] in) {
            int k = node.attrs().get(OpAttr.KERNEL);
            return node.numel() * k * k;
        }
    }

    /** Input dy; dx[i] = ADD chain from +0, over the windows (in output order) covering i, of dy[o] / (k*k). */
    public static final class AvgPoolGrad implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            int[] is = a.get(OpAttr.IN_SHAPE);
            Shapes.require(Arrays.equals(outShape(a, is), in[0]), "dy does not match the pooled shape");
            return is;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = node.shapeView();
            int[] os = in[0].shapeView();
            float[] dy = in[0].data();
            float[] dx = out.data();
            float kk = (float) (k * k);
            Arrays.fill(dx, 0f);
            int per = os[2] * os[3];
            Parallel.parallelFor(os[0] * os[1], 4, (lo, hi) -> {
                for (int pl = lo; pl < hi; pl++) {
                    int base = pl * is[2] * is[3];
                    for (int oy = 0; oy < os[2]; oy++) {
                        for (int ox = 0; ox < os[3]; ox++) {
                            float g = dy[pl * per + oy * os[3] + ox] / kk;
                            for (int ky = 0; ky < k; ky++) {
                                int row = base + (oy * st + ky) * is[3] + ox * st;
                                for (int kx = 0; kx < k; kx++) {
                                    dx[row + kx] = dx[row + kx] + g;
                                }
                            }
                        }
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int k = node.attrs().get(OpAttr.KERNEL);
            int st = node.attrs().get(OpAttr.STRIDE);
            int[] is = node.shapeView();
            int[] os = in[0].shapeView();
            int x = index % is[3];
            int y = (index / is[3]) % is[2];
            int plane = index / (is[2] * is[3]);
            Operand acc = ch.constant(0f);
            Operand kk = ch.constant((float) (k * k));
            for (int oy = 0; oy < os[2]; oy++) {
                for (int ox = 0; ox < os[3]; ox++) {
                    if (y >= oy * st && y < oy * st + k && x >= ox * st && x < ox * st + k) {
                        int o = plane * os[2] * os[3] + oy * os[3] + ox;
                        acc = ch.add(acc, ch.div(ch.input(0, o, in[0].data()[o]), kk));
                    }
                }
            }
            return acc;
        }
    }
}
