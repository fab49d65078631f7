package dev.verity.tensor.math;

import static dev.verity.tensor.math.DetMathTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.verity.tensor.elementchain.BasicOp;
import dev.verity.tensor.elementchain.ElementChain;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import java.util.EnumSet;
import java.util.SplittableRandom;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The chain form gives the scalar result, every link recomputes, and the sequence is fixed. */
class DetMathChainTest {
    private static final Set<BasicOp> FLOAT_OPS = EnumSet.of(BasicOp.ADD, BasicOp.SUB, BasicOp.MUL, BasicOp.DIV,
            BasicOp.FMA, BasicOp.SQRT, BasicOp.NEG, BasicOp.ABS, BasicOp.MAX, BasicOp.MIN, BasicOp.GT,
            BasicOp.SELECT, BasicOp.RINT, BasicOp.SCALB, BasicOp.GETEXP, BasicOp.GETMANT);

    @Test
    void chainEqualsScalarAndEveryLinkRecomputes() {
        SplittableRandom r = new SplittableRandom(2024);
        for (Fn fn : FNS) {
            int fixedSize = -1;
            for (int i = 0; i < 6000; i++) {
                float x = input(r, i);
                ElementChain c = new ElementChain();
                Operand in = c.input(0, i, x);
                Operand out = fn.chain().apply(c, in);
                float want = fn.scalar().apply(x);
                assertTrue(sameBits(want, ElementChain.value(out)),
                        fn.name() + "(" + x + "): scalar " + want + " chain " + ElementChain.value(out));
                if (fixedSize < 0) {
                    fixedSize = c.size();
                }
                // no data-dependent branches: every input records the same number of links
                assertEquals(fixedSize, c.size(), fn.name() + "(" + x + ") link count");
                for (Link link : c.links()) {
                    assertTrue(FLOAT_OPS.contains(link.op()), link.op().toString());
                    assertEquals(link.resultBits(), link.recompute(), fn.name() + " link " + link);
                }
                // the result is the last link
                assertEquals(out.bits(), c.links().get(c.size() - 1).resultBits());
            }
        }
    }

    @Test
    void sequenceIsTheSameForEveryInput() {
        // the op sequence (not just its length) is input-independent
        for (Fn fn : FNS) {
            ElementChain a = new ElementChain();
            fn.chain().apply(a, a.input(0, 0, 0.3f));
            for (float x : SPECIALS) {
                ElementChain b = new ElementChain();
                fn.chain().apply(b, b.input(0, 0, x));
                assertEquals(a.size(), b.size(), fn.name());
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(a.links().get(i).op(), b.links().get(i).op(), fn.name() + " link " + i);
                }
            }
        }
    }
}
