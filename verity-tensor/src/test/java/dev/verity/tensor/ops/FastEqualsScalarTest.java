package dev.verity.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.ops.OpCases.Built;
import dev.verity.tensor.ops.OpCases.Case;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op's Vector API path writes the same bits as its scalar reference, at 1, 2 and 4
 * threads. Each case's graph (the op, its loss and its backward records) is run once with the
 * scalar references on one thread; then every computed node is re-run alone on those same inputs,
 * fast and scalar, at each thread count, into a buffer pre-filled with a sentinel NaN (so an
 * element a kernel forgets to write is caught, since the executor reuses its buffers across steps).
 * Sizes are odd and large enough that every kernel has vector tails and splits across 4 threads.
 */
class FastEqualsScalarTest {
    /** A quiet NaN no arithmetic produces: marks elements a kernel did not write. */
    private static final int SENTINEL = 0x7fc5a5a5;
    private static final int[] THREADS = {1, 2, 4};

    static Stream<Case> cases() {
        return OpCases.bigCases().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fastEqualsScalarAtOneTwoAndFourThreads(Case c) {
        int saved = Parallel.threads();
        List<String> bad = new ArrayList<>();
        try {
            Parallel.setThreads(1);
            Built b = OpCases.build(c, c.name().hashCode() ^ 0x5eed);
            StepExecutor ref = OpCases.run(b, false);
            for (int t : THREADS) {
                Parallel.setThreads(t);
                for (boolean fast : new boolean[] {true, false}) {
                    for (Node n : b.graph().nodes()) {
                        if (n.kind() == OpKind.STATE || n.kind() == OpKind.INPUT || n.kind().op().isView()) {
                            continue;
                        }
                        Tensor out = Tensor.zeros(n.shape());
                        Arrays.fill(out.data(), Float.intBitsToFloat(SENTINEL));
                        n.kind().op().forward(n, ref.inputsOf(n.id()), out, fast);
                        compare(c.name() + " %" + n.id() + " " + n.kind() + (fast ? " fast" : " scalar") + " at " + t
                                + " threads", out.data(), ref.value(n.id()).data(), bad);
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        assertTrue(bad.isEmpty(), bad.size() + " nodes differ from the one-thread scalar reference: "
                + bad.subList(0, Math.min(8, bad.size())));
    }

    /** Every op kind with a kernel (all but the bound sources and the reshape view) is run above. */
    @Test
    void everyKernelIsCovered() {
        Set<OpKind> missing = EnumSet.allOf(OpKind.class);
        missing.removeAll(EnumSet.of(OpKind.STATE, OpKind.INPUT, OpKind.RESHAPE));
        for (Case c : OpCases.bigCases()) {
            for (Node n : OpCases.build(c, 1).graph().nodes()) {
                missing.remove(n.kind());
            }
        }
        assertTrue(missing.isEmpty(), "op kinds whose fast path is never compared with the scalar one: " + missing);
    }

    private static void compare(String what, float[] got, float[] want, List<String> bad) {
        for (int i = 0; i < want.length; i++) {
            int g = Float.floatToRawIntBits(got[i]);
            int w = Float.floatToRawIntBits(want[i]);
            if (g == SENTINEL && w != SENTINEL) {
                bad.add(what + ": element " + i + " was never written");
                return;
            }
            if (g != w && !(Float.isNaN(got[i]) && Float.isNaN(want[i]))) {
                bad.add(what + ": element " + i + " is " + got[i] + " (0x" + Integer.toHexString(g) + "), the reference "
                        + want[i] + " (0x" + Integer.toHexString(w) + ")");
                return;
            }
        }
    }
}
