package dev.verity.tensor.math;

import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;

/** The eight functions in their three forms, and the input sets the tests share. */
final class DetMathTestSupport {
    private DetMathTestSupport() {
    }

    interface Scalar {
        float apply(float x);
    }

    record Fn(String name, Scalar scalar, UnaryOperator<FloatVector> vector,
              BiFunction<ElementChain, Operand, Operand> chain, ArrayKernel array) {
    }

    interface ArrayKernel {
        void apply(float[] src, int off, float[] dst, int doff, int n);
    }

    static final List<Fn> FNS = List.of(
            new Fn("exp", DetMath::exp, DetMathVector::exp, DetMathChain::exp, DetMathVector::exp),
            new Fn("log", DetMath::log, DetMathVector::log, DetMathChain::log, DetMathVector::log),
            new Fn("tanh", DetMath::tanh, DetMathVector::tanh, DetMathChain::tanh, DetMathVector::tanh),
            new Fn("sigmoid", DetMath::sigmoid, DetMathVector::sigmoid, DetMathChain::sigmoid,
                    DetMathVector::sigmoid),
            new Fn("erf", DetMath::erf, DetMathVector::erf, DetMathChain::erf, DetMathVector::erf),
            new Fn("gelu", DetMath::gelu, DetMathVector::gelu, DetMathChain::gelu, DetMathVector::gelu),
            new Fn("geluGrad", DetMath::geluGrad, DetMathVector::geluGrad, DetMathChain::geluGrad,
                    DetMathVector::geluGrad),
            new Fn("cos", DetMath::cos, DetMathVector::cos, DetMathChain::cos, DetMathVector::cos));

    /** Same bits, except that any NaN equals any NaN (payloads are CPU-dependent). */
    static boolean sameBits(float a, float b) {
        return Float.isNaN(a) ? Float.isNaN(b) : Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
    }

    static final float[] SPECIALS = {
        0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
        Math.nextDown(Float.MIN_NORMAL), -Math.nextDown(Float.MIN_NORMAL), Float.MAX_VALUE, -Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00000),
        Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xff812345), 1f, -1f, 0.5f, 2f,
        88.72283f, 88.72284f, 89f, 89.5f, -87.33654f, -103.97208f, -103.9721f, -104f, -104.5f, -150f,
        0.75f, -0.75f, Math.nextDown(0.75f), 0.875f, -0.875f, 4f, -4f, 9f, 10f, -10f, 20f, -20f, 20.5f, -20.5f,
        1.2374368f, -1.2374368f, 1.4142135f, 1.4142137f, 0.70710677f, (float) Math.PI, (float) (Math.PI / 2),
        (float) (2 * Math.PI), 0x1p22f, 0x1p23f, 0x1p24f, -0x1p22f, 1e30f, -1e30f};

    /**
     * Deterministic input i of a mixed stream: specials, all-bits random patterns (which cover
     * NaNs, infinities, subnormals and huge values), and uniform values in the useful range.
     */
    static float input(SplittableRandom r, long i) {
        int kind = (int) (i % 8);
        return switch (kind) {
            case 0 -> SPECIALS[r.nextInt(SPECIALS.length)];
            case 1, 2 -> Float.intBitsToFloat(r.nextInt());
            case 3 -> Float.intBitsToFloat(r.nextInt() & 0x807fffff); // subnormals and ±0
            case 4 -> (float) (r.nextDouble(-110, 110));
            case 5 -> (float) (r.nextDouble(-25, 25));
            case 6 -> (float) (r.nextDouble(-4, 4));
            default -> Math.scalb((float) r.nextDouble(-1, 1), r.nextInt(-30, 8)); // many magnitudes near 0
        };
    }
}
