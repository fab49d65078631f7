package dev.verity.bench;

import java.util.List;

/**
 * One GEMM problem: {@code batch} independent C[M,N] = op(A) op(B) with op(A) M x K, op(B) K x N,
 * A stored K x M when transposed, B stored N x K when transposed (row-major, dense).
 */
public record GemmShape(String name, int batch, boolean transA, boolean transB, int m, int n, int k) {
    public GemmShape {
        if (name == null || name.isBlank() || name.contains(" ")) {
            throw new IllegalArgumentException("gemm shape needs a name without spaces, got '" + name + "'");
        }
        if (batch < 1 || m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("gemm " + name + ": batch, M, N, K must be >= 1");
        }
    }

    public long flops() {
        return 2L * batch * m * n * k;
    }

    public int aRows() {
        return transA ? k : m;
    }

    public int aCols() {
        return transA ? m : k;
    }

    public int bRows() {
        return transB ? n : k;
    }

    public int bCols() {
        return transB ? k : n;
    }

    /** "NT" style: N = as stored, T = transposed. */
    public String form() {
        return (transA ? "T" : "N") + (transB ? "T" : "N");
    }

    /**
     * Square 1024 and 4096, and the shapes the three default models train with: each Linear's forward
     * (x W^T), input gradient (dY W; none for mlp's first layer, whose input is the data) and weight
     * gradient (dY^T X); gpt's attention as batched GEMMs over batch x heads = 128 items of T=64,
     * head size 32.
     */
    public static final List<GemmShape> DEFAULTS = List.of(
            new GemmShape("square1024", 1, false, false, 1024, 1024, 1024),
            new GemmShape("square4096", 1, false, false, 4096, 4096, 4096),
            new GemmShape("mlp.fc0.fwd", 1, false, true, 128, 512, 784),
            new GemmShape("mlp.fc0.dW", 1, true, false, 512, 784, 128),
            new GemmShape("mlp.fc1.fwd", 1, false, true, 128, 512, 512),
            new GemmShape("mlp.fc1.dX", 1, false, false, 128, 512, 512),
            new GemmShape("mlp.fc1.dW", 1, true, false, 512, 512, 128),
            new GemmShape("mlp.fc2.fwd", 1, false, true, 128, 10, 512),
            new GemmShape("mlp.fc2.dX", 1, false, false, 128, 512, 10),
            new GemmShape("mlp.fc2.dW", 1, true, false, 10, 512, 128),
            new GemmShape("gpt.qkv.fwd", 1, false, true, 2048, 128, 128),
            new GemmShape("gpt.qkv.dX", 1, false, false, 2048, 128, 128),
            new GemmShape("gpt.qkv.dW", 1, true, false, 128, 128, 2048),
            new GemmShape("gpt.fc.fwd", 1, false, true, 2048, 512, 128),
            new GemmShape("gpt.fc.dX", 1, false, false, 2048, 128, 512),
            new GemmShape("gpt.fc.dW", 1, true, false, 512, 128, 2048),
            new GemmShape("gpt.proj4.dW", 1, true, false, 128, 512, 2048),
            new GemmShape("gpt.proj4.fwd", 1, false, true, 2048, 128, 512),
            new GemmShape("gpt.proj4.dX", 1, false, false, 2048, 512, 128),
            new GemmShape("gpt.head.fwd", 1, false, true, 2048, 65, 128),
            new GemmShape("gpt.head.dX", 1, false, false, 2048, 128, 65),
            new GemmShape("gpt.head.dW", 1, true, false, 65, 128, 2048),
            new GemmShape("gpt.att.qk", 128, false, true, 64, 64, 32),
            new GemmShape("gpt.att.av", 128, false, false, 64, 32, 64),
            new GemmShape("gpt.att.dV", 128, true, false, 64, 32, 64),
            new GemmShape("gpt.att.dAtt", 128, false, true, 64, 64, 32));

    public static GemmShape byName(String name) {
        for (GemmShape s : DEFAULTS) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown gemm shape '" + name + "'");
    }
}
