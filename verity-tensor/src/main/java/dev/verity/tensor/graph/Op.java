package dev.verity.tensor.graph;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;

/**
 * What one op kind knows: its output shape, its kernel (a scalar reference and a fast path that
 * must agree bit for bit), one output element as a chain of basic operations, its gradient as
 * more graph nodes, and its FLOPs.
 */
public interface Op {
    /** The output shape for these attributes and input shapes; throws with a clear message if invalid. */
    int[] shape(Attrs attrs, int[][] inputShapes);

    /** Computes the output. {@code fast} picks the Vector API path; false runs the scalar reference. */
    void forward(Node node, Tensor[] in, Tensor out, boolean fast);

    /**
     * Recomputes output element {@code index} with the scalar reference, recording every basic
     * operation into {@code chain}; returns the result (bit-identical to what {@link #forward} writes).
     */
    Operand element(Node node, Tensor[] in, int index, ElementChain chain);

    /** Emits the gradient of each input that needs one, given the node holding d(loss)/d(output). */
    default void backward(Autograd ad, Node node, int gradOut) {
        throw new UnsupportedOperationException(node.kind() + " has no gradient");
    }

    /** Floating-point operations of one evaluation (a multiply-add counts 2), for work units. */
    default long flops(Node node, int[][] inputShapes) {
        return 0;
    }

    /** True if the output is a view of input 0's buffer (no computation, no copy). */
    default boolean isView() {
        return false;
    }
}
