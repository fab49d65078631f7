package dev.verity.tensor.kernel;

/**
 * 2-d convolution through the GEMM (im2col per image), bit-identical to the direct loops of
 * {@link Conv2dReference} by construction: im2col lays out exactly the terms of each output's
 * chain, in the chain's order, and the GEMM runs one fma chain per output element.
 *
 * <p>With {@code cols_n[k, p]} = xpad[n, c, oy*s+ky-pad, ox*s+kx-pad] for k = (c, ky, kx) and
 * p = (oy, ox) (zero outside the input; those zero terms stay part of the chains):
 * <ul>
 * <li>forward: y_n = W[oc, k] x cols_n, chain from +0.0f over k, then + bias[oc];</li>
 * <li>weight gradient: dW = sum over images of dy_n x cols_n^T as one continued chain per
 * element, over n then p (the first image's GEMM starts from +0.0f, later ones accumulate);
 * dBias[oc] = +0.0f + dy[n, oc, p] added over n then p;</li>
 * <li>input gradient: dcols_n = W^T x dy_n (chain from +0.0f over oc), then col2im adds dcols
 * rows k = (c, ky, kx) and columns p in order into dx starting from +0.0f.</li>
 * </ul>
 * Threads split images (when there are at least as many as threads) or else GEMM outputs and
 * channels; never a chain. The public methods use {@link Gemm}'s choice of scalar/vector GEMM.
 */
public final class Conv2dKernels {
    private static final ThreadLocal<float[][]> COLS = ThreadLocal.withInitial(() -> new float[1][0]);

    private Conv2dKernels() {
    }

    public static void forward(Conv2dShape s, float[] x, float[] w, float[] bias, float[] y) {
        forward(s, x, w, bias, y, Gemm.scalar());
    }

    public static void backwardWeight(Conv2dShape s, float[] x, float[] dy, float[] dw, float[] dBias) {
        backwardWeight(s, x, dy, dw, dBias, Gemm.scalar());
    }

    public static void backwardInput(Conv2dShape s, float[] w, float[] dy, float[] dx) {
        backwardInput(s, w, dy, dx, Gemm.scalar());
    }

    /** y [n, oc, oh, ow] from x [n, c, h, w], w [oc, c, kh, kw] and bias [oc] (nullable). */
    static void forward(Conv2dShape s, float[] x, float[] w, float[] bias, float[] y, boolean scalar) {
        s.checkLength("x", x, s.xSize());
        s.checkLength("w", w, s.wSize());
        s.checkLength("y", y, s.ySize());
        if (bias != null) {
            s.checkLength("bias", bias, s.oc());
        }
        int kk = s.k();
        int p = s.p();
        int oc = s.oc();
        if (s.n() >= Parallel.threads()) {
            Parallel.parallelFor(s.n(), 1, (from, to) -> {
                float[] cols = cols(kk * p);
                for (int n = from; n < to; n++) {
                    im2col(s, x, n, cols, 0, s.c());
                    gemm(scalar, false, false, oc, p, kk, w, 0, kk, cols, 0, p, y, n * oc * p, p, false, true);
                    addBias(bias, y, n * oc * p, 0, oc, p);
                }
            });
        } else {
            float[] cols = cols(kk * p);
            for (int n = 0; n < s.n(); n++) {
                int img = n;
                Parallel.parallelFor(s.c(), 1, (from, to) -> im2col(s, x, img, cols, from, to));
                gemm(scalar, false, false, oc, p, kk, w, 0, kk, cols, 0, p, y, n * oc * p, p, false, false);
                Parallel.parallelFor(oc, 1, (from, to) -> addBias(bias, y, img * oc * p, from, to, p));
            }
        }
    }

    /**
     * dW [oc, c, kh, kw] (overwritten) and dBias [oc] (nullable; overwritten) from x and
     * dy [n, oc, oh, ow].
     */
    static void backwardWeight(Conv2dShape s, float[] x, float[] dy, float[] dw, float[] dBias, boolean scalar) {
        s.checkLength("x", x, s.xSize());
        s.checkLength("dy", dy, s.ySize());
        s.checkLength("dw", dw, s.wSize());
        if (dBias != null) {
            s.checkLength("dBias", dBias, s.oc());
        }
        int kk = s.k();
        int p = s.p();
        int oc = s.oc();
        float[] cols = cols(kk * p);
        // Images in order: the weight gradient's chain runs over n then p, so images cannot be split.
        for (int n = 0; n < s.n(); n++) {
            int img = n;
            Parallel.parallelFor(s.c(), 1, (from, to) -> im2col(s, x, img, cols, from, to));
            gemm(scalar, false, true, oc, kk, p, dy, n * oc * p, p, cols, 0, p, dw, 0, kk, n > 0, false);
        }
        if (dBias != null) {
            Parallel.parallelFor(oc, 1, (from, to) -> {
                for (int o = from; o < to; o++) {
                    float acc = 0.0f;
                    for (int n = 0; n < s.n(); n++) {
                        int base = (n * oc + o) * p;
                        for (int q = 0; q < p; q++) {
                            acc = acc + dy[base + q];
                        }
                    }
                    dBias[o] = acc;
                }
            });
        }
    }

