package dev.verity.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

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
    /** Benchmarks only: forces the im2col path so both can be timed in one process (same bits either way). */
    static volatile boolean directDisabled;
    /** Benchmarks only: turns off {@link #kxWeight} (same bits either way). */
    static volatile boolean kxDisabled;

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
        if (!scalar && !directDisabled && s.stride() == 1) {
            Parallel.parallelFor(s.n(), 1, (from, to) -> directForward(s, x, w, bias, y, from, to));
            return;
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
        boolean kx = !scalar && !directDisabled && !kxDisabled && oc <= KX_MAX_CHANNELS && s.kw() <= L;
        if (kx) {
            int units = s.c() * ((s.kh() + KY - 1) / KY) * ((oc + KO - 1) / KO);
            Parallel.parallelFor(units, 1, (from, to) -> kxWeight(s, x, dy, dw, from, to));
        } else if (!scalar && !directDisabled) {
            int tiles = (kk + WR - 1) / WR;
            int ocPad = (oc + L - 1) / L * L;
            // dy transposed to [n, p, ocPad] once, threads splitting the images, when that fits in
            // SHARED_DY floats; otherwise each thread transposes image by image for itself.
            float[] dyAll;
            if ((long) s.n() * p * ocPad <= SHARED_DY && Parallel.threads() > 1) {
                Direct d = DIRECT.get();
                dyAll = d.dyAll = grow(d.dyAll, s.n() * p * ocPad);
                Parallel.parallelFor(s.n(), 1, (from, to) -> transposeDy(dy, from, to, oc, p, ocPad, dyAll,
                        from * p * ocPad));
            } else {
                dyAll = null;
            }
            // The thread with the first rows also sums dBias, from the same transposed dy.
            Parallel.parallelFor(tiles, 1, (from, to) -> directWeight(s, x, dy, dyAll, dw, from * WR,
                    Math.min(kk, to * WR), from == 0 ? dBias : null));
        } else {
            imcolWeight(s, x, dy, dw, scalar);
        }
        if (dBias != null && (scalar || directDisabled || kx)) {
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

    /** dW through im2col and the GEMM, one image after the other (the scalar-GEMM path). */
    private static void imcolWeight(Conv2dShape s, float[] x, float[] dy, float[] dw, boolean scalar) {
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
    }

    /** dx [n, c, h, w] (overwritten) from w and dy. */
    static void backwardInput(Conv2dShape s, float[] w, float[] dy, float[] dx, boolean scalar) {
        s.checkLength("w", w, s.wSize());
        s.checkLength("dy", dy, s.ySize());
        s.checkLength("dx", dx, s.xSize());
        if (!scalar && !directDisabled && s.stride() == 1) {
            Parallel.parallelFor(s.n(), 1, (from, to) -> tapInput(s, w, dy, dx, from, to));
            return;
        }
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

    // ---------------------------------------------------------------------------------------
    // Direct kernels (vector path). No im2col: the micro-kernels broadcast or load straight from
    // a zero-padded copy of one image, with lanes over independent outputs only, and every
    // lane performs exactly its output's documented chain (same terms, same order, same
    // start value), so they are bit-identical to Conv2dReference.
    // ---------------------------------------------------------------------------------------

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final VectorSpecies<Integer> I = Vectors.I;
    private static final int L = F.length();
    /** Forward tile: 6 output channels x 2 vectors of positions (12 accumulators). */
    private static final int FR = 6;
    /**
     * Most output channels {@link #kxWeight} takes; above it, lanes over channels
     * ({@link #directWeight}) fill more lanes (16 channels: 2x faster on Zen 5).
     *
     * <p>{@link #kxWeight}'s lanes run over a kernel row's columns (5 of them for a 5x5 kernel),
     * so 256-bit vectors would waste fewer lanes there, but this class uses the engine's one
     * species throughout: where one kernel ran on Float256Vector and the rest on Float512Vector,
     * the Vector API's shared methods saw both classes in their type profiles, and in about one
     * lenet5 run in four (2 threads, Zen 5) C2 compiled many kernels with boxed vectors for the
     * whole run, 2.5-6 MB of garbage per step at half speed; with one species, 0 runs in 10. The
     * price: conv1's weight gradient 0.41 -> 0.48 ms per step (1 thread, Zen 5), under 2% of a step.
     */
    static final int KX_MAX_CHANNELS = 8;
    /** Weight-gradient tile: 8 rows k = (c, ky, kx) x one vector of output channels. */
    static final int WR = 8;

    /** Per-thread buffers of the direct kernels, grown on demand and reused. */
    private static final class Direct {
        float[] xpad = new float[0];
        float[] tile = new float[0];
        float[] dyT = new float[0];
        float[] acc = new float[0];
        float[] bacc = new float[0];
        float[] tile2 = new float[L];
        float[] dyAll = new float[0];
        int[] off = new int[0];
        int[] keep = new int[0];
    }

    private static final ThreadLocal<Direct> DIRECT = ThreadLocal.withInitial(Direct::new);

    private static float[] grow(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }

    /** Zeroes xpad[0, size) and returns it; the interior is then overwritten image by image. */
    private static void padImage(Conv2dShape s, float[] x, int n, float[] xpad, int hp, int wp) {
        int h = s.h();
        int w = s.w();
        int pad = s.pad();
        for (int c = 0; c < s.c(); c++) {
            int src = (n * s.c() + c) * h * w;
            int dst = c * hp * wp + pad * wp + pad;
            for (int iy = 0; iy < h; iy++, src += w, dst += wp) {
                System.arraycopy(x, src, xpad, dst, w);
            }
        }
    }

    /**
     * Forward, stride 1, images [from, to). Positions run on a virtual grid q = oy * wp + ox
     * over the padded row width wp (columns ox >= ow are computed and dropped), so the term
     * (c, ky, kx) of every position in a vector is one contiguous load at q + off(c, ky, kx).
     * Each lane: acc = +0.0f, fma(w[oc, k], xpad[...], acc) over k = (c, ky, kx) in order, then
     * + bias[oc]: the reference chain.
     */
    private static void directForward(Conv2dShape s, float[] x, float[] w, float[] bias, float[] y, int from, int to) {
        int hp = s.h() + 2 * s.pad();
        int wp = s.w() + 2 * s.pad();
        int oh = s.oh();
        int ow = s.ow();
        int oc = s.oc();
        int kk = s.k();
        int q = oh * wp;
        // Positions in pairs of vectors, and a last single vector where one is left.
        int qpad = (q + L - 1) / L * L;
        int ocTiles = (oc + FR - 1) / FR;
        Direct d = DIRECT.get();
        int[] off = offsets(s, d, hp, wp);
        int maxOff = off[kk - 1];
        int xsize = Math.max(s.c() * hp * wp, maxOff + qpad);
        float[] xpad = d.xpad = grow(d.xpad, xsize);
        java.util.Arrays.fill(xpad, 0, xsize, 0.0f);
        float[] tile = d.tile = grow(d.tile, ocTiles * FR * qpad);
        for (int n = from; n < to; n++) {
            padImage(s, x, n, xpad, hp, wp);
            for (int t = 0; t < ocTiles; t++) {
                int o0 = t * FR;
                int last = Math.min(oc, o0 + FR) - 1;
                int pq = 0;
                for (; pq + 2 * L <= qpad; pq += 2 * L) {
                    forwardTile(w, kk, o0, last, off, xpad, pq, bias, tile, o0 * qpad + pq, qpad);
                }
                if (pq < qpad) {
                    forwardTileNarrow(w, kk, o0, last, off, xpad, pq, bias, tile, o0 * qpad + pq, qpad);
                }
            }
            int ybase = n * oc * oh * ow;
            for (int o = 0; o < oc; o++) {
                for (int oy = 0; oy < oh; oy++) {
                    System.arraycopy(tile, o * qpad + oy * wp, y, ybase + (o * oh + oy) * ow, ow);
                }
            }
        }
    }

    /** off[k] for k = (c, ky, kx): the offset of that term in the padded image, in chain order. */
    private static int[] offsets(Conv2dShape s, Direct d, int hp, int wp) {
        int kk = s.k();
        if (d.off.length < kk) {
            d.off = new int[kk];
        }
        int[] off = d.off;
        int k = 0;
        for (int c = 0; c < s.c(); c++) {
            for (int ky = 0; ky < s.kh(); ky++) {
                for (int kx = 0; kx < s.kw(); kx++) {
                    off[k++] = c * hp * wp + ky * wp + kx;
                }
            }
        }
        return off;
    }

    /**
     * Channels o0..last (rows past last repeat it and land in tile rows that are never read)
     * x positions [pq, pq + 2L).
     */
    private static void forwardTile(float[] w, int kk, int o0, int last, int[] off, float[] xpad, int pq,
                                    float[] bias, float[] tile, int to, int ldt) {
        int w0 = o0 * kk;
        int w1 = Math.min(o0 + 1, last) * kk;
        int w2 = Math.min(o0 + 2, last) * kk;
        int w3 = Math.min(o0 + 3, last) * kk;
        int w4 = Math.min(o0 + 4, last) * kk;
        int w5 = Math.min(o0 + 5, last) * kk;
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int k = 0; k < kk; k++) {
            int xo = off[k] + pq;
            FloatVector b0 = FloatVector.fromArray(F, xpad, xo);
            FloatVector b1 = FloatVector.fromArray(F, xpad, xo + L);
            FloatVector a = FloatVector.broadcast(F, w[w0 + k]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, w[w1 + k]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, w[w2 + k]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, w[w3 + k]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(F, w[w4 + k]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(F, w[w5 + k]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        if (bias != null) {
            // The chain's last link: + bias[oc], one rounding, as in the reference.
            FloatVector v = FloatVector.broadcast(F, bias[w0 / kk]);
            c00 = c00.add(v);
            c01 = c01.add(v);
            v = FloatVector.broadcast(F, bias[w1 / kk]);
            c10 = c10.add(v);
            c11 = c11.add(v);
            v = FloatVector.broadcast(F, bias[w2 / kk]);
            c20 = c20.add(v);
            c21 = c21.add(v);
            v = FloatVector.broadcast(F, bias[w3 / kk]);
            c30 = c30.add(v);
            c31 = c31.add(v);
            v = FloatVector.broadcast(F, bias[w4 / kk]);
            c40 = c40.add(v);
            c41 = c41.add(v);
            v = FloatVector.broadcast(F, bias[w5 / kk]);
            c50 = c50.add(v);
            c51 = c51.add(v);
        }
        int r = to;
        c00.intoArray(tile, r);
        c01.intoArray(tile, r + L);
        r += ldt;
        c10.intoArray(tile, r);
        c11.intoArray(tile, r + L);
        r += ldt;
        c20.intoArray(tile, r);
        c21.intoArray(tile, r + L);
        r += ldt;
        c30.intoArray(tile, r);
        c31.intoArray(tile, r + L);
        r += ldt;
        c40.intoArray(tile, r);
        c41.intoArray(tile, r + L);
        r += ldt;
        c50.intoArray(tile, r);
        c51.intoArray(tile, r + L);
    }

    /** {@link #forwardTile} for the last single vector of positions [pq, pq + L). */
    private static void forwardTileNarrow(float[] w, int kk, int o0, int last, int[] off, float[] xpad, int pq,
                                          float[] bias, float[] tile, int to, int ldt) {
        int w0 = o0 * kk;
        int w1 = Math.min(o0 + 1, last) * kk;
        int w2 = Math.min(o0 + 2, last) * kk;
        int w3 = Math.min(o0 + 3, last) * kk;
        int w4 = Math.min(o0 + 4, last) * kk;
        int w5 = Math.min(o0 + 5, last) * kk;
        FloatVector z = FloatVector.zero(F);
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z;
        for (int k = 0; k < kk; k++) {
            FloatVector b = FloatVector.fromArray(F, xpad, off[k] + pq);
            c0 = FloatVector.broadcast(F, w[w0 + k]).fma(b, c0);
            c1 = FloatVector.broadcast(F, w[w1 + k]).fma(b, c1);
            c2 = FloatVector.broadcast(F, w[w2 + k]).fma(b, c2);
            c3 = FloatVector.broadcast(F, w[w3 + k]).fma(b, c3);
            c4 = FloatVector.broadcast(F, w[w4 + k]).fma(b, c4);
            c5 = FloatVector.broadcast(F, w[w5 + k]).fma(b, c5);
        }
        if (bias != null) {
            // The chain's last link: + bias[oc], one rounding, as in the reference.
            c0 = c0.add(FloatVector.broadcast(F, bias[w0 / kk]));
            c1 = c1.add(FloatVector.broadcast(F, bias[w1 / kk]));
            c2 = c2.add(FloatVector.broadcast(F, bias[w2 / kk]));
            c3 = c3.add(FloatVector.broadcast(F, bias[w3 / kk]));
            c4 = c4.add(FloatVector.broadcast(F, bias[w4 / kk]));
            c5 = c5.add(FloatVector.broadcast(F, bias[w5 / kk]));
        }
        c0.intoArray(tile, to);
        c1.intoArray(tile, to + ldt);
        c2.intoArray(tile, to + 2 * ldt);
        c3.intoArray(tile, to + 3 * ldt);
        c4.intoArray(tile, to + 4 * ldt);
        c5.intoArray(tile, to + 5 * ldt);
    }

    /**
     * Weight gradient rows k in [k0, k1) (k = (c, ky, kx)), any stride. Lanes run over output
     * channels: acc^T[k, oc] lives in a [k, ocPad] buffer, and each image adds its positions
     * p = (oy, ox) in order with fma(dy[n, oc, p], xpad[n, c, oy*s+ky, ox*s+kx], acc), so every
     * lane is the chain over n then p from +0.0f (the first image starts from zero registers;
     * later ones reload the float32 partial sum, which is what each fma rounded to anyway).
     * Each thread owns whole rows, so it pads every image itself (or, without padding, reads it
     * in place); dy comes transposed to [n, p, ocPad] in {@code dyAll} (null: transposed here,
     * image by image) so one vector load gives the dy terms of L channels.
     */
    private static void directWeight(Conv2dShape s, float[] x, float[] dy, float[] dyAll, float[] dw, int k0, int k1,
                                     float[] dBias) {
        if (k1 <= k0) {
            return;
        }
        int hp = s.h() + 2 * s.pad();
        int wp = s.w() + 2 * s.pad();
        int oh = s.oh();
        int ow = s.ow();
        int oc = s.oc();
        int kk = s.k();
        int p = s.p();
        int st = s.stride();
        int ocPad = (oc + L - 1) / L * L;
        Direct d = DIRECT.get();
        int[] off = offsets(s, d, hp, wp);
        int xsize = s.c() * hp * wp;
        // Without padding the image already has the padded layout: read it in place.
        boolean inPlace = s.pad() == 0;
        float[] xpad = inPlace ? x : (d.xpad = grow(d.xpad, xsize));
        if (!inPlace) {
            java.util.Arrays.fill(xpad, 0, xsize, 0.0f);
        }
        float[] dyT = dyAll;
        if (dyAll == null) {
            dyT = d.dyT = grow(d.dyT, p * ocPad);
        }
        float[] acc = d.acc = grow(d.acc, kk * ocPad);
        float[] bacc = d.bacc = grow(d.bacc, ocPad);
        java.util.Arrays.fill(bacc, 0, ocPad, 0.0f);
        for (int n = 0; n < s.n(); n++) {
            int xb = 0;
            if (inPlace) {
                xb = n * xsize;
            } else {
                padImage(s, x, n, xpad, hp, wp);
            }
            int db = n * p * ocPad;
            if (dyAll == null) {
                transposeDy(dy, n, n + 1, oc, p, ocPad, dyT, 0);
                db = 0;
            }
            if (dBias != null) {
                biasSum(dyT, db, p, ocPad, bacc);
            }
            boolean load = n > 0;
            for (int r0 = k0; r0 < k1; r0 += WR) {
                int rows = Math.min(WR, k1 - r0);
                for (int v = 0; v < ocPad; v += L) {
                    weightTile(off, r0, rows, xpad, xb, dyT, db + v, ocPad, oh, ow, st, wp, acc, v, load);
                }
            }
        }
        for (int k = k0; k < k1; k++) {
            for (int o = 0; o < oc; o++) {
                dw[o * kk + k] = acc[k * ocPad + o];
            }
        }
        if (dBias != null) {
            System.arraycopy(bacc, 0, dBias, 0, oc);
        }
    }

    /** Largest shared transposed dy of the weight gradient, in floats (8 MB). */
    private static final long SHARED_DY = 1L << 21;

    /**
     * Images [from, to) of dy [n, oc, p] into dyT as [p, ocPad] blocks, image {@code from}'s at
     * {@code dst0}. Padding lanes (channels >= oc) are zeroed: they only feed discarded outputs,
     * but must hold no NaN noise.
     */
    private static void transposeDy(float[] dy, int from, int to, int oc, int p, int ocPad, float[] dyT, int dst0) {
        for (int n = from; n < to; n++) {
            int base = dst0 + (n - from) * p * ocPad;
            java.util.Arrays.fill(dyT, base, base + p * ocPad, 0.0f);
            for (int o = 0; o < oc; o++) {
                int src = (n * oc + o) * p;
                for (int q = 0, dst = base + o; q < p; q++, dst += ocPad) {
                    dyT[dst] = dy[src + q];
                }
            }
        }
    }

    /** {@link #kxTile}: output channels and kernel rows per register tile (15 accumulators). */
    private static final int KO = 3;
    private static final int KY = 5;

    /**
     * Weight gradient for few output channels (oc <= KX_MAX_CHANNELS) and narrow kernels (kw <= L),
     * any stride: lanes run over the kernel columns kx of one kernel row, so the x terms of a row of
     * taps are one contiguous load from the padded image and dy needs no transposing (one broadcast
     * per channel and position). Each lane kx < kw of accumulator (oc, c, ky) is the reference chain:
     * acc = fma(dy[n, oc, oy, ox], xpad[n, c, oy*s + ky, ox*s + kx], acc) over n, then (oy, ox), from
     * +0.0f; lanes kx >= kw read neighbouring values and are dropped. Units u = ((c * kyTiles) +
     * kyTile) * ocTiles + ocTile, each with its own accumulators.
     */
    private static void kxWeight(Conv2dShape s, float[] x, float[] dy, float[] dw, int u0, int u1) {
        if (u1 <= u0) {
            return;
        }
        int hp = s.h() + 2 * s.pad();
        int wp = s.w() + 2 * s.pad();
        int oc = s.oc();
        int kh = s.kh();
        int kw = s.kw();
        int kk = s.k();
        int ocTiles = (oc + KO - 1) / KO;
        int kyTiles = (kh + KY - 1) / KY;
        int tile = KO * KY * L;
        Direct d = DIRECT.get();
        // + L: the last row's loads run up to L - kw lanes past the image.
        int xsize = s.c() * hp * wp + L;
        float[] xpad = d.xpad = grow(d.xpad, xsize);
        java.util.Arrays.fill(xpad, 0, xsize, 0.0f);
        float[] acc = d.acc = grow(d.acc, (u1 - u0) * tile);
        for (int n = 0; n < s.n(); n++) {
            padImage(s, x, n, xpad, hp, wp);
            for (int u = u0; u < u1; u++) {
                int t = u % ocTiles;
                int g = u / ocTiles % kyTiles;
                int c = u / ocTiles / kyTiles;
                kxTile(s, xpad, c * hp * wp, wp, dy, n, t * KO, Math.min(oc, t * KO + KO) - 1, g * KY,
                        Math.min(kh, g * KY + KY) - 1, acc, (u - u0) * tile, n > 0);
            }
        }
        for (int u = u0; u < u1; u++) {
            int t = u % ocTiles;
            int g = u / ocTiles % kyTiles;
            int c = u / ocTiles / kyTiles;
            for (int o = t * KO; o < Math.min(oc, t * KO + KO); o++) {
                for (int ky = g * KY; ky < Math.min(kh, g * KY + KY); ky++) {
                    int a = (u - u0) * tile + ((o - t * KO) * KY + ky - g * KY) * L;
                    System.arraycopy(acc, a, dw, o * kk + (c * kh + ky) * kw, kw);
                }
            }
        }
    }

    /**
     * Channels o0..oLast x kernel rows y0..yLast of input channel c (rows and channels past the
     * last repeat it: same chain, same bits, stored over it) over image n. acc holds the tile as
     * [o - o0][ky - y0][L].
     */
    private static void kxTile(Conv2dShape s, float[] xpad, int xc, int wp, float[] dy, int n, int o0, int oLast,
                               int y0, int yLast, float[] acc, int a0, boolean load) {
        int oh = s.oh();
        int ow = s.ow();
        int st = s.stride();
        int p = s.p();
        int oc = s.oc();
        int o1 = Math.min(o0 + 1, oLast);
        int o2 = Math.min(o0 + 2, oLast);
        int r0 = xc + y0 * wp;
        int r1 = xc + Math.min(y0 + 1, yLast) * wp;
        int r2 = xc + Math.min(y0 + 2, yLast) * wp;
        int r3 = xc + Math.min(y0 + 3, yLast) * wp;
        int r4 = xc + Math.min(y0 + 4, yLast) * wp;
        // acc slot of (channel i, row j): a0 + (i * KY + j) * L, with repeats mapped onto the last.
        int i1 = (o1 - o0) * KY;
        int i2 = (o2 - o0) * KY;
        int j1 = Math.min(1, yLast - y0);
        int j2 = Math.min(2, yLast - y0);
        int j3 = Math.min(3, yLast - y0);
        int j4 = Math.min(4, yLast - y0);
        FloatVector c00, c01, c02, c03, c04, c10, c11, c12, c13, c14, c20, c21, c22, c23, c24;
        if (load) {
            c00 = FloatVector.fromArray(F, acc, a0);
            c01 = FloatVector.fromArray(F, acc, a0 + j1 * L);
            c02 = FloatVector.fromArray(F, acc, a0 + j2 * L);
            c03 = FloatVector.fromArray(F, acc, a0 + j3 * L);
            c04 = FloatVector.fromArray(F, acc, a0 + j4 * L);
            c10 = FloatVector.fromArray(F, acc, a0 + i1 * L);
            c11 = FloatVector.fromArray(F, acc, a0 + (i1 + j1) * L);
            c12 = FloatVector.fromArray(F, acc, a0 + (i1 + j2) * L);
            c13 = FloatVector.fromArray(F, acc, a0 + (i1 + j3) * L);
            c14 = FloatVector.fromArray(F, acc, a0 + (i1 + j4) * L);
            c20 = FloatVector.fromArray(F, acc, a0 + i2 * L);
            c21 = FloatVector.fromArray(F, acc, a0 + (i2 + j1) * L);
            c22 = FloatVector.fromArray(F, acc, a0 + (i2 + j2) * L);
            c23 = FloatVector.fromArray(F, acc, a0 + (i2 + j3) * L);
            c24 = FloatVector.fromArray(F, acc, a0 + (i2 + j4) * L);
        } else {
            FloatVector z = FloatVector.zero(F);
            c00 = z; c01 = z; c02 = z; c03 = z; c04 = z;
            c10 = z; c11 = z; c12 = z; c13 = z; c14 = z;
            c20 = z; c21 = z; c22 = z; c23 = z; c24 = z;
        }
        int d0 = (n * oc + o0) * p;
        int d1 = (n * oc + o1) * p;
        int d2 = (n * oc + o2) * p;
        for (int oy = 0, q = 0; oy < oh; oy++) {
            int xr = oy * st * wp;
            for (int ox = 0; ox < ow; ox++, q++, xr += st) {
                FloatVector v0 = FloatVector.fromArray(F, xpad, r0 + xr);
                FloatVector v1 = FloatVector.fromArray(F, xpad, r1 + xr);
                FloatVector v2 = FloatVector.fromArray(F, xpad, r2 + xr);
                FloatVector v3 = FloatVector.fromArray(F, xpad, r3 + xr);
                FloatVector v4 = FloatVector.fromArray(F, xpad, r4 + xr);
                // fma(dy, x, acc): the reference's operand order.
                FloatVector b = FloatVector.broadcast(F, dy[d0 + q]);
                c00 = b.fma(v0, c00);
                c01 = b.fma(v1, c01);
                c02 = b.fma(v2, c02);
                c03 = b.fma(v3, c03);
                c04 = b.fma(v4, c04);
                b = FloatVector.broadcast(F, dy[d1 + q]);
                c10 = b.fma(v0, c10);
                c11 = b.fma(v1, c11);
                c12 = b.fma(v2, c12);
                c13 = b.fma(v3, c13);
                c14 = b.fma(v4, c14);
                b = FloatVector.broadcast(F, dy[d2 + q]);
                c20 = b.fma(v0, c20);
                c21 = b.fma(v1, c21);
                c22 = b.fma(v2, c22);
                c23 = b.fma(v3, c23);
                c24 = b.fma(v4, c24);
            }
        }
        // Descending, so a repeated slot's store lands before the real one's (same bits either way).
        c24.intoArray(acc, a0 + (i2 + j4) * L);
        c23.intoArray(acc, a0 + (i2 + j3) * L);
        c22.intoArray(acc, a0 + (i2 + j2) * L);
        c21.intoArray(acc, a0 + (i2 + j1) * L);
        c20.intoArray(acc, a0 + i2 * L);
        c14.intoArray(acc, a0 + (i1 + j4) * L);
        c13.intoArray(acc, a0 + (i1 + j3) * L);
        c12.intoArray(acc, a0 + (i1 + j2) * L);
        c11.intoArray(acc, a0 + (i1 + j1) * L);
        c10.intoArray(acc, a0 + i1 * L);
        c04.intoArray(acc, a0 + j4 * L);
        c03.intoArray(acc, a0 + j3 * L);
        c02.intoArray(acc, a0 + j2 * L);
        c01.intoArray(acc, a0 + j1 * L);
        c00.intoArray(acc, a0);
    }

    /**
     * dBias partial sums over one image's positions, lanes over channels: bacc[o] = bacc[o] +
     * dy[n, o, q] for q in order, i.e. the reference chain {@code acc = acc + dy} over n then q
     * from +0.0f (bacc starts zeroed), vectorised across the independent channels.
     */
    private static void biasSum(float[] dyT, int db, int p, int ocPad, float[] bacc) {
        for (int v = 0; v < ocPad; v += L) {
            FloatVector b = FloatVector.fromArray(F, bacc, v);
            for (int q = 0, i = db + v; q < p; q++, i += ocPad) {
                b = b.add(FloatVector.fromArray(F, dyT, i));
            }
            b.intoArray(bacc, v);
        }
    }

    private static void weightTile(int[] off, int r0, int rows, float[] xpad, int xb, float[] dyT, int bi0, int ocPad,
                                   int oh, int ow, int st, int wp, float[] acc, int v, boolean load) {
        int last = r0 + rows - 1;
        int x0 = off[r0];
        int x1 = off[Math.min(r0 + 1, last)];
        int x2 = off[Math.min(r0 + 2, last)];
        int x3 = off[Math.min(r0 + 3, last)];
        int x4 = off[Math.min(r0 + 4, last)];
        int x5 = off[Math.min(r0 + 5, last)];
        int x6 = off[Math.min(r0 + 6, last)];
        int x7 = off[Math.min(r0 + 7, last)];
        int a0 = r0 * ocPad + v;
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        if (load) {
            c0 = FloatVector.fromArray(F, acc, a0);
            c1 = FloatVector.fromArray(F, acc, a0 + Math.min(1, rows - 1) * ocPad);
            c2 = FloatVector.fromArray(F, acc, a0 + Math.min(2, rows - 1) * ocPad);
            c3 = FloatVector.fromArray(F, acc, a0 + Math.min(3, rows - 1) * ocPad);
            c4 = FloatVector.fromArray(F, acc, a0 + Math.min(4, rows - 1) * ocPad);
            c5 = FloatVector.fromArray(F, acc, a0 + Math.min(5, rows - 1) * ocPad);
            c6 = FloatVector.fromArray(F, acc, a0 + Math.min(6, rows - 1) * ocPad);
            c7 = FloatVector.fromArray(F, acc, a0 + Math.min(7, rows - 1) * ocPad);
        } else {
            FloatVector z = FloatVector.zero(F);
            c0 = z; c1 = z; c2 = z; c3 = z; c4 = z; c5 = z; c6 = z; c7 = z;
        }
        int bi = bi0;
        for (int oy = 0; oy < oh; oy++) {
            int xr = xb + oy * st * wp;
            for (int ox = 0; ox < ow; ox++, bi += ocPad, xr += st) {
                FloatVector b = FloatVector.fromArray(F, dyT, bi);
                // fma(dy, x, acc): the reference's operand order.
                c0 = b.fma(FloatVector.broadcast(F, xpad[x0 + xr]), c0);
                c1 = b.fma(FloatVector.broadcast(F, xpad[x1 + xr]), c1);
                c2 = b.fma(FloatVector.broadcast(F, xpad[x2 + xr]), c2);
                c3 = b.fma(FloatVector.broadcast(F, xpad[x3 + xr]), c3);
                c4 = b.fma(FloatVector.broadcast(F, xpad[x4 + xr]), c4);
                c5 = b.fma(FloatVector.broadcast(F, xpad[x5 + xr]), c5);
                c6 = b.fma(FloatVector.broadcast(F, xpad[x6 + xr]), c6);
                c7 = b.fma(FloatVector.broadcast(F, xpad[x7 + xr]), c7);
            }
        }
        c0.intoArray(acc, a0);
        if (rows > 1) c1.intoArray(acc, a0 + ocPad);
        if (rows > 2) c2.intoArray(acc, a0 + 2 * ocPad);
        if (rows > 3) c3.intoArray(acc, a0 + 3 * ocPad);
        if (rows > 4) c4.intoArray(acc, a0 + 4 * ocPad);
        if (rows > 5) c5.intoArray(acc, a0 + 5 * ocPad);
        if (rows > 6) c6.intoArray(acc, a0 + 6 * ocPad);
        if (rows > 7) c7.intoArray(acc, a0 + 7 * ocPad);
    }

    /**
     * Input gradient, stride 1, images [from, to), two passes per image.
     * <ol>
     * <li>Tap sums: cols[k, p] for k = (c, ky, kx), p = (oy, ox): d = +0.0f, then
     * fma(w[oc, c, ky, kx], dy[n, oc, oy, ox], d) over oc in order -- the reference's inner sum,
     * computed once per (tap, output position) it belongs to. That is exactly the GEMM chain of
     * w^T dy[n], so {@link VectorGemm#sequential} computes it (its direct path: no packing).</li>
     * <li>Gather, lanes over input columns ix of one input row: acc = +0.0f, then for (ky, kx) in
     * order acc = acc + cols[k, (iy + pad - ky, ix + pad - kx)]. The loaded vector is ANDed with
     * a lane mask that clears (to +0.0f) the lanes whose source lies outside dy, and
     * acc + (+0.0f) == acc (acc starts at +0.0f, and a
     * round-to-nearest sum is -0.0f only when both terms are), so every lane performs exactly
     * the reference chain, which skips those taps. Nothing depends on the values being finite.</li>
     * </ol>
     * cols rows are {@code pp} wide (p rounded up to a vector) and start {@code margin} floats
     * into the buffer, so the gather's shifted loads never leave it.
     */
    private static void tapInput(Conv2dShape s, float[] w, float[] dy, float[] dx, int from, int to) {
        int h = s.h();
        int wd = s.w();
        int oh = s.oh();
        int ow = s.ow();
        int oc = s.oc();
        int kh = s.kh();
        int kw = s.kw();
        int pad = s.pad();
        int cs = s.c();
        int kk = s.k();
        int p = s.p();
        int pp = (p + L - 1) / L * L;
        int margin = kw + L;
        Direct d = DIRECT.get();
        float[] cols = d.tile = grow(d.tile, margin + kk * pp + wd + pad + margin);
        // keep[(chunk * kw + kx) * L + i] = all ones where column ix = chunk * L + i reads a real
        // source through tap kx (0 <= ix + pad - kx < ow), else 0.
        int chunks = (wd + L - 1) / L;
        if (d.keep.length < chunks * kw * L) {
            d.keep = new int[chunks * kw * L];
        }
        int[] keep = d.keep;
        for (int j = 0; j < chunks; j++) {
            for (int kx = 0; kx < kw; kx++) {
                for (int i = 0; i < L; i++) {
                    int ox = j * L + i + pad - kx;
                    keep[(j * kw + kx) * L + i] = ox >= 0 && ox < ow ? -1 : 0;
                }
            }
        }
        for (int n = from; n < to; n++) {
            // cols = w^T dy[n]: (kk x oc) times (oc x p), each entry the chain above
            VectorGemm.sequential(true, false, kk, p, oc, w, 0, kk, dy, n * oc * p, p, cols, margin, pp, null, false);
            for (int c = 0; c < cs; c += 3) {
                if (c == cs - 1) {
                    gatherOne(cols, keep, dx, d.tile2, n, c, cs, h, wd, oh, ow, kh, kw, pad, pp, margin);
                } else {
                    gatherThree(cols, keep, dx, d.tile2, n, c, cs, h, wd, oh, ow, kh, kw, pad, pp, margin);
                }
            }
        }
    }

    /**
     * The gather of {@link #tapInput} for channels c, c+1, c+2 of image n side by side: three
     * independent add chains hide the add latency (with two channels left, the third slot
     * repeats the last: same chain, same bits, stored over it).
     */
    private static void gatherThree(float[] cols, int[] keep, float[] dx, float[] tail, int n, int c, int cs, int h,
                                    int wd, int oh, int ow, int kh, int kw, int pad, int pp, int margin) {
        int cstride = kh * kw * pp;
        int c1 = 1;
        int c2 = Math.min(c + 2, cs - 1) - c;
        int kc = c * kh * kw;
        int plane = h * wd;
        for (int iy = 0; iy < h; iy++) {
            int out = ((n * cs + c) * h + iy) * wd;
            for (int j = 0, ix0 = 0; ix0 < wd; j++, ix0 += L) {
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                for (int ky = 0; ky < kh; ky++) {
                    int oy = iy + pad - ky;
                    if (oy < 0 || oy >= oh) {
                        continue;
                    }
                    int row = margin + (kc + ky * kw) * pp + oy * ow + ix0 + pad;
                    for (int kx = 0, m = j * kw * L; kx < kw; kx++, row += pp, m += L) {
                        IntVector in = IntVector.fromArray(I, keep, m);
                        int at = row - kx;
                        a0 = a0.add(FloatVector.fromArray(F, cols, at).reinterpretAsInts().and(in).reinterpretAsFloats());
                        a1 = a1.add(FloatVector.fromArray(F, cols, at + c1 * cstride).reinterpretAsInts().and(in)
                                .reinterpretAsFloats());
                        a2 = a2.add(FloatVector.fromArray(F, cols, at + c2 * cstride).reinterpretAsInts().and(in)
                                .reinterpretAsFloats());
                    }
                }
                if (ix0 + L <= wd) {
                    a2.intoArray(dx, out + c2 * plane + ix0);
                    a1.intoArray(dx, out + c1 * plane + ix0);
                    a0.intoArray(dx, out + ix0);
                } else {
                    a2.intoArray(tail, 0);
                    System.arraycopy(tail, 0, dx, out + c2 * plane + ix0, wd - ix0);
                    a1.intoArray(tail, 0);
                    System.arraycopy(tail, 0, dx, out + c1 * plane + ix0, wd - ix0);
                    a0.intoArray(tail, 0);
                    System.arraycopy(tail, 0, dx, out + ix0, wd - ix0);
                }
            }
        }
    }

    /** The gather of {@link #tapInput} for one channel c of image n. */
    private static void gatherOne(float[] cols, int[] keep, float[] dx, float[] tail, int n, int c, int cs, int h,
                                  int wd, int oh, int ow, int kh, int kw, int pad, int pp, int margin) {
        int kc = c * kh * kw;
        for (int iy = 0; iy < h; iy++) {
            int out = ((n * cs + c) * h + iy) * wd;
            for (int j = 0, ix0 = 0; ix0 < wd; j++, ix0 += L) {
                FloatVector acc = FloatVector.zero(F);
                for (int ky = 0; ky < kh; ky++) {
                    int oy = iy + pad - ky;
                    if (oy < 0 || oy >= oh) {
                        continue;
                    }
                    int row = margin + (kc + ky * kw) * pp + oy * ow + ix0 + pad;
                    for (int kx = 0, m = j * kw * L; kx < kw; kx++, row += pp, m += L) {
                        IntVector v = FloatVector.fromArray(F, cols, row - kx).reinterpretAsInts();
                        acc = acc.add(v.and(IntVector.fromArray(I, keep, m)).reinterpretAsFloats());
                    }
                }
                if (ix0 + L <= wd) {
                    acc.intoArray(dx, out + ix0);
                } else {
                    acc.intoArray(tail, 0);
                    System.arraycopy(tail, 0, dx, out + ix0, wd - ix0);
                }
            }
        }
    }
}
