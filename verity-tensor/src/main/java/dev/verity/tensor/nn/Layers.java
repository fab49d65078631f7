package dev.verity.tensor.nn;

import dev.verity.tensor.graph.GraphBuilder;

/**
 * The layers Verity's models are made of. Each is a small record with a validating constructor
 * and a {@code forward} that appends its ops to the graph and declares its parameters.
 */
public final class Layers {
    private Layers() {
    }

    private static void positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }

    /** y = x W^T + b with W [out, in] (PyTorch's layout); x is [N, in] or [B, T, in]. */
    public record Linear(String name, int in, int out, boolean bias) {
        public Linear {
            positive(name + " input size", in);
            positive(name + " output size", out);
        }

        public int forward(Params p, int x) {
            GraphBuilder g = p.graph();
            int[] s = g.shape(x);
            if (s[s.length - 1] != in) {
                throw new IllegalArgumentException(name + ": expects last dimension " + in + ", got shape "
                        + java.util.Arrays.toString(s));
            }
            int w = p.get(name + ".weight", Init.fanIn(in), out, in);
            int b = bias ? p.get(name + ".bias", Init.fanIn(in), out) : -1;
            if (s.length == 2) {
                return g.matmul(x, w, false, true, b);
            }
            int rows = s.length == 3 ? s[0] * s[1] : -1;
            if (rows < 0) {
                throw new IllegalArgumentException(name + ": expects a 2-D or 3-D input");
            }
            int y = g.matmul(g.reshape(x, rows, in), w, false, true, b);
            return g.reshape(y, s[0], s[1], out);
        }
    }

    /** 2-D convolution, weight [outC, inC, k, k], bias [outC]. */
    public record Conv2d(String name, int inChannels, int outChannels, int kernel, int stride, int padding) {
        public Conv2d {
            positive(name + " input channels", inChannels);
            positive(name + " output channels", outChannels);
            positive(name + " kernel", kernel);
            positive(name + " stride", stride);
            if (padding < 0) {
                throw new IllegalArgumentException(name + " padding must be >= 0");
            }
        }

        public int forward(Params p, int x) {
            int fanIn = inChannels * kernel * kernel;
            int w = p.get(name + ".weight", Init.fanIn(fanIn), outChannels, inChannels, kernel, kernel);
            int b = p.get(name + ".bias", Init.fanIn(fanIn), outChannels);
            return p.graph().conv2d(x, w, b, stride, padding);
        }
    }

    /** Layer norm over the last axis with learned gain (ones) and bias (zeros). */
    public record LayerNorm(String name, int dim, float eps) {
        public LayerNorm {
            positive(name + " size", dim);
        }

        public int forward(Params p, int x) {
            int gamma = p.get(name + ".weight", Init.ones(), dim);
            int beta = p.get(name + ".bias", Init.zeros(), dim);
            return p.graph().layerNorm(x, gamma, beta, eps);
        }
    }

    /** Token embedding table [vocab, dim], uniform init with standard deviation ~0.02 (GPT-2's scale). */
    public record Embedding(String name, int vocab, int dim) {
        public Embedding {
            positive(name + " vocabulary", vocab);
            positive(name + " size", dim);
        }

        public int forward(Params p, int ids) {
            int table = p.get(name + ".weight", Init.uniform(0.0346f), vocab, dim);
            return p.graph().embedding(table, ids);
        }
    }

    /** Linear layers with ReLU between them (none after the last). */
    public record Mlp(String name, int[] sizes) {
        public Mlp {
            if (sizes.length < 2) {
                throw new IllegalArgumentException(name + ": an MLP needs at least an input and an output size");
            }
            for (int s : sizes) {
                positive(name + " layer size", s);
            }
            sizes = sizes.clone();
        }

        public int forward(Params p, int x) {
            for (int i = 0; i + 1 < sizes.length; i++) {
                x = new Linear(name + ".fc" + i, sizes[i], sizes[i + 1], true).forward(p, x);
                if (i + 2 < sizes.length) {
                    x = p.graph().relu(x);
                }
            }
            return x;
        }
    }

    /**
     * Multi-head causal self-attention on x [B, T, d]: q, k, v projections, per-head scaled dot
     * products with future positions masked, softmax, optional dropout, output projection.
     */
    public record CausalSelfAttention(String name, int dim, int heads, float dropout) {
        public CausalSelfAttention {
            positive(name + " size", dim);
            positive(name + " heads", heads);
            if (dim % heads != 0) {
                throw new IllegalArgumentException(name + ": size " + dim + " is not divisible by " + heads + " heads");
            }
        }

        public int forward(Params p, int x, int step, long seed, int purpose) {
            GraphBuilder g = p.graph();
            int[] s = g.shape(x);
            int b = s[0];
            int t = s[1];
            int hd = dim / heads;
            int q = split(g, new Linear(name + ".q", dim, dim, true).forward(p, x), b, t, hd);
            int k = split(g, new Linear(name + ".k", dim, dim, true).forward(p, x), b, t, hd);
            int v = split(g, new Linear(name + ".v", dim, dim, true).forward(p, x), b, t, hd);
            int att = g.scale(g.matmul(q, k, false, true, -1), 1f / (float) Math.sqrt(hd));
            att = g.softmax(g.causalMask(att, Float.NEGATIVE_INFINITY));
            att = g.dropout(att, step, dropout, seed, purpose);
            int y = g.matmul(att, v);
            y = g.reshape(g.transpose(g.reshape(y, b, heads, t, hd), 0, 2, 1, 3), b, t, dim);
            return new Linear(name + ".proj", dim, dim, true).forward(p, y);
        }

        /** [B, T, d] to [B * heads, T, hd]. */
        private int split(GraphBuilder g, int x, int b, int t, int hd) {
            return g.reshape(g.transpose(g.reshape(x, b, t, heads, hd), 0, 2, 1, 3), b * heads, t, hd);
        }
    }

    /** Pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)) with a GELU MLP of 4d. */
    public record TransformerBlock(String name, int dim, int heads, float dropout) {
        public int forward(Params p, int x, int step, long seed, int layer) {
            GraphBuilder g = p.graph();
            int a = new CausalSelfAttention(name + ".attn", dim, heads, dropout)
                    .forward(p, new LayerNorm(name + ".ln1", dim, 1e-5f).forward(p, x), step, seed, 2 * layer + 1);
            x = g.add(x, a);
            int h = new LayerNorm(name + ".ln2", dim, 1e-5f).forward(p, x);
            h = g.gelu(new Linear(name + ".mlp.fc", dim, 4 * dim, true).forward(p, h));
            h = new Linear(name + ".mlp.proj", 4 * dim, dim, true).forward(p, h);
            h = g.dropout(h, step, dropout, seed, 2 * layer + 2);
            return g.add(x, h);
        }
    }
}
