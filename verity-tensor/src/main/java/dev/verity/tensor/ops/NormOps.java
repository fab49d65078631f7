package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.chain.ElementChain;
import dev.verity.tensor.chain.Operand;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.Autograd;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.Op;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.kernel.Vectors;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Layer normalisation over the last axis (size D). Per row, in this order: {@code s} = ADD chain
 * of x_j from +0; {@code mu = s / D}; {@code d_j = x_j - mu}; {@code v} = FMA chain of d_j*d_j
 * from +0; {@code rstd = 1 / sqrt(v / D + eps)}; {@code xhat_j = d_j * rstd};
 * {@code y_j = fma(xhat_j, gamma_j, beta_j)}.
 */
public final class NormOps {
    private NormOps() {
    }

    private static final VectorSpecies<Float> F = Vectors.F;

    /** Row statistics: {mu, rstd}. */
    static void stats(float[] x, int off, int d, float eps, float[] out2) {
        float s = 0f;
        for (int j = 0; j < d; j++) {
            s = s + x[off + j];
        }
        float mu = s / (float) d;
        float v = 0f;
        for (int j = 0; j < d; j++) {
            float dj = x[off + j] - mu;
            v = Math.fma(dj, dj, v);
        }
        out2[0] = mu;
        out2[1] = 1f / (float) Math.sqrt(v / (float) d + eps);
    }

    record StatsChain(Operand mu, Operand rstd, Operand[] xhat) {
    }

    static StatsChain statsChain(ElementChain ch, int input, float[] x, int off, int d, float eps) {
        Operand[] xs = new Operand[d];
        Operand s = ch.constant(0f);
        for (int j = 0; j < d; j++) {
            xs[j] = ch.input(input, off + j, x[off + j]);
            s = ch.add(s, xs[j]);
        }
        Operand fd = ch.constant((float) d);
        Operand mu = ch.div(s, fd);
        Operand[] dj = new Operand[d];
        Operand v = ch.constant(0f);
        for (int j = 0; j < d; j++) {
            dj[j] = ch.sub(xs[j], mu);
            v = ch.fma(dj[j], dj[j], v);
        }
        Operand rstd = ch.div(ch.constant(1f), ch.sqrt(ch.add(ch.div(v, fd), ch.constant(eps))));
        Operand[] xhat = new Operand[d];
        for (int j = 0; j < d; j++) {
            xhat[j] = ch.mul(dj[j], rstd);
        }
        return new StatsChain(mu, rstd, xhat);
    }

    private static int lastDim(int[] s) {
        Shapes.require(s.length >= 1 && s[s.length - 1] > 0, "needs a non-empty last axis");
        return s[s.length - 1];
    }

