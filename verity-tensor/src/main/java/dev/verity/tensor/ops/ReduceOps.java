package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.chain.ElementChain;
import dev.verity.tensor.chain.Operand;
import dev.verity.tensor.graph.Attrs;
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
            int[] s = a.getInts("shape");
            Shapes.require(Arrays.equals(Shapes.broadcast(s, in[0]), in[0]), "cannot reduce " + Shapes.str(in[0])
                    + " to " + Shapes.str(s));
            return s;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] x = in[0].data();
            float[] y = out.data();
            int[] xs = in[0].shape();
            int[] ys = out.shape();
            Arrays.fill(y, 0f);
            if (Shapes.isSuffix(trimLeadingOnes(ys), xs)) {
                // reduce over leading dimensions only: rows of width w added in order, lanes across columns
                int w = y.length;
                int rows = x.length / w;
                Parallel.parallelFor(w, 64, (lo, hi) -> {
                    for (int r = 0; r < rows; r++) {
                        int off = r * w;
                        int j = lo;
                        if (fast) {
                            for (int end = lo + F.loopBound(hi - lo); j < end; j += F.length()) {
                                FloatVector.fromArray(F, y, j).add(FloatVector.fromArray(F, x, off + j)).intoArray(y, j);
                            }
                        }
                        for (; j < hi; j++) {
                            y[j] = y[j] + x[off + j];
                        }
                    }
                });
            } else {
                int[] map = Shapes.broadcastIndex(ys, xs);
                for (int i = 0; i < x.length; i++) {
                    y[map[i]] = y[map[i]] + x[i];
                }
            }
        }

        private static int[] trimLeadingOnes(int[] s) {
            int i = 0;
            while (i < s.length && s[i] == 1) {
                i++;
            }
            return Arrays.copyOfRange(s, i, s.length);
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int[] xs = in[0].shape();
            int[] ys = node.shape();
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
