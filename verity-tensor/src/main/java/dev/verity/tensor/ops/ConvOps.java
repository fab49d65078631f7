package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Autograd;
import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.Op;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.kernel.Conv2dKernels;
import dev.verity.tensor.kernel.Conv2dReference;
import dev.verity.tensor.kernel.Conv2dShape;

/**
 * 2-D convolution and its gradients, as op records over {@link Conv2dKernels} (im2col + GEMM)
 * and {@link Conv2dReference} (direct scalar loops with the same chains).
 */
public final class ConvOps {
    private ConvOps() {
    }

    static Conv2dShape shapeOf(Attrs a, int[] x, int[] w) {
        // ifs, not Shapes.require: forward calls this every step (no message built unless it fails)
        if (x.length != 4) {
            throw new IllegalArgumentException("input must be [N, C, H, W], got " + Shapes.str(x));
        }
        if (w.length != 4) {
            throw new IllegalArgumentException("weight must be [OC, C, KH, KW], got " + Shapes.str(w));
        }
        if (x[1] != w[1]) {
            throw new IllegalArgumentException("input has " + x[1] + " channels, the weight expects " + w[1]);
        }
        return new Conv2dShape(x[0], x[1], x[2], x[3], w[0], w[2], w[3], a.get(OpAttr.STRIDE), a.get(OpAttr.PAD));
    }

    /** Inputs (x, w[, bias]); attributes stride, pad. */
    public static final class Conv2d implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 3);
            Conv2dShape s = shapeOf(a, in[0], in[1]);
            if (in.length == 3) {
                Shapes.require(in[2].length == 1 && in[2][0] == s.oc(), "bias must be [" + s.oc() + "]");
            }
            return new int[] {s.n(), s.oc(), s.oh(), s.ow()};
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            Conv2dShape s = shapeOf(node.attrs(), in[0].shapeView(), in[1].shapeView());
            float[] bias = in.length == 3 ? in[2].data() : null;
            if (fast) {
                Conv2dKernels.forward(s, in[0].data(), in[1].data(), bias, out.data());
            } else {
                Conv2dReference.forward(s, in[0].data(), in[1].data(), bias, out.data());
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            Conv2dShape s = shapeOf(node.attrs(), in[0].shapeView(), in[1].shapeView());
            int ox = index % s.ow();
            int oy = (index / s.ow()) % s.oh();
            int oc = (index / s.p()) % s.oc();
            int n = index / (s.p() * s.oc());
            return Conv2dReference.forwardElement(s, in[0].data(), in[1].data(), in.length == 3 ? in[2].data() : null,
                    n, oc, oy, ox, ch);
        }

        @Override
        public void backward(Autograd ad, Node node, int dy) {
            GraphBuilder g = ad.builder();
            int x = node.input(0);
            int w = node.input(1);
            Attrs a = node.attrs();
            if (ad.needs(x)) {
                Attrs ai = Attrs.builder().put(OpAttr.STRIDE, a.get(OpAttr.STRIDE)).put(OpAttr.PAD, a.get(OpAttr.PAD))
                        .put(OpAttr.IN_SHAPE, g.shape(x)).build();
                ad.accumulate(x, g.append(OpKind.CONV2D_GRAD_INPUT, ai, w, dy));
            }
            if (ad.needs(w)) {
                Attrs aw = Attrs.builder().put(OpAttr.STRIDE, a.get(OpAttr.STRIDE)).put(OpAttr.PAD, a.get(OpAttr.PAD))
                        .put(OpAttr.W_SHAPE, g.shape(w)).build();
                ad.accumulate(w, g.append(OpKind.CONV2D_GRAD_WEIGHT, aw, x, dy));
            }
            if (node.arity() == 3 && ad.needs(node.input(2))) {
                int oc = g.shape(dy)[1];
                ad.accumulate(node.input(2), g.reshape(g.reduceTo(dy, 1, oc, 1, 1), oc));
            }
        }

        @Override
        public long flops(Node node, int[][] in) {
            Conv2dShape s = shapeOf(node.attrs(), in[0], in[1]);
            return 2L * s.n() * s.oc() * s.p() * s.k();
        }
    }

    /** Inputs (w, dy); attributes stride, pad, inShape: dx via W^T x dy and col2im. */
    public static final class Conv2dGradInput implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            int[] xs = a.get(OpAttr.IN_SHAPE);
            Conv2dShape s = shapeOf(a, xs, in[0]);
            Shapes.require(java.util.Arrays.equals(in[1], new int[] {s.n(), s.oc(), s.oh(), s.ow()}), "dy shape "
                    + Shapes.str(in[1]) + " does not match the convolution's output");
            return xs;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            Conv2dShape s = shapeOf(node.attrs(), node.shapeView(), in[0].shapeView());
            if (fast) {
                Conv2dKernels.backwardInput(s, in[0].data(), in[1].data(), out.data());
            } else {
                Conv2dReference.backwardInput(s, in[0].data(), in[1].data(), out.data());
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int[] xs = node.shapeView();
            Conv2dShape s = shapeOf(node.attrs(), xs, in[0].shapeView());
            int ix = index % xs[3];
            int iy = (index / xs[3]) % xs[2];
            int c = (index / (xs[2] * xs[3])) % xs[1];
            int n = index / (xs[1] * xs[2] * xs[3]);
            return Conv2dReference.inputGradElement(s, in[0].data(), in[1].data(), n, c, iy, ix, ch);
        }

        @Override
        public long flops(Node node, int[][] in) {
            Conv2dShape s = shapeOf(node.attrs(), node.attrs().get(OpAttr.IN_SHAPE), in[0]);
            return 2L * s.n() * s.oc() * s.p() * s.k();
        }
    }

    /** Inputs (x, dy); attributes stride, pad, wShape: dW, a chain over images then positions. */
    public static final class Conv2dGradWeight implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 2, 2);
            int[] ws = a.get(OpAttr.W_SHAPE);
            Conv2dShape s = shapeOf(a, in[0], ws);
            Shapes.require(java.util.Arrays.equals(in[1], new int[] {s.n(), s.oc(), s.oh(), s.ow()}), "dy shape "
                    + Shapes.str(in[1]) + " does not match the convolution's output");
            return ws;
        }

        @Override
        public void forward(Node node, Tensor[] in, Tensor out, boolean fast) {
            Conv2dShape s = shapeOf(node.attrs(), in[0].shapeView(), node.shapeView());
            if (fast) {
                Conv2dKernels.backwardWeight(s, in[0].data(), in[1].data(), out.data(), null);
            } else {
                Conv2dReference.backwardWeight(s, in[0].data(), in[1].data(), out.data(), null);
            }
        }

        @Override
        public Operand element(Node node, Tensor[] in, int index, ElementChain ch) {
            int[] ws = node.shapeView();
            Conv2dShape s = shapeOf(node.attrs(), in[0].shapeView(), ws);
            int kx = index % ws[3];
            int ky = (index / ws[3]) % ws[2];
            int c = (index / (ws[2] * ws[3])) % ws[1];
            int oc = index / (ws[1] * ws[2] * ws[3]);
            return Conv2dReference.weightGradElement(s, in[0].data(), in[1].data(), oc, c, ky, kx, ch);
        }

        @Override
        public long flops(Node node, int[][] in) {
            Conv2dShape s = shapeOf(node.attrs(), in[0], node.attrs().get(OpAttr.W_SHAPE));
            return 2L * s.n() * s.oc() * s.p() * s.k();
        }
    }
}