    /** Inputs (x, gamma [D], beta [D]); attribute eps. */
    public static final class LayerNorm implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 3, 3);
            int d = lastDim(in[0]);
            Shapes.require(Arrays.equals(in[1], new int[] {d}) && Arrays.equals(in[2], new int[] {d}),
                    "gamma and beta must be [" + d + "]");
            Shapes.require(a.getFloat("eps") > 0f, "eps must be positive");
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float eps = node.attrs().getFloat("eps");
            float[] x = in[0].data();
            float[] g = in[1].data();
            float[] b = in[2].data();
            float[] y = out.data();
            int d = g.length;
            int rows = y.length / d;
            Parallel.parallelFor(rows, Math.max(1, 2048 / d), (lo, hi) -> {
                float[] st = new float[2];
                for (int r = lo; r < hi; r++) {
                    int off = r * d;
                    stats(x, off, d, eps, st);
                    float mu = st[0];
                    float rstd = st[1];
                    int j = 0;
                    if (fast) {
                        for (int end = F.loopBound(d); j < end; j += F.length()) {
                            FloatVector xh = FloatVector.fromArray(F, x, off + j).sub(mu).mul(rstd);
                            xh.fma(FloatVector.fromArray(F, g, j), FloatVector.fromArray(F, b, j)).intoArray(y, off + j);
                        }
                    }
                    for (; j < d; j++) {
                        y[off + j] = Math.fma((x[off + j] - mu) * rstd, g[j], b[j]);
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int d = in[1].size();
            int j = index % d;
            StatsChain s = statsChain(ch, 0, in[0].data(), index - j, d, node.attrs().getFloat("eps"));
            return ch.fma(s.xhat()[j], ch.input(1, j, in[1].data()[j]), ch.input(2, j, in[2].data()[j]));
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            int x = node.input(0);
            int gamma = node.input(1);
            int beta = node.input(2);
            Attrs eps = Attrs.builder().putFloat("eps", node.attrs().getFloat("eps")).build();
            if (ad.needs(x)) {
                ad.accumulate(x, g.add(OpKind.LAYERNORM_GRAD_INPUT, eps, x, gamma, dy));
            }
            if (ad.needs(gamma)) {
                ad.accumulate(gamma, g.add(OpKind.LAYERNORM_GRAD_GAMMA, eps, x, dy));
            }
            if (ad.needs(beta)) {
                ad.accumulate(beta, g.reduceTo(dy, g.shape(beta)));
            }
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel() * 8L;
        }
    }

    /**
     * Inputs (x, gamma, dy). With g_j = dy_j * gamma_j, a = ADD chain of g_j, b = FMA chain of
     * g_j * xhat_j (both from +0): dx_i = rstd * fma(-xhat_i, b / D, g_i - a / D).
     */
    public static final class LayerNormGradInput implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 3, 3);
            Shapes.require(Arrays.equals(in[0], in[2]), "x and dy shapes differ");
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float eps = node.attrs().getFloat("eps");
            float[] x = in[0].data();
            float[] gm = in[1].data();
            float[] dy = in[2].data();
            float[] dx = out.data();
            int d = gm.length;
            int rows = dx.length / d;
            Parallel.parallelFor(rows, Math.max(1, 2048 / d), (lo, hi) -> {
                float[] st = new float[2];
                for (int r = lo; r < hi; r++) {
                    int off = r * d;
                    stats(x, off, d, eps, st);
                    float mu = st[0];
                    float rstd = st[1];
                    float a = 0f;
                    float b = 0f;
                    for (int j = 0; j < d; j++) {
                        float gj = dy[off + j] * gm[j];
                        float xh = (x[off + j] - mu) * rstd;
                        a = a + gj;
                        b = Math.fma(gj, xh, b);
                    }
                    float ma = a / (float) d;
                    float mb = b / (float) d;
                    for (int j = 0; j < d; j++) {
                        float gj = dy[off + j] * gm[j];
                        float xh = (x[off + j] - mu) * rstd;
                        dx[off + j] = rstd * Math.fma(-xh, mb, gj - ma);
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int d = in[1].size();
            int i = index % d;
            int off = index - i;
            float[] gm = in[1].data();
            float[] dy = in[2].data();
            StatsChain s = statsChain(ch, 0, in[0].data(), off, d, node.attrs().getFloat("eps"));
            Operand[] gj = new Operand[d];
            Operand a = ch.constant(0f);
            Operand b = ch.constant(0f);
            for (int j = 0; j < d; j++) {
                gj[j] = ch.mul(ch.input(2, off + j, dy[off + j]), ch.input(1, j, gm[j]));
                a = ch.add(a, gj[j]);
                b = ch.fma(gj[j], s.xhat()[j], b);
            }
            Operand fd = ch.constant((float) d);
            Operand ma = ch.div(a, fd);
            Operand mb = ch.div(b, fd);
            return ch.mul(s.rstd(), ch.fma(ch.neg(s.xhat()[i]), mb, ch.sub(gj[i], ma)));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return node.numel() * 14L;
        }
    }

    /** Inputs (x, dy) -> [D]: dgamma_j = FMA chain over rows (in order) of dy[r,j] * xhat[r,j] from +0. */
    public static final class LayerNormGradGamma implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(Arrays.equals(in[0], in[1]), "x and dy shapes differ");
            return new int[] {lastDim(in[0])};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float eps = node.attrs().getFloat("eps");
            float[] x = in[0].data();
            float[] dy = in[1].data();
            float[] dg = out.data();
            int d = dg.length;
            int rows = x.length / d;
            float[] mu = new float[rows];
            float[] rstd = new float[rows];
            Parallel.parallelFor(rows, 16, (lo, hi) -> {
                float[] st = new float[2];
                for (int r = lo; r < hi; r++) {
                    stats(x, r * d, d, eps, st);
                    mu[r] = st[0];
                    rstd[r] = st[1];
                }
            });
            Arrays.fill(dg, 0f);
            // columns split across threads; each column's chain runs over the rows in order
            Parallel.parallelFor(d, 32, (lo, hi) -> {
                for (int r = 0; r < rows; r++) {
                    int off = r * d;
                    int j = lo;
                    if (fast) {
                        for (int end = lo + F.loopBound(hi - lo); j < end; j += F.length()) {
                            FloatVector xh = FloatVector.fromArray(F, x, off + j).sub(mu[r]).mul(rstd[r]);
                            FloatVector.fromArray(F, dy, off + j).fma(xh, FloatVector.fromArray(F, dg, j)).intoArray(dg, j);
                        }
                    }
                    for (; j < hi; j++) {
                        dg[j] = Math.fma(dy[off + j], (x[off + j] - mu[r]) * rstd[r], dg[j]);
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int d = node.shape()[0];
            int rows = in[0].size() / d;
            float eps = node.attrs().getFloat("eps");
            Operand acc = ch.constant(0f);
            for (int r = 0; r < rows; r++) {
                StatsChain s = statsChain(ch, 0, in[0].data(), r * d, d, eps);
                acc = ch.fma(ch.input(1, r * d + index, in[1].data()[r * d + index]), s.xhat()[index], acc);
            }
            return acc;
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 8L;
        }
    }
}
