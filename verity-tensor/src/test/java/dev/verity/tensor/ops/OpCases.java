package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Autograd;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.rng.Philox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Test cases shared by the op tests: one small graph per op (sources, the op, a loss that reads
 * every output element, the backward pass), the inputs' distributions, and for the gradient check
 * an independent double-precision oracle of the op's forward. {@code big} picks sizes that are not
 * multiples of any vector length and large enough that every kernel splits across 4 threads.
 */
final class OpCases {
    private OpCases() {
    }

    // ---- inputs --------------------------------------------------------------------------

    /** Draws one input's values. */
    interface Gen {
        float[] make(Random r, int n);
    }

    static Gen uniform(float lo, float hi) {
        return (r, n) -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = lo + (hi - lo) * r.nextFloat();
            }
            return v;
        };
    }

    /** |x| in [min, max] with a random sign: keeps ReLU's kink out of a finite difference's reach. */
    static Gen awayFromZero(float min, float max) {
        return (r, n) -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                float m = min + (max - min) * r.nextFloat();
                v[i] = r.nextBoolean() ? m : -m;
            }
            return v;
        };
    }

    /** A random permutation of n values spaced {@code step} apart: no ties, so max-pool has no kink nearby. */
    static Gen distinct(float step) {
        return (r, n) -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (i - n / 2) * step;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
            return v;
        };
    }

    /** Integers in [0, bound) held as floats (labels, token ids). */
    static Gen ints(int bound) {
        return (r, n) -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextInt(bound);
            }
            return v;
        };
    }

    static Gen constant(float c) {
        return (r, n) -> {
            float[] v = new float[n];
            Arrays.fill(v, c);
            return v;
        };
    }

    /** Mostly uniform in [-4, 4], with about 2% of IEEE corner values (zeros, infinities, NaN, subnormals). */
    static Gen withSpecials() {
        float[] sp = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE,
                -Float.MIN_VALUE, 1e-39f, 100f, -100f, 30f, -30f};
        return (r, n) -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextInt(50) == 0 ? sp[r.nextInt(sp.length)] : -4f + 8f * r.nextFloat();
            }
            return v;
        };
    }

    /** One input: a STATE node (differentiated) or an INPUT node (labels, ids, the step). */
    record In(String name, int[] shape, Gen gen, boolean diff) {
    }

    static In x(String name, Gen gen, int... shape) {
        return new In(name, shape, gen, true);
    }

    static In data(String name, Gen gen, int... shape) {
        return new In(name, shape, gen, false);
    }

    /** Appends the op(s) under test to the graph, given the input nodes; returns the output node. */
    interface Build {
        int apply(GraphBuilder g, int[] in);
    }

    /** The op's forward in double precision, written independently of the kernels. */
    interface Oracle {
        double[] apply(double[][] in);
    }

    record Case(String name, List<In> inputs, Build build, Oracle oracle) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case c(String name, Build b, Oracle o, In... in) {
        return new Case(name, List.of(in), b, o);
    }

    // ---- building and running ------------------------------------------------------------

    /** A case's built graph with bound values. */
    record Built(Case c, Graph graph, int out, int loss, SortedMap<String, Integer> grads, TreeMap<String, Tensor> state,
                 Map<String, Tensor> inputs, int[] inputNodes) {
        Tensor value(String name) {
            Tensor t = state.get(name);
            return t != null ? t : inputs.get(name);
        }
    }

    static final String WEIGHTS = "loss.weights";

    /**
     * Sources, the op, loss = SUM(MUL(y, W)) with W random (so d loss / d y = W reaches every
     * output element), and the backward pass to the differentiable inputs.
     */
    static Built build(Case c, long seed) {
        Random r = new Random(seed);
        GraphBuilder g = new GraphBuilder();
        TreeMap<String, Integer> params = new TreeMap<>();
        TreeMap<String, Tensor> state = new TreeMap<>();
        Map<String, Tensor> inputs = new HashMap<>();
        int[] ids = new int[c.inputs().size()];
        for (int i = 0; i < ids.length; i++) {
            In in = c.inputs().get(i);
            Tensor t = Tensor.of(in.shape(), in.gen().make(r, (int) Tensor.numel(in.shape())));
            if (in.diff()) {
                ids[i] = g.state(in.name(), in.shape());
                params.put(in.name(), ids[i]);
                state.put(in.name(), t);
            } else {
                ids[i] = g.input(in.name(), in.shape());
                inputs.put(in.name(), t);
            }
        }
        int y = c.build().apply(g, ids);
        int w = g.state(WEIGHTS, g.shape(y));
        state.put(WEIGHTS, Tensor.of(g.shape(y), uniform(-1f, 1f).make(r, (int) Tensor.numel(g.shape(y)))));
        int loss = g.sum(g.mul(y, w));
        g.output("y", y);
        g.output("loss", loss);
        SortedMap<String, Integer> grads = Autograd.backward(g, loss, params);
        return new Built(c, g.build(), y, loss, grads, state, inputs, ids);
    }

    static StepExecutor run(Built b, boolean fast) {
        StepExecutor ex = new StepExecutor(b.graph());
        ex.run(b.state(), b.inputs(), fast);
        return ex;
    }

    // ---- the cases -----------------------------------------------------------------------

    /** Every differentiable op kind, small sizes, with oracles (the gradient check's list). */
    static List<Case> gradientCases() {
        return cases(false);
    }

    /** The same ops at sizes that exercise the vector tails and the thread splits, plus the non-differentiable ops. */
    static List<Case> bigCases() {
        List<Case> l = cases(true);
        l.addAll(nonDifferentiable());
        return l;
    }

    static List<Case> cases(boolean big) {
        List<Case> l = new ArrayList<>();
        for (boolean batched : new boolean[] {false, true}) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (boolean bias : new boolean[] {false, true}) {
                        l.add(matmul(ta, tb, batched, bias, big));
                    }
                }
            }
        }
        int[][][] pairs = big
                ? new int[][][] {{{67, 259}, {67, 259}}, {{256, 259}, {259}}, {{4, 67, 259}, {67, 259}}, {{256, 259}, {1}},
                    {{259}, {67, 259}}, {{67, 1}, {1, 259}}, {{67, 259}, {67, 1}}, {{5, 37, 3, 67}, {1, 37, 1, 1}},
                    {{37, 1, 1}, {5, 37, 3, 67}}, {{5, 1, 259}, {5, 37, 1}}}
                : new int[][][] {{{3, 5}, {3, 5}}, {{4, 5}, {5}}, {{2, 3, 4}, {3, 4}}, {{3, 4}, {1}}, {{5}, {4, 5}},
                    {{3, 1}, {1, 4}}, {{3, 5}, {3, 1}}, {{2, 3, 2, 2}, {1, 3, 1, 1}}};
        for (OpKind k : new OpKind[] {OpKind.ADD, OpKind.SUB, OpKind.MUL}) {
            for (int[][] p : pairs) {
                l.add(binary(k, p[0], p[1]));
            }
        }
        int[] s2 = big ? new int[] {256, 259} : new int[] {3, 5};
        l.add(mulSame(s2));
        l.add(scale(s2));
        int[][][] reductions = big
                ? new int[][][] {{{5, 37, 259}, {37, 259}}, {{5, 37, 259}, {1, 259}}, {{5, 37, 259}, {37, 1}}, {{5, 37, 259}, {1}},
                    {{5, 37, 259}, {5, 1, 259}}, {{3, 5, 37, 67}, {3, 5, 1, 67}}}
                : new int[][][] {{{2, 3, 4}, {3, 4}}, {{2, 3, 4}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{2, 3, 4}, {1}}, {{2, 3, 4}, {2, 1, 4}}};
        for (int[][] p : reductions) {
            l.add(reduceTo(p[0], p[1]));
        }
        l.add(sum(s2, false));
        l.add(sum(s2, true));
        for (OpKind k : new OpKind[] {OpKind.RELU, OpKind.GELU, OpKind.TANH, OpKind.SIGMOID}) {
            l.add(unary(k, s2, k == OpKind.RELU ? awayFromZero(0.05f, 2f) : uniform(-3f, 3f), ""));
            if (big) {
                l.add(unary(k, s2, withSpecials(), " with IEEE specials"));
            }
        }
        int[][] rows = big ? new int[][] {{67, 259}, {3, 29, 131}} : new int[][] {{3, 7}, {2, 3, 5}};
        for (int[] s : rows) {
            l.add(softmax(s, false));
            l.add(softmax(s, true));
        }
        l.add(crossEntropy(big ? 67 : 5, big ? 259 : 7));
        for (int stride : new int[] {1, 2}) {
            for (int pad : new int[] {0, 2}) {
                l.add(conv(stride, pad, true, big));
            }
        }
        l.add(conv(1, 1, false, big));
        l.add(pool(true, 2, 2, big));
        l.add(pool(true, 3, 2, big));
        l.add(pool(true, 3, 3, big));
        l.add(pool(false, 2, 2, big));
        l.add(pool(false, 3, 1, big));
        l.add(layerNorm(big ? new int[] {67, 259} : new int[] {3, 6}));
        l.add(layerNorm(big ? new int[] {3, 29, 131} : new int[] {2, 3, 6}));
        // few long rows (BatchNorm's [C, N*H*W]): the elementwise part split by columns across threads
        l.add(layerNorm(big ? new int[] {19, 8195} : new int[] {2, 5}));
        l.add(embedding(big ? 53 : 7, big ? 259 : 4, big ? new int[] {5, 37} : new int[] {2, 5}));
        l.add(reshape(big ? new int[] {67, 259} : new int[] {3, 4}, big ? new int[] {259, 67} : new int[] {2, 6}));
        int[] s3 = big ? new int[] {5, 37, 131} : new int[] {2, 3, 4};
        l.add(transpose(s3, 2, 0, 1));
        l.add(transpose(s3, 0, 2, 1));
        int[] s4 = big ? new int[] {5, 7, 3, 67} : new int[] {2, 3, 2, 2};
        l.add(transpose(s4, 1, 0, 2, 3));
        l.add(transpose(s4, 2, 3, 0, 1));
        l.add(slice(big ? new int[] {67, 259} : new int[] {4, 5}, 1, 1, big ? 200 : 4));
        l.add(slice(s3, 0, 1, 2));
        l.add(slice(s3, 1, 1, 3));
        l.add(concat(0, big ? new int[][] {{67, 259}, {31, 259}} : new int[][] {{2, 3}, {3, 3}}));
        l.add(concat(1, big ? new int[][] {{67, 259}, {67, 3}, {67, 131}} : new int[][] {{2, 3}, {2, 1}, {2, 4}}));
        int[] sq = big ? new int[] {17, 37, 37} : new int[] {2, 4, 4};
        l.add(causalMask(sq, 0f));
        l.add(causalMask(sq, 0.5f));
        l.add(maskedSoftmax(sq));
        l.add(dropout(big ? new int[] {67, 259} : new int[] {4, 37}, 0.3f));
        return l;
    }

    // ---- factories -----------------------------------------------------------------------

    static Case matmul(boolean ta, boolean tb, boolean batched, boolean bias, boolean big) {
        int bt = 2;
        int m = big ? 45 : 3;
        int n = big ? 77 : 5;
        int k = big ? 131 : 4;
        int[] as = ta ? new int[] {k, m} : new int[] {m, k};
        int[] bs = tb ? new int[] {n, k} : new int[] {k, n};
        if (batched) {
            as = new int[] {bt, as[0], as[1]};
            bs = new int[] {bt, bs[0], bs[1]};
        }
        int batches = batched ? bt : 1;
        List<In> in = new ArrayList<>(List.of(x("a", uniform(-1f, 1f), as), x("b", uniform(-1f, 1f), bs)));
        if (bias) {
            in.add(x("bias", uniform(-1f, 1f), n));
        }
        String name = "MATMUL " + (batched ? "3d" : "2d") + (ta ? " tA" : "") + (tb ? " tB" : "") + (bias ? " bias" : "");
        return new Case(name, in, (g, i) -> g.matmul(i[0], i[1], ta, tb, bias ? i[2] : -1), v -> {
            double[] y = new double[batches * m * n];
            for (int b = 0; b < batches; b++) {
                for (int r = 0; r < m; r++) {
                    for (int col = 0; col < n; col++) {
                        double acc = bias ? v[2][col] : 0;
                        for (int q = 0; q < k; q++) {
                            double av = v[0][b * m * k + (ta ? q * m + r : r * k + q)];
                            double bv = v[1][b * k * n + (tb ? col * k + q : q * n + col)];
                            acc += av * bv;
                        }
                        y[(b * m + r) * n + col] = acc;
                    }
                }
            }
            return y;
        });
    }

    static Case binary(OpKind kind, int[] as, int[] bs) {
        DoubleBinaryOperator f = switch (kind) {
            case ADD -> Double::sum;
            case SUB -> (p, q) -> p - q;
            default -> (p, q) -> p * q;
        };
        int[] os = broadcastShape(as, bs);
        return c(kind + " " + Arrays.toString(as) + " " + Arrays.toString(bs), (g, i) -> g.append(kind, i[0], i[1]), v -> {
            double[] y = new double[numel(os)];
            for (int j = 0; j < y.length; j++) {
                int[] co = unravel(j, os);
                y[j] = f.applyAsDouble(v[0][bindex(co, as)], v[1][bindex(co, bs)]);
            }
            return y;
        }, x("a", uniform(-1f, 1f), as), x("b", uniform(-1f, 1f), bs));
    }

    /** x * x: one value feeding both operands, so its gradient is accumulated (an ADD record). */
    static Case mulSame(int[] s) {
        return c("MUL x*x " + Arrays.toString(s), (g, i) -> g.mul(i[0], i[0]), v -> map(v[0], t -> t * t),
                x("x", uniform(-1f, 1f), s));
    }

    static Case scale(int[] s) {
        return c("SCALE", (g, i) -> g.scale(i[0], 0.37f), v -> map(v[0], t -> t * (double) 0.37f), x("x", uniform(-1f, 1f), s));
    }

    static Case reduceTo(int[] xs, int[] ys) {
        return c("REDUCE_TO " + Arrays.toString(xs) + " -> " + Arrays.toString(ys),
                (g, i) -> g.append(OpKind.REDUCE_TO, Attrs.builder().put(OpAttr.SHAPE, ys).build(), i[0]), v -> {
                    double[] y = new double[numel(ys)];
                    for (int j = 0; j < v[0].length; j++) {
                        y[bindex(unravel(j, xs), ys)] += v[0][j];
                    }
                    return y;
                }, x("x", uniform(-1f, 1f), xs));
    }

    static Case sum(int[] s, boolean mean) {
        return c(mean ? "MEAN" : "SUM", (g, i) -> mean ? g.mean(i[0]) : g.sum(i[0]), v -> {
            double acc = 0;
            for (double t : v[0]) {
                acc += t;
            }
            return new double[] {mean ? acc / v[0].length : acc};
        }, x("x", uniform(-1f, 1f), s));
    }

    static Case unary(OpKind kind, int[] s, Gen gen, String label) {
        DoubleUnaryOperator f = switch (kind) {
            case RELU -> t -> Math.max(t, 0);
            case GELU -> t -> 0.5 * t * (1 + erf(t / Math.sqrt(2)));
            case TANH -> Math::tanh;
            default -> t -> 1 / (1 + Math.exp(-t));
        };
        return c(kind + label, (g, i) -> g.append(kind, i[0]),
                v -> map(v[0], f), x("x", gen, s));
    }

    static Case softmax(int[] s, boolean log) {
        int c = s[s.length - 1];
        return c((log ? "LOG_SOFTMAX " : "SOFTMAX ") + Arrays.toString(s), (g, i) -> log ? g.logSoftmax(i[0]) : g.softmax(i[0]),
                v -> {
                    double[] y = new double[v[0].length];
                    for (int off = 0; off < y.length; off += c) {
                        double lse = logSumExp(v[0], off, c, c);
                        for (int j = 0; j < c; j++) {
                            y[off + j] = log ? v[0][off + j] - lse : Math.exp(v[0][off + j] - lse);
                        }
                    }
                    return y;
                }, x("x", uniform(-3f, 3f), s));
    }

    static Case crossEntropy(int n, int c) {
        return c("CROSS_ENTROPY [" + n + ", " + c + "]", (g, i) -> g.crossEntropy(i[0], i[1]), v -> {
            double acc = 0;
            for (int r = 0; r < n; r++) {
                acc += logSumExp(v[0], r * c, c, c) - v[0][r * c + (int) v[1][r]];
            }
            return new double[] {acc / n};
        }, x("logits", uniform(-3f, 3f), n, c), data("labels", ints(c), n));
    }

    static Case conv(int stride, int pad, boolean bias, boolean big) {
        int n = big ? 3 : 2;
        int ci = big ? 5 : 3;
        int h = big ? 17 : 7;
        int w = big ? 19 : 6;
        int oc = big ? 7 : 4;
        int k = 3;
        int oh = (h + 2 * pad - k) / stride + 1;
        int ow = (w + 2 * pad - k) / stride + 1;
        List<In> in = new ArrayList<>(List.of(x("x", uniform(-1f, 1f), n, ci, h, w), x("w", uniform(-1f, 1f), oc, ci, k, k)));
        if (bias) {
            in.add(x("bias", uniform(-1f, 1f), oc));
        }
        return new Case("CONV2D stride " + stride + " pad " + pad + (bias ? " bias" : ""), in,
                (g, i) -> g.conv2d(i[0], i[1], bias ? i[2] : -1, stride, pad), v -> {
                    double[] y = new double[n * oc * oh * ow];
                    for (int b = 0; b < n; b++) {
                        for (int o = 0; o < oc; o++) {
                            for (int oy = 0; oy < oh; oy++) {
                                for (int ox = 0; ox < ow; ox++) {
                                    double acc = bias ? v[2][o] : 0;
                                    for (int cc = 0; cc < ci; cc++) {
                                        for (int ky = 0; ky < k; ky++) {
                                            for (int kx = 0; kx < k; kx++) {
                                                int iy = oy * stride + ky - pad;
                                                int ix = ox * stride + kx - pad;
                                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                                    acc += v[0][((b * ci + cc) * h + iy) * w + ix] * v[1][((o * ci + cc) * k + ky) * k + kx];
                                                }
                                            }
                                        }
                                    }
                                    y[((b * oc + o) * oh + oy) * ow + ox] = acc;
                                }
                            }
                        }
                    }
                    return y;
                });
    }

    static Case pool(boolean max, int k, int st, boolean big) {
        int[] s = big ? new int[] {3, 7, 17, 19} : new int[] {2, 2, 6, 7};
        int oh = (s[2] - k) / st + 1;
        int ow = (s[3] - k) / st + 1;
        return c((max ? "MAXPOOL2D" : "AVGPOOL2D") + " k" + k + " s" + st,
                (g, i) -> max ? g.maxPool2d(i[0], k, st) : g.avgPool2d(i[0], k, st), v -> {
                    double[] y = new double[s[0] * s[1] * oh * ow];
                    for (int pl = 0; pl < s[0] * s[1]; pl++) {
                        for (int oy = 0; oy < oh; oy++) {
                            for (int ox = 0; ox < ow; ox++) {
                                double m = max ? Double.NEGATIVE_INFINITY : 0;
                                for (int ky = 0; ky < k; ky++) {
                                    for (int kx = 0; kx < k; kx++) {
                                        double t = v[0][(pl * s[2] + oy * st + ky) * s[3] + ox * st + kx];
                                        m = max ? Math.max(m, t) : m + t;
                                    }
                                }
                                y[(pl * oh + oy) * ow + ox] = max ? m : m / (k * k);
                            }
                        }
                    }
                    return y;
                }, x("x", max ? distinct(0.013f) : uniform(-1f, 1f), s));
    }

    static Case layerNorm(int[] s) {
        int d = s[s.length - 1];
        float eps = 1e-5f;
        return c("LAYERNORM " + Arrays.toString(s), (g, i) -> g.layerNorm(i[0], i[1], i[2], eps), v -> {
            double[] y = new double[v[0].length];
            for (int off = 0; off < y.length; off += d) {
                double mu = 0;
                for (int j = 0; j < d; j++) {
                    mu += v[0][off + j];
                }
                mu /= d;
                double var = 0;
                for (int j = 0; j < d; j++) {
                    var += (v[0][off + j] - mu) * (v[0][off + j] - mu);
                }
                var /= d;
                double rstd = 1 / Math.sqrt(var + eps);
                for (int j = 0; j < d; j++) {
                    y[off + j] = (v[0][off + j] - mu) * rstd * v[1][j] + v[2][j];
                }
            }
            return y;
        }, x("x", uniform(-2f, 2f), s), x("gamma", uniform(0.5f, 1.5f), d), x("beta", uniform(-1f, 1f), d));
    }

    static Case embedding(int vocab, int d, int[] ids) {
        return c("EMBEDDING", (g, i) -> g.embedding(i[0], i[1]), v -> {
            double[] y = new double[v[1].length * d];
            for (int p = 0; p < v[1].length; p++) {
                System.arraycopy(v[0], (int) v[1][p] * d, y, p * d, d);
            }
            return y;
        }, x("table", uniform(-1f, 1f), vocab, d), data("ids", ints(vocab), ids));
    }

    static Case reshape(int[] s, int[] to) {
        return c("RESHAPE", (g, i) -> g.reshape(i[0], to), v -> v[0].clone(), x("x", uniform(-1f, 1f), s));
    }

    static Case transpose(int[] s, int... perm) {
        int[] os = new int[s.length];
        for (int d = 0; d < s.length; d++) {
            os[d] = s[perm[d]];
        }
        return c("TRANSPOSE " + Arrays.toString(perm), (g, i) -> g.transpose(i[0], perm), v -> {
            double[] y = new double[v[0].length];
            for (int j = 0; j < y.length; j++) {
                int[] co = unravel(j, os);
                int[] ic = new int[s.length];
                for (int d = 0; d < s.length; d++) {
                    ic[perm[d]] = co[d];
                }
                y[j] = v[0][ravel(ic, s)];
            }
            return y;
        }, x("x", uniform(-1f, 1f), s));
    }

    static Case slice(int[] s, int axis, int start, int end) {
        int[] os = s.clone();
        os[axis] = end - start;
        return c("SLICE axis " + axis + " [" + start + ", " + end + ")", (g, i) -> g.slice(i[0], axis, start, end), v -> {
            double[] y = new double[numel(os)];
            for (int j = 0; j < y.length; j++) {
                int[] co = unravel(j, os);
                co[axis] += start;
                y[j] = v[0][ravel(co, s)];
            }
            return y;
        }, x("x", uniform(-1f, 1f), s));
    }

    static Case concat(int axis, int[][] parts) {
        int[] os = parts[0].clone();
        os[axis] = 0;
        In[] in = new In[parts.length];
        for (int p = 0; p < parts.length; p++) {
            os[axis] += parts[p][axis];
            in[p] = x("x" + p, uniform(-1f, 1f), parts[p]);
        }
        return c("CONCAT axis " + axis + " of " + parts.length, (g, i) -> g.concat(axis, i), v -> {
            double[] y = new double[numel(os)];
            for (int j = 0; j < y.length; j++) {
                int[] co = unravel(j, os);
                int p = 0;
                while (co[axis] >= parts[p][axis]) {
                    co[axis] -= parts[p][axis];
                    p++;
                }
                y[j] = v[p][ravel(co, parts[p])];
            }
            return y;
        }, in);
    }

    static Case causalMask(int[] s, float fill) {
        int t = s[s.length - 1];
        return c("CAUSAL_MASK fill " + fill, (g, i) -> g.causalMask(i[0], fill), v -> {
            double[] y = v[0].clone();
            for (int j = 0; j < y.length; j++) {
                if (j % t > (j / t) % t) {
                    y[j] = fill;
                }
            }
            return y;
        }, x("x", uniform(-1f, 1f), s));
    }

    /** softmax(causalMask(x, -inf)): the attention pattern; each row is a softmax over its first i+1 entries. */
    static Case maskedSoftmax(int[] s) {
        int t = s[s.length - 1];
        return c("SOFTMAX(CAUSAL_MASK -inf)", (g, i) -> g.softmax(g.causalMask(i[0], Float.NEGATIVE_INFINITY)), v -> {
            double[] y = new double[v[0].length];
            for (int off = 0; off < y.length; off += t) {
                int row = (off / t) % t;
                double lse = logSumExp(v[0], off, row + 1, t);
                for (int j = 0; j <= row; j++) {
                    y[off + j] = Math.exp(v[0][off + j] - lse);
                }
            }
            return y;
        }, x("x", uniform(-3f, 3f), s));
    }

    static final long DROP_SEED = 0x1234_5678_9abcL;
    static final int DROP_PURPOSE = 5;
    static final float DROP_STEP = 3f;

    /**
     * x * DROPOUT_MASK. The oracle draws the mask itself from Philox: element i keeps iff
     * uniform(word i%4 of block(seed, purpose, step, i/4, 0)) &gt;= p, scaled by 1/(1-p).
     */
    static Case dropout(int[] s, float p) {
        return c("DROPOUT p " + p, (g, i) -> g.dropout(i[0], i[1], p, DROP_SEED, DROP_PURPOSE), v -> {
            double[] y = new double[v[0].length];
            for (int j = 0; j < y.length; j++) {
                int[] w = Philox.block((int) DROP_SEED, (int) (DROP_SEED >>> 32), DROP_PURPOSE, (int) v[1][0], j / 4, 0);
                y[j] = Philox.uniform(w[j % 4]) < p ? 0 : v[0][j] / (1.0 - p);
            }
            return y;
        }, x("x", uniform(-1f, 1f), s), data("step", constant(DROP_STEP), 1));
    }

    /** The ops with no gradient (data, optimizer, schedule, constants), at sizes that split across threads. */
    static List<Case> nonDifferentiable() {
        List<Case> l = new ArrayList<>();
        int n = 67 * 1031; // > 4 * 16384 elements, not a multiple of any vector length
        Gen u = uniform(-1f, 1f);
        Gen pos = uniform(0f, 1f);
        l.add(c("CONST", (g, i) -> g.add(g.constant(0.25f, 67, 259), i[0]), null, data("x", u, 67, 259)));
        l.add(c("GATHER_ROWS", (g, i) -> g.append(OpKind.GATHER_ROWS, Attrs.builder().put(OpAttr.BATCH, 37).put(OpAttr.SEED, 99L).build(), i[0], i[1]),
                null, data("src", u, 301, 3, 7), data("step", constant(5f), 1)));
        l.add(c("GATHER_WINDOWS", (g, i) -> g.append(OpKind.GATHER_WINDOWS, Attrs.builder().put(OpAttr.BATCH, 37).put(OpAttr.SEED, 99L)
                .put(OpAttr.WINDOW, 17).put(OpAttr.OFFSET, 1).build(), i[0], i[1]), null, data("tokens", ints(60), 2003), data("step", constant(5f), 1)));
        l.add(c("DROPOUT_MASK", (g, i) -> g.append(OpKind.DROPOUT_MASK, Attrs.builder().put(OpAttr.P, 0.1f).put(OpAttr.SEED, 7L)
                .put(OpAttr.PURPOSE, 2).put(OpAttr.SHAPE, new int[] {37, 1031}).build(), i[0]), null, data("step", constant(9f), 1)));
        for (float wd : new float[] {0f, 0.01f}) {
            l.add(c("SGD_BUF wd " + wd, (g, i) -> g.append(OpKind.SGD_BUF, Attrs.builder().put(OpAttr.MOMENTUM, 0.9f)
                    .put(OpAttr.WEIGHT_DECAY, wd).build(), i[0], i[1], i[2]), null, data("buf", u, n), data("grad", u, n), data("param", u, n)));
            l.add(c("ADAMW_PARAM wd " + wd, (g, i) -> g.append(OpKind.ADAMW_PARAM, Attrs.builder().put(OpAttr.EPS, 1e-8f)
                    .put(OpAttr.WEIGHT_DECAY, wd).build(), i[0], i[1], i[2], i[3], i[4]), null, data("param", u, n),
                    data("m", u, n), data("v", pos, n), data("lr", constant(3e-3f), 1), data("pows", uniform(0.5f, 0.99f), 2)));
        }
        l.add(c("SGD_PARAM", (g, i) -> g.append(OpKind.SGD_PARAM, i[0], i[1], i[2]), null, data("param", u, n), data("dir", u, n),
                data("lr", constant(0.05f), 1)));
        l.add(c("ADAM_M", (g, i) -> g.append(OpKind.ADAM_M, Attrs.builder().put(OpAttr.BETA1, 0.9f).build(), i[0], i[1]), null,
                data("m", u, n), data("grad", u, n)));
        l.add(c("ADAM_V", (g, i) -> g.append(OpKind.ADAM_V, Attrs.builder().put(OpAttr.BETA2, 0.95f).build(), i[0], i[1]), null,
                data("v", pos, n), data("grad", u, n)));
        l.add(c("POW_UPDATE", (g, i) -> g.append(OpKind.POW_UPDATE, Attrs.builder().put(OpAttr.BETA1, 0.9f).put(OpAttr.BETA2, 0.95f)
                .build(), i[0]), null, data("pows", uniform(0.5f, 1f), 2)));
        l.add(c("GRAD_NORM_SQ + CLIP_SCALE", (g, i) -> g.append(OpKind.CLIP_SCALE, Attrs.builder().put(OpAttr.MAX_NORM, 1f).build(),
                g.append(OpKind.GRAD_NORM_SQ, i[0], i[1])), null, data("g0", u, 37, 101), data("g1", u, 259)));
        for (String sched : new String[] {"constant", "step", "cosine"}) {
            // warm-up, its last step, after it, mid-decay, the end of the decay and past it; step 20
            // is 2 * stepSize + 6 (two gamma products)
            for (float step : new float[] {0f, 1f, 2f, 3f, 20f, 40f, 99f, 100f, 130f}) {
                l.add(c("LR_SCHEDULE " + sched + " at " + step, (g, i) -> g.append(OpKind.LR_SCHEDULE, Attrs.builder()
                        .put(OpAttr.SCHEDULE, sched).put(OpAttr.LR, 0.05f).put(OpAttr.WARMUP, 3).put(OpAttr.TOTAL, 100).put(OpAttr.STEP_SIZE, 7)
                        .put(OpAttr.GAMMA, 0.5f).put(OpAttr.MIN_LR, 0.001f).build(), i[0]), null, data("step", constant(step), 1)));
            }
        }
        return l;
    }

    // ---- double helpers ------------------------------------------------------------------

    static int numel(int[] s) {
        int n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }

    static int[] unravel(int i, int[] s) {
        int[] c = new int[s.length];
        for (int d = s.length - 1; d >= 0; d--) {
            c[d] = i % s[d];
            i /= s[d];
        }
        return c;
    }

    static int ravel(int[] c, int[] s) {
        int i = 0;
        for (int d = 0; d < s.length; d++) {
            i = i * s[d] + c[d];
        }
        return i;
    }

    /** The flat index in a (right-aligned, size-1 dims broadcast) source of shape s of output coordinates c. */
    static int bindex(int[] c, int[] s) {
        int off = c.length - s.length;
        int i = 0;
        for (int d = 0; d < s.length; d++) {
            i = i * s[d] + (s[d] == 1 ? 0 : c[d + off]);
        }
        return i;
    }

    static int[] broadcastShape(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] o = new int[r];
        for (int d = 0; d < r; d++) {
            int da = d < r - a.length ? 1 : a[d - (r - a.length)];
            int db = d < r - b.length ? 1 : b[d - (r - b.length)];
            o[d] = Math.max(da, db);
        }
        return o;
    }

    static double[] map(double[] x, DoubleUnaryOperator f) {
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = f.applyAsDouble(x[i]);
        }
        return y;
    }

    /** log sum_{j < len} exp(x[off + j]) for a row (len &lt;= c entries used). */
    static double logSumExp(double[] x, int off, int len, int c) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) {
            m = Math.max(m, x[off + j]);
        }
        double s = 0;
        for (int j = 0; j < len; j++) {
            s += Math.exp(x[off + j] - m);
        }
        return m + Math.log(s);
    }

    /** erf by its Maclaurin series (converges to double precision for |z| &lt;= 3, all the tests use). */
    static double erf(double z) {
        if (Math.abs(z) > 3) {
            throw new IllegalArgumentException("test erf is only accurate for |z| <= 3");
        }
        double term = z;
        double sum = z;
        for (int n = 1; n < 200; n++) {
            term *= -z * z / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-18) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
