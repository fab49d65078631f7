package dev.verity.tensor.math;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Accuracy against StrictMath (double) or a double reference, in ulps of the float result. Prints
 * the measured table (copied into DetMath's javadoc) and fails if a bound is exceeded.
 */
class DetMathAccuracyTest {
    private static final StringBuilder TABLE = new StringBuilder();

    /** |got - ref| in ulps of the correctly rounded result; 0 when both are the same non-finite value. */
    static double ulpErr(float got, double ref) {
        if (Double.isNaN(ref) || Float.isNaN(got)) {
            return Double.isNaN(ref) && Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        float rf = (float) ref;
        if (Float.isInfinite(rf) || Float.isInfinite(got)) {
            return got == rf ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(got - ref) / Math.ulp(Math.abs(rf));
    }

    private record Worst(double ulps, float at) {
    }

    /** n points: every other one on an even grid over [lo, hi], the rest uniform random. */
    private static Worst measure(DetMathTestSupport.Scalar f, DoubleUnaryOperator ref, double lo, double hi,
                                 int n, DoubleUnaryOperator skipIf) {
        SplittableRandom r = new SplittableRandom(99);
        double worst = 0;
        float at = Float.NaN;
        for (int i = 0; i < n; i++) {
            float x = (float) ((i & 1) == 0 ? lo + (hi - lo) * i / n : r.nextDouble(lo, hi));
            if (skipIf != null && skipIf.applyAsDouble(x) != 0) {
                continue;
            }
            double e = ulpErr(f.apply(x), ref.applyAsDouble(x));
            if (e > worst) {
                worst = e;
                at = x;
            }
        }
        return new Worst(worst, at);
    }

    private static void check(String name, String range, Worst w, double bound) {
        String line = String.format("%-9s %-34s max %.3f ulp (at %s), bound %.1f%n", name, range, w.ulps(), w.at(),
                bound);
        synchronized (TABLE) {
            TABLE.append(line);
        }
        System.out.print("[DetMath accuracy] " + line);
        assertTrue(w.ulps() <= bound, line);
    }

    // ---- double references ----

    static double erf(double x) {
        return x < 0 ? -erf(-x) : x < 2.5 ? erfSeries(x) : 1 - erfcCf(x);
    }

    static double erfc(double x) {
        if (x < 0) {
            return 2 - erfc(-x);
        }
        return x < 2.5 ? 1 - erfSeries(x) : erfcCf(x);
    }

    private static double erfSeries(double x) {
        double sum = x;
        double term = x;
        double x2 = x * x;
        for (int n = 1; n < 300; n++) {
            term *= -x2 / n;
            double t = term / (2 * n + 1);
            sum += t;
            if (Math.abs(t) < 1e-19 * Math.abs(sum)) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static double erfcCf(double x) {
        double f = 0;
        for (int n = 300; n >= 1; n--) {
            f = n / 2.0 / (x + f);
        }
        return StrictMath.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
    }

    static double gelu(double x) {
        return 0.5 * x * erfc(-x / Math.sqrt(2));
    }

    static double geluGrad(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2)) + x * StrictMath.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    }

    @Test
    void referenceSanity() {
        // the test's own erf reference must be right, or the table below means nothing
        assertEquals(0.8427007929497149, erf(1), 1e-15);
        assertEquals(1.5374597944280349e-12, erfc(5), 1e-26);
        assertEquals(0.0046777349810472645, erfc(2), 1e-15);
    }

    @Test
    void exp() {
        check("exp", "[-104, 89]", measure(DetMath::exp, StrictMath::exp, -104, 89, 1_000_000, null), 2);
        check("exp", "[-1, 1]", measure(DetMath::exp, StrictMath::exp, -1, 1, 1_000_000, null), 2);
    }

    @Test
    void logOverAllPositiveFloats() {
        // every 251st positive float bit pattern, from the smallest subnormal to MAX_VALUE
        double worst = 0;
        float at = 0;
        for (int b = 1; b < 0x7f800000; b += 251) {
            float x = Float.intBitsToFloat(b);
            double e = ulpErr(DetMath.log(x), StrictMath.log(x));
            if (e > worst) {
                worst = e;
                at = x;
            }
        }
        check("log", "all positive floats (stride 251)", new Worst(worst, at), 2);
        check("log", "[0.5, 2]", measure(DetMath::log, StrictMath::log, 0.5, 2, 1_000_000, null), 2);
    }

    @Test
    void tanhSigmoidErf() {
        check("tanh", "[-20, 20]", measure(DetMath::tanh, StrictMath::tanh, -20, 20, 1_000_000, null), 3);
        check("tanh", "[-1, 1]", measure(DetMath::tanh, StrictMath::tanh, -1, 1, 1_000_000, null), 3);
        DoubleUnaryOperator sig = x -> 1 / (1 + StrictMath.exp(-x));
        check("sigmoid", "[-110, 110]", measure(DetMath::sigmoid, sig, -110, 110, 1_000_000, null), 3);
        check("sigmoid", "[-5, 5]", measure(DetMath::sigmoid, sig, -5, 5, 1_000_000, null), 3);
        check("erf", "[-20, 20]", measure(DetMath::erf, DetMathAccuracyTest::erf, -20, 20, 1_000_000, null), 3);
        check("erf", "[-4, 4]", measure(DetMath::erf, DetMathAccuracyTest::erf, -4, 4, 1_000_000, null), 3);
    }

    @Test
    void geluAndGrad() {
        // relative accuracy wherever the result is a normal float
        DoubleUnaryOperator tiny = x -> Math.abs(gelu(x)) < Float.MIN_NORMAL ? 1 : 0;
        check("gelu", "[-13, 20]",
                measure(DetMath::gelu, DetMathAccuracyTest::gelu, -13, 20, 1_000_000, tiny), 5);
        check("gelu", "[-20, -13], |gelu| >= 2^-126",
                measure(DetMath::gelu, DetMathAccuracyTest::gelu, -20, -13, 500_000, tiny), 7);
        check("gelu", "[-3, 3]", measure(DetMath::gelu, DetMathAccuracyTest::gelu, -3, 3, 1_000_000, null), 6);
        // geluGrad = Phi(x) + x*phi(x) cancels for x in about [-1.6, -0.4] (root near -0.7518): there the
        // relative error is meaningless, so it is measured in ulps outside and as absolute error inside
        DoubleUnaryOperator cancel = x -> (x > -1.6 && x < -0.4) || Math.abs(geluGrad(x)) < Float.MIN_NORMAL ? 1 : 0;
        check("geluGrad", "[-13, 20] minus [-1.6, -0.4]",
                measure(DetMath::geluGrad, DetMathAccuracyTest::geluGrad, -13, 20, 1_000_000, cancel), 5);
        // below -13.2, exp(-x^2/2) is subnormal and carries fewer bits: a few ulp more
        check("geluGrad", "[-20, -13], result normal",
                measure(DetMath::geluGrad, DetMathAccuracyTest::geluGrad, -20, -13, 500_000, cancel), 8);
        double worstAbs = 0;
        for (int i = 0; i <= 100_000; i++) {
            float x = (float) (-1.6 + 1.2 * i / 100_000);
            worstAbs = Math.max(worstAbs, Math.abs(DetMath.geluGrad(x) - geluGrad(x)));
        }
        System.out.printf("[DetMath accuracy] geluGrad  [-1.6, -0.4]: max abs err %.3g (2^-24 = %.3g)%n", worstAbs,
                0x1p-24);
        assertTrue(worstAbs <= 0x1p-23, "geluGrad abs error in the cancellation zone " + worstAbs);
    }

    @Test
    void cos() {
        // every 5th float in [1e-3, 2pi] (~21M) plus a sample below 1e-3, where cos is 1 - tiny
        double worst = 0;
        float at = 0;
        int end = Float.floatToRawIntBits((float) (2 * Math.PI));
        for (int b = 0; b <= end; b += (b < Float.floatToRawIntBits(1e-3f) ? 4099 : 5)) {
            float x = Float.intBitsToFloat(b);
            double e = ulpErr(DetMath.cos(x), StrictMath.cos(x));
            if (e > worst) {
                worst = e;
                at = x;
            }
        }
        check("cos", "[0, 2pi] (every 5th float)", new Worst(worst, at), 2);
        check("cos", "[-1e5, 1e5]", measure(DetMath::cos, StrictMath::cos, -1e5, 1e5, 1_000_000, null), 3);
    }

    @Test
    void specialValues() {
        float inf = Float.POSITIVE_INFINITY;
        float nan = Float.NaN;
        // exp
        assertEquals(0f, DetMath.exp(-inf));
        assertEquals(0, Float.floatToRawIntBits(DetMath.exp(-inf)), "+0");
        assertEquals(inf, DetMath.exp(inf));
        assertTrue(Float.isNaN(DetMath.exp(nan)));
        assertEquals(inf, DetMath.exp(88.73f));
        assertEquals(inf, DetMath.exp(1e30f));
        assertEquals(1f, DetMath.exp(0f));
        assertEquals(1f, DetMath.exp(-0f));
        assertEquals(Float.MIN_VALUE, DetMath.exp(-103.2789f)); // exp = 1.4e-45, the smallest subnormal
        assertEquals(0f, DetMath.exp(-104f));
        assertEquals((float) StrictMath.exp(-100), DetMath.exp(-100f)); // subnormal result
        assertTrue(DetMath.exp(88.72f) < inf);
        // log
        assertEquals(-inf, DetMath.log(0f));
        assertEquals(-inf, DetMath.log(-0f));
        assertTrue(Float.isNaN(DetMath.log(-1f)));
        assertTrue(Float.isNaN(DetMath.log(-Float.MIN_VALUE)));
        assertTrue(Float.isNaN(DetMath.log(-inf)));
        assertTrue(Float.isNaN(DetMath.log(nan)));
        assertEquals(inf, DetMath.log(inf));
        assertEquals(0, Float.floatToRawIntBits(DetMath.log(1f)), "log(1) = +0");
        assertEquals((float) StrictMath.log(Float.MIN_VALUE), DetMath.log(Float.MIN_VALUE));
        assertEquals((float) StrictMath.log(Float.MAX_VALUE), DetMath.log(Float.MAX_VALUE));
        // tanh, sigmoid, erf: limits and signed zeros
        for (float big : new float[] {10f, 20f, 1e10f, Float.MAX_VALUE, inf}) {
            assertEquals(1f, DetMath.tanh(big));
            assertEquals(-1f, DetMath.tanh(-big));
            assertEquals(1f, DetMath.erf(big));
            assertEquals(-1f, DetMath.erf(-big));
            assertEquals(big, DetMath.gelu(big));
            assertEquals(1f, DetMath.geluGrad(big));
        }
        for (float big : new float[] {20f, 1e10f, Float.MAX_VALUE, inf}) {
            assertEquals(0x80000000, Float.floatToRawIntBits(DetMath.gelu(-big)), "gelu(-large) = -0");
            assertEquals(0f, DetMath.geluGrad(-big), 0f);
        }
        for (float big : new float[] {110f, 1e10f, Float.MAX_VALUE, inf}) {
            assertEquals(1f, DetMath.sigmoid(big));
            assertEquals(0, Float.floatToRawIntBits(DetMath.sigmoid(-big)), "sigmoid(-large) = +0");
        }
        assertEquals(0x80000000, Float.floatToRawIntBits(DetMath.tanh(-0f)));
        assertEquals(0, Float.floatToRawIntBits(DetMath.tanh(0f)));
        assertEquals(0x80000000, Float.floatToRawIntBits(DetMath.erf(-0f)));
        assertEquals(0, Float.floatToRawIntBits(DetMath.erf(0f)));
        assertEquals(0x80000000, Float.floatToRawIntBits(DetMath.gelu(-0f)));
        assertEquals(0, Float.floatToRawIntBits(DetMath.gelu(0f)));
        assertEquals(0.5f, DetMath.sigmoid(0f));
        assertEquals(0.5f, DetMath.sigmoid(-0f));
        assertEquals(0.5f, DetMath.geluGrad(0f));
        assertEquals(Float.MIN_VALUE * 1.1283791671f, DetMath.erf(Float.MIN_VALUE) * 1f, Float.MIN_VALUE);
        assertTrue(DetMath.sigmoid(-100f) > 0f, "sigmoid keeps subnormal tails");
        for (DetMathTestSupport.Fn fn : DetMathTestSupport.FNS) {
            assertTrue(Float.isNaN(fn.scalar().apply(nan)), fn.name() + "(NaN)");
        }
        assertTrue(Float.isNaN(DetMath.cos(inf)));
        assertTrue(Float.isNaN(DetMath.cos(-inf)));
        assertEquals(1f, DetMath.cos(0f));
        assertEquals(1f, DetMath.cos(-0f));
        assertEquals(-1f, DetMath.cos((float) Math.PI));
    }
}
