package dev.verity.tensor.onnx;

import java.util.Arrays;
import java.util.List;

/**
 * Constant folding of the shape arithmetic PyTorch's exporter writes (x.size(0), x.view(b, -1), torch.arange(T)):
 * small integer tensors computed at import, from the shapes Verity's graph has, never at training time.
 */
final class Folding {
    private Folding() {
    }

    static OnnxTensor gather(OnnxNode n, OnnxTensor data, OnnxTensor idx) {
        if (data.shape().length != 1 || n.intAttr("axis", 0) != 0) {
            throw OnnxImportException.at(n, "folds Gather of 1-D constants only");
        }
        long[] at = idx.asLongs();
        int len = data.size();
        long[] out = new long[at.length];
        float[] outF = new float[at.length];
        for (int i = 0; i < at.length; i++) {
            int k = (int) clampChecked(n, at[i], len);
            if (data.isFloat()) {
                outF[i] = data.floatAt(k);
            } else {
                out[i] = data.longAt(k);
            }
        }
        return data.isFloat() ? OnnxTensor.ofFloats(n.output(0), idx.shape(), outF)
                : OnnxTensor.ofLongs(n.output(0), idx.shape(), out);
    }

    private static long clampChecked(OnnxNode n, long i, int len) {
        long k = i < 0 ? i + len : i;
        if (k < 0 || k >= len) {
            throw OnnxImportException.at(n, "index " + i + " outside [0, " + len + ")");
        }
        return k;
    }

    /** ONNX Slice's rule for a start or end: negative counts from the end, then clamp to [0, dim]. */
    static long clampIndex(long i, int dim) {
        long k = i < 0 ? i + dim : i;
        return Math.clamp(k, 0, dim);
    }

    static int[] squeezed(OnnxNode n, int[] s, long[] axes) {
        boolean[] drop = new boolean[s.length];
        for (int i = 0; i < s.length; i++) {
            drop[i] = axes == null && s[i] == 1;
        }
        for (long a : axes == null ? new long[0] : axes) {
            int k = (int) (a < 0 ? a + s.length : a);
            if (k < 0 || k >= s.length || s[k] != 1) {
                throw OnnxImportException.at(n, "cannot squeeze axis " + a + " of " + Arrays.toString(s));
            }
            drop[k] = true;
        }
        int[] out = new int[s.length];
        int j = 0;
        for (int i = 0; i < s.length; i++) {
            if (!drop[i]) {
                out[j++] = s[i];
            }
        }
        return Arrays.copyOf(out, j);
    }

    static int[] unsqueezed(OnnxNode n, int[] s, long[] axes) {
        if (axes == null) {
            throw OnnxImportException.at(n, "needs axes");
        }
        int rank = s.length + axes.length;
        boolean[] added = new boolean[rank];
        for (long a : axes) {
            int k = (int) (a < 0 ? a + rank : a);
            if (k < 0 || k >= rank || added[k]) {
                throw OnnxImportException.at(n, "bad axes " + Arrays.toString(axes) + " for " + Arrays.toString(s));
            }
            added[k] = true;
        }
        int[] out = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            out[i] = added[i] ? 1 : s[j++];
        }
        return out;
    }

    static OnnxTensor concat(OnnxNode n, List<OnnxTensor> parts) {
        int total = 0;
        boolean floats = false;
        for (OnnxTensor t : parts) {
            if (t.shape().length > 1) {
                throw OnnxImportException.at(n, "folds Concat of scalars and vectors only");
            }
            total += t.size();
            floats |= t.isFloat();
        }
        long[] l = new long[total];
        float[] f = new float[total];
        int k = 0;
        for (OnnxTensor t : parts) {
            for (int i = 0; i < t.size(); i++, k++) {
                f[k] = t.floatAt(i);
                l[k] = floats ? 0 : t.longAt(i);
            }
        }
        return floats ? OnnxTensor.ofFloats(n.output(0), new int[] {total}, f)
                : OnnxTensor.ofLongs(n.output(0), new int[] {total}, l);
    }

    static OnnxTensor slice(OnnxNode n, OnnxTensor t, long[] starts, long[] ends, long[] axes, long[] steps) {
        if (t.shape().length != 1 || starts.length != 1 || (axes != null && axes[0] != 0 && axes[0] != -1)
                || (steps != null && steps[0] != 1)) {
            throw OnnxImportException.at(n, "folds Slice of a 1-D constant with step 1 only");
        }
        int lo = (int) clampIndex(starts[0], t.size());
        int hi = Math.max(lo, (int) clampIndex(ends[0], t.size()));
        if (t.isFloat()) {
            return OnnxTensor.ofFloats(n.output(0), new int[] {hi - lo}, Arrays.copyOfRange(t.floats(), lo, hi));
        }
        return OnnxTensor.ofLongs(n.output(0), new int[] {hi - lo}, Arrays.copyOfRange(t.longs(), lo, hi));
    }

    /** Elementwise Add/Sub/Mul/Div of two constants, one of them possibly a single value. */
    static OnnxTensor arithmetic(OnnxNode n, String op, OnnxTensor a, OnnxTensor b) {
        if (a.size() != b.size() && a.size() != 1 && b.size() != 1) {
            throw OnnxImportException.at(n, "folds arithmetic of equal shapes or with a single value only");
        }
        OnnxTensor shapeOf = a.size() >= b.size() ? a : b;
        int size = shapeOf.size();
        boolean floats = a.isFloat() || b.isFloat();
        float[] f = new float[size];
        long[] l = new long[size];
        for (int i = 0; i < size; i++) {
            int ia = a.size() == 1 ? 0 : i;
            int ib = b.size() == 1 ? 0 : i;
            if (floats) {
                f[i] = floatOp(op, a.floatAt(ia), b.floatAt(ib));
            } else {
                l[i] = longOp(n, op, a.longAt(ia), b.longAt(ib));
            }
        }
        return floats ? OnnxTensor.ofFloats(n.output(0), shapeOf.shape(), f)
                : OnnxTensor.ofLongs(n.output(0), shapeOf.shape(), l);
    }

    private static float floatOp(String op, float x, float y) {
        return switch (op) {
            case "Add" -> x + y;
            case "Sub" -> x - y;
            case "Mul" -> x * y;
            default -> x / y;
        };
    }

    private static long longOp(OnnxNode n, String op, long x, long y) {
        return switch (op) {
            case "Add" -> Math.addExact(x, y);
            case "Sub" -> Math.subtractExact(x, y);
            case "Mul" -> Math.multiplyExact(x, y);
            default -> {
                if (y == 0) {
                    throw OnnxImportException.at(n, "integer division by zero");
                }
                yield x / y; // ONNX integer Div truncates toward zero, as Java's does
            }
        };
    }
}
