package dev.verity.tensor.kernel;

import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;

/**
 * The protocol's definition of conv2d and its gradients: direct loops, one chain per output
 * element, plus element functions that record those chains for disputes. {@link Conv2dKernels}
 * must match these bit for bit. Padding positions contribute an explicit {@code fma(w, +0.0f,
 * acc)} (a constant operand), because the fast path's im2col puts real zeros there.
 *
 * <ul>
 * <li>y[n,oc,oy,ox]: acc = +0.0f; for c, ky, kx: acc = fma(w[oc,c,ky,kx], xpad[n,c,oy*s+ky-p,ox*s+kx-p], acc);
 * then acc + bias[oc].</li>
 * <li>dW[oc,c,ky,kx]: acc = +0.0f; for n, oy, ox: acc = fma(dy[n,oc,oy,ox], xpad[n,c,oy*s+ky-p,ox*s+kx-p], acc).</li>
 * <li>dBias[oc]: acc = +0.0f; for n, oy, ox: acc = acc + dy[n,oc,oy,ox].</li>
 * <li>dx[n,c,iy,ix]: acc = +0.0f; for ky, kx, oy, ox with oy*s+ky-p = iy and ox*s+kx-p = ix:
 * acc = acc + d, where d = +0.0f, then for oc: d = fma(w[oc,c,ky,kx], dy[n,oc,oy,ox], d).</li>
 * </ul>
 * Operand indices are flat row-major indices into the named tensor.
 */
public final class Conv2dReference {
    /** Forward element inputs. */
    public static final int FWD_X = 0;
    public static final int FWD_W = 1;
    public static final int FWD_BIAS = 2;
    /** Weight/bias gradient element inputs. */
    public static final int BWW_X = 0;
    public static final int BWW_DY = 1;
    /** Input gradient element inputs. */
    public static final int BWI_W = 0;
    public static final int BWI_DY = 1;

    private Conv2dReference() {
    }

    private static int xIndex(Conv2dShape s, int n, int c, int iy, int ix) {
        return ((n * s.c() + c) * s.h() + iy) * s.w() + ix;
    }

    private static int wIndex(Conv2dShape s, int oc, int c, int ky, int kx) {
        return ((oc * s.c() + c) * s.kh() + ky) * s.kw() + kx;
    }

    private static int yIndex(Conv2dShape s, int n, int oc, int oy, int ox) {
        return ((n * s.oc() + oc) * s.oh() + oy) * s.ow() + ox;
    }

    private static boolean inside(Conv2dShape s, int iy, int ix) {
        return iy >= 0 && iy < s.h() && ix >= 0 && ix < s.w();
    }

    public static void forward(Conv2dShape s, float[] x, float[] w, float[] bias, float[] y) {
        s.checkLength("x", x, s.xSize());
        s.checkLength("w", w, s.wSize());
        s.checkLength("y", y, s.ySize());
        if (bias != null) {
            s.checkLength("bias", bias, s.oc());
        }
        for (int n = 0; n < s.n(); n++) {
            for (int oc = 0; oc < s.oc(); oc++) {
                for (int oy = 0; oy < s.oh(); oy++) {
                    for (int ox = 0; ox < s.ow(); ox++) {
                        float acc = 0.0f;
                        for (int c = 0; c < s.c(); c++) {
                            for (int ky = 0; ky < s.kh(); ky++) {
                                for (int kx = 0; kx < s.kw(); kx++) {
                                    int iy = oy * s.stride() + ky - s.pad();
                                    int ix = ox * s.stride() + kx - s.pad();
                                    float xv = inside(s, iy, ix) ? x[xIndex(s, n, c, iy, ix)] : 0.0f;
                                    acc = Math.fma(w[wIndex(s, oc, c, ky, kx)], xv, acc);
                                }
                            }
                        }
                        if (bias != null) {
                            acc = acc + bias[oc];
                        }
                        y[yIndex(s, n, oc, oy, ox)] = acc;
                    }
                }
            }
        }
    }

