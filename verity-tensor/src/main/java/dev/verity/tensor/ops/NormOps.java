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
        stats(x, off, d, eps, out2, 0, 1);
    }

    /** {@link #stats} with mu stored at out[muAt] and rstd at out[rstdAt]. */
    static void stats(float[] x, int off, int d, float eps, float[] out, int muAt, int rstdAt) {
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
        out[muAt] = mu;
        out[rstdAt] = 1f / (float) Math.sqrt(v / (float) d + eps);
    }

    /**
     * {@link #stats} for the L rows starting at element off (row length d), lane i = row i:
     * mu into st[at..at+L), rstd into st[at+L..at+2L). Same chains per lane as {@link #stats}.
     */
    static void statsLanes(float[] x, int off, int d, float eps, float[] st, int at) {
        statsLanesT(RowLanes.transpose(x, off, d, 0), d, eps, st, at);
    }

    /** {@link #statsLanes} on a block already transposed by {@link RowLanes#transpose}. */
    static void statsLanesT(float[] xt, int d, float eps, float[] st, int at) {
        int l = F.length();
        FloatVector s = FloatVector.zero(F);
        for (int j = 0; j < d; j++) {
            s = s.add(FloatVector.fromArray(F, xt, j * l));
        }
        FloatVector mu = s.div((float) d);
        FloatVector v = FloatVector.zero(F);
        for (int j = 0; j < d; j++) {
            FloatVector dj = FloatVector.fromArray(F, xt, j * l).sub(mu);
            v = dj.fma(dj, v);
        }
        // 1 / sqrt(v / D + eps): IEEE sqrt and division are correctly rounded in both forms.
        FloatVector rstd = FloatVector.broadcast(F, 1f).div(v.div((float) d).add(eps).sqrt());
        mu.intoArray(st, at);
        rstd.intoArray(st, at + F.length());
    }

    /**
     * Row statistics of the block of rows [r0, r0 + n) (n <= L): mu in st[0..n), rstd in
     * st[L..L+n); the lanes path for a full block (fast), the scalar one otherwise.
     */
    static void blockStats(float[] x, int r0, int n, int d, float eps, boolean fast, float[] st) {
        int l = F.length();
        if (fast && n == l) {
            statsLanes(x, r0 * d, d, eps, st, 0);
            return;
        }
        for (int i = 0; i < n; i++) {
            stats(x, (r0 + i) * d, d, eps, st, i, l + i);
        }
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

    /** Columns of a row per task in the elementwise phase of {@link #chunked}: a multiple of every vector length. */
    static final int CHUNK = 4096;

    /**
     * Whether a norm over rows of length d in this many blocks of L rows should split its elementwise part across
     * threads by columns: BatchNorm's LAYERNORM has C (e.g. 16) rows of N*H*W (e.g. 50,176), one block, which the
     * per-block loop would run on one thread. Only where each element is computed changes, never how.
     */
    static boolean fewLongRows(int blocks, int d) {
        return d >= CHUNK && blocks < 2 * Parallel.threads();
    }

    interface BlockStats {
        /** Statistics of rows [r0, r0 + n) into st, k values per row at 0, L, 2L, ... */
        void of(float[] st, int r0, int n);
    }

    /**
     * Runs {@code stats} on every block of L rows (blocks across threads) and gathers its k values per row into one
     * array: value v of row r at [v * rows + r]. The array is the calling thread's scratch, read by the next phase.
     */
    static float[] blockwise(int rows, int k, BlockStats stats) {
        int l = F.length();
        float[] rs = RowLanes.rows(k * rows);
        Parallel.parallelFor((rows + l - 1) / l, 1, (lo, hi) -> {
            float[] st = RowLanes.block();
            for (int blk = lo; blk < hi; blk++) {
                int r0 = blk * l;
                int n = Math.min(l, rows - r0);
                stats.of(st, r0, n);
                for (int v = 0; v < k; v++) {
                    for (int i = 0; i < n; i++) {
                        rs[v * rows + r0 + i] = st[v * l + i];
                    }
                }
            }
        });
        return rs;
    }

    interface Columns {
        void run(int row, int j0, int j1);
    }

    /** Every row's columns in chunks of {@link #CHUNK}, the chunks spread over the threads. */
    static void chunked(int rows, int d, Columns body) {
        int chunks = (d + CHUNK - 1) / CHUNK;
        Parallel.parallelFor(rows * chunks, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int j0 = (t % chunks) * CHUNK;
                body.run(t / chunks, j0, Math.min(d, j0 + CHUNK));
            }
        });
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
            Shapes.require(a.get(OpAttr.EPS) > 0f, "eps must be positive");
            return in[0];
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            float eps = node.attrs().get(OpAttr.EPS);
            float[] x = in[0].data();
            float[] g = in[1].data();
            float[] b = in[2].data();
            float[] y = out.data();
            int d = g.length;
            int rows = y.length / d;
            int l = F.length();
            int blocks = (rows + l - 1) / l;
            if (fast && fewLongRows(blocks, d)) {
                forwardFewRows(x, g, b, y, rows, d, eps);
                return;
            }
            // Blocks of L rows: the statistics' chains run one row per lane (see RowLanes).
            Parallel.parallelFor(blocks, 1, (lo, hi) -> {
                float[] st = RowLanes.block();
                for (int blk = lo; blk < hi; blk++) {
                    int r0 = blk * l;
                    int n = Math.min(l, rows - r0);
                    blockStats(x, r0, n, d, eps, fast, st);
                    for (int i = 0; i < n; i++) {
                        normalise(x, g, b, y, (r0 + i) * d, 0, d, st[i], st[l + i], fast);
                    }
                }
            });
        }

        /** y = fma((x - mu) * rstd, g, b) for columns [j0, j1) of the row at off. */
        private static void normalise(float[] x, float[] g, float[] b, float[] y, int off, int j0, int j1, float mu,
                                      float rstd, boolean fast) {
            int j = j0;
            if (fast) {
                for (int end = j0 + F.loopBound(j1 - j0); j < end; j += F.length()) {
                    FloatVector xh = FloatVector.fromArray(F, x, off + j).sub(mu).mul(rstd);
                    xh.fma(FloatVector.fromArray(F, g, j), FloatVector.fromArray(F, b, j)).intoArray(y, off + j);
                }
            }
            for (; j < j1; j++) {
                y[off + j] = Math.fma((x[off + j] - mu) * rstd, g[j], b[j]);
            }
        }

        /**
         * Few long rows (BatchNorm's [C, N*H*W]): the statistics per block of rows as above, then the elementwise
         * part in chunks of rows spread over every thread (a block per thread would leave threads idle).
         */
        private static void forwardFewRows(float[] x, float[] g, float[] b, float[] y, int rows, int d, float eps) {
            float[] rs = blockwise(rows, 2, (st, r0, n) -> {
                blockStats(x, r0, n, d, eps, true, st);
            });
            chunked(rows, d, (r, j0, j1) -> normalise(x, g, b, y, r * d, j0, j1, rs[r], rs[rows + r], true));
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int d = in[1].size();
            int j = index % d;
            StatsChain s = statsChain(ch, 0, in[0].data(), index - j, d, node.attrs().get(OpAttr.EPS));
            return ch.fma(s.xhat()[j], ch.input(1, j, in[1].data()[j]), ch.input(2, j, in[2].data()[j]));
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            int x = node.input(0);
            int gamma = node.input(1);
            int beta = node.input(2);
            Attrs eps = Attrs.builder().put(OpAttr.EPS, node.attrs().get(OpAttr.EPS)).build();
            if (ad.needs(x)) {
                ad.accumulate(x, g.append(OpKind.LAYERNORM_GRAD_INPUT, eps, x, gamma, dy));
            }
            if (ad.needs(gamma)) {
                ad.accumulate(gamma, g.append(OpKind.LAYERNORM_GRAD_GAMMA, eps, x, dy));
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
            float eps = node.attrs().get(OpAttr.EPS);
            float[] x = in[0].data();
            float[] gm = in[1].data();
            float[] dy = in[2].data();
            float[] dx = out.data();
            int d = gm.length;
            int rows = dx.length / d;
            int l = F.length();
            int blocks = (rows + l - 1) / l;
            if (fast && fewLongRows(blocks, d)) {
                float[] rs = blockwise(rows, 4, (st, r0, n) -> gradStats(x, gm, dy, r0, n, d, eps, true, st));
                chunked(rows, d, (r, j0, j1) -> gradRow(x, gm, dy, dx, r * d, j0, j1, rs[r], rs[rows + r],
                        rs[2 * rows + r], rs[3 * rows + r], true));
                return;
            }
            Parallel.parallelFor(blocks, 1, (lo, hi) -> {
                // st: mu [0, L), rstd [L, 2L), a / D [2L, 3L), b / D [3L, 4L)
                float[] st = RowLanes.block();
                for (int blk = lo; blk < hi; blk++) {
                    int r0 = blk * l;
                    int n = Math.min(l, rows - r0);
                    gradStats(x, gm, dy, r0, n, d, eps, fast, st);
                    for (int i = 0; i < n; i++) {
                        gradRow(x, gm, dy, dx, (r0 + i) * d, 0, d, st[i], st[l + i], st[2 * l + i], st[3 * l + i], fast);
                    }
                }
            });
        }

        /** The block of rows [r0, r0 + n)'s mu, rstd, a / D and b / D into st at 0, L, 2L, 3L. */
        private static void gradStats(float[] x, float[] gm, float[] dy, int r0, int n, int d, float eps, boolean fast,
                                      float[] st) {
            int l = F.length();
            if (fast && n == l) {
                int off0 = r0 * d;
                float[] xt = RowLanes.transpose(x, off0, d, 0);
                float[] dyt = RowLanes.transpose(dy, off0, d, 1);
                statsLanesT(xt, d, eps, st, 0);
                FloatVector mu = FloatVector.fromArray(F, st, 0);
                FloatVector rstd = FloatVector.fromArray(F, st, l);
                FloatVector a = FloatVector.zero(F);
                FloatVector bb = FloatVector.zero(F);
                for (int j = 0; j < d; j++) {
                    FloatVector gj = FloatVector.fromArray(F, dyt, j * l).mul(gm[j]);
                    FloatVector xh = FloatVector.fromArray(F, xt, j * l).sub(mu).mul(rstd);
                    a = a.add(gj);
                    bb = gj.fma(xh, bb);
                }
                a.div((float) d).intoArray(st, 2 * l);
                bb.div((float) d).intoArray(st, 3 * l);
            } else {
                for (int i = 0; i < n; i++) {
                    int off = (r0 + i) * d;
                    stats(x, off, d, eps, st, i, l + i);
                    float mu = st[i];
                    float rstd = st[l + i];
                    float a = 0f;
                    float bb = 0f;
                    for (int j = 0; j < d; j++) {
                        float gj = dy[off + j] * gm[j];
                        float xh = (x[off + j] - mu) * rstd;
                        a = a + gj;
                        bb = Math.fma(gj, xh, bb);
                    }
                    st[2 * l + i] = a / (float) d;
                    st[3 * l + i] = bb / (float) d;
                }
            }
        }

        /** dx = rstd * fma(-xhat, b / D, g - a / D) for columns [j0, j1) of the row at off. */
        private static void gradRow(float[] x, float[] gm, float[] dy, float[] dx, int off, int j0, int j1, float mu,
                                    float rstd, float ma, float mb, boolean fast) {
            int j = j0;
            if (fast) {
                for (int end = j0 + F.loopBound(j1 - j0); j < end; j += F.length()) {
                    FloatVector gj = FloatVector.fromArray(F, dy, off + j).mul(FloatVector.fromArray(F, gm, j));
                    FloatVector xh = FloatVector.fromArray(F, x, off + j).sub(mu).mul(rstd);
                    xh.neg().fma(FloatVector.broadcast(F, mb), gj.sub(ma)).mul(rstd).intoArray(dx, off + j);
                }
            }
            for (; j < j1; j++) {
                float gj = dy[off + j] * gm[j];
                float xh = (x[off + j] - mu) * rstd;
                dx[off + j] = rstd * Math.fma(-xh, mb, gj - ma);
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int d = in[1].size();
            int i = index % d;
            int off = index - i;
            float[] gm = in[1].data();
            float[] dy = in[2].data();
            StatsChain s = statsChain(ch, 0, in[0].data(), off, d, node.attrs().get(OpAttr.EPS));
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
            float eps = node.attrs().get(OpAttr.EPS);
            float[] x = in[0].data();
            float[] dy = in[1].data();
            float[] dg = out.data();
            int d = dg.length;
            int rows = x.length / d;
            // Per-row statistics in this thread's reusable scratch: mu [0, rows), rstd [rows, 2 rows).
            float[] st = RowLanes.rows(2 * rows);
            int l = F.length();
            Parallel.parallelFor((rows + l - 1) / l, 1, (lo, hi) -> {
                float[] blk = RowLanes.block();
                for (int b = lo; b < hi; b++) {
                    int r0 = b * l;
                    int n = Math.min(l, rows - r0);
                    blockStats(x, r0, n, d, eps, fast, blk);
                    for (int i = 0; i < n; i++) {
                        st[r0 + i] = blk[i];
                        st[rows + r0 + i] = blk[l + i];
                    }
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
                            FloatVector xh = FloatVector.fromArray(F, x, off + j).sub(st[r]).mul(st[rows + r]);
                            FloatVector.fromArray(F, dy, off + j).fma(xh, FloatVector.fromArray(F, dg, j)).intoArray(dg, j);
                        }
                    }
                    for (; j < hi; j++) {
                        dg[j] = Math.fma(dy[off + j], (x[off + j] - st[r]) * st[rows + r], dg[j]);
                    }
                }
            });
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int d = node.shapeView()[0];
            int rows = in[0].size() / d;
            float eps = node.attrs().get(OpAttr.EPS);
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
