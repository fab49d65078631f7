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
import dev.verity.tensor.kernel.Gemm;
import dev.verity.tensor.kernel.ScalarGemm;

/**
 * C = op(A) op(B) [+ bias], 2-D or batched 3-D. Element (i, j) is
 * {@code acc = +0; for k in 0..K-1: acc = fma(A[i,k], B[k,j], acc); acc = acc + bias[j]}.
 * Inputs: 0 = A, 1 = B, 2 = bias (optional, length N).
 */
public final class MatMulOp implements Op {
    /** Resolved dimensions of one node. */
    record Dims(int batch, int m, int n, int k, boolean ta, boolean tb, int lda, int ldb) {
        static Dims of(Attrs a, int[] as, int[] bs) {
            // Checks written as ifs, not Shapes.require: forward calls this every step, and a
            // message built before the check would be garbage every step.
            boolean ta = a.get(OpAttr.TRANS_A);
            boolean tb = a.get(OpAttr.TRANS_B);
            if (as.length != bs.length || as.length != 2 && as.length != 3) {
                throw new IllegalArgumentException("operands must both be 2-D or both 3-D, got " + Shapes.str(as)
                        + " and " + Shapes.str(bs));
            }
            int batch = 1;
            int o = as.length - 2;
            if (as.length == 3) {
                if (as[0] != bs[0]) {
                    throw new IllegalArgumentException("batch sizes differ: " + Shapes.str(as) + " and " + Shapes.str(bs));
                }
                batch = as[0];
            }
            int m = ta ? as[o + 1] : as[o];
            int k = ta ? as[o] : as[o + 1];
            int kb = tb ? bs[o + 1] : bs[o];
            int n = tb ? bs[o] : bs[o + 1];
            if (k != kb) {
                throw new IllegalArgumentException("inner dimensions differ: " + Shapes.str(as) + (ta ? "^T" : "")
                        + " x " + Shapes.str(bs) + (tb ? "^T" : ""));
            }
            return new Dims(batch, m, n, k, ta, tb, as[o + 1], bs[o + 1]);
        }
    }

    @Override
    public int[] shape(Attrs a, int[][] in) {
        Shapes.arity(in, 2, 3);
        Dims d = Dims.of(a, in[0], in[1]);
        if (in.length == 3) {
            Shapes.require(in[2].length == 1 && in[2][0] == d.n, "bias must have shape [" + d.n + "], got "
                    + Shapes.str(in[2]));
        }
        return in[0].length == 3 ? new int[] {d.batch, d.m, d.n} : new int[] {d.m, d.n};
    }

    @Override
    public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
        Dims d = Dims.of(node.attrs(), in[0].shapeView(), in[1].shapeView());
        float[] bias = in.length == 3 ? in[2].data() : null;
        long sa = (long) d.m * d.k;
        long sb = (long) d.k * d.n;
        long sc = (long) d.m * d.n;
        if (fast) {
            Gemm.sgemmBatched(d.batch, d.ta, d.tb, d.m, d.n, d.k, in[0].data(), 0, d.lda, sa, in[1].data(), 0, d.ldb, sb,
                    out.data(), 0, d.n, sc, bias, false);
        } else {
            ScalarGemm.sgemmBatched(d.batch, d.ta, d.tb, d.m, d.n, d.k, in[0].data(), 0, d.lda, sa, in[1].data(), 0, d.ldb,
                    sb, out.data(), 0, d.n, sc, bias, false);
        }
    }

    @Override
    public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
        Dims d = Dims.of(node.attrs(), in[0].shapeView(), in[1].shapeView());
        int b = index / (d.m * d.n);
        int i = (index / d.n) % d.m;
        int j = index % d.n;
        int aBase = b * d.m * d.k;
        int bBase = b * d.k * d.n;
        float[] A = in[0].data();
        float[] B = in[1].data();
        Operand acc = ch.constant(0f);
        for (int k = 0; k < d.k; k++) {
            int ia = aBase + (d.ta ? k * d.lda + i : i * d.lda + k);
            int ib = bBase + (d.tb ? j * d.ldb + k : k * d.ldb + j);
            acc = ch.fma(ch.input(0, ia, A[ia]), ch.input(1, ib, B[ib]), acc);
        }
        if (in.length == 3) {
            acc = ch.add(acc, ch.input(2, j, in[2].data()[j]));
        }
        return acc;
    }

    @Override
    public void backward(Autograd ad, Node node, int dC) {
        GraphBuilder g = ad.builder();
        boolean ta = node.attrs().get(OpAttr.TRANS_A);
        boolean tb = node.attrs().get(OpAttr.TRANS_B);
        int a = node.input(0);
        int b = node.input(1);
        if (ad.needs(a)) {
            ad.accumulate(a, ta ? g.matmul(b, dC, tb, true, -1) : g.matmul(dC, b, false, !tb, -1));
        }
        if (ad.needs(b)) {
            ad.accumulate(b, tb ? g.matmul(dC, a, true, ta, -1) : g.matmul(a, dC, !ta, false, -1));
        }
        if (node.arity() == 3 && ad.needs(node.input(2))) {
            ad.accumulate(node.input(2), g.reduceTo(dC, g.shape(node.input(2))));
        }
    }

    @Override
    public long flops(Node node, int[][] in) {
        Dims d = Dims.of(node.attrs(), in[0], in[1]);
        return 2L * d.batch * d.m * d.n * d.k + (in.length == 3 ? (long) d.batch * d.m * d.n : 0);
    }
}