    public static void backwardWeight(Conv2dShape s, float[] x, float[] dy, float[] dw, float[] dBias) {
        s.checkLength("x", x, s.xSize());
        s.checkLength("dy", dy, s.ySize());
        s.checkLength("dw", dw, s.wSize());
        if (dBias != null) {
            s.checkLength("dBias", dBias, s.oc());
        }
        for (int oc = 0; oc < s.oc(); oc++) {
            for (int c = 0; c < s.c(); c++) {
                for (int ky = 0; ky < s.kh(); ky++) {
                    for (int kx = 0; kx < s.kw(); kx++) {
                        float acc = 0.0f;
                        for (int n = 0; n < s.n(); n++) {
                            for (int oy = 0; oy < s.oh(); oy++) {
                                for (int ox = 0; ox < s.ow(); ox++) {
                                    int iy = oy * s.stride() + ky - s.pad();
                                    int ix = ox * s.stride() + kx - s.pad();
                                    float xv = inside(s, iy, ix) ? x[xIndex(s, n, c, iy, ix)] : 0.0f;
                                    acc = Math.fma(dy[yIndex(s, n, oc, oy, ox)], xv, acc);
                                }
                            }
                        }
                        dw[wIndex(s, oc, c, ky, kx)] = acc;
                    }
                }
            }
            if (dBias != null) {
                float acc = 0.0f;
                for (int n = 0; n < s.n(); n++) {
                    for (int q = 0; q < s.p(); q++) {
                        acc = acc + dy[(n * s.oc() + oc) * s.p() + q];
                    }
                }
                dBias[oc] = acc;
            }
        }
    }

