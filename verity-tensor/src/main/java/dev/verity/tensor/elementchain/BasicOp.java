package dev.verity.tensor.elementchain;

import dev.verity.tensor.rng.KeyedShuffle;

/**
 * The basic operations every kernel is a fixed sequence of. Each is a pure function of its
 * operands' bits that a contract can recompute (the on-chain referee implements exactly these).
 * Float operands and results are IEEE-754 binary32 bit patterns; integer operands (RNG and index
 * links) are plain 32-bit values. Each has an explicit {@link #code()}, the byte that names it in a chain link's leaf
 * ({@code 0x70}), in the contracts' operation table and in {@code LinkTemplates.sol}: reordering the constants changes no
 * commitment ({@code BasicOpCodesTest} pins the codes).
 */
public enum BasicOp {
    /** a + b, round to nearest even. */
    ADD(0, 2),
    /** a - b. */
    SUB(1, 2),
    /** a * b. */
    MUL(2, 2),
    /** a / b. */
    DIV(3, 2),
    /** a * b + c with a single rounding ({@link Math#fma(float, float, float)}). */
    FMA(4, 3),
    /** Correctly rounded square root. */
    SQRT(5, 1),
    /** -a (sign flip, exact). */
    NEG(6, 1),
    /** |a| (sign clear, exact). */
    ABS(7, 1),
    /** {@link Math#max(float, float)}: NaN if either is NaN, +0 above -0. */
    MAX(8, 2),
    /** {@link Math#min(float, float)}. */
    MIN(9, 2),
    /** 1.0f if a &gt; b else 0.0f (false for NaN). */
    GT(10, 2),
    /** c != 0 ? a : b, where c is the third operand. */
    SELECT(11, 3),
    /** Round to the nearest integer, ties to even ({@link Math#rint}), as a float. */
    RINT(12, 1),
    /** a * 2^b exactly rounded, b an integral float in [-300, 300] ({@link Math#scalb(float, int)}). */
    SCALB(13, 2),
    /** The unbiased exponent of a finite nonzero normal a, as a float ({@link Math#getExponent(float)}). */
    GETEXP(14, 1),
    /** a with its exponent replaced by 0: the significand in [1, 2), sign kept, for normal a. */
    GETMANT(15, 1),
    /** Integral float in [0, 2^24] to the integer with that value (an index computation). */
    F2I(16, 1),
    /** Integer to float, round to nearest even. */
    I2F(17, 1),
    /** Philox4x32-10 word: operands (key0, key1, ctr0, ctr1, ctr2, ctr3, word) -> that output word. */
    PHILOX(18, 7),
    /**
     * The sample a batch row reads: operands (seedLo, seedHi, n, batch, step, row) -> the index in
     * [0, n) of the sample at stream position step*batch + row ({@link KeyedShuffle#sampleAt}).
     */
    SHUFFLE(19, 6),
    /** A Philox word to a uniform float in [0, 1): (word &gt;&gt;&gt; 8) * 2^-24, exact. */
    UNIFORM(20, 1);

    private static final BasicOp[] BY_CODE = new BasicOp[256];

    static {
        for (BasicOp b : values()) {
            if (BY_CODE[b.code] != null) {
                throw new ExceptionInInitializerError("basic ops " + BY_CODE[b.code] + " and " + b + " share the code " + b.code);
            }
            BY_CODE[b.code] = b;
        }
    }

    private final int code;
    private final int arity;

    BasicOp(int code, int arity) {
        this.code = code;
        this.arity = arity;
    }

    /** The byte that names this operation on the wire and on chain. */
    public int code() {
        return code;
    }

    /** The operation a code names; a code that names none is refused with its value. */
    public static BasicOp fromCode(int code) {
        BasicOp b = isCode(code) ? BY_CODE[code] : null;
        if (b == null) {
            throw new IllegalArgumentException("no basic operation has the code " + code);
        }
        return b;
    }

    /** Whether {@code code} names a basic operation. */
    public static boolean isCode(int code) {
        return code >= 0 && code < BY_CODE.length && BY_CODE[code] != null;
    }

    public int arity() {
        return arity;
    }
}
