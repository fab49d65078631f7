package dev.verity.tensor.math;

import static dev.verity.tensor.math.DetMath.*;

import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
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
 * The array kernels are single-threaded: callers split outputs across threads.
 */
public final class DetMathVector {
    private DetMathVector() {
    }

    /**
     * The float species: {@code Vectors.F} (system property {@code verity.vector.bits}, else the
     * CPU's preferred shape).
     */
    public static final VectorSpecies<Float> SPECIES = dev.verity.tensor.kernel.Vectors.F;

    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

    private static FloatVector sel(VectorMask<Float> c, FloatVector a, FloatVector b) {
        return b.blend(a, c);
    }

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(SPECIES, v);
    }

    private static FloatVector horner(float[] c, FloatVector z) {
        FloatVector p = bc(c[0]);
        for (int i = 1; i < c.length; i++) {
            p = p.fma(z, bc(c[i]));
        }
        return p;
    }

    /** 2^n for integer lanes n in [-126, 127]. */
    private static FloatVector pow2(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    public static FloatVector exp(FloatVector x) {
        FloatVector x1 = x.max(EXP_LO);
        FloatVector x2 = x1.min(EXP_HI);
        FloatVector t = x2.fma(bc(LOG2E), bc(MAGIC));
        FloatVector k = t.sub(MAGIC);
        FloatVector r = k.fma(bc(NEG_LN2_HI), x2);
        r = k.fma(bc(NEG_LN2_LO), r);
        FloatVector p = horner(EXP_P, r);
        FloatVector z = r.mul(r);
        FloatVector y = p.fma(z, r);
        y = y.add(1f);
        // SCALB(y, k), see the class doc
        IntVector ki = t.reinterpretAsInts().sub(MAGIC_BITS).max(-150).min(128);
        IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = ki.sub(k1);
        return y.mul(pow2(k1)).mul(pow2(k2));
    }

    public static FloatVector log(FloatVector x) {
        VectorMask<Float> sub = x.compare(VectorOperators.LT, MIN_NORMAL);
        FloatVector xb = x.mul(TWO24);
        FloatVector xs = sel(sub, xb, x);
        IntVector bits = xs.reinterpretAsInts();
        FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(127)
                .convert(VectorOperators.I2F, 0);
        FloatVector m = bits.and(0x807fffff).or(0x3f800000).reinterpretAsFloats();
        VectorMask<Float> big = m.compare(VectorOperators.GT, SQRT2);
        FloatVector mh = m.mul(0.5f);
        FloatVector m2 = sel(big, mh, m);
        FloatVector zero = bc(0f);
        FloatVector ea = sel(sub, bc(-24f), zero);
        FloatVector e1 = e.add(ea);
        FloatVector inc = sel(big, bc(1f), zero);
        FloatVector dk = e1.add(inc);
        FloatVector f = m2.sub(1f);
        FloatVector d = f.add(2f);
        FloatVector s = f.div(d);
        FloatVector z = s.mul(s);
        FloatVector w = z.mul(z);
        FloatVector t1 = w.fma(bc(LG4), bc(LG2));
        t1 = w.mul(t1);
        FloatVector t2 = w.fma(bc(LG3), bc(LG1));
        t2 = z.mul(t2);
        FloatVector rr = t2.add(t1);
        FloatVector hf = f.mul(0.5f);
        FloatVector hfsq = hf.mul(f);
        FloatVector u = hfsq.add(rr);
        u = s.mul(u);
        FloatVector v = dk.mul(LN2_LO);
        u = u.add(v);
        u = u.sub(hfsq);
        u = u.add(f);
        FloatVector v2 = dk.mul(LN2_HI);
        FloatVector res = u.add(v2);
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        FloatVector sp = sel(neg, bc(QNAN), bc(Float.NEGATIVE_INFINITY));
        VectorMask<Float> pos = x.compare(VectorOperators.GT, 0f);
        res = sel(pos, res, sp);
        VectorMask<Float> fin = x.compare(VectorOperators.LT, Float.POSITIVE_INFINITY);
        return sel(fin, res, x);
    }

    public static FloatVector sigmoid(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector na = a.neg();
        FloatVector e = exp(na);
        FloatVector d = e.add(1f);
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        FloatVector num = sel(neg, e, bc(1f));
        return num.div(d);
    }

    public static FloatVector tanh(FloatVector x) {
        FloatVector a0 = x.abs();
        FloatVector a = a0.min(TANH_CLAMP);
        FloatVector z = x.mul(x);
        FloatVector p = horner(TANH_P, z);
        FloatVector xz = x.mul(z);
        FloatVector ys = xz.fma(p, x);
        VectorMask<Float> tiny = a.compare(VectorOperators.LT, TANH_TINY);
        ys = sel(tiny, x, ys);
        FloatVector a2 = a.add(a);
        FloatVector e = exp(a2);
        FloatVector d = e.add(1f);
        FloatVector q = bc(2f).div(d);
        FloatVector yl = bc(1f).sub(q);
        FloatVector nl = yl.neg();
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        yl = sel(neg, nl, yl);
        VectorMask<Float> small = a.compare(VectorOperators.LT, TANH_T);
        return sel(small, ys, yl);
    }

    /** erfc(a) and exp(-hi-lo) (into eOut[0]); see DetMath.erfc. */
    private static FloatVector erfc(FloatVector a, FloatVector hi, FloatVector lo, FloatVector[] eOut) {
        FloatVector nh = hi.neg();
        FloatVector e0 = exp(nh);
        FloatVector nlo = lo.neg();
        FloatVector e = e0.fma(nlo, e0);
        FloatVector ar = a.max(ERF_T);
        ar = ar.min(ERFC_AMAX);
        FloatVector t = bc(1f).div(ar);
        FloatVector s = t.sub(ERFC_CENTER);
        FloatVector r = horner(ERFC_R, s);
        FloatVector er = e.mul(r);
        eOut[0] = e;
        return er.div(ar);
    }

    public static FloatVector erf(FloatVector x) {
        FloatVector xc = x.max(-ERF_CLAMP);
        xc = xc.min(ERF_CLAMP);
        FloatVector a = xc.abs();
        FloatVector hi = xc.mul(xc);
        FloatVector nhi = hi.neg();
        FloatVector lo = xc.fma(xc, nhi);
        FloatVector q = horner(ERF_Q, hi);
        FloatVector erfS = xc.fma(q, xc);
        FloatVector c = erfc(a, hi, lo, new FloatVector[1]);
        FloatVector erfL = bc(1f).sub(c);
        FloatVector nL = erfL.neg();
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        erfL = sel(neg, nL, erfL);
        VectorMask<Float> small = a.compare(VectorOperators.LT, ERF_T);
        return sel(small, erfS, erfL);
    }

    private static FloatVector onePlusErf(FloatVector x, FloatVector xc, FloatVector[] eOut) {
        FloatVector u = xc.mul(INV_SQRT2);
        FloatVector sq = xc.mul(xc);
        FloatVector nsq = sq.neg();
        FloatVector sql = xc.fma(xc, nsq);
        FloatVector hi = sq.mul(0.5f);
        FloatVector lo = sql.mul(0.5f);
        FloatVector a = u.abs();
        FloatVector q = horner(ERF_Q, hi);
        FloatVector erfS = u.fma(q, u);
        FloatVector c = erfc(a, hi, lo, eOut);
        FloatVector opS = erfS.add(1f);
        FloatVector twoMinusC = bc(2f).sub(c);
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        FloatVector opL = sel(neg, c, twoMinusC);
        VectorMask<Float> small = a.compare(VectorOperators.LT, ERF_T);
        return sel(small, opS, opL);
    }

    public static FloatVector gelu(FloatVector x) {
        FloatVector xl = x.max(-GELU_CLAMP);
        FloatVector xc = xl.min(GELU_CLAMP);
        FloatVector op = onePlusErf(x, xc, new FloatVector[1]);
        FloatVector phi = op.mul(0.5f);
        FloatVector g1 = xl.mul(phi);
        FloatVector xo = xl.mul(op);
        FloatVector g2 = xo.mul(0.5f);
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        return sel(neg, g2, g1);
    }

    public static FloatVector geluGrad(FloatVector x) {
        FloatVector xl = x.max(-GELU_CLAMP);
        FloatVector xc = xl.min(GELU_CLAMP);
        FloatVector[] e = new FloatVector[1];
        FloatVector op = onePlusErf(x, xc, e);
        FloatVector phi = op.mul(0.5f);
        FloatVector pd = xc.mul(e[0]);
        pd = pd.mul(INV_SQRT_2PI);
        return phi.add(pd);
    }

    public static FloatVector cos(FloatVector x) {
        FloatVector t = x.fma(bc(TWO_OVER_PI), bc(MAGIC));
        FloatVector k = t.sub(MAGIC);
        FloatVector r = k.fma(bc(NEG_PIO2_1), x);
        r = k.fma(bc(NEG_PIO2_2), r);
        r = k.fma(bc(NEG_PIO2_3), r);
        FloatVector z = r.mul(r);
        FloatVector sp = horner(SIN_S, z);
        FloatVector rz = r.mul(z);
        FloatVector s = rz.fma(sp, r);
        FloatVector cp = horner(COS_C, z);
        FloatVector zz = z.mul(z);
        FloatVector w = z.fma(bc(-0.5f), bc(1f));
        FloatVector c = zz.fma(cp, w);
        FloatVector j4 = k.fma(bc(0.25f), bc(MAGIC));
        FloatVector j = j4.sub(MAGIC);
        FloatVector q = j.fma(bc(-4f), k);
        FloatVector aq = q.abs();
        FloatVector ns = s.neg();
        VectorMask<Float> qpos = q.compare(VectorOperators.GT, 0f);
        FloatVector w2 = sel(qpos, ns, s);
        FloatVector nc = c.neg();
        VectorMask<Float> two = aq.compare(VectorOperators.GT, 1.5f);
        FloatVector t1 = sel(two, nc, w2);
        VectorMask<Float> odd = aq.compare(VectorOperators.GT, 0.5f);
        return sel(odd, t1, c);
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
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            exp(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.exp(src[off + i]);
        }
    }

    public static void log(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            log(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.log(src[off + i]);
        }
    }

    public static void tanh(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            tanh(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.tanh(src[off + i]);
        }
    }

    public static void sigmoid(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            sigmoid(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.sigmoid(src[off + i]);
        }
    }

    public static void erf(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            erf(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.erf(src[off + i]);
        }
    }

    public static void gelu(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            gelu(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.gelu(src[off + i]);
        }
    }

    public static void geluGrad(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            geluGrad(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.geluGrad(src[off + i]);
        }
    }

    public static void cos(float[] src, int off, float[] dst, int doff, int n) {
        int ub = check(src, off, dst, doff, n);
        int i = 0;
        for (; i < ub; i += SPECIES.length()) {
            cos(FloatVector.fromArray(SPECIES, src, off + i)).intoArray(dst, doff + i);
        }
        for (; i < n; i++) {
            dst[doff + i] = DetMath.cos(src[off + i]);
        }
    }
}
