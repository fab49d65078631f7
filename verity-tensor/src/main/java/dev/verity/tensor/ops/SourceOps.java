package dev.verity.tensor.ops;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Operand;
import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.graph.Op;
import java.util.Arrays;

/** Nodes that bring values into the graph: state tensors, inputs, constants. */
public final class SourceOps {
    private SourceOps() {
    }

    /** STATE and INPUT: bound by the executor to the caller's tensors. */
    public static final class Source implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 0, 0);
            int[] s = a.get(OpAttr.SHAPE);
            Shapes.numel(s);
            for (int d : s) {
                Shapes.require(d > 0, "dimensions must be positive, got " + Arrays.toString(s));
            }
            return s;
        }

        @Override
        public void forward(Node n, Tensor[] in, Tensor out, boolean fast) {
            throw new IllegalStateException("sources are bound, not computed");
        }

        @Override
        public Operand element(Node n, Tensor[] in, int index, ElementChain chain) {
            throw new IllegalStateException("a source has no chain: its values are proven against the state or dataset root");
        }
    }

    /** A tensor filled with one value (the attribute {@code value}). */
    public static final class Const implements Op {
        @Override
        public int[] shape(Attrs a, int[][] in) {
            Shapes.arity(in, 0, 0);
            a.get(OpAttr.VALUE);
            return a.get(OpAttr.SHAPE);
        }

        @Override
        public void forward(Node n, Tensor[] in, Tensor out, boolean fast) {
            Arrays.fill(out.data(), n.attrs().get(OpAttr.VALUE));
        }

        @Override
        public Operand element(Node n, Tensor[] in, int index, ElementChain chain) {
            return chain.constant(n.attrs().get(OpAttr.VALUE));
        }
    }
}
