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
import jdk.incubator.vector.VectorSpecies;

/** Embedding lookup (table [V, d], integer ids of any shape held as floats) and its gradient. */
public final class EmbeddingOps {
    private EmbeddingOps() {
    }

    private static final VectorSpecies<Float> F = Vectors.F;

    static int id(float v, int vocab) {
        int t = (int) v;
        if (t != v || t < 0 || t >= vocab) {
            throw new IllegalArgumentException("token id " + v + " is not in [0, " + vocab + ")");
        }
        return t;
    }

    /** Inputs (table [V, d], ids) -> ids.shape + [d]. */
    public static final class Embedding implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(in[0].length == 2, "table must be [V, d], got " + Shapes.str(in[0]));
            int[] s = Arrays.copyOf(in[1], in[1].length + 1);
            s[in[1].length] = in[0][1];
            return s;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] table = in[0].data();
            float[] ids = in[1].data();
            int v = in[0].dim(0);
            int d = in[0].dim(1);
            float[] y = out.data();
            for (int p = 0; p < ids.length; p++) {
                System.arraycopy(table, id(ids[p], v) * d, y, p * d, d);
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int d = in[0].dim(1);
            int p = index / d;
            int src = id(in[1].data()[p], in[0].dim(0)) * d + index % d;
            return ch.input(0, src, in[0].data()[src]);
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            int table = node.input(0);
            ad.accumulate(table, ad.builder().append(OpKind.EMBEDDING_GRAD,
                    Attrs.builder().put(OpAttr.VOCAB, ad.builder().shape(table)[0]).build(), node.input(1), dy));
        }
    }

    /** Inputs (ids, dy [..., d]) -> [V, d]: row v = ADD chain from +0 of dy rows whose id is v, positions in order. */
    public static final class EmbeddingGrad implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            int d = in[1][in[1].length - 1];
            Shapes.require(Shapes.numel(in[1]) == Shapes.numel(in[0]) * d, "dy does not match the ids");
            return new int[] {a.get(OpAttr.VOCAB), d};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float[] ids = in[0].data();
            float[] dy = in[1].data();
            float[] g = out.data();
            int v = node.shapeView()[0];
            int d = node.shapeView()[1];
            Arrays.fill(g, 0f);
            Parallel.parallelFor(d, 32, (lo, hi) -> {
                for (int p = 0; p < ids.length; p++) {
                    int row = id(ids[p], v) * d;
                    int off = p * d;
                    int j = lo;
                    if (fast) {
                        for (int end = lo + F.loopBound(hi - lo); j < end; j += F.length()) {
                            FloatVector.fromArray(F, g, row + j).add(FloatVector.fromArray(F, dy, off + j)).intoArray(g, row + j);
                        }
                    }
                    for (; j < hi; j++) {
                        g[row + j] = g[row + j] + dy[off + j];
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int v = node.shapeView()[0];
            int d = node.shapeView()[1];
            int row = index / d;
            int j = index % d;
            float[] ids = in[0].data();
            Operand acc = ch.constant(0f);
            for (int p = 0; p < ids.length; p++) {
                if (id(ids[p], v) == row) {
                    acc = ch.add(acc, ch.input(1, p * d + j, in[1].data()[p * d + j]));
                }
            }
            return acc;
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[1]);
        }
    }
}
