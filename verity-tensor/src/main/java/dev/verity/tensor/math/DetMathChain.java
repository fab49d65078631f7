package dev.verity.tensor.math;

import static dev.verity.tensor.math.DetMath.*;

import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;

/**
 * {@link DetMath} recorded on an {@link ElementChain}: every basic op of the sequence becomes one
 * link, so a dispute over an exp/log/tanh/sigmoid/erf/gelu/geluGrad/cos evaluation can be narrowed
 * to one link, which a referee recomputes with {@link dev.verity.tensor.elementchain.BasicOps}. The
 * returned operand's bits equal {@link DetMath}'s result bits (tests check it), and the links are
 * the same ops, in the same order, that {@link DetMath} executes (there are no data-dependent
 * branches, so the link count per function is a constant).
 *
 * <p>Why the first Cody-Waite step of exp (and cos) is exact: k * LN2_HI is a multiple of 2^-24
 * (x of 2^-24 or coarser once k != 0), and |x - k*LN2_HI| &lt;= 0.35, so the fma result fits in 24 bits.
 */
public final class DetMathChain {
    private DetMathChain() {
    }

    private static Operand k(ElementChain c, float v) {
        return c.constant(v);
    }

    private static Operand horner(ElementChain c, float[] co, Operand z) {
        Operand p = k(c, co[0]);
        for (int i = 1; i < co.length; i++) {
            p = c.fma(p, z, k(c, co[i]));
        }
        return p;
    }

    public static Operand exp(ElementChain c, Operand x) {
        Operand x1 = c.max(x, k(c, EXP_LO));
        Operand x2 = c.min(x1, k(c, EXP_HI));
        Operand t = c.fma(x2, k(c, LOG2E), k(c, MAGIC));
        Operand kk = c.sub(t, k(c, MAGIC));
        Operand r = c.fma(kk, k(c, NEG_LN2_HI), x2);
        r = c.fma(kk, k(c, NEG_LN2_LO), r);
        Operand p = horner(c, EXP_P, r);
        Operand z = c.mul(r, r);
        Operand y = c.fma(p, z, r);
        y = c.add(y, k(c, 1f));
        return c.scalb(y, kk);
    }

    public static Operand log(ElementChain c, Operand x) {
        Operand sub = c.gt(k(c, MIN_NORMAL), x);
        Operand xb = c.mul(x, k(c, TWO24));
        Operand xs = c.select(sub, xb, x);
        Operand e = c.getexp(xs);
        Operand m = c.getmant(xs);
        Operand big = c.gt(m, k(c, SQRT2));
        Operand mh = c.mul(m, k(c, 0.5f));
        Operand m2 = c.select(big, mh, m);
        Operand ea = c.select(sub, k(c, -24f), k(c, 0f));
        Operand e1 = c.add(e, ea);
        Operand inc = c.select(big, k(c, 1f), k(c, 0f));
        Operand dk = c.add(e1, inc);
        Operand f = c.sub(m2, k(c, 1f));
        Operand d = c.add(f, k(c, 2f));
        Operand s = c.div(f, d);
        Operand z = c.mul(s, s);
        Operand w = c.mul(z, z);
        Operand t1 = c.fma(w, k(c, LG4), k(c, LG2));
        t1 = c.mul(w, t1);
        Operand t2 = c.fma(w, k(c, LG3), k(c, LG1));
        t2 = c.mul(z, t2);
        Operand rr = c.add(t2, t1);
        Operand hf = c.mul(f, k(c, 0.5f));
        Operand hfsq = c.mul(hf, f);
        Operand u = c.add(hfsq, rr);
        u = c.mul(s, u);
        Operand v = c.mul(dk, k(c, LN2_LO));
        u = c.add(u, v);
        u = c.sub(u, hfsq);
        u = c.add(u, f);
        Operand v2 = c.mul(dk, k(c, LN2_HI));
        Operand res = c.add(u, v2);
        Operand neg = c.gt(k(c, 0f), x);
        Operand sp = c.select(neg, k(c, QNAN), k(c, Float.NEGATIVE_INFINITY));
        Operand pos = c.gt(x, k(c, 0f));
        res = c.select(pos, res, sp);
        Operand fin = c.gt(k(c, Float.POSITIVE_INFINITY), x);
        return c.select(fin, res, x);
    }

    public static Operand sigmoid(ElementChain c, Operand x) {
        Operand a = c.abs(x);
        Operand na = c.neg(a);
        Operand e = exp(c, na);
        Operand d = c.add(e, k(c, 1f));
        Operand neg = c.gt(k(c, 0f), x);
        Operand num = c.select(neg, e, k(c, 1f));
        return c.div(num, d);
    }

    public static Operand tanh(ElementChain c, Operand x) {
        Operand a0 = c.abs(x);
        Operand a = c.min(a0, k(c, TANH_CLAMP));
        Operand z = c.mul(x, x);
        Operand p = horner(c, TANH_P, z);
        Operand xz = c.mul(x, z);
        Operand ys = c.fma(xz, p, x);
        Operand tiny = c.gt(k(c, TANH_TINY), a);
        ys = c.select(tiny, x, ys);
        Operand a2 = c.add(a, a);
        Operand e = exp(c, a2);
        Operand d = c.add(e, k(c, 1f));
        Operand q = c.div(k(c, 2f), d);
        Operand yl = c.sub(k(c, 1f), q);
        Operand nl = c.neg(yl);
        Operand neg = c.gt(k(c, 0f), x);
        yl = c.select(neg, nl, yl);
        Operand small = c.gt(k(c, TANH_T), a);
        return c.select(small, ys, yl);
    }

