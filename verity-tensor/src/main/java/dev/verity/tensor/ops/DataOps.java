package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.Op;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.rng.KeyedShuffle;
import dev.verity.tensor.rng.Philox;

/**
 * The ops that pick a step's data and randomness. Each element is a pure function of the seed,
 * the step and its position, so one element can be recomputed alone (a SHUFFLE or PHILOX link).
 */
public final class DataOps {
    private DataOps() {
    }

    static int step(Tensor t) {
        float s = t.data()[0];
        if (s < 0 || s > (1 << 24) || s != (int) s) {
            throw new IllegalArgumentException("step " + s + " is not an integer in [0, 2^24]");
        }
        return (int) s;
    }

    static int lo(long seed) {
        return (int) seed;
    }

    static int hi(long seed) {
        return (int) (seed >>> 32);
    }

    /**
     * Inputs (source [n, ...], step [1]); attributes batch, seed. Row r of the output is the source
     * row {@code SHUFFLE(seed, n, batch, step, r)}: a keyed permutation per epoch.
     */
    public static final class GatherRows implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(in[0].length >= 1 && in[0][0] > 0, "source must have rows");
            int b = a.get(OpAttr.BATCH);
            Shapes.require(b > 0, "batch must be positive");
            a.get(OpAttr.SEED);
            int[] s = in[0].clone();
            s[0] = b;
            return s;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int b = node.attrs().get(OpAttr.BATCH);
            long seed = node.attrs().get(OpAttr.SEED);
            int n = in[0].dim(0);
            int w = in[0].size() / n;
            int step = step(in[1]);
            float[] src = in[0].data();
            float[] y = out.data();
            Parallel.parallelFor(b, 8, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int idx = KeyedShuffle.sampleAt(lo(seed), hi(seed), n, b, step, r);
                    System.arraycopy(src, idx * w, y, r * w, w);
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int b = node.attrs().get(OpAttr.BATCH);
            long seed = node.attrs().get(OpAttr.SEED);
            int n = in[0].dim(0);
            int w = in[0].size() / n;
            int r = index / w;
            Operand stepF = ch.input(1, 0, in[1].data()[0]);
            Operand step = ch.op(BasicOp.F2I, stepF);
            Operand idx = ch.op(BasicOp.SHUFFLE, ch.constantBits(lo(seed)), ch.constantBits(hi(seed)), ch.constantBits(n),
                    ch.constantBits(b), step, ch.constantBits(r));
            int src = idx.bits() * w + index % w;
            return ch.input(0, src, in[0].data()[src]);
        }
    }

    /**
     * Inputs (tokens [L], step [1]); attributes batch, window T, offset (0: inputs, 1: targets),
     * seed. The stream is cut into (L-1)/T windows; row r reads window
     * {@code w = SHUFFLE(seed, (L-1)/T, batch, step, r)}: out[r, t] = tokens[w*T + t + offset].
     */
    public static final class GatherWindows implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            Shapes.require(in[0].length == 1, "tokens must be 1-D");
            int t = a.get(OpAttr.WINDOW);
            int off = a.get(OpAttr.OFFSET);
            Shapes.require(t > 0 && (off == 0 || off == 1), "window must be positive and offset 0 or 1");
            Shapes.require((in[0][0] - 1) / t >= 1, "a text of " + in[0][0] + " tokens has no window of " + t + " + 1");
            a.get(OpAttr.SEED);
            return new int[] {a.get(OpAttr.BATCH), t};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            int b = node.attrs().get(OpAttr.BATCH);
            int t = node.attrs().get(OpAttr.WINDOW);
            int off = node.attrs().get(OpAttr.OFFSET);
            long seed = node.attrs().get(OpAttr.SEED);
            int windows = (in[0].size() - 1) / t;
            int step = step(in[1]);
            for (int r = 0; r < b; r++) {
                int w = KeyedShuffle.sampleAt(lo(seed), hi(seed), windows, b, step, r);
                System.arraycopy(in[0].data(), w * t + off, out.data(), r * t, t);
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int b = node.attrs().get(OpAttr.BATCH);
            int t = node.attrs().get(OpAttr.WINDOW);
            int off = node.attrs().get(OpAttr.OFFSET);
            long seed = node.attrs().get(OpAttr.SEED);
            int windows = (in[0].size() - 1) / t;
            Operand step = ch.op(BasicOp.F2I, ch.input(1, 0, in[1].data()[0]));
            Operand w = ch.op(BasicOp.SHUFFLE, ch.constantBits(lo(seed)), ch.constantBits(hi(seed)), ch.constantBits(windows),
                    ch.constantBits(b), step, ch.constantBits(index / t));
            int src = w.bits() * t + index % t + off;
            return ch.input(0, src, in[0].data()[src]);
        }
    }

    /**
     * Input step [1]; attributes p, seed, purpose, shape. Element i: u = UNIFORM(PHILOX word i%4 of
     * key (seed) and counter (purpose, step, i/4, 0)); mask = u &lt; p ? 0 : 1/(1-p).
     */
    public static final class DropoutMask implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 1, 1);
            float p = a.get(OpAttr.P);
            Shapes.require(p >= 0f && p < 1f, "dropout probability must be in [0, 1), got " + p);
            a.get(OpAttr.SEED);
            a.get(OpAttr.PURPOSE);
            return a.get(OpAttr.SHAPE);
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float p = node.attrs().get(OpAttr.P);
            float keep = 1f / (1f - p);
            long seed = node.attrs().get(OpAttr.SEED);
            int purpose = node.attrs().get(OpAttr.PURPOSE);
            int step = step(in[0]);
            float[] y = out.data();
            int blocks = (y.length + 3) / 4;
            Parallel.parallelFor(blocks, 256, (lo, hi) -> {
                for (int blk = lo; blk < hi; blk++) {
                    int[] w = Philox.block(lo(seed), hi(seed), purpose, step, blk, 0);
                    for (int k = 0; k < 4 && blk * 4 + k < y.length; k++) {
                        y[blk * 4 + k] = Philox.uniform(w[k]) < p ? 0f : keep;
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            float p = node.attrs().get(OpAttr.P);
            long seed = node.attrs().get(OpAttr.SEED);
            int purpose = node.attrs().get(OpAttr.PURPOSE);
            Operand step = ch.op(BasicOp.F2I, ch.input(0, 0, in[0].data()[0]));
            Operand w = ch.op(BasicOp.PHILOX, ch.constantBits(lo(seed)), ch.constantBits(hi(seed)), ch.constantBits(purpose),
                    step, ch.constantBits(index / 4), ch.constantBits(0), ch.constantBits(index % 4));
            Operand u = ch.op(BasicOp.UNIFORM, w);
            Operand keep = ch.div(ch.constant(1f), ch.sub(ch.constant(1f), ch.constant(p)));
            return ch.select(ch.gt(ch.constant(p), u), ch.constant(0f), keep);
        }
    }
}
