package dev.verity.tensor.onnx;

import dev.verity.tensor.graph.GraphBuilder;
import java.util.Arrays;

/** The image ops of the importer: Conv, the pools and BatchNormalization in training mode. */
final class OnnxConvolutions {
    private OnnxConvolutions() {
    }

    static void conv(OnnxImporter im, OnnxNode n) {
        GraphBuilder g = im.graph();
        noAutoPad(n);
        ones(n, "dilations");
        int x = im.computedInput(n, 0);
        int w = im.computedInput(n, 1);
        if (g.shape(x).length != 4) {
            throw OnnxImportException.at(n, "only 2-D convolutions ([N, C, H, W] inputs) are supported");
        }
        int stride = square(n, "strides", 1);
        int pad = equalPads(n);
        int bias = n.input(2).isEmpty() ? -1 : im.computedInput(n, 2);
        int groups = (int) n.intAttr("group", 1);
        im.define(n, groups == 1 ? g.conv2d(x, w, bias, stride, pad) : grouped(n, g, x, w, bias, stride, pad, groups));
    }

    /**
     * A grouped (or depthwise) convolution as one convolution per group on its slice of the channels, concatenated:
     * the same sums in the same order as a grouped kernel, from the existing CONV2D, SLICE and CONCAT (one op per
     * group, so a depthwise layer of C channels is C small convolutions; correct, not fast).
     */
    private static int grouped(OnnxNode n, GraphBuilder g, int x, int w, int bias, int stride, int pad, int groups) {
        int c = g.shape(x)[1];
        int oc = g.shape(w)[0];
        if (groups < 1 || c % groups != 0 || oc % groups != 0 || g.shape(w)[1] != c / groups) {
            throw OnnxImportException.at(n, "group " + groups + " does not divide " + c + " input and " + oc
                    + " output channels");
        }
        int ci = c / groups;
        int co = oc / groups;
        int[] parts = new int[groups];
        for (int k = 0; k < groups; k++) {
            int xk = g.slice(x, 1, k * ci, (k + 1) * ci);
            int wk = g.slice(w, 0, k * co, (k + 1) * co);
            int bk = bias < 0 ? -1 : g.slice(bias, 0, k * co, (k + 1) * co);
            parts[k] = g.conv2d(xk, wk, bk, stride, pad);
        }
        return g.concat(1, parts);
    }

    static void pool(OnnxImporter im, OnnxNode n) {
        GraphBuilder g = im.graph();
        noAutoPad(n);
        ones(n, "dilations");
        if (n.intAttr("ceil_mode", 0) != 0) {
            throw OnnxImportException.at(n, "ceil_mode is not supported");
        }
        if (equalPads(n) != 0) {
            throw OnnxImportException.at(n, "padded pooling is not supported");
        }
        if (n.outputs().size() > 1 && !n.output(1).isEmpty()) {
            throw OnnxImportException.at(n, "its indices output is not supported");
        }
        int x = im.computedInput(n, 0);
        int k = square(n, "kernel_shape", -1);
        int stride = square(n, "strides", 1);
        im.define(n, n.opType().equals("MaxPool") ? g.maxPool2d(x, k, stride) : g.avgPool2d(x, k, stride));
    }

    static void globalAveragePool(OnnxImporter im, OnnxNode n) {
        GraphBuilder g = im.graph();
        int x = im.computedInput(n, 0);
        int[] s = g.shape(x);
        if (s.length != 4) {
            throw OnnxImportException.at(n, "needs an [N, C, H, W] input, got " + Arrays.toString(s));
        }
        if (s[2] == s[3]) {
            im.define(n, g.avgPool2d(x, s[2], s[2]));
            return;
        }
        im.define(n, g.scale(g.reduceTo(x, s[0], s[1], 1, 1), 1f / (s[2] * s[3])));
    }

    /**
     * BatchNormalization in training mode, from existing ops. Per channel c, the batch statistics are over every
     * other axis: x is laid out as [C, M] (M = N*H*W) and normalised by LAYERNORM (biased variance, as BatchNorm
     * normalises), then scaled by gamma[c] and shifted by beta[c]. The running statistics are buffers updated as
     * PyTorch does: running = momentum * running + (1 - momentum) * batch (ONNX's momentum; the variance unbiased).
     */
    static void batchNorm(OnnxImporter im, OnnxNode n) {
        if (n.intAttr("training_mode", n.outputs().size() > 1 ? 1 : 0) != 1) {
            throw OnnxImportException.at(n, "was exported in inference mode; export with "
                    + "training=torch.onnx.TrainingMode.TRAINING");
        }
        GraphBuilder g = im.graph();
        int x = im.computedInput(n, 0);
        int[] s = g.shape(x);
        if (s.length != 2 && s.length != 4) {
            throw OnnxImportException.at(n, "needs an [N, C] or [N, C, H, W] input, got " + Arrays.toString(s));
        }
        int c = s[1];
        int m = (int) (g.node(x).numel() / c);
        int[] perm = s.length == 4 ? new int[] {1, 0, 2, 3} : new int[] {1, 0};
        int rows = g.reshape(g.transpose(x, perm), c, m);
        int y;
        if (im.training()) {
            int normal = g.layerNorm(rows, g.constant(1f, m), g.constant(0f, m), n.floatAttr("epsilon", 1e-5f));
            int gamma = g.reshape(im.computedInput(n, 1), c, 1);
            int beta = g.reshape(im.computedInput(n, 2), c, 1);
            y = g.add(g.mul(normal, gamma), beta);
        } else {
            // evaluation: the running statistics, folded with gamma and beta into one scale and shift per channel
            int scale = g.reshape(im.evaluationTensor(evalScale(n), c), c, 1);
            int shift = g.reshape(im.evaluationTensor(evalShift(n), c), c, 1);
            y = g.add(g.mul(rows, scale), shift);
        }
        int[] cFirst = s.clone();
        cFirst[0] = s[1];
        cFirst[1] = s[0];
        im.define(n, g.transpose(g.reshape(y, cFirst), perm));
        if (im.training()) {
            runningStatistics(im, n, rows, c, m);
        }
    }

