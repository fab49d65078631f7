package dev.verity.tensor.ops;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The row ops vectorised across rows ({@link RowLanes}: layer norm and its gradients, softmax,
 * log-softmax and their gradients, cross-entropy and its gradient) at shapes like gpt's (row
 * lengths 128, 64 and 65, and 131 for softmax's across-rows path) with several full blocks of rows and a partial one: fast equals
 * scalar bit for bit on every node of the op's forward and backward graph at 1, 2 and 4
 * threads (the check of {@link FastEqualsScalarTest}).
 */
class RowLanesTest {
    static Stream<OpCases.Case> cases() {
        return List.of(
                OpCases.layerNorm(new int[] {3, 53, 128}),
                OpCases.layerNorm(new int[] {37, 7}),
                OpCases.softmax(new int[] {3, 53, 64}, false),
                OpCases.softmax(new int[] {3, 53, 64}, true),
                OpCases.softmax(new int[] {41, 3}, false),
                OpCases.softmax(new int[] {37, 131}, false),
                OpCases.softmax(new int[] {37, 131}, true),
                OpCases.crossEntropy(163, 65),
                OpCases.crossEntropy(33, 2),
                OpCases.maskedSoftmax(new int[] {3, 64, 64})).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fastEqualsScalar(OpCases.Case c) {
        new FastEqualsScalarTest().fastEqualsScalarAtOneTwoAndFourThreads(c);
    }
}
