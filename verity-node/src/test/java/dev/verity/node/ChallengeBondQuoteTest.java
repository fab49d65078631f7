package dev.verity.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.PostParams;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.TaskRules;
import dev.verity.chain.Verity;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * The bond `verity task quote` prints is the one a challenge of the task pulls: the rules' bond, capped at the solver's
 * stake (ProtocolParams.admit), so rules with a bond no verifier could post still leave every task challengeable.
 */
class ChallengeBondQuoteTest {
    @Test
    void theQuotedBondIsTheOneAChallengePullsCappedAtTheSolversStake() {
        // the synthetic task's solver stakes 1,000 VRT: a 5,000 VRT bond is capped, a 50 VRT one is kept
        for (BigInteger ruled : new BigInteger[] {Verity.ether(5_000), Verity.ether(50)}) {
            try (EmbeddedChain chain = new EmbeddedChain()) {
                ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
                Verity v = Verity.deploy(chain, a.deployer(), a.treasury(),
                        Verity.Config.defaults().withRules(TaskRules.defaults().withChallengeBond(ruled)));
                ChainSelftest.setUp(v, a);
                SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);
                long id = ChainSelftest.committedTask(v, a, syn);
                PostParams spec = v.task(id).spec();
                TaskQuote q = new TaskQuote(spec.workUnits(), spec.totalSteps(), spec.checkpointInterval(), spec.numVerifiers(),
                        spec.maxPricePerUnit(), v.rules());
                BigInteger want = ruled.min(spec.solverStake());
                assertEquals(want, q.challengeBond(spec.solverStake()));
                assertEquals(want, v.task(id).rules().challengeBond());
                BigInteger wallet = v.balanceOf(a.challenger());
                v.openDispute(a.challenger(), id, 1);
                assertEquals(want, wallet.subtract(v.balanceOf(a.challenger())), "the bond the challenge pulled");
            }
        }
    }
}
