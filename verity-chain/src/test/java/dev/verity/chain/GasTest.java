package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gas per external function, and the gas of a whole dispute for a small task and for a task of 2^17
 * steps with a million-parameter output tensor. The only growth allowed is the Merkle proof depth
 * (logarithmic: one SHA-256 precompile call per level); the whole dispute must stay within a fixed
 * budget however large the task.
 */
class GasTest {
    /** The contracts with the defaults (real referees), the actors funded, staked and registered. */
    private static Verity deployed(EmbeddedChain chain, ChainSelftest.Actors a) {
        Verity v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults());
        ChainSelftest.setUp(v, a);
        return v;
    }

    /** The whole dispute's gas: the costliest call of each dispute move ("... (round n...)"). */
    private static long wholeDispute(Map<String, List<Long>> table) {
        long total = 0;
        for (var e : table.entrySet()) if (e.getKey().contains("(round")) total += e.getValue().stream().mapToLong(Long::longValue).max().orElse(0);
        return total;
    }

    private static long disputeGas(SyntheticDispute syn, String label) {
        try (EmbeddedChain chain = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity v = deployed(chain, a);
            ChainSelftest.honestTask(v, a, syn);
            long id = ChainSelftest.committedTask(v, a, syn);
            ChainSelftest.playDispute(v, a, id, syn, syn.numSegments() - 1, 3, syn.graphOps - 1, syn.outputElems - 1, syn.chainLength - 1);
            ChainSelftest.checkConservation(v, a);
            Map<String, List<Long>> table = v.gasTable();
            System.out.println("== " + label + ": " + syn.totalSteps + " steps, c=" + syn.interval + ", " + syn.graphOps + " ops, "
                    + syn.outputElems + " output elements, chain " + syn.chainLength);
            ChainSelftest.printGas(table, System.out);
            long total = wholeDispute(table);
            return total;
        }
    }

    @Test
    void disputeGasDoesNotGrowWithTaskSize() {
        // the same checkpoint interval as the large task: round 2 posts the segment's c + 1 leaves, so its gas grows with c
        // (a choice of the task), never with the number of steps or the model
        // (256 steps: the replay fee of a 64-step segment of 1,000 work units, 250 VRT, is the seat stake the verifiers'
        // 300 VRT can lock)
        long small = disputeGas(new SyntheticDispute(256, 64, 8, 1024, 16, 1), "small task");
        long big = disputeGas(gptSized(), "2^17 steps, gpt-sized graph, 1M parameters");
        System.out.printf("whole dispute: small %d gas, large %d gas (x%.2f for 2048x the steps and 1024x the parameters)%n", small, big,
                (double) big / small);
        // Depth grows from ~3-7 to ~11-12 levels per proof, at a few hundred gas per level plus calldata.
        assertTrue(big < small * 13 / 10, "dispute gas grew too much: " + small + " -> " + big);
        // every dispute within 1M gas (docs/dispute-protocol.md, "Gas")
        assertTrue(big <= GOAL, "whole dispute must fit the " + GOAL + " gas bound: " + big);
    }

    /**
     * Every dispute within 1M gas. Soundness comes first: round 2 posts the segment's leaves as calldata so that no root
     * goes on chain that its poster cannot open (about 130k at c = 64), which took the common path past the earlier 500k.
     */
    static final long GOAL = 1_000_000;

    /**
     * A dispute the size of the gpt of issue 3 (2 layers, d128, ctx 64: a 501-op step graph) trained for 2^17 steps
     * with checkpoints every 64: 512 graph ops (the same proof depth, 9), a 2^20-element output tensor (larger than
     * any of its tensors) and a 1024-link chain (longer than any of its elements' chains).
     */
    static SyntheticDispute gptSized() {
        return new SyntheticDispute(1 << 17, 64, 512, 1 << 20, 1024, 2);
    }

    /**
     * The withholding path at gpt size: the solver published neither the disputed step's op trace (512 entries) nor the
     * element chain (1025 leaves), so the challenger demands both and the solver posts them as calldata. The solver pays
     * for the openings; every transaction must fit a block (30M gas).
     */
    @Test
    void demandedOpeningsAtGptSize() {
        SyntheticDispute syn = gptSized();
        try (EmbeddedChain chain = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity v = deployed(chain, a);
            long id = ChainSelftest.committedTask(v, a, syn);
            long seg = syn.numSegments() - 1;
            v.clearGas();
            long d = v.openDispute(a.challenger(), id, seg);
            v.round2(a.solver(), d, syn.round2(seg));
            v.demandOpTrace(a.challenger(), d, syn.step(seg, 3));
            v.postOpTrace(a.solver(), d, syn.opTraceEntries());
            v.round3(a.challenger(), d, syn.round3(seg, 3, syn.graphOps - 1, syn.outputElems - 1));
            v.round4(a.solver(), d, syn.round4());
            v.demandChain(a.challenger(), d);
            v.postChain(a.solver(), d, syn.chainLeaves());
            v.round5(a.challenger(), d, syn.round5(syn.chainLength - 1));
            org.junit.jupiter.api.Assertions.assertTrue(v.dispute(d).challengerWon());
            ChainSelftest.checkConservation(v, a);
            Map<String, List<Long>> table = v.gasTable();
            System.out.println("== 2^17 steps, gpt-sized graph: the op trace and the element chain demanded and posted on chain");
            ChainSelftest.printGas(table, System.out);
            long total = 0;
            for (var e : table.entrySet()) {
                long max = e.getValue().stream().mapToLong(Long::longValue).max().orElse(0);
                assertTrue(max <= 30_000_000, e.getKey() + " does not fit a block: " + max);
                if (e.getKey().contains("(round")) total += max;
            }
            System.out.println("whole dispute with both openings demanded: " + total + " gas");
        }
    }

    /**
     * The whole dispute of a 2^17-step gpt-sized task with a million-parameter output, decided by the real
     * referee (BasicOpReferee recomputing the disputed fma from a 0x70 link leaf). The synthetic
     * chain's links are random, so the challenger must win.
     */
    @Test
    void wholeDisputeWithTheRealReferee() {
        SyntheticDispute syn = gptSized();
        try (EmbeddedChain chain = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity v = deployed(chain, a);
            long id = ChainSelftest.committedTask(v, a, syn);
            long seg = syn.numSegments() - 1;
            int t = syn.chainLength - 1;
            long d = v.openDispute(a.challenger(), id, seg);
            v.round2(a.solver(), d, syn.round2(seg));
            v.round3(a.challenger(), d, syn.round3(seg, 3, syn.graphOps - 1, syn.outputElems - 1));
            v.round4(a.solver(), d, syn.round4());
            DisputeMoves.LinkPick r5 = syn.round5(t);
            Verity.Link l = syn.link(t);
            v.round5(a.challenger(), d, r5);
            ChainSelftest.checkConservation(v, a);
            boolean fmaRight = Float.floatToRawIntBits(Math.fma(Float.intBitsToFloat((int) l.x()), Float.intBitsToFloat((int) l.y()),
                    Float.intBitsToFloat((int) l.z()))) == (int) l.result();
            org.junit.jupiter.api.Assertions.assertEquals(!fmaRight, v.dispute(d).challengerWon());
            Map<String, List<Long>> table = v.gasTable();
            System.out.println("== 2^17 steps, gpt-sized graph, 1M parameters, real referee (BasicOpReferee recomputing the proven 0x70 fma link)");
            ChainSelftest.printGas(table, System.out);
            long total = wholeDispute(table);
            System.out.println("whole dispute with the real referee: " + total + " gas");
            assertTrue(total <= GOAL, "whole dispute must fit the " + GOAL + " gas goal: " + total);
        }
    }
}
