package dev.verity.tensor.math;

/**
 * Verity's own deterministic transcendental functions on {@code float}, each a FIXED sequence of
 * the basic operations of {@link dev.verity.tensor.elementchain.BasicOp} with exactly the semantics of
 * {@link dev.verity.tensor.elementchain.BasicOps}. Why: {@code Math.exp}/{@code Math.log} are JVM
 * intrinsics whose last bits may differ between JVMs and CPUs; these functions give the same bits
 * everywhere, and a dispute can narrow one evaluation to one basic op (see {@link DetMathChain}).
 *
 * <p>There are no data-dependent branches: every special case (NaN, ±inf, ±0, subnormals,
 * overflow, underflow) is folded into the sequence with MIN/MAX clamps and GT+SELECT pairs, and
 * both sides of every "branch" are always computed. The three forms ({@code DetMath},
 * {@link DetMathVector}, {@link DetMathChain}) execute the same sequence and agree bit for bit
 * (any NaN counts as equal to any NaN: payloads are CPU-dependent, NaN-ness is not).
 *
 * <p>Measured accuracy (max error, in ulps of the float result, against {@code StrictMath} in
 * double or a double reference rounded to float; see {@code DetMathAccuracyTest}):
 * <pre>
 * function  range tested                                     max ulp measured   (test bound)
 * exp       [-104, 89]                                       1.01               (2)
 * log       every 251st positive float, subnormals to MAX    0.82               (2)
 * tanh      [-20, 20]                                        1.05               (3)
 * sigmoid   [-110, 110]                                      2.33               (3)
 * erf       [-20, 20]                                        1.21               (3)
 * gelu      [-13, 20]                                        4.73               (5)
 * gelu      [-20, -13], result normal                        5.89               (7)
 * geluGrad  [-13, 20] minus [-1.6, -0.4]                     4.02               (5)
 * geluGrad  [-20, -13], result normal                        6.98               (8)
 * geluGrad  [-1.6, -0.4] (cancels; root near -0.7518)        abs err 6.6e-8     (2^-23)
 * cos       [0, 2pi], every 5th float                        1.55               (2)
 * cos       [-1e5, 1e5]                                      1.51               (3)
 * </pre>
 * (Measured on x86-64 with the printed worst cases in {@code DetMathAccuracyTest}; since the
 * sequence is fixed, the numbers are the same on every machine.) Below x = -13 the gelu terms
 * use exp(-x^2/2), which is subnormal there and carries fewer bits: hence the larger tail numbers.
 *
 * <p>gelu/geluGrad for x &lt; 0 use erfc directly (not 1+erf) so the relative accuracy holds far
 * into the tail; the worst case is near x ~ -1.2, where 1 + erf(x/sqrt2) still cancels.
 *
 * <p>cos: range reduction by x*2/pi with a three-part Cody-Waite pi/2, so it is accurate to a few
 * ulp for |x| &lt;= 1e5 (tested on [0, 2pi] exhaustively and on [-1e5, 1e5] randomly); for larger
 * |x| the result is deterministic but not accurate (no Payne-Hanek reduction), and for |x| &gt;=
 * about 2^23 it is meaningless. ±inf and NaN give NaN. It exists for cosine LR schedules only.
 */
public final class DetMath {
    private DetMath() {
    }

    // ---- constants shared by the three forms (package-private on purpose) ----

    /** 1.5 * 2^23: adding then subtracting it rounds a float with |v| < 2^22 to an integer (ties to even). */
    static final float MAGIC = 0x1.8p23f;

    static final float EXP_LO = -104f; // below ln(2^-150): exp rounds to +0
    static final float EXP_HI = 89f; // above ln(MAX_VALUE): exp overflows to +inf
    static final float LOG2E = 0x1.715476p+0f;
    static final float NEG_LN2_HI = -0x1.62e43p-1f;
    static final float NEG_LN2_LO = 0x1.05c61p-29f;
    /** exp(r) = 1 + r + r^2 * P(r), |r| <= ln2/2 (Cephes expf coefficients, highest degree first). */
    static final float[] EXP_P = {
        0x1.a0d2cep-13f, 0x1.6e879cp-10f, 0x1.11121p-7f, 0x1.555382p-5f, 0x1.555554p-3f, 0x1p-1f};

