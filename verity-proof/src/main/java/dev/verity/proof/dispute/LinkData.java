package dev.verity.proof.dispute;

import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.graph.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * The data words the on-chain link-structure check reads to prescribe an element's chain (docs/referee.md, "Link
 * structure"): values the prescription depends on, which the challenger proves against their sources in round 5.
 * Mirrors the {@code _need} calls of verity-chain's LinkStructure / LinkStructureRows / LinkStructureNorm.
 */
public final class LinkData {
    private LinkData() {
    }

    /** Element {@code index} of input {@code number} (kind 0) or the result of link {@code number} (kind 1, index 0). */
    public record Need(int kind, int number, int index) {
        public Need {
            if (kind != 0 && kind != 1) {
                throw new IllegalArgumentException("a data word is an input element (0) or a link's result (1), not kind " + kind);
            }
        }
    }

    /**
     * What the prescription of link {@code t} (or, for {@code t} at or past the chain's end, the result leaf and the
     * length) of element {@code e} of {@code n} (inputs {@code in}) reads; empty for most op kinds.
     */
    public static List<Need> needs(Node n, Tensor[] in, int e, int t) {
        List<Need> d = new ArrayList<>();
        switch (n.kind()) {
            // the shuffled sample: link 1 (SHUFFLE) of the chain
            case GATHER_ROWS, GATHER_WINDOWS -> d.add(new Need(1, 1, 0));
            // the label of the row whose body holds link t (rows of equal length, then one DIV); none for the result
            case CROSS_ENTROPY -> {
                int rows = in[0].dim(0);
                ElementChain ch = new ElementChain();
                n.kind().op().element(n, in, e, ch);
                int body = (ch.links().size() - 1) / rows;
                if (body > 0 && t < rows * body) {
                    d.add(new Need(0, 1, t / body));
                }
            }
            // the label of the element's row
            case CROSS_ENTROPY_GRAD -> d.add(new Need(0, 1, e / in[0].dim(1)));
            // the token id of the element's position
            case EMBEDDING -> d.add(new Need(0, 1, e / in[0].dim(1)));
            // the step
            case LR_SCHEDULE -> d.add(new Need(0, 0, 0));
            // every token id, in order: which positions add into the element's row (and how many links there are)
            // depends on all of them
            case EMBEDDING_GRAD -> {
                int ids = in[0].size();
                for (int p = 0; p < ids; p++) {
                    d.add(new Need(0, 0, p));
                }
            }
            // the values of every window holding the element: whether it is a window's first maximum
            case MAXPOOL2D_GRAD -> {
                int k = n.attrs().get(OpAttr.KERNEL);
                int st = n.attrs().get(OpAttr.STRIDE);
                int[] is = in[0].shape();
                int[] os = in[1].shape();
                int px = e % is[3];
                int py = (e / is[3]) % is[2];
                int base = e / (is[2] * is[3]) * is[2] * is[3];
                java.util.LinkedHashSet<Integer> idx = new java.util.LinkedHashSet<>();
                for (int oy = py + 1 > k ? (py + 1 - k + st - 1) / st : 0; oy <= py / st && oy < os[2]; oy++) {
                    for (int ox = px + 1 > k ? (px + 1 - k + st - 1) / st : 0; ox <= px / st && ox < os[3]; ox++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                idx.add(base + (oy * st + ky) * is[3] + ox * st + kx);
                            }
                        }
                    }
                }
                for (int i : idx) {
                    d.add(new Need(0, 0, i));
                }
            }
            default -> {
            }
        }
        return d;
    }
}
