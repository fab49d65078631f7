package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.verity.chain.Governance.ProposalState;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole governance path on a Hardhat node over JSON-RPC, where views are evaluated at a node's own notion of the
 * current block: the binding's checks (votes at the last block, voting open, the timelock's release) must agree with
 * what the contracts then accept, as they do on the embedded chain.
 */
@Timeout(300)
class GovernanceRpcTest {
    @Test
    void aRuleChangePassesOverJsonRpc() throws Exception {
        try (HardhatNode node = TestNodes.hardhat(); RpcChain chain = RpcChain.devNode(node.url)) {
            String deployer = chain.accounts().get(0);
            Verity v = Verity.deploy(chain, deployer, chain.accounts().get(1), Verity.Config.defaults().withGovernance(GovernanceTest.FAST));
            Governance gov = new Governance(v);
            gov.delegate(deployer, deployer);
            TaskRules next = gov.rules().with("replayFeeFloorBps", BigInteger.valueOf(12_000));
            BigInteger id = gov.proposeRules(deployer, next, "Replay fee floor 120%");
            int mined = 0;
            while (gov.state(id) == ProposalState.PENDING && mined++ < 5) chain.advanceTime(12);
            assertEquals(ProposalState.ACTIVE, gov.state(id));
            gov.castVote(deployer, id, Governance.Support.FOR);
            mined = 0;
            while (gov.state(id) == ProposalState.ACTIVE && mined++ < 2 * GovernanceTest.FAST.votingPeriod()) chain.advanceTime(12);
            assertEquals(ProposalState.SUCCEEDED, gov.state(id));
            gov.queue(deployer, id);
            chain.advanceTime(GovernanceTest.FAST.timelockDelay());
            gov.execute(chain.accounts().get(0), id);
            assertEquals(ProposalState.EXECUTED, gov.state(id));
            assertEquals(next, gov.rules());
            assertEquals(v.governor, Verity.attach(chain, v.deployment()).governor);
        }
    }
}