    static final float MIN_NORMAL = 0x1p-126f;
    static final float TWO24 = 0x1p24f;
    static final float SQRT2 = 0x1.6a09e6p+0f;
    static final float LN2_HI = 6.9313812256e-01f; // musl logf: trailing zero bits, so k*LN2_HI is exact
    static final float LN2_LO = 9.0580006145e-06f;
    static final float LG1 = 0xaaaaaa.0p-24f;
    static final float LG2 = 0xccce13.0p-25f;
    static final float LG3 = 0x91e9ee.0p-25f;
    static final float LG4 = 0xf89e26.0p-26f;
    static final float QNAN = Float.intBitsToFloat(0x7fc00000);

    /** |x| below this: tanh by odd polynomial; above: 1 - 2/(exp(2|x|)+1). */
    static final float TANH_T = 0.75f;
    static final float TANH_TINY = 0x1p-12f; // below: tanh(x) rounds to x
    static final float TANH_CLAMP = 10f; // tanh(10) rounds to 1
    /** tanh(x) = x + x^3 * P(x^2) on |x| <= 0.75 (own Chebyshev fit). */
    static final float[] TANH_P = {
        -0x1.6d2f14p-11f, 0x1.9500bap-9f, -0x1.1c94bp-7f, 0x1.65c1e8p-6f, -0x1.ba1528p-5f, 0x1.111102p-3f,
        -0x1.555556p-2f};

    /** |u| below this: erf by polynomial; above: 1 - erfc(|u|), erfc = exp(-u^2) * R(1/|u|) / |u|. */
    static final float ERF_T = 0.875f;
    static final float ERF_CLAMP = 4f; // erf(4) rounds to 1
    static final float ERFC_AMAX = 10.5f; // exp(-u^2) is exactly 0 beyond ~10.2
    /** erf(u) = u + u * Q(u^2) on |u| <= 0.875 (own Chebyshev fit). */
    static final float[] ERF_Q = {
        0x1.6c802p-14f, -0x1.aeae1ap-11f, 0x1.553fc8p-8f, -0x1.b81a2ap-6f, 0x1.ce2e8ap-4f, -0x1.812744p-2f,
        0x1.06eba8p-3f};
    static final float ERFC_CENTER = 0.6f;
    /** a * exp(a^2) * erfc(a) as a polynomial in (1/a - 0.6), a in [0.875, 10.5] (own Chebyshev fit). */
    static final float[] ERFC_R = {
        -0x1.29be4cp-4f, 0x1.0d3f38p-4f, 0x1.514f44p-5f, -0x1.4afc26p-4f, 0x1.d907eep-5f, -0x1.f76dccp-6f,
        -0x1.583aap-8f, 0x1.9d5816p-5f, -0x1.5947c2p-4f, 0x1.489db4p-4f, -0x1.caf58ap-8f, -0x1.5efcecp-3f,
        0x1.f9a9fap-2f};
    static final float GELU_CLAMP = 20f;
    static final float INV_SQRT2 = 0x1.6a09e6p-1f;
    static final float INV_SQRT_2PI = 0x1.988454p-2f;

    static final float TWO_OVER_PI = 0x1.45f306p-1f;
    static final float NEG_PIO2_1 = -0x1.921fb6p+0f;
    static final float NEG_PIO2_2 = 0x1.777a5cp-25f;
    static final float NEG_PIO2_3 = 0x1.ee59dap-50f;
    /** sin(r) = r + r^3 * S(r^2), |r| <= pi/4 (Cephes sinf). */
    static final float[] SIN_S = {-0x1.9943f2p-13f, 0x1.11073cp-7f, -0x1.555546p-3f};
    /** cos(r) = 1 - r^2/2 + r^4 * C(r^2), |r| <= pi/4 (Cephes cosf). */
    static final float[] COS_C = {0x1.99eb9cp-16f, -0x1.6c0c34p-10f, 0x1.55554ap-5f};

    // ---- the basic ops, with exactly BasicOps' semantics ----

    private static float fma(float a, float b, float c) {
        return Math.fma(a, b, c);
    }

    private static float sel(boolean c, float a, float b) {
        return c ? a : b; // SELECT(a, b, GT(...)): GT yields 1f/0f, so "!= 0" is the boolean
    }

    private static float scalb(float a, float k) {
        return Math.scalb(a, (int) k);
    }

    private static float getexp(float a) {
        return (float) Math.getExponent(a);
    }

    private static float getmant(float a) {
        return Float.intBitsToFloat((Float.floatToRawIntBits(a) & 0x807fffff) | 0x3f800000);
    }

