package dev.verity.tensor.elementchain;

/**
 * Where one operand of a link comes from. A referee checks an operand against the commitments:
 * an input tensor element is proven against that tensor's root, a link result against the chain,
 * a constant against the op record (its attributes) or the algorithm.
 */
public sealed interface Operand {
    /** The operand's 32 bits (a float's raw bits, or an integer). */
    int bits();

    /** Element {@code index} of the op's input number {@code input}. */
    record Input(int input, int index, int bits) implements Operand {
    }

    /** The result of an earlier link of the same chain. */
    record Link(int link, int bits) implements Operand {
    }

    /** A constant fixed by the algorithm or by the op's attributes. */
    record Const(int bits) implements Operand {
    }
}
