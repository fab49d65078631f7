package dev.verity.testkit.node;

import dev.verity.node.InitClaims;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Chain;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.Verity;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainingState;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The init claim on the real contracts: checkpoint 0 of a task is its posted init root, and the init root is the state the
 * graph's init rules give. A claim on any element of the right init is refused (the contract's Philox and binary32 fma
 * give {@code Init.fill}'s bits, checked on elements across chunks of every state tensor, weights, biases and optimizer
 * state); a made-up init root posted by a submitter whose solver trained from it fails the task and slashes the solver.
 */
class InitClaimTest {
    private static TaskSpec spec() throws Exception {
        ModelConfig model = new ModelConfig.Mlp(new int[] {784, 40, 10});
        String dataset = "fashion-mnist:300";
        TaskSpec d = TaskSpec.defaults(model, dataset, TaskRun.datasetRootFor(dataset, model, 16), 8, 11, 4);
        return new TaskSpec(d.model(), d.dataset(), d.datasetRoot(), null, null, d.train().withBatch(16), 4);
    }

    @Test
    void theContractRecomputesEveryInitialValueAsInitFillDoes(@TempDir Path dir) throws Exception {
        TaskRun run = TaskRun.open(spec());
        LocalBlobStore store = new LocalBlobStore(dir);
        Manifest m = ProvenTraining.train(run, store, ProvenTraining.HONEST, null).manifest();
        TrainingState init = run.initialState(store);
        assertArrayEquals(run.initRoot(store), StateCommitment.rootOf(init));
        try (EmbeddedChain evm = new EmbeddedChain()) {
            ChainDispute cd = ChainDispute.deploy(evm);
            Verity v = cd.verity();
            long task = cd.commitTask(run, m, store);
            String claimant = evm.accounts().get(8);
            int claims = 0;
            for (String name : run.graph().stateInputs().keySet()) {
                Tensor t = init.tensors().get(name);
                for (int e : elements(t.size())) {
                    Verity.InitClaim c = InitClaims.at(run, store, init, name, e);
                    Chain.RevertException ex = assertThrows(Chain.RevertException.class, () -> v.challengeInit(claimant, task, c),
                            name + "[" + e + "]: the contract's init value is not Init.fill's");
                    assertEquals("InitRootMatchesTheGraph()", ex.reason(), name + "[" + e + "]");
                    claims++;
                }
            }
            assertTrue(claims > 20, "checked " + claims + " elements");
            assertEquals(null, InitClaims.find(run, store, init), "the right init has nothing to claim");
            assertEquals(Verity.Status.COMMITTED, v.task(task).status());
        }
    }

    @Test
    void aMadeUpInitRootFailsTheTaskAndSlashesTheSolverWhoTrainedFromIt(@TempDir Path dir) throws Exception {
        TaskRun run = TaskRun.open(spec());
        LocalBlobStore store = new LocalBlobStore(dir);
        TaskSpec s = run.spec();
        TrainingState madeUp = TaskRun.open(new TaskSpec(s.model(), s.dataset(), s.datasetRoot(), null, null, s.train().withSeed(99),
                s.checkpointInterval())).initialState(store);
        byte[] madeUpRoot = StateCommitment.rootOf(madeUp);
        // the solver trains from it (trainFrom advances the state it is given: hand it a copy)
        Manifest m = ProvenTraining.trainFrom(run, store, madeUp.copy(), new ArrayList<>(), ProvenTraining.HONEST, null).manifest();
        try (EmbeddedChain evm = new EmbeddedChain()) {
            ChainDispute cd = ChainDispute.deploy(evm);
            Verity v = cd.verity();
            long task = cd.commitTask(run, m, madeUpRoot);
            String solver = v.task(task).solver();
            String claimant = evm.accounts().get(8);
            BigInteger stake = v.task(task).spec().solverStake();
            BigInteger solverBefore = v.staked(solver);
            BigInteger claimantBefore = v.balanceOf(claimant);
            BigInteger treasuryBefore = v.balanceOf(v.treasury);
            Verity.InitClaim c = InitClaims.find(run, store, madeUp);
            assertNotNull(c, "a made-up init differs from the prescribed one");
            v.challengeInit(claimant, task, c);
            assertEquals(Verity.Status.FAILED, v.task(task).status());
            assertEquals(solverBefore.subtract(stake), v.staked(solver), "the solver's locked stake is slashed");
            assertEquals(claimantBefore.add(stake.divide(BigInteger.TWO)), v.balanceOf(claimant), "half to the claimant");
            assertEquals(treasuryBefore.add(stake.subtract(stake.divide(BigInteger.TWO))), v.balanceOf(v.treasury), "half to the treasury");
            v.settle(claimant, task); // no dispute is open: the failed task is refunded at once
            assertEquals(BigInteger.ZERO, v.task(task).escrow(), "the escrow is refunded");
            Chain.RevertException again = assertThrows(Chain.RevertException.class, () -> v.challengeInit(claimant, task, c));
            assertEquals("TaskNotOpenToChallenge()", again.reason());
        }
    }

    /** Elements at both ends of every chunk and the tensor's last one. */
    private static List<Integer> elements(int n) {
        List<Integer> out = new ArrayList<>();
        for (int e : new int[] {0, 1, 2, 3, 4, 5, 254, 255, 256, 257, 1023, 1024, n - 1}) {
            if (e < n && !out.contains(e)) {
                out.add(e);
            }
        }
        return out;
    }
}