    private static float horner(float[] c, float z) {
        float p = c[0];
        for (int i = 1; i < c.length; i++) {
            p = fma(p, z, c[i]);
        }
        return p;
    }

    // ---- the functions ----

    /** e^x. Exact special cases: exp(-inf) = +0, exp(+inf) = +inf, NaN -&gt; NaN; correct over/underflow. */
    public static float exp(float x) {
        float x1 = Math.max(x, EXP_LO);
        float x2 = Math.min(x1, EXP_HI);
        float t = fma(x2, LOG2E, MAGIC);
        float k = t - MAGIC; // round(x * log2 e), exact integer in [-150, 128]
        float r = fma(k, NEG_LN2_HI, x2); // exact (see DetMathChain for why)
        r = fma(k, NEG_LN2_LO, r);
        float p = horner(EXP_P, r);
        float z = r * r;
        float y = fma(p, z, r);
        y = y + 1f;
        return scalb(y, k); // one rounding: also the correct subnormal/overflow result
    }

    /** Natural log. log(±0) = -inf, log(x &lt; 0) = NaN, log(+inf) = +inf, NaN -&gt; NaN. */
    public static float log(float x) {
        boolean sub = MIN_NORMAL > x;
        float xb = x * TWO24;
        float xs = sel(sub, xb, x); // subnormals scaled exactly into the normal range
        float e = getexp(xs);
        float m = getmant(xs);
        boolean big = m > SQRT2;
        float mh = m * 0.5f;
        float m2 = sel(big, mh, m); // m2 in [sqrt2/2, sqrt2]
        float ea = sel(sub, -24f, 0f);
        float e1 = e + ea;
        float inc = sel(big, 1f, 0f);
        float dk = e1 + inc;
        float f = m2 - 1f; // exact (Sterbenz)
        float d = f + 2f;
        float s = f / d;
        float z = s * s;
        float w = z * z;
        float t1 = fma(w, LG4, LG2);
        t1 = w * t1;
        float t2 = fma(w, LG3, LG1);
        t2 = z * t2;
        float rr = t2 + t1;
        float hf = f * 0.5f;
        float hfsq = hf * f;
        float u = hfsq + rr;
        u = s * u;
        float v = dk * LN2_LO;
        u = u + v;
        u = u - hfsq;
        u = u + f;
        float v2 = dk * LN2_HI;
        float res = u + v2;
        boolean neg = 0f > x;
        float sp = sel(neg, QNAN, Float.NEGATIVE_INFINITY);
        boolean pos = x > 0f;
        res = sel(pos, res, sp);
        boolean fin = Float.POSITIVE_INFINITY > x;
        return sel(fin, res, x); // +inf and NaN pass through
    }

    /** 1 / (1 + e^-x), evaluated as e/(1+e) with e = exp(-|x|) so it never overflows and keeps subnormals. */
    public static float sigmoid(float x) {
        float a = Math.abs(x);
        float na = -a;
        float e = exp(na);
        float d = e + 1f;
        boolean neg = 0f > x;
        float num = sel(neg, e, 1f);
        return num / d;
    }

    /** Hyperbolic tangent; tanh(±0) = ±0, tanh(±large) = ±1, NaN -&gt; NaN. */
    public static float tanh(float x) {
        float a0 = Math.abs(x);
        float a = Math.min(a0, TANH_CLAMP);
        float z = x * x;
        float p = horner(TANH_P, z);
        float xz = x * z;
        float ys = fma(xz, p, x);
        boolean tiny = TANH_TINY > a;
        ys = sel(tiny, x, ys); // tanh(x) rounds to x here; also keeps tanh(-0) = -0 (fma gives +0)
        float a2 = a + a;
        float e = exp(a2);
        float d = e + 1f;
        float q = 2f / d;
        float yl = 1f - q;
        float nl = -yl;
        boolean neg = 0f > x;
        yl = sel(neg, nl, yl);
        boolean small = TANH_T > a;
        return sel(small, ys, yl);
    }

    /**
     * erfc(a) for a = |u| in [0.875, 10.5], from the exact split u^2 = hi + lo (the split matters:
     * rounding u^2 would cost up to a^2 * 2^-24 relative error in the tail); also exp(-u^2) into eOut[0].
     * For smaller a the value is unused (finite: a is clamped into the fit range first).
     */
    private static float erfc(float a, float hi, float lo, float[] eOut) {
        float nh = -hi;
        float e0 = exp(nh);
        float nlo = -lo;
        float e = fma(e0, nlo, e0); // exp(-hi-lo) = exp(-hi) * (1 - lo) to float precision
        float ar = Math.max(a, ERF_T);
        ar = Math.min(ar, ERFC_AMAX);
        float t = 1f / ar;
        float s = t - ERFC_CENTER;
        float r = horner(ERFC_R, s);
        float er = e * r;
        eOut[0] = e;
        return er / ar;
    }

