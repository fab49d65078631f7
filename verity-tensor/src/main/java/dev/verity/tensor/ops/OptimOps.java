package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.Op;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.kernel.Vectors;
import dev.verity.tensor.math.DetMath;
import dev.verity.tensor.math.DetMathChain;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Optimizer updates, gradient clipping and learning-rate schedules, as op records. */
public final class OptimOps {
    private OptimOps() {
    }

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int GRAIN = 1 << 14;

    private static int[] same(int[][] in, int n) {
        for (int i = 1; i < n; i++) {
            Shapes.require(Arrays.equals(in[0], in[i]), "operand shapes differ: " + Shapes.str(in[0]) + " vs " + Shapes.str(in[i]));
        }
        return in[0];
    }

    private static float scalar(Tensor t) {
        return t.data()[0];
    }

    /**
     * SGD momentum buffer. Inputs (buf, grad, param); attributes momentum, weightDecay.
     * g' = fma(wd, param, grad) (just grad when wd = 0); buf' = fma(momentum, buf, g').
     */
    public static final class SgdBuf implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 3, 3);
            a.get(OpAttr.MOMENTUM);
            a.get(OpAttr.WEIGHT_DECAY);
            return same(in, 3);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float mu = node.attrs().get(OpAttr.MOMENTUM);
            float wd = node.attrs().get(OpAttr.WEIGHT_DECAY);
            float[] b = in[0].data();
            float[] g = in[1].data();
            float[] p = in[2].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN, (lo, hi) -> {
                int i = lo;
                if (fast) {
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        FloatVector gv = FloatVector.fromArray(F, g, i);
                        if (wd != 0f) {
                            gv = FloatVector.broadcast(F, wd).fma(FloatVector.fromArray(F, p, i), gv);
                        }
                        FloatVector.broadcast(F, mu).fma(FloatVector.fromArray(F, b, i), gv).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    float gi = wd != 0f ? Math.fma(wd, p[i], g[i]) : g[i];
                    y[i] = Math.fma(mu, b[i], gi);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int i, ElementChain ch) {
            float mu = node.attrs().get(OpAttr.MOMENTUM);
            float wd = node.attrs().get(OpAttr.WEIGHT_DECAY);
            Operand g = ch.input(1, i, in[1].data()[i]);
            if (wd != 0f) {
                g = ch.fma(ch.constant(wd), ch.input(2, i, in[2].data()[i]), g);
            }
            return ch.fma(ch.constant(mu), ch.input(0, i, in[0].data()[i]), g);
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 4L;
        }
    }

    /** Inputs (param, direction, lr [1]): param' = fma(-lr, direction, param). */
    public static final class SgdParam implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 3, 3);
            Shapes.require(Shapes.numel(in[2]) == 1, "lr must be a scalar");
            return same(in, 2);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float nlr = -scalar(in[2]);
            float[] p = in[0].data();
            float[] d = in[1].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN, (lo, hi) -> {
                int i = lo;
                if (fast) {
                    FloatVector l = FloatVector.broadcast(F, nlr);
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        l.fma(FloatVector.fromArray(F, d, i), FloatVector.fromArray(F, p, i)).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    y[i] = Math.fma(nlr, d[i], p[i]);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int i, ElementChain ch) {
            Operand nlr = ch.neg(ch.input(2, 0, scalar(in[2])));
            return ch.fma(nlr, ch.input(1, i, in[1].data()[i]), ch.input(0, i, in[0].data()[i]));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 2L;
        }
    }

    /** Inputs (m, grad); attribute beta1: m' = fma(beta1, m, (1 - beta1) * grad). */
    public static final class AdamM implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            a.get(OpAttr.BETA1);
            return same(in, 2);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float b1 = node.attrs().get(OpAttr.BETA1);
            float c1 = 1f - b1;
            float[] m = in[0].data();
            float[] g = in[1].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN, (lo, hi) -> {
                int i = lo;
                if (fast) {
                    FloatVector bv = FloatVector.broadcast(F, b1);
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        bv.fma(FloatVector.fromArray(F, m, i), FloatVector.fromArray(F, g, i).mul(c1)).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    y[i] = Math.fma(b1, m[i], c1 * g[i]);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int i, ElementChain ch) {
            float b1 = node.attrs().get(OpAttr.BETA1);
            Operand c1 = ch.sub(ch.constant(1f), ch.constant(b1));
            return ch.fma(ch.constant(b1), ch.input(0, i, in[0].data()[i]), ch.mul(c1, ch.input(1, i, in[1].data()[i])));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 3L;
        }
    }

    /** Inputs (v, grad); attribute beta2: v' = fma(beta2, v, (1 - beta2) * (grad * grad)). */
    public static final class AdamV implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            a.get(OpAttr.BETA2);
            return same(in, 2);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float b2 = node.attrs().get(OpAttr.BETA2);
            float c2 = 1f - b2;
            float[] v = in[0].data();
            float[] g = in[1].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN, (lo, hi) -> {
                int i = lo;
                if (fast) {
                    FloatVector bv = FloatVector.broadcast(F, b2);
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        FloatVector gv = FloatVector.fromArray(F, g, i);
                        bv.fma(FloatVector.fromArray(F, v, i), gv.mul(gv).mul(c2)).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    y[i] = Math.fma(b2, v[i], (g[i] * g[i]) * c2);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int i, ElementChain ch) {
            float b2 = node.attrs().get(OpAttr.BETA2);
            Operand c2 = ch.sub(ch.constant(1f), ch.constant(b2));
            Operand g = ch.input(1, i, in[1].data()[i]);
            return ch.fma(ch.constant(b2), ch.input(0, i, in[0].data()[i]), ch.mul(ch.mul(g, g), c2));
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 4L;
        }
    }

    /** Input pows [2]; attributes beta1, beta2: pows' = (pows[0] * beta1, pows[1] * beta2). */
    public static final class PowUpdate implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            Shapes.require(Arrays.equals(in[0], new int[] {2}), "pows must be [2]");
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            out.data()[0] = in[0].data()[0] * node.attrs().get(OpAttr.BETA1);
            out.data()[1] = in[0].data()[1] * node.attrs().get(OpAttr.BETA2);
        }

        @Override
        public Operand element(Node node, Tensor[] in, int i, ElementChain ch) {
            return ch.mul(ch.input(0, i, in[0].data()[i]), ch.constant(node.attrs().get(i == 0 ? OpAttr.BETA1 : OpAttr.BETA2)));
        }
    }

    /**
     * Inputs (param, m', v', lr [1], pows' [2]); attributes eps, weightDecay. bc1 = 1 - pows[0],
     * bc2 = 1 - pows[1]; p1 = fma(-(lr * wd), p, p) (p when wd = 0);
     * p' = fma(-lr, (m / bc1) / (sqrt(v / bc2) + eps), p1).
     */
    public static final class AdamwParam implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 5, 5);
            Shapes.require(Shapes.numel(in[3]) == 1 && Shapes.numel(in[4]) == 2, "lr must be [1] and pows [2]");
            a.get(OpAttr.EPS);
            a.get(OpAttr.WEIGHT_DECAY);
            return same(in, 3);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float eps = node.attrs().get(OpAttr.EPS);
            float wd = node.attrs().get(OpAttr.WEIGHT_DECAY);
            float lr = scalar(in[3]);
            float bc1 = 1f - in[4].data()[0];
            float bc2 = 1f - in[4].data()[1];
            float decay = -(lr * wd);
            float nlr = -lr;
            float[] p = in[0].data();
            float[] m = in[1].data();
            float[] v = in[2].data();
            float[] y = out.data();
            Parallel.parallelFor(y.length, GRAIN, (lo, hi) -> {
                int i = lo;
                if (fast) {
                    for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
                        FloatVector pv = FloatVector.fromArray(F, p, i);
                        if (wd != 0f) {
                            pv = FloatVector.broadcast(F, decay).fma(pv, pv);
                        }
                        FloatVector mh = FloatVector.fromArray(F, m, i).div(bc1);
                        FloatVector den = FloatVector.fromArray(F, v, i).div(bc2).sqrt().add(eps);
                        FloatVector.broadcast(F, nlr).fma(mh.div(den), pv).intoArray(y, i);
                    }
                }
                for (; i < hi; i++) {
                    float pi = wd != 0f ? Math.fma(decay, p[i], p[i]) : p[i];
                    float den = (float) Math.sqrt(v[i] / bc2) + eps;
                    y[i] = Math.fma(nlr, (m[i] / bc1) / den, pi);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int i, ElementChain ch) {
            float eps = node.attrs().get(OpAttr.EPS);
            float wd = node.attrs().get(OpAttr.WEIGHT_DECAY);
            Operand lr = ch.input(3, 0, scalar(in[3]));
            Operand one = ch.constant(1f);
            Operand bc1 = ch.sub(one, ch.input(4, 0, in[4].data()[0]));
            Operand bc2 = ch.sub(one, ch.input(4, 1, in[4].data()[1]));
            Operand p = ch.input(0, i, in[0].data()[i]);
            if (wd != 0f) {
                p = ch.fma(ch.neg(ch.mul(lr, ch.constant(wd))), p, p);
            }
            Operand den = ch.add(ch.sqrt(ch.div(ch.input(2, i, in[2].data()[i]), bc2)), ch.constant(eps));
            Operand upd = ch.div(ch.div(ch.input(1, i, in[1].data()[i]), bc1), den);
            return ch.fma(ch.neg(lr), upd, p);
        }

        @Override
        public long flops(Node node, int[][] in) {
            return Shapes.numel(in[0]) * 8L;
        }
    }

    /** Inputs: the gradients, in order; FMA chain of x*x from +0 over all their elements -> [1]. */
    public static final class GradNormSq implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.require(in.length >= 1, "needs at least one gradient");
            return new int[] {1};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float acc = 0f;
            for (Tensor t : in) {
                for (float x : t.data()) {
                    acc = Math.fma(x, x, acc);
                }
            }
            out.data()[0] = acc;
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            Operand acc = ch.constant(0f);
            for (int k = 0; k < in.length; k++) {
                float[] x = in[k].data();
                for (int i = 0; i < x.length; i++) {
                    Operand xi = ch.input(k, i, x[i]);
                    acc = ch.fma(xi, xi, acc);
                }
            }
            return acc;
        }

        @Override
        public long flops(Node node, int[][] in) {
            long n = 0;
            for (int[] s : in) {
                n += 2L * Shapes.numel(s);
            }
            return n;
        }
    }

    /** Input normSq [1]; attribute maxNorm: min(1, maxNorm / (sqrt(normSq) + 1e-6)). */
    public static final class ClipScale implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            Shapes.require(a.get(OpAttr.MAX_NORM) > 0f, "maxNorm must be positive");
            return new int[] {1};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float c = node.attrs().get(OpAttr.MAX_NORM) / ((float) Math.sqrt(scalar(in[0])) + 1e-6f);
            out.data()[0] = Math.min(1f, c);
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            Operand den = ch.add(ch.sqrt(ch.input(0, 0, scalar(in[0]))), ch.constant(1e-6f));
            return ch.min(ch.constant(1f), ch.div(ch.constant(node.attrs().get(OpAttr.MAX_NORM)), den));
        }
    }

    /**
     * Input step [1]. Attributes: schedule ("constant", "step", "cosine"), lr, warmup, and for
     * "step" stepSize and gamma, for "cosine" total and minLr. During warm-up (t &lt; warmup):
     * lr * (t + 1) / warmup. "step": lr multiplied by gamma once per completed stepSize steps.
     * "cosine": progress q = min(1, (t - warmup) / max(1, total - warmup));
     * minLr + (lr - minLr) * (0.5 * (1 + cos(pi * q))).
     */
    public static final class LrSchedule implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            String s = a.get(OpAttr.SCHEDULE);
            Shapes.require(s.equals("constant") || s.equals("step") || s.equals("cosine"), "unknown schedule " + s);
            Shapes.require(a.get(OpAttr.LR) > 0f, "lr must be positive");
            Shapes.require(a.get(OpAttr.WARMUP) >= 0, "warmup must be >= 0");
            return new int[] {1};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            out.data()[0] = rate(node.attrs(), in[0].data()[0]);
        }

        /**
         * The rate at step t: {@link #element}'s op sequence in plain float arithmetic (the same
         * bits; OpChainTest checks the two against each other), so that a step builds no chain.
         */
        static float rate(Attrs a, float t) {
            float lr = a.get(OpAttr.LR);
            int warmup = a.get(OpAttr.WARMUP);
            if (t < warmup) {
                return lr * (t + 1f) / (float) warmup;
            }
            switch (a.get(OpAttr.SCHEDULE)) {
                case "step" -> {
                    int k = (int) (t / a.get(OpAttr.STEP_SIZE));
                    float g = a.get(OpAttr.GAMMA);
                    for (int i = 0; i < k; i++) {
                        lr = lr * g;
                    }
                    return lr;
                }
                case "cosine" -> {
                    int total = a.get(OpAttr.TOTAL);
                    float minLr = a.get(OpAttr.MIN_LR);
                    float q = (t - (float) warmup) / (float) Math.max(1, total - warmup);
                    q = Math.min(1f, q);
                    float c = DetMath.cos((float) Math.PI * q);
                    float half = 0.5f * (1f + c);
                    return Math.fma(lr - minLr, half, minLr);
                }
                default -> {
                    return lr;
                }
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            Attrs a = node.attrs();
            String kind = a.get(OpAttr.SCHEDULE);
            Operand lr = ch.constant(a.get(OpAttr.LR));
            float t = in[0].data()[0];
            Operand tv = ch.input(0, 0, t);
            int warmup = a.get(OpAttr.WARMUP);
            if (t < warmup) {
                return ch.div(ch.mul(lr, ch.add(tv, ch.constant(1f))), ch.constant((float) warmup));
            }
            switch (kind) {
                case "step" -> {
                    int k = (int) (t / a.get(OpAttr.STEP_SIZE));
                    Operand g = ch.constant(a.get(OpAttr.GAMMA));
                    for (int i = 0; i < k; i++) {
                        lr = ch.mul(lr, g);
                    }
                    return lr;
                }
                case "cosine" -> {
                    int total = a.get(OpAttr.TOTAL);
                    Operand minLr = ch.constant(a.get(OpAttr.MIN_LR));
                    Operand q = ch.div(ch.sub(tv, ch.constant((float) warmup)), ch.constant((float) Math.max(1, total - warmup)));
                    q = ch.min(ch.constant(1f), q);
                    Operand c = DetMathChain.cos(ch, ch.mul(ch.constant((float) Math.PI), q));
                    Operand half = ch.mul(ch.constant(0.5f), ch.add(ch.constant(1f), c));
                    return ch.fma(ch.sub(lr, minLr), half, minLr);
                }
                default -> {
                    return lr;
                }
            }
        }
    }
}