    /** dx [n, c, h, w] (overwritten) from w and dy. */
    static void backwardInput(Conv2dShape s, float[] w, float[] dy, float[] dx, boolean scalar) {
        s.checkLength("w", w, s.wSize());
        s.checkLength("dy", dy, s.ySize());
        s.checkLength("dx", dx, s.xSize());
        int kk = s.k();
        int p = s.p();
        int oc = s.oc();
        if (s.n() >= Parallel.threads()) {
            Parallel.parallelFor(s.n(), 1, (from, to) -> {
                float[] dcols = cols(kk * p);
                for (int n = from; n < to; n++) {
                    gemm(scalar, true, false, kk, p, oc, w, 0, kk, dy, n * oc * p, p, dcols, 0, p, false, true);
                    col2im(s, dcols, dx, n, 0, s.c());
                }
            });
        } else {
            float[] dcols = cols(kk * p);
            for (int n = 0; n < s.n(); n++) {
                int img = n;
                gemm(scalar, true, false, kk, p, oc, w, 0, kk, dy, n * oc * p, p, dcols, 0, p, false, false);
                Parallel.parallelFor(s.c(), 1, (from, to) -> col2im(s, dcols, dx, img, from, to));
            }
        }
    }

    private static float[] cols(int size) {
        float[][] holder = COLS.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    private static void gemm(boolean scalar, boolean ta, boolean tb, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate, boolean sequential) {
        if (scalar) {
            ScalarGemm.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, null, accumulate);
        } else if (sequential) {
            VectorGemm.sequential(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, null, accumulate);
        } else {
            VectorGemm.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, null, accumulate);
        }
    }

    /**
     * The bias is the chain's last link: the GEMM stored the float32 sum, and adding bias[oc] to
     * it here is the same single rounding as adding it in registers.
     */
    private static void addBias(float[] bias, float[] y, int base, int ocFrom, int ocTo, int p) {
        if (bias == null) {
            return;
        }
        for (int o = ocFrom; o < ocTo; o++) {
            float bv = bias[o];
            int row = base + o * p;
            for (int q = 0; q < p; q++) {
                y[row + q] = y[row + q] + bv;
            }
        }
    }

    /** Rows k = (c, ky, kx) for channels [cFrom, cTo) of image n's column matrix [c*kh*kw, oh*ow]. */
    static void im2col(Conv2dShape s, float[] x, int n, float[] cols, int cFrom, int cTo) {
        int h = s.h();
        int w = s.w();
        int oh = s.oh();
        int ow = s.ow();
        int p = oh * ow;
        int st = s.stride();
        int pad = s.pad();
        for (int c = cFrom; c < cTo; c++) {
            int plane = (n * s.c() + c) * h * w;
            for (int ky = 0; ky < s.kh(); ky++) {
                for (int kx = 0; kx < s.kw(); kx++) {
                    int row = ((c * s.kh() + ky) * s.kw() + kx) * p;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * st + ky - pad;
                        int dst = row + oy * ow;
                        if (iy < 0 || iy >= h) {
                            for (int ox = 0; ox < ow; ox++) {
                                cols[dst + ox] = 0.0f;
                            }
                            continue;
                        }
                        int src = plane + iy * w;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * st + kx - pad;
                            cols[dst + ox] = ix >= 0 && ix < w ? x[src + ix] : 0.0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * dx planes (n, c) for c in [cFrom, cTo): +0.0f, then every dcols[k, p] that lands on an
     * element is added in the order rows k = (c, ky, kx), then columns p = (oy, ox).
     */
    static void col2im(Conv2dShape s, float[] dcols, float[] dx, int n, int cFrom, int cTo) {
        int h = s.h();
        int w = s.w();
        int oh = s.oh();
        int ow = s.ow();
        int p = oh * ow;
        int st = s.stride();
        int pad = s.pad();
        for (int c = cFrom; c < cTo; c++) {
            int plane = (n * s.c() + c) * h * w;
            for (int i = 0; i < h * w; i++) {
                dx[plane + i] = 0.0f;
            }
            for (int ky = 0; ky < s.kh(); ky++) {
                for (int kx = 0; kx < s.kw(); kx++) {
                    int row = ((c * s.kh() + ky) * s.kw() + kx) * p;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * st + ky - pad;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int src = row + oy * ow;
                        int dst = plane + iy * w;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * st + kx - pad;
                            if (ix >= 0 && ix < w) {
                                dx[dst + ix] = dx[dst + ix] + dcols[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }
}