    /** Error function; erf(±0) = ±0, erf(±large) = ±1, NaN -&gt; NaN. */
    public static float erf(float x) {
        float xc = Math.max(x, -ERF_CLAMP);
        xc = Math.min(xc, ERF_CLAMP);
        float a = Math.abs(xc);
        float hi = xc * xc;
        float nhi = -hi;
        float lo = fma(xc, xc, nhi);
        float q = horner(ERF_Q, hi);
        float erfS = fma(xc, q, xc);
        float c = erfc(a, hi, lo, new float[1]);
        float erfL = 1f - c;
        float nL = -erfL;
        boolean neg = 0f > x;
        erfL = sel(neg, nL, erfL);
        boolean small = ERF_T > a;
        return sel(small, erfS, erfL);
    }

    /** 1 + erf(x / sqrt2) for |x| &lt;= 20, with erfc used directly for x &lt; 0; also exp(-x^2/2). */
    private static float onePlusErf(float x, float xc, float[] eOut) {
        float u = xc * INV_SQRT2;
        float sq = xc * xc;
        float nsq = -sq;
        float sql = fma(xc, xc, nsq);
        float hi = sq * 0.5f;
        float lo = sql * 0.5f;
        float a = Math.abs(u);
        float q = horner(ERF_Q, hi);
        float erfS = fma(u, q, u);
        float c = erfc(a, hi, lo, eOut);
        float opS = erfS + 1f;
        float twoMinusC = 2f - c;
        boolean neg = 0f > x;
        float opL = sel(neg, c, twoMinusC);
        boolean small = ERF_T > a;
        return sel(small, opS, opL);
    }

    /** GELU, exact form 0.5 * x * (1 + erf(x / sqrt2)); gelu(-inf) = -0, gelu(+inf) = +inf. */
    public static float gelu(float x) {
        float xl = Math.max(x, -GELU_CLAMP);
        float xc = Math.min(xl, GELU_CLAMP);
        float[] e = new float[1];
        float op = onePlusErf(x, xc, e);
        float phi = op * 0.5f;
        float g1 = xl * phi; // x >= 0: never overflows early
        float xo = xl * op;
        float g2 = xo * 0.5f; // x < 0: keeps the tiny tail accurate (op may be subnormal)
        boolean neg = 0f > x;
        return sel(neg, g2, g1);
    }

    /** d gelu / dx = 0.5 * (1 + erf(x / sqrt2)) + x * exp(-x^2/2) / sqrt(2 pi). */
    public static float geluGrad(float x) {
        float xl = Math.max(x, -GELU_CLAMP);
        float xc = Math.min(xl, GELU_CLAMP);
        float[] e = new float[1];
        float op = onePlusErf(x, xc, e);
        float phi = op * 0.5f;
        float pd = xc * e[0];
        pd = pd * INV_SQRT_2PI;
        return phi + pd;
    }

    /** Cosine; accurate for |x| &lt;= 1e5 (see class doc), NaN for ±inf and NaN. */
    public static float cos(float x) {
        float t = fma(x, TWO_OVER_PI, MAGIC);
        float k = t - MAGIC;
        float r = fma(k, NEG_PIO2_1, x);
        r = fma(k, NEG_PIO2_2, r);
        r = fma(k, NEG_PIO2_3, r);
        float z = r * r;
        float sp = horner(SIN_S, z);
        float rz = r * z;
        float s = fma(rz, sp, r);
        float cp = horner(COS_C, z);
        float zz = z * z;
        float w = fma(z, -0.5f, 1f);
        float c = fma(zz, cp, w);
        float j4 = fma(k, 0.25f, MAGIC);
        float j = j4 - MAGIC;
        float q = fma(j, -4f, k); // k mod 4 in {-2..2}
        float aq = Math.abs(q);
        float ns = -s;
        boolean qpos = q > 0f;
        float w2 = sel(qpos, ns, s);
        float nc = -c;
        boolean two = aq > 1.5f;
        float t1 = sel(two, nc, w2);
        boolean odd = aq > 0.5f;
        return sel(odd, t1, c);
    }
}
