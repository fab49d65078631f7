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
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.kernel.Vectors;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Sums. Every output is {@code acc = +0; acc = acc + x} over its inputs in increasing flat index order. */
public final class ReduceOps {
    private ReduceOps() {
    }

    private static final VectorSpecies<Float> F = Vectors.F;

    /** Sums x down to a broadcast-compatible shape (the gradient of a broadcast). */
    public static final class ReduceTo implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            int[] s = a.get(OpAttr.SHAPE);
            Shapes.require(Arrays.equals(Shapes.broadcast(s, in[0]), in[0]), "cannot reduce " + Shapes.str(in[0])
                    + " to " + Shapes.str(s));
            return s;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] x = in[0].data();
            float[] y = out.data();
            int[] xs = in[0].shapeView();
            int[] ys = out.shapeView();
            if (fast) {
                long split = split(xs, ys);
                if (split >= 0) {
                    int keep = y.length;
                    int outer = (int) (split >>> 32);
                    int inner = (int) split;
                    if (inner == 1) {
                        leading(x, y, outer, keep);
                    } else {
                        around(x, y, outer, keep, inner);
                    }
                    return;
                }
                int[] krk = keptReducedKept(xs, ys);
                if (krk != null) {
                    int b = krk[1];
                    int c = krk[2];
                    Parallel.parallelFor(krk[0], Math.max(1, (1 << 14) / (b * c)), (lo, hi) -> {
                        for (int a = lo; a < hi; a++) {
                            leadingRange(x, a * b * c, y, a * c, b, c, 0, c);
                        }
                    });
                    return;
                }
            }
            // The reference: every input element added, in increasing flat index, to its output.
            Arrays.fill(y, 0f);
            int[] map = Shapes.broadcastIndex(ys, xs);
            for (int i = 0; i < x.length; i++) {
                y[map[i]] = y[map[i]] + x[i];
            }
        }

        /**
         * When x viewed as [outer, keep, inner] reduces to y = [keep] (the kept dimensions of y are
         * one contiguous run of x's dimensions: bias gradients [N,C,H,W] -> [1,C,1,1], leading-dim
         * sums [B,T,D] -> [D], trailing sums [R,C] -> [R,1]), returns {@code outer << 32 | inner};
         * else -1. Dimensions of size 1 in x belong to neither side.
         */
        static long split(int[] xs, int[] ys) {
            int off = xs.length - ys.length;
            int first = -1;
            int last = -1;
            for (int d = 0; d < xs.length; d++) {
                int yd = d < off ? 1 : ys[d - off];
                if (xs[d] != 1 && yd == xs[d]) {
                    if (first < 0) {
                        first = d;
                    } else {
                        // a reduced dimension between two kept ones: not this pattern
                        for (int e = last + 1; e < d; e++) {
                            if (xs[e] != 1) {
                                return -1;
                            }
                        }
                    }
                    last = d;
                }
            }
            long outer = 1;
            long inner = 1;
            for (int d = 0; d < xs.length; d++) {
                if (first < 0 || d < first) {
                    outer *= xs[d];
                } else if (d > last) {
                    inner *= xs[d];
                }
            }
            return outer << 32 | inner;
        }

        /**
         * x = [outer, keep]: y[j] = ((+0 + x[0, j]) + x[1, j]) + ..., the reference order; lanes run
         * across j (independent outputs) and threads split j. Four vectors of columns at a time
         * keep their sums in registers down all the rows (a sum kept in y would wait on a store
         * and a reload per row).
         */
        private static void leading(float[] x, float[] y, int outer, int w) {
            Parallel.parallelFor(w, 64, (lo, hi) -> leadingRange(x, 0, y, 0, outer, w, lo, hi));
        }

        /** {@link #leading} of x[xo..] = [outer, w] into y[yo..] = [w], for columns [lo, hi). */
        private static void leadingRange(float[] x, int xo, float[] y, int yo, int outer, int w, int lo, int hi) {
            int l = F.length();
            int end = xo + outer * w;
            int j = lo;
            for (; j + 4 * l <= hi; j += 4 * l) {
                FloatVector s0 = FloatVector.zero(F);
                FloatVector s1 = s0;
                FloatVector s2 = s0;
                FloatVector s3 = s0;
                for (int off = xo + j; off < end; off += w) {
                    s0 = s0.add(FloatVector.fromArray(F, x, off));
                    s1 = s1.add(FloatVector.fromArray(F, x, off + l));
                    s2 = s2.add(FloatVector.fromArray(F, x, off + 2 * l));
                    s3 = s3.add(FloatVector.fromArray(F, x, off + 3 * l));
                }
                s0.intoArray(y, yo + j);
                s1.intoArray(y, yo + j + l);
                s2.intoArray(y, yo + j + 2 * l);
                s3.intoArray(y, yo + j + 3 * l);
            }
            for (; j + l <= hi; j += l) {
                FloatVector s0 = FloatVector.zero(F);
                for (int off = xo + j; off < end; off += w) {
                    s0 = s0.add(FloatVector.fromArray(F, x, off));
                }
                s0.intoArray(y, yo + j);
            }
            for (; j < hi; j++) {
                float a = 0f;
                for (int off = xo + j; off < end; off += w) {
                    a = a + x[off];
                }
                y[yo + j] = a;
            }
        }

        /**
         * When x viewed as [A, B, C] reduces to y = [A, C] (a reduced run of dimensions between two kept runs: the
         * mean over positions [B, T, D] -> [B, 1, D]), returns {A, B, C}; else null. Output (a, c)'s chain adds
         * x[a, b, c] for b increasing, the reference's increasing flat index, so each a is one {@link #leading} sum.
         */
        static int[] keptReducedKept(int[] xs, int[] ys) {
            int off = xs.length - ys.length;
            int[] run = new int[4];
            boolean[] kept = new boolean[4];
            int runs = 0;
            for (int d = 0; d < xs.length; d++) {
                if (xs[d] == 1) {
                    continue;
                }
                boolean k = d >= off && ys[d - off] == xs[d];
                if (runs > 0 && kept[runs - 1] == k) {
                    run[runs - 1] *= xs[d];
                } else {
                    if (runs == 3) {
                        return null;
                    }
                    run[runs] = xs[d];
                    kept[runs++] = k;
                }
            }
            return runs == 3 && kept[0] && !kept[1] && kept[2] ? new int[] {run[0], run[1], run[2]} : null;
        }

        /**
         * x = [outer, keep, inner]: y[k] = +0 then x[a, k, b] added over a, then b (increasing flat
         * index). Each output is one serial chain, so eight outputs run side by side to hide the
         * add latency (a bias gradient has as few as 6 channels, each a chain of 10^5 adds); in
         * the last group, slots past the end repeat the last output (same chain, same bits).
         * Vectors would need a horizontal sum and are not used.
         */
        private static void around(float[] x, float[] y, int outer, int keep, int inner) {
            Parallel.parallelFor(keep, 1, (lo, hi) -> {
                for (int k = lo; k < hi; k += 8) {
                    int last = hi - 1;
                    int k1 = Math.min(k + 1, last) - k;
                    int k2 = Math.min(k + 2, last) - k;
                    int k3 = Math.min(k + 3, last) - k;
                    int k4 = Math.min(k + 4, last) - k;
                    int k5 = Math.min(k + 5, last) - k;
                    int k6 = Math.min(k + 6, last) - k;
                    int k7 = Math.min(k + 7, last) - k;
                    float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
                    for (int a = 0; a < outer; a++) {
                        int base = (a * keep + k) * inner;
                        int b1 = base + k1 * inner;
                        int b2 = base + k2 * inner;
                        int b3 = base + k3 * inner;
                        int b4 = base + k4 * inner;
                        int b5 = base + k5 * inner;
                        int b6 = base + k6 * inner;
                        int b7 = base + k7 * inner;
                        for (int b = 0; b < inner; b++) {
                            a0 = a0 + x[base + b];
                            a1 = a1 + x[b1 + b];
                            a2 = a2 + x[b2 + b];
                            a3 = a3 + x[b3 + b];
                            a4 = a4 + x[b4 + b];
                            a5 = a5 + x[b5 + b];
                            a6 = a6 + x[b6 + b];
                            a7 = a7 + x[b7 + b];
                        }
                    }
                    // Descending, so a repeated slot's store lands before the real one's (same value either way).
                    y[k + k7] = a7;
                    y[k + k6] = a6;
                    y[k + k5] = a5;
                    y[k + k4] = a4;
                    y[k + k3] = a3;
                    y[k + k2] = a2;
                    y[k + k1] = a1;
                    y[k] = a0;
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int[] xs = in[0].shapeView();
            int[] ys = node.shapeView();
            float[] x = in[0].data();
            Operand acc = ch.constant(0f);
            for (int i = 0; i < x.length; i++) {
                if (Shapes.broadcastIndexOf(ys, xs, i) == index) {
                    acc = ch.add(acc, ch.input(0, i, x[i]));
                }
            }
            return acc;
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            ad.accumulate(node.input(0), g.mul(g.constant(1f, g.shape(node.input(0))), dy));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]);
        }
    }

    /** SUM and MEAN of all elements to shape [1]; MEAN divides the sum by the count. */
    public static final class Sum implements Op {
        private final boolean mean;

        public Sum(boolean mean) {
            this.mean = mean;
        }

        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            Shapes.require(Shapes.numel(in[0]) <= (1 << 24), "cannot average more than 2^24 elements");
            return new int[] {1};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float acc = 0f;
            for (float v : in[0].data()) {
                acc = acc + v;
            }
            out.data()[0] = mean ? acc / (float) in[0].size() : acc;
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            float[] x = in[0].data();
            Operand acc = ch.constant(0f);
            for (int i = 0; i < x.length; i++) {
                acc = ch.add(acc, ch.input(0, i, x[i]));
            }
            return mean ? ch.div(acc, ch.constant((float) x.length)) : acc;
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            int[] xs = g.shape(node.input(0));
            float f = mean ? 1f / (float) Shapes.numel(xs) : 1f;
            ad.accumulate(node.input(0), g.mul(g.constant(f, xs), dy));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]);
        }
    }
}
