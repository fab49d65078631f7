package dev.verity.tensor.kernel;

/**
 * Shape of a 2-d convolution: input x [n, c, h, w], weight [oc, c, kh, kw], stride and zero
 * padding (same on all sides), output [n, oc, oh, ow] with {@code oh = (h + 2 pad - kh) / stride + 1}.
 */
public record Conv2dShape(int n, int c, int h, int w, int oc, int kh, int kw, int stride, int pad) {
    public Conv2dShape {
        if (n < 1 || c < 1 || h < 1 || w < 1 || oc < 1 || kh < 1 || kw < 1) {
            throw new IllegalArgumentException("conv2d: n, c, h, w, oc, kh, kw must be >= 1, got n=" + n + " c=" + c
                    + " h=" + h + " w=" + w + " oc=" + oc + " kh=" + kh + " kw=" + kw);
        }
        if (stride < 1) {
            throw new IllegalArgumentException("conv2d: stride must be >= 1, got " + stride);
        }
        if (pad < 0) {
            throw new IllegalArgumentException("conv2d: padding must be >= 0, got " + pad);
        }
        if (h + 2L * pad < kh || w + 2L * pad < kw) {
            throw new IllegalArgumentException("conv2d: kernel " + kh + "x" + kw + " is larger than the padded input "
                    + (h + 2L * pad) + "x" + (w + 2L * pad));
        }
        long oh = (h + 2L * pad - kh) / stride + 1;
        long ow = (w + 2L * pad - kw) / stride + 1;
        long limit = Integer.MAX_VALUE - 8;
        if ((long) n * c * h * w > limit || (long) oc * c * kh * kw > limit || (long) n * oc * oh * ow > limit
                || (long) c * kh * kw * oh * ow > limit) {
            throw new IllegalArgumentException("conv2d: shape " + n + "x" + c + "x" + h + "x" + w + " with " + oc
                    + " filters of " + kh + "x" + kw + " is too large for int indexing");
        }
    }

    public int oh() {
        return (h + 2 * pad - kh) / stride + 1;
    }

    public int ow() {
        return (w + 2 * pad - kw) / stride + 1;
    }

    /** Output positions per image and channel: oh * ow (the GEMM's column count P). */
    public int p() {
        return oh() * ow();
    }

    /** Reduction length of the forward GEMM: c * kh * kw (the rows of im2col's matrix). */
    public int k() {
        return c * kh * kw;
    }

    public int xSize() {
        return n * c * h * w;
    }

    public int wSize() {
        return oc * c * kh * kw;
    }

    public int ySize() {
        return n * oc * oh() * ow();
    }

    void checkLength(String name, float[] a, int need) {
        if (a == null) {
            throw new IllegalArgumentException("conv2d: " + name + " must not be null");
        }
        if (a.length != need) {
            throw new IllegalArgumentException("conv2d: " + name + " has " + a.length + " elements, shape " + this
                    + " needs " + need);
        }
    }
}
