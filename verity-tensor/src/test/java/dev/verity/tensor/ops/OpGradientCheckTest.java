package dev.verity.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.ops.OpCases.Built;
import dev.verity.tensor.ops.OpCases.Case;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference gradient check of every differentiable op. The graph computes
 * loss = SUM(y * W) (W random), so the analytic float32 gradient of each input is the op's
 * backward records applied to W. The reference is a central difference of the same loss computed
 * with each case's double-precision oracle (written independently of the kernels), so float32
 * rounding and approximation errors stay far below the tolerance and any wrong backward record
 * shows up as an O(1) error.
 */
class OpGradientCheckTest {
    /** Central-difference step: truncation error ~h^2 (1e-10), round-off ~1e-16/h (1e-11); well inside kink margins. */
    private static final double H = 1e-5;
    /**
     * |analytic - numeric| &lt;= RTOL * max(1, |numeric|). The float32 results here err by at most
     * ~5e-7 (measured: conv and layer-norm are the worst), a wrong gradient by O(1) or, for a
     * subtly wrong formula (an eps misplaced, a 1/N missing), by far more than 1e-5.
     */
    private static final double RTOL = 1e-5;

    static Stream<Case> cases() {
        return OpCases.gradientCases().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case c) {
        Built b = OpCases.build(c, c.name().hashCode());
        StepExecutor ex = OpCases.run(b, true);
        double[][] x = new double[c.inputs().size()][];
        for (int k = 0; k < x.length; k++) {
            x[k] = toDouble(b.value(c.inputs().get(k).name()).data());
        }
        double[] w = toDouble(b.state().get(OpCases.WEIGHTS).data());
        List<String> bad = new ArrayList<>();

        // the float32 forward agrees with the oracle (so the oracle really is this op)
        double[] yo = c.oracle().apply(x);
        float[] y = ex.value(b.out()).data();
        assertEquals(yo.length, y.length, "oracle output size");
        for (int j = 0; j < y.length; j++) {
            check(bad, "forward y[" + j + "]", y[j], yo[j]);
        }

        int checked = 0;
        for (int k = 0; k < x.length; k++) {
            OpCases.In in = c.inputs().get(k);
            if (!in.diff()) {
                continue;
            }
            Integer gid = b.grads().get(in.name());
            assertNotNull(gid, "no gradient node for " + in.name());
            float[] ga = ex.value(gid).data();
            assertEquals(x[k].length, ga.length, "gradient size of " + in.name());
            for (int i = 0; i < ga.length; i++) {
                double keep = x[k][i];
                x[k][i] = keep + H;
                double lp = dot(c.oracle().apply(x), w);
                x[k][i] = keep - H;
                double lm = dot(c.oracle().apply(x), w);
                x[k][i] = keep;
                check(bad, "d/d" + in.name() + "[" + i + "]", ga[i], (lp - lm) / (2 * H));
                checked++;
            }
        }
        assertTrue(checked > 0, "no gradient was checked");
        assertTrue(bad.isEmpty(), c.name() + ": " + bad.size() + " mismatches (float32 vs double), first: "
                + bad.subList(0, Math.min(8, bad.size())));
    }

    /** The list covers every op kind that has a gradient. */
    @Test
    void everyDifferentiableOpKindIsChecked() {
        Set<OpKind> seen = EnumSet.noneOf(OpKind.class);
        for (Case c : OpCases.gradientCases()) {
            Built b = OpCases.build(c, 1);
            // the forward part: the nodes before the loss's weights
            for (int id = 0; id <= b.out(); id++) {
                seen.add(b.graph().node(id).kind());
            }
        }
        Set<OpKind> want = EnumSet.of(OpKind.MATMUL, OpKind.ADD, OpKind.SUB, OpKind.MUL, OpKind.SCALE, OpKind.REDUCE_TO,
                OpKind.SUM, OpKind.MEAN, OpKind.RELU, OpKind.GELU, OpKind.TANH, OpKind.SIGMOID, OpKind.SOFTMAX,
                OpKind.LOG_SOFTMAX, OpKind.CROSS_ENTROPY, OpKind.CONV2D, OpKind.MAXPOOL2D, OpKind.AVGPOOL2D,
                OpKind.LAYERNORM, OpKind.EMBEDDING, OpKind.RESHAPE, OpKind.TRANSPOSE, OpKind.SLICE, OpKind.CONCAT,
                OpKind.CAUSAL_MASK, OpKind.DROPOUT_MASK);
        want.removeAll(seen);
        assertTrue(want.isEmpty(), "differentiable op kinds without a gradient check: " + want);
    }

    private static void check(List<String> bad, String what, float analytic, double numeric) {
        double err = Math.abs(analytic - numeric);
        if (!(err <= RTOL * Math.max(1, Math.abs(numeric)))) {
            bad.add(what + ": float32 " + analytic + " vs double " + numeric + " (err " + err + ")");
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
