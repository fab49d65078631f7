package dev.verity.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.ops.OpCases.Built;
import dev.verity.tensor.ops.OpCases.Case;
import dev.verity.tensor.ops.OpCases.Gen;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The specialised fast paths (REDUCE_TO's [outer, keep, inner] split, the vector max-pool and its
 * first-maximum gradient, the odometer transpose) against the scalar references, bit for bit, at
 * 1, 2 and 4 threads, on shapes chosen to hit each path and its tails: size-1 dimensions, all
 * dimensions reduced, leading sums wide enough for four-vector column groups split across threads,
 * softmax rows between one vector and the across-rows path's minimum, planes smaller than a vector, gaps between pooling windows, and max-pool
 * inputs full of ties and signed zeros (where "first maximum" and MAX's -0 < +0 matter).
 */
class FastPathsTest {
    private static final int SENTINEL = 0x7fc5a5a5;

    /** Few distinct values, incl. both zeros: ties in almost every window. */
    static Gen ties() {
        float[] v = {-1f, -0f, 0f, 1f, 2f, Float.NEGATIVE_INFINITY};
        return (r, n) -> {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = v[r.nextInt(v.length)];
            }
            return out;
        };
    }

    /** Values with a few NaNs of different payloads and signs (x86's default NaN is 0xffc00000). */
    static Gen mixedNaNs() {
        int[] nan = {0x7fc00000, 0xffc00000, 0x7fc12345, 0xff800001};
        return (r, n) -> {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = r.nextInt(40) == 0 ? Float.intBitsToFloat(nan[r.nextInt(nan.length)]) : -3f + 6f * r.nextFloat();
            }
            return out;
        };
    }

    static Case pool(int[] s, int k, int st) {
        return OpCases.c("MAXPOOL2D ties " + java.util.Arrays.toString(s) + " k" + k + " s" + st,
                (g, i) -> g.maxPool2d(i[0], k, st), null, OpCases.x("x", ties(), s));
    }

    static Stream<Case> cases() {
        List<Case> l = new ArrayList<>();
        int[][][] red = {{{7, 6, 13, 11}, {1, 6, 1, 1}}, {{7, 6, 13, 11}, {6, 1, 1}}, {{9, 5, 1, 33}, {5, 1, 1}},
            {{3, 4, 5}, {1, 1, 1}}, {{5, 37}, {5, 1}}, {{4, 1, 3, 5}, {3, 5}}, {{2, 3, 1}, {2, 3, 1}},
            {{6, 7, 3}, {1, 7, 1}}, {{5, 3, 4, 2}, {3, 4, 1}}, {{3, 19, 4}, {1, 19, 1}}, {{2, 17, 40}, {17, 1}},
            {{7, 200}, {200}}, {{3, 4, 150}, {150}}, {{5, 530}, {1, 530}}, {{9, 70}, {70}}};
        for (int[][] p : red) {
            l.add(OpCases.reduceTo(p[0], p[1]));
        }
        l.add(pool(new int[] {3, 5, 17, 19}, 2, 2));
        l.add(pool(new int[] {2, 3, 28, 28}, 2, 2));
        l.add(pool(new int[] {3, 2, 17, 19}, 3, 2));
        l.add(pool(new int[] {2, 3, 11, 13}, 3, 1));
        l.add(pool(new int[] {2, 3, 13, 16}, 2, 3));
        l.add(pool(new int[] {2, 2, 3, 4}, 2, 1));
        l.add(pool(new int[] {2, 2, 5, 5}, 1, 1));
        // Softmax rows of 16..127 (gpt's attention): vector row maxima over ties of +-0 and -inf, and over NaN/inf.
        l.add(OpCases.c("SOFTMAX ties [45, 70]", (g, i) -> g.softmax(i[0]), null, OpCases.x("x", ties(), 45, 70)));
        l.add(OpCases.c("SOFTMAX [300, 70]", (g, i) -> g.softmax(i[0]), null, OpCases.x("x", OpCases.uniform(-3f, 3f), 300, 70)));
        l.add(OpCases.c("SOFTMAX specials [3, 15, 64]", (g, i) -> g.softmax(i[0]), null,
                OpCases.x("x", OpCases.withSpecials(), 3, 15, 64)));
        l.add(OpCases.c("SOFTMAX mixed NaN payloads [40, 48]", (g, i) -> g.softmax(i[0]), null,
                OpCases.x("x", mixedNaNs(), 40, 48)));
        l.add(OpCases.transpose(new int[] {3, 5, 4, 7}, 0, 2, 1, 3));
        l.add(OpCases.transpose(new int[] {3, 5, 4, 7}, 3, 1, 0, 2));
        l.add(OpCases.transpose(new int[] {3, 5, 4, 7}, 1, 0, 3, 2));
        l.add(OpCases.transpose(new int[] {67, 5}, 1, 0));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fastEqualsScalar(Case c) {
        int saved = Parallel.threads();
        List<String> bad = new ArrayList<>();
        try {
            Parallel.setThreads(1);
            Built b = OpCases.build(c, c.name().hashCode() ^ 0x0b5);
            StepExecutor ref = OpCases.run(b, false);
            for (int t : new int[] {1, 2, 4}) {
                Parallel.setThreads(t);
                for (Node n : b.graph().nodes()) {
                    if (n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT || n.kind().op().isView()) {
                        continue;
                    }
                    Tensor out = Tensor.zeros(n.shape());
                    java.util.Arrays.fill(out.data(), Float.intBitsToFloat(SENTINEL));
                    n.kind().op().forward(n, ref.inputsOf(n.id()), out, true);
                    float[] want = ref.value(n.id()).data();
                    for (int i = 0; i < want.length; i++) {
                        // any NaN equals any NaN (docs/architecture.md, determinism rules: payloads differ between CPUs and every hash maps NaNs to one pattern)
                        boolean nans = Float.isNaN(out.data()[i]) && Float.isNaN(want[i]) && Float.floatToRawIntBits(out.data()[i]) != SENTINEL;
                        if (!nans && Float.floatToRawIntBits(out.data()[i]) != Float.floatToRawIntBits(want[i])) {
                            bad.add(n.kind() + " at " + t + " threads, element " + i + ": " + out.data()[i] + " vs " + want[i]);
                            break;
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        assertTrue(bad.isEmpty(), c.name() + ": " + bad);
    }
}
