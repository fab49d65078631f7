package dev.verity.tensor.elementchain;

import java.util.List;

/** One basic operation of an element's chain: the operation, its operands and its result bits. */
public record Link(BasicOp op, List<Operand> operands, int resultBits) {
    public Link {
        operands = List.copyOf(operands);
        if (operands.size() != op.arity()) {
            throw new IllegalArgumentException(op + " takes " + op.arity() + " operands, got " + operands.size());
        }
    }

    public float result() {
        return Float.intBitsToFloat(resultBits);
    }

    /** Recomputes this link's result from its operands' bits, exactly as the referee does. */
    public int recompute() {
        int[] v = new int[operands.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = operands.get(i).bits();
        }
        return BasicOps.apply(op, v);
    }
}
