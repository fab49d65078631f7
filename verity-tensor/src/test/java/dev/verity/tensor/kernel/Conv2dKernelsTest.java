package dev.verity.tensor.kernel;

import static dev.verity.tensor.kernel.GemmTest.assertBitsEqual;
import static dev.verity.tensor.kernel.GemmTest.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Conv2dKernelsTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    private static List<Conv2dShape> shapes(Random r) {
        List<Conv2dShape> list = new ArrayList<>();
        list.add(new Conv2dShape(1, 1, 1, 1, 1, 1, 1, 1, 0));
        list.add(new Conv2dShape(2, 3, 7, 5, 4, 3, 3, 1, 1));
        list.add(new Conv2dShape(5, 2, 9, 9, 3, 3, 2, 2, 1));
        list.add(new Conv2dShape(3, 4, 6, 8, 7, 5, 5, 1, 2));
        list.add(new Conv2dShape(1, 8, 12, 12, 17, 3, 3, 3, 0));
        list.add(new Conv2dShape(4, 1, 4, 4, 2, 4, 4, 1, 3)); // padding larger than half the kernel
        for (int t = 0; t < 6; t++) {
            int k = 1 + r.nextInt(4);
            int pad = r.nextInt(3);
            int h = Math.max(1, k - 2 * pad) + r.nextInt(8);
            int w = Math.max(1, k - 2 * pad) + r.nextInt(8);
            list.add(new Conv2dShape(1 + r.nextInt(5), 1 + r.nextInt(5), h, w, 1 + r.nextInt(9), k,
                    Math.max(1, k - r.nextInt(2)), 1 + r.nextInt(3), pad));
        }
        return list;
    }

    /** Naive forward over an explicitly zero-padded copy of x: an independent statement of the semantics. */
    private static float[] naiveForward(Conv2dShape s, float[] x, float[] w, float[] bias) {
        int hp = s.h() + 2 * s.pad();
        int wp = s.w() + 2 * s.pad();
        float[] xpad = new float[s.n() * s.c() * hp * wp];
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                for (int i = 0; i < s.h(); i++) {
                    for (int j = 0; j < s.w(); j++) {
                        xpad[((n * s.c() + c) * hp + i + s.pad()) * wp + j + s.pad()] =
                                x[((n * s.c() + c) * s.h() + i) * s.w() + j];
                    }
                }
            }
        }
        float[] y = new float[s.ySize()];
        int o = 0;
        for (int n = 0; n < s.n(); n++) {
            for (int oc = 0; oc < s.oc(); oc++) {
                for (int oy = 0; oy < s.oh(); oy++) {
                    for (int ox = 0; ox < s.ow(); ox++) {
                        float acc = 0.0f;
                        int wi = oc * s.k();
                        for (int c = 0; c < s.c(); c++) {
                            for (int ky = 0; ky < s.kh(); ky++) {
                                for (int kx = 0; kx < s.kw(); kx++) {
                                    float xv = xpad[((n * s.c() + c) * hp + oy * s.stride() + ky) * wp
                                            + ox * s.stride() + kx];
                                    acc = Math.fma(w[wi++], xv, acc);
                                }
                            }
                        }
                        y[o++] = bias == null ? acc : acc + bias[oc];
                    }
                }
            }
        }
        return y;
    }

    /** Naive input gradient as a scatter in (n, c, ky, kx, oy, ox) order: each dx element sees its adds in chain order. */
    private static float[] naiveInputGrad(Conv2dShape s, float[] w, float[] dy) {
        float[] dx = new float[s.xSize()];
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                for (int ky = 0; ky < s.kh(); ky++) {
                    for (int kx = 0; kx < s.kw(); kx++) {
                        for (int oy = 0; oy < s.oh(); oy++) {
                            for (int ox = 0; ox < s.ow(); ox++) {
                                int iy = oy * s.stride() + ky - s.pad();
                                int ix = ox * s.stride() + kx - s.pad();
                                if (iy < 0 || iy >= s.h() || ix < 0 || ix >= s.w()) {
                                    continue;
                                }
                                float d = 0.0f;
                                for (int oc = 0; oc < s.oc(); oc++) {
                                    d = Math.fma(w[((oc * s.c() + c) * s.kh() + ky) * s.kw() + kx],
                                            dy[((n * s.oc() + oc) * s.oh() + oy) * s.ow() + ox], d);
                                }
                                int xi = ((n * s.c() + c) * s.h() + iy) * s.w() + ix;
                                dx[xi] = dx[xi] + d;
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    @Test
    void kernelsEqualReferencesAndNaiveLoops() {
        Random r = new Random(2024);
        List<Conv2dShape> shapes = shapes(r);
        for (Conv2dShape s : shapes) {
            float[] x = random(r, s.xSize());
            float[] w = random(r, s.wSize());
            float[] bias = r.nextBoolean() ? random(r, s.oc()) : null;
            float[] dy = random(r, s.ySize());

            float[] yRef = new float[s.ySize()];
            Conv2dReference.forward(s, x, w, bias, yRef);
            assertBitsEqual(naiveForward(s, x, w, bias), yRef, "reference vs naive forward " + s);
            float[] dwRef = new float[s.wSize()];
            float[] dbRef = new float[s.oc()];
            Conv2dReference.backwardWeight(s, x, dy, dwRef, dbRef);
            float[] dxRef = new float[s.xSize()];
            Conv2dReference.backwardInput(s, w, dy, dxRef);
            assertBitsEqual(naiveInputGrad(s, w, dy), dxRef, "reference vs naive input grad " + s);

            for (int threads : new int[] {1, 2, 4}) {
                Parallel.setThreads(threads);
                for (boolean scalar : new boolean[] {false, true}) {
                    String what = s + " threads=" + threads + " scalarGemm=" + scalar;
                    float[] y = random(r, s.ySize()); // garbage: must be fully overwritten
                    Conv2dKernels.forward(s, x, w, bias, y, scalar);
                    assertBitsEqual(yRef, y, "forward " + what);
                    float[] dw = random(r, s.wSize());
                    float[] db = random(r, s.oc());
                    Conv2dKernels.backwardWeight(s, x, dy, dw, db, scalar);
                    assertBitsEqual(dwRef, dw, "weight grad " + what);
                    assertBitsEqual(dbRef, db, "bias grad " + what);
                    float[] dx = random(r, s.xSize());
                    Conv2dKernels.backwardInput(s, w, dy, dx, scalar);
                    assertBitsEqual(dxRef, dx, "input grad " + what);
                }
            }
        }
    }

    @Test
    void publicEntryPointsMatchReference() {
        Random r = new Random(8);
        Conv2dShape s = new Conv2dShape(3, 3, 10, 10, 8, 3, 3, 1, 1);
        float[] x = random(r, s.xSize());
        float[] w = random(r, s.wSize());
        float[] bias = random(r, s.oc());
        float[] dy = random(r, s.ySize());
        float[] expected = new float[s.ySize()];
        Conv2dReference.forward(s, x, w, bias, expected);
        float[] y = new float[s.ySize()];
        Conv2dKernels.forward(s, x, w, bias, y);
        assertBitsEqual(expected, y, "forward");
        float[] dwE = new float[s.wSize()];
        Conv2dReference.backwardWeight(s, x, dy, dwE, null);
        float[] dw = new float[s.wSize()];
        Conv2dKernels.backwardWeight(s, x, dy, dw, null);
        assertBitsEqual(dwE, dw, "weight grad");
        float[] dxE = new float[s.xSize()];
        Conv2dReference.backwardInput(s, w, dy, dxE);
        float[] dx = new float[s.xSize()];
        Conv2dKernels.backwardInput(s, w, dy, dx);
        assertBitsEqual(dxE, dx, "input grad");
    }

    private static void checkLinks(ElementChain chain) {
        for (Link l : chain.links()) {
            assertEquals(l.resultBits(), l.recompute());
        }
    }

    @Test
    void elementChainsEqualKernelOutputs() {
        Random r = new Random(77);
        for (Conv2dShape s : shapes(r)) {
            float[] x = random(r, s.xSize());
            float[] w = random(r, s.wSize());
            float[] bias = r.nextBoolean() ? random(r, s.oc()) : null;
            float[] dy = random(r, s.ySize());
            float[] y = new float[s.ySize()];
            Conv2dKernels.forward(s, x, w, bias, y, false);
            float[] dw = new float[s.wSize()];
            float[] db = new float[s.oc()];
            Conv2dKernels.backwardWeight(s, x, dy, dw, db, false);
            float[] dx = new float[s.xSize()];
            Conv2dKernels.backwardInput(s, w, dy, dx, false);
            for (int t = 0; t < 8; t++) {
                int n = r.nextInt(s.n());
                int oc = r.nextInt(s.oc());
                int c = r.nextInt(s.c());
                int oy = r.nextInt(s.oh());
                int ox = r.nextInt(s.ow());
                ElementChain chain = new ElementChain();
                Operand res = Conv2dReference.forwardElement(s, x, w, bias, n, oc, oy, ox, chain);
                assertEquals(Float.floatToRawIntBits(y[((n * s.oc() + oc) * s.oh() + oy) * s.ow() + ox]), res.bits(),
                        "forward element " + s);
                assertEquals(s.k() + (bias != null ? 1 : 0), chain.size());
                checkLinks(chain);

                int ky = r.nextInt(s.kh());
                int kx = r.nextInt(s.kw());
                chain = new ElementChain();
                res = Conv2dReference.weightGradElement(s, x, dy, oc, c, ky, kx, chain);
                assertEquals(Float.floatToRawIntBits(dw[((oc * s.c() + c) * s.kh() + ky) * s.kw() + kx]), res.bits(),
                        "weight grad element " + s);
                assertEquals(s.n() * s.p(), chain.size());
                checkLinks(chain);

                chain = new ElementChain();
                res = Conv2dReference.biasGradElement(s, dy, oc, chain);
                assertEquals(Float.floatToRawIntBits(db[oc]), res.bits(), "bias grad element " + s);
                checkLinks(chain);

                int iy = r.nextInt(s.h());
                int ix = r.nextInt(s.w());
                chain = new ElementChain();
                res = Conv2dReference.inputGradElement(s, w, dy, n, c, iy, ix, chain);
                assertEquals(Float.floatToRawIntBits(dx[((n * s.c() + c) * s.h() + iy) * s.w() + ix]), res.bits(),
                        "input grad element " + s);
                checkLinks(chain);
            }
        }
    }

    @Test
    void rejectsBadShapesAndBuffers() {
        assertThrows(IllegalArgumentException.class, () -> new Conv2dShape(1, 1, 2, 2, 1, 5, 5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Conv2dShape(1, 1, 2, 2, 1, 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Conv2dShape(0, 1, 2, 2, 1, 1, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Conv2dShape(1, 1, 2, 2, 1, 1, 1, 1, -1));
        Conv2dShape s = new Conv2dShape(1, 2, 4, 4, 3, 3, 3, 1, 1);
        assertEquals(4, s.oh());
        assertThrows(IllegalArgumentException.class,
                () -> Conv2dKernels.forward(s, new float[31], new float[s.wSize()], null, new float[s.ySize()]));
        assertThrows(IllegalArgumentException.class,
                () -> Conv2dKernels.forward(s, new float[s.xSize()], new float[s.wSize()], new float[2],
                        new float[s.ySize()]));
        assertThrows(IllegalArgumentException.class, () -> Conv2dReference.forwardElement(s, new float[s.xSize()],
                new float[s.wSize()], null, 0, 3, 0, 0, new ElementChain()));
    }
}
