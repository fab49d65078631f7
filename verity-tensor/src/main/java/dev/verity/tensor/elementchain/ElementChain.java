package dev.verity.tensor.elementchain;

import java.util.ArrayList;
import java.util.List;

/**
 * Records the chain of basic operations that computes one output element. Element functions of
 * the ops' scalar references are written against this recorder; the result they return must be
 * bit-identical to what the kernels write (tests check it), and every link can be recomputed
 * alone by a referee from its operands.
 */
public final class ElementChain {
    private final List<Link> links = new ArrayList<>();

    public List<Link> links() {
        return List.copyOf(links);
    }

    public int size() {
        return links.size();
    }

    public Operand input(int input, int index, float value) {
        return new Operand.Input(input, index, Float.floatToRawIntBits(value));
    }

    public Operand inputBits(int input, int index, int bits) {
        return new Operand.Input(input, index, bits);
    }

    public Operand constant(float value) {
        return new Operand.Const(Float.floatToRawIntBits(value));
    }

    public Operand constantBits(int bits) {
        return new Operand.Const(bits);
    }

    public static float value(Operand o) {
        return Float.intBitsToFloat(o.bits());
    }

    public Operand op(BasicOp op, Operand... operands) {
        int[] v = new int[operands.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = operands[i].bits();
        }
        int r = BasicOps.apply(op, v);
        links.add(new Link(op, List.of(operands), r));
        return new Operand.Link(links.size() - 1, r);
    }

    public Operand add(Operand a, Operand b) {
        return op(BasicOp.ADD, a, b);
    }

    public Operand sub(Operand a, Operand b) {
        return op(BasicOp.SUB, a, b);
    }

    public Operand mul(Operand a, Operand b) {
        return op(BasicOp.MUL, a, b);
    }

    public Operand div(Operand a, Operand b) {
        return op(BasicOp.DIV, a, b);
    }

    public Operand fma(Operand a, Operand b, Operand c) {
        return op(BasicOp.FMA, a, b, c);
    }

    public Operand sqrt(Operand a) {
        return op(BasicOp.SQRT, a);
    }

    public Operand neg(Operand a) {
        return op(BasicOp.NEG, a);
    }

    public Operand abs(Operand a) {
        return op(BasicOp.ABS, a);
    }

    public Operand max(Operand a, Operand b) {
        return op(BasicOp.MAX, a, b);
    }

    public Operand min(Operand a, Operand b) {
        return op(BasicOp.MIN, a, b);
    }

    public Operand gt(Operand a, Operand b) {
        return op(BasicOp.GT, a, b);
    }

    /** cond != 0 ? a : b. */
    public Operand select(Operand cond, Operand a, Operand b) {
        return op(BasicOp.SELECT, a, b, cond);
    }

    public Operand rint(Operand a) {
        return op(BasicOp.RINT, a);
    }

    public Operand scalb(Operand a, Operand k) {
        return op(BasicOp.SCALB, a, k);
    }

    public Operand getexp(Operand a) {
        return op(BasicOp.GETEXP, a);
    }

    public Operand getmant(Operand a) {
        return op(BasicOp.GETMANT, a);
    }
}
