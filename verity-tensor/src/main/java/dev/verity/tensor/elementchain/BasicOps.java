package dev.verity.tensor.elementchain;

import dev.verity.tensor.rng.KeyedShuffle;
import dev.verity.tensor.rng.Philox;

/** The reference semantics of every {@link BasicOp}, on bit patterns. */
public final class BasicOps {
    private BasicOps() {
    }

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    private static int b(float v) {
        return Float.floatToRawIntBits(v);
    }

    public static int apply(BasicOp op, int... v) {
        if (v.length != op.arity()) {
            throw new IllegalArgumentException(op + " takes " + op.arity() + " operands, got " + v.length);
        }
        return switch (op) {
            case ADD -> b(f(v[0]) + f(v[1]));
            case SUB -> b(f(v[0]) - f(v[1]));
            case MUL -> b(f(v[0]) * f(v[1]));
            case DIV -> b(f(v[0]) / f(v[1]));
            case FMA -> b(Math.fma(f(v[0]), f(v[1]), f(v[2])));
            case SQRT -> b((float) Math.sqrt(f(v[0])));
            case NEG -> v[0] ^ 0x80000000;
            case ABS -> v[0] & 0x7fffffff;
            case MAX -> b(Math.max(f(v[0]), f(v[1])));
            case MIN -> b(Math.min(f(v[0]), f(v[1])));
            case GT -> b(f(v[0]) > f(v[1]) ? 1f : 0f);
            case SELECT -> f(v[2]) != 0f ? v[0] : v[1];
            case RINT -> b((float) Math.rint(f(v[0])));
            case SCALB -> b(Math.scalb(f(v[0]), (int) f(v[1])));
            case GETEXP -> b((float) Math.getExponent(f(v[0])));
            case GETMANT -> (v[0] & 0x807fffff) | 0x3f800000;
            case F2I -> (int) f(v[0]);
            case I2F -> b((float) v[0]);
            case PHILOX -> Philox.word(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
            case SHUFFLE -> KeyedShuffle.sampleAt(v[0], v[1], v[2], v[3], v[4], v[5]);
            case UNIFORM -> b(Philox.uniform(v[0]));
        };
    }
}