    private static String evalScale(OnnxNode n) {
        return n.input(3) + ":eval_scale";
    }

    private static String evalShift(OnnxNode n) {
        return n.input(3) + ":eval_shift";
    }

    /**
     * What an evaluation graph's BatchNormalization reads besides the model: per channel c, scale = gamma / sqrt(var +
     * eps) and shift = beta - mean * scale, from the running statistics in {@code model} (in float32: sqrt correctly
     * rounded, one division, one fma-free multiply and subtraction), so y = x * scale + shift as PyTorch's eval mode.
     */
    static java.util.Map<String, dev.verity.tensor.Tensor> evaluationTensors(OnnxGraph graph,
            java.util.Map<String, dev.verity.tensor.Tensor> model) {
        java.util.TreeMap<String, dev.verity.tensor.Tensor> out = new java.util.TreeMap<>();
        for (OnnxNode n : graph.nodes()) {
            if (!n.opType().equals("BatchNormalization")) {
                continue;
            }
            float eps = n.floatAttr("epsilon", 1e-5f);
            float[] gamma = model.get(n.input(1)).data();
            float[] beta = model.get(n.input(2)).data();
            float[] mean = model.get(n.input(3)).data();
            float[] var = model.get(n.input(4)).data();
            float[] scale = new float[gamma.length];
            float[] shift = new float[gamma.length];
            for (int c = 0; c < scale.length; c++) {
                scale[c] = gamma[c] / (float) Math.sqrt(var[c] + eps); // sqrt of a float, correctly rounded via double
                shift[c] = beta[c] - mean[c] * scale[c];
            }
            out.put(evalScale(n), new dev.verity.tensor.Tensor(new int[] {scale.length}, scale));
            out.put(evalShift(n), new dev.verity.tensor.Tensor(new int[] {shift.length}, shift));
        }
        return out;
    }

    private static void runningStatistics(OnnxImporter im, OnnxNode n, int rows, int c, int m) {
        if (m < 2) {
            throw OnnxImportException.at(n, "needs at least 2 values per channel in a batch for its statistics");
        }
        GraphBuilder g = im.graph();
        float momentum = n.floatAttr("momentum", 0.9f);
        int mean = g.scale(g.reduceTo(rows, c, 1), 1f / m);
        int centred = g.sub(rows, mean);
        int var = g.scale(g.reduceTo(g.mul(centred, centred), c, 1), 1f / (m - 1));
        int rm = im.computedInput(n, 3);
        int rv = im.computedInput(n, 4);
        im.updateBuffer(n.input(3), g.add(g.scale(rm, momentum), g.scale(g.reshape(mean, c), 1f - momentum)));
        im.updateBuffer(n.input(4), g.add(g.scale(rv, momentum), g.scale(g.reshape(var, c), 1f - momentum)));
    }

    private static void noAutoPad(OnnxNode n) {
        String autoPad = n.stringAttr("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET")) {
            throw OnnxImportException.at(n, "auto_pad " + autoPad + " is not supported; export with explicit padding");
        }
    }

    private static void ones(OnnxNode n, String key) {
        for (long d : n.intsAttr(key, new long[0])) {
            if (d != 1) {
                throw OnnxImportException.at(n, key + " " + Arrays.toString(n.intsAttr(key, null)) + " are not supported");
            }
        }
    }

    /** A 2-D attribute with equal entries (kernel, strides); {@code otherwise} if absent (-1: required). */
    private static int square(OnnxNode n, String key, int otherwise) {
        long[] v = n.intsAttr(key, null);
        if (v == null) {
            if (otherwise < 0) {
                throw OnnxImportException.at(n, "needs " + key);
            }
            return otherwise;
        }
        if (v.length != 2 || v[0] != v[1]) {
            throw OnnxImportException.at(n, key + " " + Arrays.toString(v) + ": only equal height and width are supported");
        }
        return (int) v[0];
    }

    /** The padding, equal on all four sides (0 when absent). */
    private static int equalPads(OnnxNode n) {
        long[] p = n.intsAttr("pads", new long[4]);
        for (long v : p) {
            if (v != p[0]) {
                throw OnnxImportException.at(n, "pads " + Arrays.toString(p) + ": only equal padding on all sides is supported");
            }
        }
        return p.length == 0 ? 0 : (int) p[0];
    }
}
