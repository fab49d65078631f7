package dev.verity.tensor.math;

import static dev.verity.tensor.math.DetMath.*;
import static jdk.incubator.vector.FloatVector.broadcast;
import static jdk.incubator.vector.FloatVector.fromArray;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DetMath} on {@link FloatVector}s of species {@link #SPECIES} (the width of
 * {@code dev.verity.tensor.kernel.Vectors#F}): lane by lane the same
 * basic-op sequence, hence the same bits as the scalar form at every vector width (tests check it,
 * any NaN counting as equal to any NaN).
 *
 * <p>Where a basic op has no single vector instruction it is emulated with integer bit tricks that
 * give exactly BasicOps' bits on every operand the sequence can produce:
 * <ul>
 *   <li>GT + SELECT: a compare mask and a blend (GT is false for NaN, as in the scalar form).
 *   <li>GETEXP / GETMANT: the exponent field minus 127 (what {@link Math#getExponent(float)} is,
 *       including -127 for 0/subnormals and 128 for inf/NaN) and the mantissa-or-bias bit pattern.
 *   <li>SCALB(y, k), used only in exp, where y is in [0.70, 1.42] (or NaN) and k is an integer in
 *       [-150, 128]: y * 2^(k>>1) is exact (the result stays normal), and multiplying that by
 *       2^(k - (k>>1)) rounds once, so the product is the correctly rounded y * 2^k, which is what
 *       {@link Math#scalb(float, int)} returns (including subnormal results and overflow to inf).
 *       k is read from the bits of t = fma(x, log2e, 1.5*2^23) (t - 1.5*2^23 is k exactly), so no
 *       float-to-int conversion is needed; clamping it to [-150, 128] only matters for NaN lanes,
 *       whose result is NaN either way.
 * </ul>
 * The array kernels are single-threaded: callers split outputs across threads. They accept
 * {@code src == dst} with {@code off == doff} (in place).
 *
 * <p><b>Why the code is shaped the way it is (speed, not semantics).</b> C2 stops inlining a
 * compilation unit at about 18000 IR nodes (NodeCountInliningCutoff, not settable in product
 * JVMs), and every Vector API call expands into dozens of nodes before they fold: about 40 vector
 * ops fit. Past that, calls stay calls, and every FloatVector/VectorMask crossing a call is boxed
 * (a heap object plus a payload array): log/tanh/erf/gelu ran 10-20x slower than exp that way.
 * C2 also refuses to inline a callee it has already compiled into a big standalone method, so a
 * loop calling {@code tanh(FloatVector)} may box even when the body alone would fit. Hence:
 * <ul>
 *   <li>the longer functions (log, tanh, erf, gelu, geluGrad) run in <i>passes</i>: each pass is one
 *       loop over a block of at most {@link #BLOCK} elements that does a part of the op sequence
 *       (well under the limit) and hands its intermediate values to the next pass through small
 *       scratch arrays that stay in L1. Values a later pass needs and that are cheap are
 *       recomputed there by the very same ops (so the same bits) instead of stored;
 *   <li>passes are called through method handles (see {@code PASSES}), so C2 compiles each one as
 *       its own unit instead of inlining several into one caller and running out of budget again;
 *   <li>pass loops contain their op sequence textually and call only the Vector API itself,
 *       whose methods the JDK marks force-inline. Even a one-line helper of ours can stay a call:
 *       C2 skipped {@code broadcast}/{@code load} wrappers inside {@code expLoop} as "low call
 *       site frequency" where most calls were shorter than a vector (the 10 logits of mlp's
 *       cross-entropy), and every vector crossing them was boxed: 169 KB of garbage per mlp step
 *       in about one run in three. Only arrays cross the remaining calls. Polynomials are
 *       unrolled over {@code static final float}
 *       coefficients (constants to C2, unlike array elements);
 *   <li>the per-vector forms of those functions copy the vector into a scratch array and run the
 *       same passes over one vector: one source of truth per op sequence, but a fixed cost of
 *       ~50-100 ns per call. Loops over whole arrays should call the array kernels (10x faster).
 * </ul>
 * None of this changes the per-lane sequence of IEEE operations, which is what the bit-equality
 * tests against {@link DetMath} check.
 */
public final class DetMathVector {
    private DetMathVector() {
    }

    /**
     * The float species: {@code Vectors.F} (system property {@code verity.vector.bits}, else the
     * CPU's preferred shape).
     */
    public static final VectorSpecies<Float> SPECIES = dev.verity.tensor.kernel.Vectors.F;

    /** SPECIES, short: kernels call only JDK vector methods, never a helper of ours (see the class doc). */
    private static final VectorSpecies<Float> S = SPECIES;
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);
    private static final int L = SPECIES.length();

    /**
     * Elements per pass block: a multiple of every lane count; the scratch arrays of one block
     * (at most 3 x 4 KiB) plus the block's input and output stay in L1.
     */
    static final int BLOCK = 1024;

    // Polynomial coefficients as static finals: C2 folds them, it does not fold array elements.
    private static final float EP0 = EXP_P[0], EP1 = EXP_P[1], EP2 = EXP_P[2], EP3 = EXP_P[3],
            EP4 = EXP_P[4], EP5 = EXP_P[5];
    private static final float TP0 = TANH_P[0], TP1 = TANH_P[1], TP2 = TANH_P[2], TP3 = TANH_P[3],
            TP4 = TANH_P[4], TP5 = TANH_P[5], TP6 = TANH_P[6];
    private static final float EQ0 = ERF_Q[0], EQ1 = ERF_Q[1], EQ2 = ERF_Q[2], EQ3 = ERF_Q[3],
            EQ4 = ERF_Q[4], EQ5 = ERF_Q[5], EQ6 = ERF_Q[6];
    private static final float ER0 = ERFC_R[0], ER1 = ERFC_R[1], ER2 = ERFC_R[2], ER3 = ERFC_R[3],
            ER4 = ERFC_R[4], ER5 = ERFC_R[5], ER6 = ERFC_R[6], ER7 = ERFC_R[7], ER8 = ERFC_R[8],
            ER9 = ERFC_R[9], ER10 = ERFC_R[10], ER11 = ERFC_R[11], ER12 = ERFC_R[12];
    private static final float SS0 = SIN_S[0], SS1 = SIN_S[1], SS2 = SIN_S[2];
    private static final float CC0 = COS_C[0], CC1 = COS_C[1], CC2 = COS_C[2];

    static {
        // the unrolled polynomials below must use every coefficient, no more, no fewer
        if (EXP_P.length != 6 || TANH_P.length != 7 || ERF_Q.length != 7 || ERFC_R.length != 13
                || SIN_S.length != 3 || COS_C.length != 3 || BLOCK % L != 0) {
            throw new AssertionError("DetMath coefficient tables changed: update DetMathVector");
        }
    }

    // ---- exp, sigmoid, cos: short enough to stay one inlinable method ----

    public static FloatVector exp(FloatVector x) {
        FloatVector x1 = x.max(EXP_LO);
        FloatVector x2 = x1.min(EXP_HI);
        FloatVector t = x2.fma(LOG2E, MAGIC);
        FloatVector k = t.sub(MAGIC);
        FloatVector r = k.fma(broadcast(S, NEG_LN2_HI), x2);
        r = k.fma(broadcast(S, NEG_LN2_LO), r);
        FloatVector p = broadcast(S, EP0).fma(r, broadcast(S, EP1))
                .fma(r, broadcast(S, EP2)).fma(r, broadcast(S, EP3)).fma(r, broadcast(S, EP4))
                .fma(r, broadcast(S, EP5));
        FloatVector z = r.mul(r);
        FloatVector y = p.fma(z, r);
        y = y.add(1f);
        // SCALB(y, k), see the class doc
        IntVector ki = t.reinterpretAsInts().sub(MAGIC_BITS).max(-150).min(128);
        IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = ki.sub(k1);
        // 2^k1 and 2^k2 (each in [-75, 64]) straight from their exponent bits
        FloatVector p1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector p2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(p1).mul(p2);
    }

    /**
     * b[bo + j] = exp(a[ao + j]) for j in [0, m), m a multiple of the lane count: the body of
     * {@link #exp(FloatVector)} written out in the loop (a call could stay a call, see the class doc).
     */
    private static void expLoop(float[] a, int ao, float[] b, int bo, int m) {
        for (int j = 0; j < m; j += L) {
            FloatVector x = fromArray(S, a, ao + j);
            FloatVector x1 = x.max(EXP_LO);
            FloatVector x2 = x1.min(EXP_HI);
            FloatVector t = x2.fma(LOG2E, MAGIC);
            FloatVector k = t.sub(MAGIC);
            FloatVector r = k.fma(broadcast(S, NEG_LN2_HI), x2);
            r = k.fma(broadcast(S, NEG_LN2_LO), r);
            FloatVector p = broadcast(S, EP0).fma(r, broadcast(S, EP1))
                    .fma(r, broadcast(S, EP2)).fma(r, broadcast(S, EP3)).fma(r, broadcast(S, EP4))
                    .fma(r, broadcast(S, EP5));
            FloatVector z = r.mul(r);
            FloatVector y = p.fma(z, r);
            y = y.add(1f);
            IntVector ki = t.reinterpretAsInts().sub(MAGIC_BITS).max(-150).min(128);
            IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
            IntVector k2 = ki.sub(k1);
            FloatVector p1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector p2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            y.mul(p1).mul(p2).intoArray(b, bo + j);
        }
    }

    /** Pass: slot A = exp(slot A). */
    private static void expPass(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        expLoop(s, so, s, so, m);
    }

    public static FloatVector sigmoid(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector na = a.neg();
        FloatVector e = exp(na);
        FloatVector d = e.add(1f);
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        FloatVector num = broadcast(S, 1f).blend(e, neg);
        return num.div(d);
    }

    public static FloatVector cos(FloatVector x) {
        FloatVector t = x.fma(TWO_OVER_PI, MAGIC);
        FloatVector k = t.sub(MAGIC);
        FloatVector r = k.fma(broadcast(S, NEG_PIO2_1), x);
        r = k.fma(broadcast(S, NEG_PIO2_2), r);
        r = k.fma(broadcast(S, NEG_PIO2_3), r);
        FloatVector z = r.mul(r);
        FloatVector sp = broadcast(S, SS0).fma(z, broadcast(S, SS1)).fma(z, broadcast(S, SS2));
        FloatVector rz = r.mul(z);
        FloatVector s = rz.fma(sp, r);
        FloatVector cp = broadcast(S, CC0).fma(z, broadcast(S, CC1)).fma(z, broadcast(S, CC2));
        FloatVector zz = z.mul(z);
        FloatVector w = z.fma(broadcast(S, -0.5f), broadcast(S, 1f));
        FloatVector c = zz.fma(cp, w);
        FloatVector j4 = k.fma(broadcast(S, 0.25f), broadcast(S, MAGIC));
        FloatVector j = j4.sub(MAGIC);
        FloatVector q = j.fma(broadcast(S, -4f), k);
        FloatVector aq = q.abs();
        FloatVector ns = s.neg();
        VectorMask<Float> qpos = q.compare(VectorOperators.GT, 0f);
        FloatVector w2 = s.blend(ns, qpos);
        FloatVector nc = c.neg();
        VectorMask<Float> two = aq.compare(VectorOperators.GT, 1.5f);
        FloatVector t1 = w2.blend(nc, two);
        VectorMask<Float> odd = aq.compare(VectorOperators.GT, 0.5f);
        return c.blend(t1, odd);
    }

    // ---- log: two passes ----

    /** Pass 1 of log: the reduction x = 2^dk * (1 + f); f into slot A, dk into slot B. */
    private static void logReduce(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        int fo = so;
        int ko = so + m;
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            VectorMask<Float> sub = xv.compare(VectorOperators.LT, MIN_NORMAL);
            FloatVector xb = xv.mul(TWO24);
            FloatVector xs = xv.blend(xb, sub);
            IntVector bits = xs.reinterpretAsInts();
            FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(127)
                    .convert(VectorOperators.I2F, 0);
            FloatVector mm = bits.and(0x807fffff).or(0x3f800000).reinterpretAsFloats();
            VectorMask<Float> big = mm.compare(VectorOperators.GT, SQRT2);
            FloatVector mh = mm.mul(0.5f);
            FloatVector m2 = mm.blend(mh, big);
            FloatVector zero = broadcast(S, 0f);
            FloatVector ea = zero.blend(broadcast(S, -24f), sub);
            FloatVector e1 = e.add(ea);
            FloatVector inc = zero.blend(broadcast(S, 1f), big);
            FloatVector dk = e1.add(inc);
            FloatVector f = m2.sub(1f);
            f.intoArray(s, fo + j);
            dk.intoArray(s, ko + j);
        }
    }

    /** Pass 2 of log: the polynomial and the special cases. */
    private static void logFinish(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        int fo = so;
        int ko = so + m;
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector f = fromArray(S, s, fo + j);
            FloatVector dk = fromArray(S, s, ko + j);
            FloatVector d = f.add(2f);
            FloatVector sv = f.div(d);
            FloatVector z = sv.mul(sv);
            FloatVector w = z.mul(z);
            FloatVector t1 = w.fma(LG4, LG2);
            t1 = w.mul(t1);
            FloatVector t2 = w.fma(LG3, LG1);
            t2 = z.mul(t2);
            FloatVector rr = t2.add(t1);
            FloatVector hf = f.mul(0.5f);
            FloatVector hfsq = hf.mul(f);
            FloatVector u = hfsq.add(rr);
            u = sv.mul(u);
            FloatVector v = dk.mul(LN2_LO);
            u = u.add(v);
            u = u.sub(hfsq);
            u = u.add(f);
            FloatVector v2 = dk.mul(LN2_HI);
            FloatVector res = u.add(v2);
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            FloatVector sp = (broadcast(S, Float.NEGATIVE_INFINITY)).blend(broadcast(S, QNAN), neg);
            VectorMask<Float> pos = xv.compare(VectorOperators.GT, 0f);
            res = sp.blend(res, pos);
            VectorMask<Float> fin = xv.compare(VectorOperators.LT, Float.POSITIVE_INFINITY);
            xv.blend(res, fin).intoArray(y, yo + j);
        }
    }

    // ---- tanh: argument, exp, finish ----

    /** Pass: slot A = 2 * min(|x|, TANH_CLAMP), the argument of tanh's exp. */
    private static void tanhArg(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector a0 = xv.abs();
            FloatVector a = a0.min(TANH_CLAMP);
            a.add(a).intoArray(s, so + j);
        }
    }

    /** Pass: y = tanh(x) from e = exp(2 min(|x|, clamp)) in slot A. */
    private static void tanhFinish(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector a0 = xv.abs();
            FloatVector a = a0.min(TANH_CLAMP);
            FloatVector z = xv.mul(xv);
            FloatVector p = broadcast(S, TP0).fma(z, broadcast(S, TP1))
                    .fma(z, broadcast(S, TP2)).fma(z, broadcast(S, TP3)).fma(z, broadcast(S, TP4))
                    .fma(z, broadcast(S, TP5)).fma(z, broadcast(S, TP6));
            FloatVector xz = xv.mul(z);
            FloatVector ys = xz.fma(p, xv);
            VectorMask<Float> tiny = a.compare(VectorOperators.LT, TANH_TINY);
            ys = ys.blend(xv, tiny);
            FloatVector e = fromArray(S, s, so + j);
            FloatVector d = e.add(1f);
            FloatVector q = broadcast(S, 2f).div(d);
            FloatVector yl = broadcast(S, 1f).sub(q);
            FloatVector nl = yl.neg();
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            yl = yl.blend(nl, neg);
            VectorMask<Float> small = a.compare(VectorOperators.LT, TANH_T);
            yl.blend(ys, small).intoArray(y, yo + j);
        }
    }

    // ---- erf: argument, exp, erfc, finish (DetMath.erf / DetMath.erfc) ----

    /** Pass: slot A = -(xc * xc), xc = x clamped to [-ERF_CLAMP, ERF_CLAMP]: the argument of erfc's exp. */
    private static void erfArg(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xc = xv.max(-ERF_CLAMP);
            xc = xc.min(ERF_CLAMP);
            FloatVector hi = xc.mul(xc);
            hi.neg().intoArray(s, so + j);
        }
    }

    /** Pass, in place: slot A = e0 = exp(-hi) becomes c = erfc(|xc|). */
    private static void erfErfc(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xc = xv.max(-ERF_CLAMP);
            xc = xc.min(ERF_CLAMP);
            FloatVector a = xc.abs();
            FloatVector hi = xc.mul(xc);
            FloatVector nhi = hi.neg();
            FloatVector lo = xc.fma(xc, nhi);
            FloatVector e0 = fromArray(S, s, so + j);
            FloatVector nlo = lo.neg();
            FloatVector e = e0.fma(nlo, e0);
            FloatVector ar = a.max(ERF_T);
            ar = ar.min(ERFC_AMAX);
            FloatVector t = broadcast(S, 1f).div(ar);
            FloatVector sv = t.sub(ERFC_CENTER);
            FloatVector r = broadcast(S, ER0).fma(sv, broadcast(S, ER1))
                    .fma(sv, broadcast(S, ER2)).fma(sv, broadcast(S, ER3)).fma(sv, broadcast(S, ER4))
                    .fma(sv, broadcast(S, ER5)).fma(sv, broadcast(S, ER6)).fma(sv, broadcast(S, ER7))
                    .fma(sv, broadcast(S, ER8)).fma(sv, broadcast(S, ER9))
                    .fma(sv, broadcast(S, ER10)).fma(sv, broadcast(S, ER11)).fma(sv, broadcast(S, ER12));
            FloatVector er = e.mul(r);
            er.div(ar).intoArray(s, so + j);
        }
    }

    /** Pass: y = erf(x) from c = erfc(|xc|) in slot A. */
    private static void erfFinish(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xc = xv.max(-ERF_CLAMP);
            xc = xc.min(ERF_CLAMP);
            FloatVector a = xc.abs();
            FloatVector hi = xc.mul(xc);
            FloatVector q = broadcast(S, EQ0).fma(hi, broadcast(S, EQ1))
                    .fma(hi, broadcast(S, EQ2)).fma(hi, broadcast(S, EQ3)).fma(hi, broadcast(S, EQ4))
                    .fma(hi, broadcast(S, EQ5)).fma(hi, broadcast(S, EQ6));
            FloatVector erfS = xc.fma(q, xc);
            FloatVector c = fromArray(S, s, so + j);
            FloatVector erfL = broadcast(S, 1f).sub(c);
            FloatVector nL = erfL.neg();
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            erfL = erfL.blend(nL, neg);
            VectorMask<Float> small = a.compare(VectorOperators.LT, ERF_T);
            erfL.blend(erfS, small).intoArray(y, yo + j);
        }
    }

    // ---- gelu, geluGrad: argument, exp, erfc, finish (DetMath.onePlusErf / DetMath.erfc) ----

    /** Pass: slot A = -(xc^2 / 2), xc = x clamped to [-GELU_CLAMP, GELU_CLAMP]: the argument of erfc's exp. */
    private static void geluArg(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xl = xv.max(-GELU_CLAMP);
            FloatVector xc = xl.min(GELU_CLAMP);
            FloatVector sq = xc.mul(xc);
            FloatVector hi = sq.mul(0.5f);
            hi.neg().intoArray(s, so + j);
        }
    }

    /**
     * Pass: slot A = e0 = exp(-hi) becomes e = exp(-hi-lo) (in place); c = erfc(|xc| / sqrt2) into slot B.
     */
    private static void geluErfc(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        int eo = so;
        int co = so + m;
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xl = xv.max(-GELU_CLAMP);
            FloatVector xc = xl.min(GELU_CLAMP);
            FloatVector u = xc.mul(INV_SQRT2);
            FloatVector sq = xc.mul(xc);
            FloatVector nsq = sq.neg();
            FloatVector sql = xc.fma(xc, nsq);
            FloatVector lo = sql.mul(0.5f);
            FloatVector a = u.abs();
            FloatVector e0 = fromArray(S, s, eo + j);
            FloatVector nlo = lo.neg();
            FloatVector e = e0.fma(nlo, e0);
            FloatVector ar = a.max(ERF_T);
            ar = ar.min(ERFC_AMAX);
            FloatVector t = broadcast(S, 1f).div(ar);
            FloatVector sv = t.sub(ERFC_CENTER);
            FloatVector r = broadcast(S, ER0).fma(sv, broadcast(S, ER1))
                    .fma(sv, broadcast(S, ER2)).fma(sv, broadcast(S, ER3)).fma(sv, broadcast(S, ER4))
                    .fma(sv, broadcast(S, ER5)).fma(sv, broadcast(S, ER6)).fma(sv, broadcast(S, ER7))
                    .fma(sv, broadcast(S, ER8)).fma(sv, broadcast(S, ER9))
                    .fma(sv, broadcast(S, ER10)).fma(sv, broadcast(S, ER11)).fma(sv, broadcast(S, ER12));
            FloatVector er = e.mul(r);
            e.intoArray(s, eo + j);
            er.div(ar).intoArray(s, co + j);
        }
    }

    /** Pass: y = gelu(x) from c in slot B (DetMath.onePlusErf's last lines, then DetMath.gelu's). */
    private static void geluFinish(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        int co = so + m;
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xl = xv.max(-GELU_CLAMP);
            FloatVector xc = xl.min(GELU_CLAMP);
            FloatVector c = fromArray(S, s, co + j);
            // onePlusErf written out (a helper could stay a call, see the class doc)
            FloatVector u = xc.mul(INV_SQRT2);
            FloatVector sq = xc.mul(xc);
            FloatVector hi = sq.mul(0.5f);
            FloatVector a = u.abs();
            FloatVector q = broadcast(S, EQ0).fma(hi, broadcast(S, EQ1))
                    .fma(hi, broadcast(S, EQ2)).fma(hi, broadcast(S, EQ3)).fma(hi, broadcast(S, EQ4))
                    .fma(hi, broadcast(S, EQ5)).fma(hi, broadcast(S, EQ6));
            FloatVector erfS = u.fma(q, u);
            FloatVector opS = erfS.add(1f);
            FloatVector twoMinusC = broadcast(S, 2f).sub(c);
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            FloatVector opL = twoMinusC.blend(c, neg);
            VectorMask<Float> small = a.compare(VectorOperators.LT, ERF_T);
            FloatVector op = opL.blend(opS, small);
            FloatVector phi = op.mul(0.5f);
            FloatVector g1 = xl.mul(phi);
            FloatVector xop = xl.mul(op);
            FloatVector g2 = xop.mul(0.5f);
            g1.blend(g2, neg).intoArray(y, yo + j);
        }
    }

    /** Pass: y = geluGrad(x) from e in slot A and c in slot B. */
    private static void geluGradFinish(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        int eo = so;
        int co = so + m;
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xl = xv.max(-GELU_CLAMP);
            FloatVector xc = xl.min(GELU_CLAMP);
            FloatVector c = fromArray(S, s, co + j);
            FloatVector u = xc.mul(INV_SQRT2);
            FloatVector sq = xc.mul(xc);
            FloatVector hi = sq.mul(0.5f);
            FloatVector a = u.abs();
            FloatVector q = broadcast(S, EQ0).fma(hi, broadcast(S, EQ1))
                    .fma(hi, broadcast(S, EQ2)).fma(hi, broadcast(S, EQ3)).fma(hi, broadcast(S, EQ4))
                    .fma(hi, broadcast(S, EQ5)).fma(hi, broadcast(S, EQ6));
            FloatVector erfS = u.fma(q, u);
            FloatVector opS = erfS.add(1f);
            FloatVector twoMinusC = broadcast(S, 2f).sub(c);
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            FloatVector opL = twoMinusC.blend(c, neg);
            VectorMask<Float> small = a.compare(VectorOperators.LT, ERF_T);
            FloatVector op = opL.blend(opS, small);
            FloatVector phi = op.mul(0.5f);
            FloatVector e = fromArray(S, s, eo + j);
            FloatVector pd = xc.mul(e);
            pd = pd.mul(INV_SQRT_2PI);
            phi.add(pd).intoArray(y, yo + j);
        }
    }

    // ---- gelu, geluGrad with the erfc branch on its lanes only (see geluCompacted) ----

    /**
     * Pass-like (called directly: it returns a count): the lanes of x[xo..xo+m) that take the erfc
     * branch ({@code !(|xc| / sqrt2 < ERF_T)}, NaN included), packed from d[dOff] on. Writes up to
     * L - 1 floats past the packed run. Returns how many lanes were packed.
     */
    private static int geluLarge(float[] x, int xo, float[] d, int dOff, int m) {
        int n = 0;
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xl = xv.max(-GELU_CLAMP);
            FloatVector xc = xl.min(GELU_CLAMP);
            FloatVector a = xc.mul(INV_SQRT2).abs();
            VectorMask<Float> large = a.compare(VectorOperators.LT, ERF_T).not();
            xv.compress(large).intoArray(d, dOff + n);
            n += large.trueCount();
        }
        return n;
    }

    /** Pass: y = gelu(x) from c = erfc(|xc| / sqrt2) of the large lanes only, packed from s[so] on. */
    private static void geluFinishCompacted(float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        int ci = so;
        for (int j = 0; j < m; j += L) {
            FloatVector xv = fromArray(S, x, xo + j);
            FloatVector xl = xv.max(-GELU_CLAMP);
            FloatVector xc = xl.min(GELU_CLAMP);
            FloatVector u = xc.mul(INV_SQRT2);
            FloatVector a = u.abs();
            VectorMask<Float> small = a.compare(VectorOperators.LT, ERF_T);
            VectorMask<Float> large = small.not();
            FloatVector c = fromArray(S, s, ci).expand(large); // small lanes get 0, and take opS below anyway
            ci += large.trueCount();
            // from here DetMath.onePlusErf's last lines and DetMath.gelu's, as in geluFinish
            FloatVector sq = xc.mul(xc);
            FloatVector hi = sq.mul(0.5f);
            FloatVector q = broadcast(S, EQ0).fma(hi, broadcast(S, EQ1))
                    .fma(hi, broadcast(S, EQ2)).fma(hi, broadcast(S, EQ3)).fma(hi, broadcast(S, EQ4))
                    .fma(hi, broadcast(S, EQ5)).fma(hi, broadcast(S, EQ6));
            FloatVector erfS = u.fma(q, u);
            FloatVector opS = erfS.add(1f);
            FloatVector twoMinusC = broadcast(S, 2f).sub(c);
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            FloatVector opL = twoMinusC.blend(c, neg);
            FloatVector op = opL.blend(opS, small);
            FloatVector phi = op.mul(0.5f);
            FloatVector g1 = xl.mul(phi);
            FloatVector xop = xl.mul(op);
            FloatVector g2 = xop.mul(0.5f);
            g1.blend(g2, neg).intoArray(y, yo + j);
        }
    }

    // ---- running the passes ----

    // Pass ids: indexes into PASSES.
    private static final int EXP = 0, LOG_REDUCE = 1, LOG_FINISH = 2, TANH_ARG = 3, TANH_FINISH = 4,
            ERF_ARG = 5, ERF_ERFC = 6, ERF_FINISH = 7, GELU_ARG = 8, GELU_ERFC = 9, GELU_FINISH = 10,
            GELU_GRAD_FINISH = 11, GELU_FINISH_COMPACTED = 12;

    /**
     * The passes, called through method handles read from an array (a value C2 cannot treat as a
     * constant) so that C2 never inlines one into its caller: each pass must be its own compilation
     * unit, or several of them together exceed the inlining budget again (see the class doc). The
     * indirect call costs a few ns per block.
     */
    private static final MethodHandle[] PASSES;

    static {
        String[] names = {"expPass", "logReduce", "logFinish", "tanhArg", "tanhFinish", "erfArg", "erfErfc",
            "erfFinish", "geluArg", "geluErfc", "geluFinish", "geluGradFinish", "geluFinishCompacted"};
        MethodType type = MethodType.methodType(void.class, float[].class, int.class, float[].class, int.class,
                float[].class, int.class, int.class);
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        PASSES = new MethodHandle[names.length];
        try {
            for (int i = 0; i < names.length; i++) {
                PASSES[i] = lookup.findStatic(DetMathVector.class, names[i], type);
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int[] LOG = {LOG_REDUCE, LOG_FINISH};
    private static final int[] TANH = {TANH_ARG, EXP, TANH_FINISH};
    private static final int[] ERF = {ERF_ARG, EXP, ERF_ERFC, ERF_FINISH};
    private static final int[] GELU = {GELU_ARG, EXP, GELU_ERFC, GELU_FINISH};
    private static final int[] GELU_GRAD = {GELU_ARG, EXP, GELU_ERFC, GELU_GRAD_FINISH};

    private static void run(int pass, float[] x, int xo, float[] s, int so, float[] y, int yo, int m) {
        try {
            PASSES[pass].invokeExact(x, xo, s, so, y, yo, m);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t); // the passes throw nothing checked
        }
    }

    /**
     * y[yo..yo+ub) = f(x[xo..xo+ub)) for the passes of f, ub a multiple of the lane count, block by
     * block; scratch slot A is s[0..m), slot B s[m..2m). Each pass reads x at an index before it
     * writes y at that index, so x == y (same offset) is fine.
     */
    private static void staged(int[] passes, float[] x, int xo, float[] y, int yo, int ub) {
        float[] s = SCRATCH.get();
        for (int i = 0; i < ub; i += BLOCK) {
            int m = Math.min(BLOCK, ub - i);
            for (int p : passes) {
                run(p, x, xo + i, s, 0, y, yo + i, m);
            }
        }
    }

    // Scratch layout (floats): slots A and B of a block [0, 2 BLOCK), geluGradMul's results
    // [2 BLOCK, 3 BLOCK); gelu's packed lanes: their exp and c in [0, 2 BLOCK + L), the packed
    // inputs from PACKED_X on (up to BLOCK + L).
    private static final int GRAD_MUL_BLOCK = 2 * BLOCK;
    private static final int PACKED_X = 3 * BLOCK;
    private static final int SCRATCH_FLOATS = 4 * BLOCK + L;

    /**
     * Per-thread scratch of the array kernels, laid out as above; reused so that a training step
     * allocates nothing here. The passes never call back into an array kernel, so one array per
     * thread is enough.
     */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[SCRATCH_FLOATS]);

    /**
     * Whether gelu packs its erfc-branch lanes (see {@link #geluCompacted}): where vectors have 16
     * lanes, i.e. AVX-512, whose compress/expand instructions the JIT uses. Elsewhere the Vector
     * API may emulate them lane by lane, and the plain passes are faster. Either way the same bits:
     * only which lanes go through the erfc ops changes, not the ops of any lane.
     * {@code -Dverity.gelu.compact=false} turns it off (for A/B measurements).
     */
    static final boolean GELU_COMPACT = L == 16
            && Boolean.parseBoolean(System.getProperty("verity.gelu.compact", "true"));

    /**
     * gelu of x[xo..xo+ub) into y, ub a multiple of the lane count, with the erfc branch computed
     * on its lanes only. A lane with |x| / sqrt2 below 0.875 takes erf's polynomial, the others
     * erfc (exp, a reciprocal, a 13-term polynomial, two divisions); the plain passes compute both
     * for every lane, and trained activations are about half and half (measured on gpt after 1000
     * steps), so nearly every vector has lanes of both kinds. Here a block's erfc-branch inputs
     * are packed together first (compress), exp and erfc run on the packed lanes only, and the
     * last pass spreads c back (expand). In gpt's step GELU went from 3.8 to 2.85 ms at one
     * thread. (geluGrad needs exp(-x^2/2) on every lane, which leaves only erfc's part to save;
     * packing that measured slower than the plain passes, so geluGrad keeps them.)
     */
    private static void geluCompacted(float[] x, int xo, float[] y, int yo, int ub) {
        float[] s = SCRATCH.get();
        for (int i = 0; i < ub; i += BLOCK) {
            int m = Math.min(BLOCK, ub - i);
            int n = geluLarge(x, xo + i, s, PACKED_X, m);
            int nv = (n + L - 1) / L * L; // the lanes past n are stale: computed, never read back
            if (nv > 0) {
                run(GELU_ARG, s, PACKED_X, s, 0, s, 0, nv);
                run(EXP, s, PACKED_X, s, 0, s, 0, nv);
                run(GELU_ERFC, s, PACKED_X, s, 0, s, 0, nv); // c of the packed lanes at s[nv..2nv)
            }
            run(GELU_FINISH_COMPACTED, x, xo + i, s, nv, y, yo + i, m);
        }
    }

    /** f(x) for the passes of f, over one vector in a scratch array. */
    private static FloatVector staged(int[] passes, FloatVector x) {
        float[] t = new float[3 * L]; // x and y at 0, slot A at L, slot B at 2L
        x.intoArray(t, 0);
        for (int p : passes) {
            run(p, t, 0, t, L, t, 0, L);
        }
        return fromArray(S, t, 0);
    }

    public static FloatVector log(FloatVector x) {
        return staged(LOG, x);
    }

    public static FloatVector tanh(FloatVector x) {
        return staged(TANH, x);
    }

    public static FloatVector erf(FloatVector x) {
        return staged(ERF, x);
    }

    public static FloatVector gelu(FloatVector x) {
        return staged(GELU, x);
    }

    public static FloatVector geluGrad(FloatVector x) {
        return staged(GELU_GRAD, x);
    }

    // ---- array kernels: dst[doff + i] = f(src[off + i]) for i in [0, n); scalar tail via DetMath ----

    private static int check(float[] src, int off, float[] dst, int doff, int n) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        Objects.checkFromIndexSize(off, n, src.length);
        Objects.checkFromIndexSize(doff, n, dst.length);
        return SPECIES.loopBound(n);
    }

    public static void exp(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        expLoop(src, off, dst, doff, ub);
        for (int i = ub; i < n; i++) {
            dst[doff + i] = DetMath.exp(src[off + i]);
        }
    }

    public static void log(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        staged(LOG, src, off, dst, doff, ub);
        for (int i = ub; i < n; i++) {
            dst[doff + i] = DetMath.log(src[off + i]);
        }
    }

    public static void tanh(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        staged(TANH, src, off, dst, doff, ub);
        for (int i = ub; i < n; i++) {
            dst[doff + i] = DetMath.tanh(src[off + i]);
        }
    }

    public static void sigmoid(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += L) {
            sigmoid(fromArray(S, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.sigmoid(src[off + i]);
        }
    }

    public static void erf(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        staged(ERF, src, off, dst, doff, ub);
        for (int i = ub; i < n; i++) {
            dst[doff + i] = DetMath.erf(src[off + i]);
        }
    }

    public static void gelu(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        if (GELU_COMPACT) {
            geluCompacted(src, off, dst, doff, ub);
        } else {
            staged(GELU, src, off, dst, doff, ub);
        }
        for (int i = ub; i < n; i++) {
            dst[doff + i] = DetMath.gelu(src[off + i]);
        }
    }

    public static void geluGrad(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        staged(GELU_GRAD, src, off, dst, doff, ub);
        for (int i = ub; i < n; i++) {
            dst[doff + i] = DetMath.geluGrad(src[off + i]);
        }
    }

    /**
     * dst[doff + i] = dy[dyoff + i] * geluGrad(v[voff + i]) for i in [0, n): the GELU backward
     * kernel, the same bits as {@code dy * DetMath.geluGrad(v)} per element. dst may be v or dy
     * (same offset).
     */
    public static void geluGradMul(float[] v, int voff, float[] dy, int dyoff, float[] dst, int doff, int n) {
        int ub = check(v, voff, dst, doff, n);
        Objects.requireNonNull(dy, "dy");
        Objects.checkFromIndexSize(dyoff, n, dy.length);
        if (ub > 0) {
            float[] s = SCRATCH.get(); // slots A, B, then geluGrad of the block
            for (int i = 0; i < ub; i += BLOCK) {
                int m = Math.min(BLOCK, ub - i);
                for (int p : GELU_GRAD) {
                    run(p, v, voff + i, s, 0, s, GRAD_MUL_BLOCK, m);
                }
                for (int j = 0; j < m; j += L) {
                    fromArray(S, dy, dyoff + i + j).mul(fromArray(S, s, GRAD_MUL_BLOCK + j))
                            .intoArray(dst, doff + i + j);
                }
            }
        }
        for (int i = ub; i < n; i++) {
            dst[doff + i] = dy[dyoff + i] * DetMath.geluGrad(v[voff + i]);
        }
    }

    public static void cos(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += L) {
            cos(fromArray(S, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.cos(src[off + i]);
        }
    }
}