    private static Operand erfc(ElementChain c, Operand a, Operand hi, Operand lo, Operand[] eOut) {
        Operand nh = c.neg(hi);
        Operand e0 = exp(c, nh);
        Operand nlo = c.neg(lo);
        Operand e = c.fma(e0, nlo, e0);
        Operand ar = c.max(a, k(c, ERF_T));
        ar = c.min(ar, k(c, ERFC_AMAX));
        Operand t = c.div(k(c, 1f), ar);
        Operand s = c.sub(t, k(c, ERFC_CENTER));
        Operand r = horner(c, ERFC_R, s);
        Operand er = c.mul(e, r);
        eOut[0] = e;
        return c.div(er, ar);
    }

    public static Operand erf(ElementChain c, Operand x) {
        Operand xc = c.max(x, k(c, -ERF_CLAMP));
        xc = c.min(xc, k(c, ERF_CLAMP));
        Operand a = c.abs(xc);
        Operand hi = c.mul(xc, xc);
        Operand nhi = c.neg(hi);
        Operand lo = c.fma(xc, xc, nhi);
        Operand q = horner(c, ERF_Q, hi);
        Operand erfS = c.fma(xc, q, xc);
        Operand cc = erfc(c, a, hi, lo, new Operand[1]);
        Operand erfL = c.sub(k(c, 1f), cc);
        Operand nL = c.neg(erfL);
        Operand neg = c.gt(k(c, 0f), x);
        erfL = c.select(neg, nL, erfL);
        Operand small = c.gt(k(c, ERF_T), a);
        return c.select(small, erfS, erfL);
    }

    private static Operand onePlusErf(ElementChain c, Operand x, Operand xc, Operand[] eOut) {
        Operand u = c.mul(xc, k(c, INV_SQRT2));
        Operand sq = c.mul(xc, xc);
        Operand nsq = c.neg(sq);
        Operand sql = c.fma(xc, xc, nsq);
        Operand hi = c.mul(sq, k(c, 0.5f));
        Operand lo = c.mul(sql, k(c, 0.5f));
        Operand a = c.abs(u);
        Operand q = horner(c, ERF_Q, hi);
        Operand erfS = c.fma(u, q, u);
        Operand cc = erfc(c, a, hi, lo, eOut);
        Operand opS = c.add(erfS, k(c, 1f));
        Operand twoMinusC = c.sub(k(c, 2f), cc);
        Operand neg = c.gt(k(c, 0f), x);
        Operand opL = c.select(neg, cc, twoMinusC);
        Operand small = c.gt(k(c, ERF_T), a);
        return c.select(small, opS, opL);
    }

    public static Operand gelu(ElementChain c, Operand x) {
        Operand xl = c.max(x, k(c, -GELU_CLAMP));
        Operand xc = c.min(xl, k(c, GELU_CLAMP));
        Operand op = onePlusErf(c, x, xc, new Operand[1]);
        Operand phi = c.mul(op, k(c, 0.5f));
        Operand g1 = c.mul(xl, phi);
        Operand xo = c.mul(xl, op);
        Operand g2 = c.mul(xo, k(c, 0.5f));
        Operand neg = c.gt(k(c, 0f), x);
        return c.select(neg, g2, g1);
    }

    public static Operand geluGrad(ElementChain c, Operand x) {
        Operand xl = c.max(x, k(c, -GELU_CLAMP));
        Operand xc = c.min(xl, k(c, GELU_CLAMP));
        Operand[] e = new Operand[1];
        Operand op = onePlusErf(c, x, xc, e);
        Operand phi = c.mul(op, k(c, 0.5f));
        Operand pd = c.mul(xc, e[0]);
        pd = c.mul(pd, k(c, INV_SQRT_2PI));
        return c.add(phi, pd);
    }

    public static Operand cos(ElementChain c, Operand x) {
        Operand t = c.fma(x, k(c, TWO_OVER_PI), k(c, MAGIC));
        Operand kk = c.sub(t, k(c, MAGIC));
        Operand r = c.fma(kk, k(c, NEG_PIO2_1), x);
        r = c.fma(kk, k(c, NEG_PIO2_2), r);
        r = c.fma(kk, k(c, NEG_PIO2_3), r);
        Operand z = c.mul(r, r);
        Operand sp = horner(c, SIN_S, z);
        Operand rz = c.mul(r, z);
        Operand s = c.fma(rz, sp, r);
        Operand cp = horner(c, COS_C, z);
        Operand zz = c.mul(z, z);
        Operand w = c.fma(z, k(c, -0.5f), k(c, 1f));
        Operand cc = c.fma(zz, cp, w);
        Operand j4 = c.fma(kk, k(c, 0.25f), k(c, MAGIC));
        Operand j = c.sub(j4, k(c, MAGIC));
        Operand q = c.fma(j, k(c, -4f), kk);
        Operand aq = c.abs(q);
        Operand ns = c.neg(s);
        Operand qpos = c.gt(q, k(c, 0f));
        Operand w2 = c.select(qpos, ns, s);
        Operand nc = c.neg(cc);
        Operand two = c.gt(aq, k(c, 1.5f));
        Operand t1 = c.select(two, nc, w2);
        Operand odd = c.gt(aq, k(c, 0.5f));
        return c.select(odd, t1, cc);
    }
}
