package dev.verity.tensor.chain;

import dev.verity.tensor.rng.KeyedShuffle;

/**
 * The basic operations every kernel is a fixed sequence of. Each is a pure function of its
 * operands' bits that a contract can recompute (the on-chain referee implements exactly these).
 * Float operands and results are IEEE-754 binary32 bit patterns; integer operands (RNG and index
 * links) are plain 32-bit values.
 */
public enum BasicOp {
    /** a + b, round to nearest even. */
    ADD(2),
    /** a - b. */
    SUB(2),
    /** a * b. */
    MUL(2),
    /** a / b. */
    DIV(2),
    /** a * b + c with a single rounding ({@link Math#fma(float, float, float)}). */
    FMA(3),
    /** Correctly rounded square root. */
    SQRT(1),
    /** -a (sign flip, exact). */
    NEG(1),
    /** |a| (sign clear, exact). */
    ABS(1),
    /** {@link Math#max(float, float)}: NaN if either is NaN, +0 above -0. */
    MAX(2),
    /** {@link Math#min(float, float)}. */
    MIN(2),
    /** 1.0f if a &gt; b else 0.0f (false for NaN). */
    GT(2),
    /** c != 0 ? a : b, where c is the third operand. */
    SELECT(3),
    /** Round to the nearest integer, ties to even ({@link Math#rint}), as a float. */
    RINT(1),
    /** a * 2^b exactly rounded, b an integral float in [-300, 300] ({@link Math#scalb(float, int)}). */
    SCALB(2),
    /** The unbiased exponent of a finite nonzero normal a, as a float ({@link Math#getExponent(float)}). */
    GETEXP(1),
    /** a with its exponent replaced by 0: the significand in [1, 2), sign kept, for normal a. */
    GETMANT(1),
    /** Integral float in [0, 2^24] to the integer with that value (an index computation). */
    F2I(1),
    /** Integer to float, round to nearest even. */
    I2F(1),
    /** Philox4x32-10 word: operands (key0, key1, ctr0, ctr1, ctr2, ctr3, word) -> that output word. */
    PHILOX(7),
    /**
     * The sample a batch row reads: operands (seedLo, seedHi, n, batch, step, row) -> the index in
     * [0, n) of the sample at stream position step*batch + row ({@link KeyedShuffle#sampleAt}).
     */
    SHUFFLE(6),
    /** A Philox word to a uniform float in [0, 1): (word &gt;&gt;&gt; 8) * 2^-24, exact. */
    UNIFORM(1);

    private final int arity;

    BasicOp(int arity) {
        this.arity = arity;
    }

    public int arity() {
        return arity;
    }
}