    public static void backwardInput(Conv2dShape s, float[] w, float[] dy, float[] dx) {
        s.checkLength("w", w, s.wSize());
        s.checkLength("dy", dy, s.ySize());
        s.checkLength("dx", dx, s.xSize());
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                for (int iy = 0; iy < s.h(); iy++) {
                    for (int ix = 0; ix < s.w(); ix++) {
                        float acc = 0.0f;
                        for (int ky = 0; ky < s.kh(); ky++) {
                            for (int kx = 0; kx < s.kw(); kx++) {
                                int oy = source(iy, ky, s.stride(), s.pad(), s.oh());
                                int ox = source(ix, kx, s.stride(), s.pad(), s.ow());
                                if (oy < 0 || ox < 0) {
                                    continue;
                                }
                                float d = 0.0f;
                                for (int oc = 0; oc < s.oc(); oc++) {
                                    d = Math.fma(w[wIndex(s, oc, c, ky, kx)], dy[yIndex(s, n, oc, oy, ox)], d);
                                }
                                acc = acc + d;
                            }
                        }
                        dx[xIndex(s, n, c, iy, ix)] = acc;
                    }
                }
            }
        }
    }

    /** The output coordinate o with o*stride + k - pad = i, or -1 if there is none in [0, out). */
    private static int source(int i, int k, int stride, int pad, int out) {
        int t = i + pad - k;
        if (t < 0 || t % stride != 0) {
            return -1;
        }
        int o = t / stride;
        return o < out ? o : -1;
    }

    private static void checkIndex(String what, int v, int bound) {
        if (v < 0 || v >= bound) {
            throw new IllegalArgumentException("conv2d element: " + what + "=" + v + " is outside [0, " + bound + ")");
        }
    }

    /** Chain of y[n, oc, oy, ox]; inputs {@link #FWD_X}, {@link #FWD_W}, {@link #FWD_BIAS}. */
    public static Operand forwardElement(Conv2dShape s, float[] x, float[] w, float[] bias,
                                         int n, int oc, int oy, int ox, ElementChain chain) {
        checkIndex("n", n, s.n());
        checkIndex("oc", oc, s.oc());
        checkIndex("oy", oy, s.oh());
        checkIndex("ox", ox, s.ow());
        Operand acc = chain.constant(0.0f);
        for (int c = 0; c < s.c(); c++) {
            for (int ky = 0; ky < s.kh(); ky++) {
                for (int kx = 0; kx < s.kw(); kx++) {
                    int iy = oy * s.stride() + ky - s.pad();
                    int ix = ox * s.stride() + kx - s.pad();
                    Operand xv;
                    if (inside(s, iy, ix)) {
                        int xi = xIndex(s, n, c, iy, ix);
                        xv = chain.input(FWD_X, xi, x[xi]);
                    } else {
                        xv = chain.constant(0.0f);
                    }
                    int wi = wIndex(s, oc, c, ky, kx);
                    acc = chain.fma(chain.input(FWD_W, wi, w[wi]), xv, acc);
                }
            }
        }
        if (bias != null) {
            acc = chain.add(acc, chain.input(FWD_BIAS, oc, bias[oc]));
        }
        return acc;
    }

    /** Chain of dW[oc, c, ky, kx]; inputs {@link #BWW_X}, {@link #BWW_DY}. */
    public static Operand weightGradElement(Conv2dShape s, float[] x, float[] dy,
                                            int oc, int c, int ky, int kx, ElementChain chain) {
        checkIndex("oc", oc, s.oc());
        checkIndex("c", c, s.c());
        checkIndex("ky", ky, s.kh());
        checkIndex("kx", kx, s.kw());
        Operand acc = chain.constant(0.0f);
        for (int n = 0; n < s.n(); n++) {
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    int iy = oy * s.stride() + ky - s.pad();
                    int ix = ox * s.stride() + kx - s.pad();
                    Operand xv;
                    if (inside(s, iy, ix)) {
                        int xi = xIndex(s, n, c, iy, ix);
                        xv = chain.input(BWW_X, xi, x[xi]);
                    } else {
                        xv = chain.constant(0.0f);
                    }
                    int yi = yIndex(s, n, oc, oy, ox);
                    acc = chain.fma(chain.input(BWW_DY, yi, dy[yi]), xv, acc);
                }
            }
        }
        return acc;
    }

    /** Chain of dBias[oc]; input {@link #BWW_DY}. */
    public static Operand biasGradElement(Conv2dShape s, float[] dy, int oc, ElementChain chain) {
        checkIndex("oc", oc, s.oc());
        Operand acc = chain.constant(0.0f);
        for (int n = 0; n < s.n(); n++) {
            for (int q = 0; q < s.p(); q++) {
                int yi = (n * s.oc() + oc) * s.p() + q;
                acc = chain.add(acc, chain.input(BWW_DY, yi, dy[yi]));
            }
        }
        return acc;
    }

    /** Chain of dx[n, c, iy, ix]; inputs {@link #BWI_W}, {@link #BWI_DY}. */
    public static Operand inputGradElement(Conv2dShape s, float[] w, float[] dy,
                                           int n, int c, int iy, int ix, ElementChain chain) {
        checkIndex("n", n, s.n());
        checkIndex("c", c, s.c());
        checkIndex("iy", iy, s.h());
        checkIndex("ix", ix, s.w());
        Operand acc = chain.constant(0.0f);
        for (int ky = 0; ky < s.kh(); ky++) {
            for (int kx = 0; kx < s.kw(); kx++) {
                int oy = source(iy, ky, s.stride(), s.pad(), s.oh());
                int ox = source(ix, kx, s.stride(), s.pad(), s.ow());
                if (oy < 0 || ox < 0) {
                    continue;
                }
                Operand d = chain.constant(0.0f);
                for (int oc = 0; oc < s.oc(); oc++) {
                    int wi = wIndex(s, oc, c, ky, kx);
                    int yi = yIndex(s, n, oc, oy, ox);
                    d = chain.fma(chain.input(BWI_W, wi, w[wi]), chain.input(BWI_DY, yi, dy[yi]), d);
                }
                acc = chain.add(acc, d);
            }
        }
        return acc;
    }
}
