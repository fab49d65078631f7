package dev.verity.tensor.math;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;

/**
 * Not a test: a throughput benchmark printing ns/element for the scalar form, the vector array
 * kernel and the per-vector form (how ElementwiseOps calls it) of every DetMath function.
 * Single thread, 1M elements, inputs in [-8, 8] (log: (0, 16]), best of several timed passes
 * after warm-up; also the bytes allocated per element by the array kernel in the last pass
 * (anything above 0 means vectors are being boxed). Run with
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     dev.verity.tensor.math.DetMathBench [elements] [passes]
 * </pre>
 * (add -Dverity.vector.bits=256 for the 256-bit shape).
 */
public final class DetMathBench {
    private DetMathBench() {
    }

    interface ScalarFn {
        float apply(float x);
    }

    interface ArrayFn {
        void apply(float[] src, int off, float[] dst, int doff, int n);
    }

    record Fn(String name, ScalarFn scalar, ArrayFn array) {
    }

    static final Fn[] FNS = {
        new Fn("exp", DetMath::exp, DetMathVector::exp),
        new Fn("log", DetMath::log, DetMathVector::log),
        new Fn("tanh", DetMath::tanh, DetMathVector::tanh),
        new Fn("sigmoid", DetMath::sigmoid, DetMathVector::sigmoid),
        new Fn("erf", DetMath::erf, DetMathVector::erf),
        new Fn("gelu", DetMath::gelu, DetMathVector::gelu),
        new Fn("geluGrad", DetMath::geluGrad, DetMathVector::geluGrad),
        new Fn("cos", DetMath::cos, DetMathVector::cos),
    };

    static volatile float sink;

    /** Per-vector calls through a switch, the way ElementwiseOps.UnaryKind calls them. */
    static void perVector(String name, float[] in, float[] dst, int ub) {
        int k = switch (name) {
            case "exp" -> 0;
            case "log" -> 1;
            case "tanh" -> 2;
            case "sigmoid" -> 3;
            case "erf" -> 4;
            case "gelu" -> 5;
            case "geluGrad" -> 6;
            default -> 7;
        };
        for (int i = 0; i < ub; i += DetMathVector.SPECIES.length()) {
            FloatVector x = FloatVector.fromArray(DetMathVector.SPECIES, in, i);
            FloatVector y = switch (k) {
                case 0 -> DetMathVector.exp(x);
                case 1 -> DetMathVector.log(x);
                case 2 -> DetMathVector.tanh(x);
                case 3 -> DetMathVector.sigmoid(x);
                case 4 -> DetMathVector.erf(x);
                case 5 -> DetMathVector.gelu(x);
                case 6 -> DetMathVector.geluGrad(x);
                default -> DetMathVector.cos(x);
            };
            y.intoArray(dst, i);
        }
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1 << 20;
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        String only = args.length > 2 ? args[2] : null;
        SplittableRandom r = new SplittableRandom(1);
        float[] src = new float[n];
        float[] pos = new float[n];
        for (int i = 0; i < n; i++) {
            src[i] = (float) (r.nextDouble() * 16 - 8);
            pos[i] = (float) (r.nextDouble() * 16) + 0x1p-20f;
        }
        float[] dst = new float[n];
        int lanes = DetMathVector.SPECIES.length();
        System.out.printf("%d elements, %d-bit vectors, best of %d passes (ns/element)%n", n,
                DetMathVector.SPECIES.vectorBitSize(), passes);
        System.out.printf("%-9s %9s %9s %9s %12s%n", "fn", "scalar", "array", "perVector", "arrayB/elem");
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (Fn fn : FNS) {
            if (only != null && !fn.name().equals(only)) {
                continue;
            }
            float[] in = fn.name().equals("log") ? pos : src;
            double bs = Double.MAX_VALUE;
            double ba = Double.MAX_VALUE;
            double bv = Double.MAX_VALUE;
            double alloc = 0;
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    dst[i] = fn.scalar().apply(in[i]);
                }
                long a0 = mx.getThreadAllocatedBytes(tid);
                long t1 = System.nanoTime();
                fn.array().apply(in, 0, dst, 0, n);
                long t2 = System.nanoTime();
                alloc = (mx.getThreadAllocatedBytes(tid) - a0) / (double) n;
                perVector(fn.name(), in, dst, n - n % lanes);
                long t3 = System.nanoTime();
                sink += dst[p];
                bs = Math.min(bs, (t1 - t0) / (double) n);
                ba = Math.min(ba, (t2 - t1) / (double) n);
                bv = Math.min(bv, (t3 - t2) / (double) n);
            }
            System.out.printf("%-9s %9.2f %9.2f %9.2f %12.1f%n", fn.name(), bs, ba, bv, alloc);
        }
    }
}
