package dev.verity.chain;

import dev.verity.merkle.Sha256;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Governance.GovernanceException;
import dev.verity.chain.Governance.ProposalState;
import dev.verity.chain.Governance.Support;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Governance on the real contracts (OpenZeppelin's Governor, TimelockController and ERC20Votes on the embedded EVM):
 * a passed proposal changes ProtocolParams' rules and nothing else does, the deployer keeps no role, and a proposal
 * that cannot pass or cannot execute is refused with figures (by the binding first, by the contracts anyway).
 */
class GovernanceTest {
    /** Short windows so a test runs a whole vote: opens 1 block after the proposal, lasts 10 blocks, 1 hour in the timelock. */
    static final GovernanceSettings FAST = new GovernanceSettings(1, 10, Verity.ether(1_000), 4, 3_600);

    private EmbeddedChain chain;
    private Verity v;
    private Governance gov;
    private String deployer;

    @BeforeEach
    void deploy() {
        chain = new EmbeddedChain();
        deployer = chain.accounts().get(0);
        v = Verity.deploy(chain, deployer, chain.accounts().get(1), Verity.Config.defaults().withGovernance(FAST));
        gov = new Governance(v);
    }

    @AfterEach
    void close() {
        chain.close();
    }

    /** Mines {@code n} empty blocks, 12 s apart. */
    private void mine(long n) {
        for (long i = 0; i < n; i++) chain.advanceTime(12);
    }

    private static void reverts(String reasonPrefix, org.junit.jupiter.api.function.Executable e) {
        Chain.RevertException ex = assertThrows(Chain.RevertException.class, e);
        assertTrue(String.valueOf(ex.reason()).startsWith(reasonPrefix), "reverted with " + ex.reason() + " (" + ex.getMessage() + "), expected " + reasonPrefix);
    }

    private static void refused(String part, org.junit.jupiter.api.function.Executable e) {
        GovernanceException ex = assertThrows(GovernanceException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }

    @Test
    void aPassedProposalChangesTheRulesAfterTheTimelock() {
        TaskRules before = gov.rules();
        assertEquals(TaskRules.defaults(), before, "the deployment starts with the configured rules");
        gov.delegate(deployer, deployer);
        mine(1);
        TaskRules next = before.with("feeBps", BigInteger.valueOf(300)).with("forcedErrorPpm", BigInteger.ZERO);
        BigInteger id = gov.proposeRules(deployer, next, "Fee 3%, no forced errors");
        assertEquals(ProposalState.PENDING, gov.state(id));
        assertEquals(next, gov.proposal(id).setRules(v.params).orElseThrow(), "the proposal's event holds the rules it would set");
        refused("not open yet: it opens at block", () -> gov.castVote(deployer, id, Support.FOR));
        refused("cannot be queued: it is Pending", () -> gov.queue(deployer, id));

        mine(1);
        assertEquals(ProposalState.ACTIVE, gov.state(id));
        gov.castVote(deployer, id, Support.FOR);
        refused("has voted on proposal", () -> gov.castVote(deployer, id, Support.AGAINST));
        refused("cannot be queued: it is Active (voting is open until block", () -> gov.queue(deployer, id));
        reverts("GovernorUnexpectedProposalState", () -> gov.queueUnchecked(deployer, gov.proposal(id)));

        mine(FAST.votingPeriod());
        assertEquals(ProposalState.SUCCEEDED, gov.state(id));
        refused("cannot be executed: it is Succeeded; queue it next", () -> gov.execute(deployer, id));
        String anyone = chain.accounts().get(7); // queueing and executing need no votes
        long eta = gov.queue(anyone, id);
        assertEquals(ProposalState.QUEUED, gov.state(id));
        assertTrue(eta >= chain.timestamp() + FAST.timelockDelay() - 1, "eta " + eta + " is the timelock's delay after the queue");
        refused("the timelock releases it at", () -> gov.execute(anyone, id));
        reverts("TimelockUnexpectedOperationState", () -> gov.executeUnchecked(anyone, gov.proposal(id)));
        assertEquals(before, gov.rules(), "nothing changes before the timelock releases the proposal");

        chain.advanceTime(FAST.timelockDelay());
        gov.execute(anyone, id);
        assertEquals(ProposalState.EXECUTED, gov.state(id));
        assertEquals(next, gov.rules());
        refused("cannot be executed: it is Executed", () -> gov.execute(anyone, id));
    }

    @Test
    void onlyThePassedProposalsOfTheTimelockSetRulesAndTheDeployerKeepsNoRole() {
        TaskRules next = gov.rules().with("feeBps", BigInteger.ONE);
        for (String who : List.of(deployer, chain.accounts().get(3), v.governor)) {
            reverts("OwnableUnauthorizedAccount", () -> v.chain.send(who, v.params, gov.setRulesCall(next)));
        }
        assertEquals(v.timelock, Abi.wordAddress(v.view(v.params, "owner()"), 0).toLowerCase());
        assertFalse(gov.hasRole(Governance.DEFAULT_ADMIN_ROLE, deployer), "the deployer is not the timelock's admin");
        assertFalse(gov.hasRole(Governance.PROPOSER_ROLE, deployer));
        assertFalse(gov.hasRole(Governance.CANCELLER_ROLE, deployer));
        assertTrue(gov.hasRole(Governance.DEFAULT_ADMIN_ROLE, v.timelock), "the timelock administers itself (changes only by its own operations)");
        assertTrue(gov.hasRole(Governance.PROPOSER_ROLE, v.governor));
        assertTrue(gov.hasRole(Governance.CANCELLER_ROLE, v.governor));
        assertTrue(gov.hasRole(Governance.EXECUTOR_ROLE, "0x0000000000000000000000000000000000000000"), "anyone executes a released operation");
        // scheduling directly in the timelock, around the governor, is refused
        byte[] zero = new byte[32];
        reverts("AccessControlUnauthorizedAccount", () -> v.tx(deployer, v.timelock, "VerityTimelock.schedule",
                "schedule(address,uint256,bytes,bytes32,bytes32,uint256)", Abi.addr(v.params), Abi.u256(0), Abi.bytes(gov.setRulesCall(next)),
                Abi.b32(zero), Abi.b32(zero), Abi.u256(FAST.timelockDelay())));
        // so are the governor's own settings outside a proposal
        reverts("GovernorOnlyExecutor", () -> v.tx(deployer, v.governor, "VerityGovernor.setVotingPeriod", "setVotingPeriod(uint32)", Abi.u32(1)));
        // the deployer's one other power, wiring the contracts together, was spent by the deployment
        reverts("AlreadyWired", () -> v.tx(deployer, v.market, "TaskMarket.wire", "wire(address)", Abi.addr(deployer)));
        reverts("AlreadyWired", () -> v.tx(deployer, v.game, "DisputeGame.wire", "wire(address)", Abi.addr(deployer)));
        reverts("AlreadyWired", () -> v.tx(deployer, v.registry, "ModelRegistry.wire", "wire(address)", Abi.addr(deployer)));
        reverts("AlreadyWired", () -> v.tx(deployer, v.staking, "Staking.wire", "wire(address,address)", Abi.addr(deployer), Abi.addr(deployer)));
        assertEquals(TaskRules.defaults(), gov.rules());
        // and the deployment binds again through its file, with the governance checked
        assertEquals(v.governor, Verity.attach(chain, v.deployment()).governor);
    }

    @Test
    void aProposalThatMissesItsQuorumIsDefeatedAndCannotBeQueued() {
        String small = chain.accounts().get(2);
        v.transfer(deployer, small, Verity.ether(10_000)); // 0.001% of the supply: above the threshold, far below a 4% quorum
        gov.delegate(small, small);
        mine(1);
        BigInteger id = gov.proposeRules(small, gov.rules().with("feeBps", BigInteger.valueOf(100)), "Fee 1%");
        mine(2);
        gov.castVote(small, id, Support.FOR);
        mine(FAST.votingPeriod());
        assertEquals(ProposalState.DEFEATED, gov.state(id));
        Governance.Status s = gov.status(id);
        assertEquals(Verity.ether(10_000), s.tally().forVotes());
        assertEquals(Verity.ether(40_000_000), s.quorum(), "4% of the 10^9 VRT supply at the snapshot");
        refused("cannot be queued: it is Defeated (for 10000 VRT, against 0 VRT, abstain 0 VRT; quorum 40000000 VRT not reached",
                () -> gov.queue(small, id));
        refused("closed at block " + s.deadline() + "; it is Defeated", () -> gov.castVote(deployer, id, Support.FOR));
        reverts("GovernorUnexpectedProposalState", () -> gov.queueUnchecked(small, gov.proposal(id)));
    }

    @Test
    void moreAgainstThanForIsDefeatedEvenWithAQuorum() {
        String other = chain.accounts().get(2);
        v.transfer(deployer, other, Verity.ether(100_000_000));
        gov.delegate(deployer, deployer);
        gov.delegate(other, other);
        mine(1);
        BigInteger id = gov.proposeRules(other, gov.rules().with("jackpotShareBps", BigInteger.valueOf(5_000)), "Half the fee to the jackpot");
        mine(2);
        gov.castVote(other, id, Support.FOR);
        gov.castVote(deployer, id, Support.AGAINST);
        mine(FAST.votingPeriod());
        refused("quorum 40000000 VRT reached, not more for than against", () -> gov.queue(other, id));
    }

    @Test
    void aProposerBelowTheThresholdIsToldToDelegate() {
        String holder = chain.accounts().get(2);
        v.transfer(deployer, holder, Verity.ether(5_000));
        TaskRules next = gov.rules().with("feeBps", BigInteger.valueOf(300));
        refused("has 0 VRT of votes, the proposal threshold is 1000 VRT; votes count only once delegated. It holds 5000 VRT: delegate to itself first",
                () -> gov.proposeRules(holder, next, "Fee 3%"));
        reverts("GovernorInsufficientProposerVotes", () -> gov.proposeUnchecked(holder, List.of(v.params), List.of(BigInteger.ZERO),
                List.of(gov.setRulesCall(next)), "Fee 3%"));
        gov.delegate(holder, holder); // counts from the next block, the one the proposal is mined in
        BigInteger id = gov.proposeRules(holder, next, "Fee 3%");
        refused("the same proposal exists already (id " + id, () -> gov.proposeRules(holder, next, "Fee 3%"));
    }

    /** A setRules call with any values, in range or not (TaskRules refuses values out of range, ProtocolParams must too). */
    private static byte[] rawSetRules(BigInteger seatStake, long feeBps, long minStakeBps, long replayFeeFloorBps, long jackpotShareBps, long forcedErrorPpm) {
        return rawSetRules(seatStake, feeBps, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, Verity.ether(50), 86_400);
    }

    private static byte[] rawSetRules(BigInteger seatStake, long feeBps, long minStakeBps, long replayFeeFloorBps, long jackpotShareBps, long forcedErrorPpm,
            BigInteger challengeBond, long roundTimeout) {
        return Abi.call("setRules((uint128,uint16,uint16,uint16,uint16,uint32,uint32,uint128,uint64))", Abi.tuple(Abi.u128(seatStake),
                Abi.u16(feeBps), Abi.u16(minStakeBps), Abi.u16(replayFeeFloorBps), Abi.u16(jackpotShareBps), Abi.u32(forcedErrorPpm), Abi.u32(0),
                Abi.u128(challengeBond), Abi.u64(roundTimeout)));
    }

    @Test
    void aRuleOutOfRangeIsRefusedBeforeProposingAndFailsAtExecutionAnyway() {
        gov.delegate(deployer, deployer);
        mine(1);
        IllegalArgumentException java = assertThrows(IllegalArgumentException.class, () -> gov.rules().with("feeBps", BigInteger.valueOf(5_000)));
        assertEquals("feeBps must be in [0, 2000], got 5000", java.getMessage());
        byte[] bad = rawSetRules(Verity.ether(100), 5_000, 10_000, 10_000, 4_000, 20_000);
        refused("rule out of range: feeBps = 5000, ProtocolParams allows [0, 2000]", () -> gov.checkSetRules(bad));
        refused("rule out of range: minStakeBps = 9999, ProtocolParams allows [10000, 50000]",
                () -> gov.checkSetRules(rawSetRules(Verity.ether(100), 250, 9_999, 10_000, 4_000, 20_000)));
        // a free challenge would let anyone hold up every task; a round too short to answer in would let either party win by
        // the other's network delay
        refused("rule out of range: challengeBond = 0, ProtocolParams allows [1, " + BigInteger.TWO.pow(128).subtract(BigInteger.ONE) + "]",
                () -> gov.checkSetRules(rawSetRules(Verity.ether(100), 250, 10_000, 10_000, 4_000, 20_000, BigInteger.ZERO, 86_400)));
        refused("rule out of range: roundTimeout = 60, ProtocolParams allows [600, 31536000]",
                () -> gov.checkSetRules(rawSetRules(Verity.ether(100), 250, 10_000, 10_000, 4_000, 20_000, Verity.ether(50), 60)));
        assertEquals("roundTimeout must be in [600, 31536000] seconds, got 60",
                assertThrows(IllegalArgumentException.class, () -> gov.rules().with("roundTimeout", BigInteger.valueOf(60))).getMessage());
        gov.checkSetRules(gov.setRulesCall(TaskRules.defaults())); // rules in range pass the same check
        BigInteger id = gov.proposeUnchecked(deployer, List.of(v.params), List.of(BigInteger.ZERO), List.of(bad), "Fee 50%");
        assertTrue(gov.proposal(id).setRules(v.params).isEmpty(), "no TaskRules holds a fee of 50%");
        mine(2);
        gov.castVote(deployer, id, Support.FOR);
        mine(FAST.votingPeriod());
        gov.queue(deployer, id);
        chain.advanceTime(FAST.timelockDelay());
        reverts("RuleOutOfRange(\"feeBps\", 5000, 0, 2000)", () -> gov.execute(deployer, id));
        assertEquals(ProposalState.QUEUED, gov.state(id));
        assertEquals(TaskRules.defaults(), gov.rules());
    }

    @Test
    void votesAtTheSnapshotCountNotThoseBoughtLater() {
        String late = chain.accounts().get(4);
        gov.delegate(deployer, deployer);
        mine(1);
        BigInteger id = gov.proposeRules(deployer, gov.rules().with("feeBps", BigInteger.valueOf(200)), "Fee 2%");
        assertNull(gov.status(id).quorum(), "the quorum is unknown until the snapshot block is past");
        mine(2);
        v.transfer(deployer, late, Verity.ether(1_000_000));
        gov.delegate(late, late);
        mine(1);
        refused("had no votes delegated to it at block", () -> gov.castVote(late, id, Support.AGAINST));
    }

    /** Passes a proposal setting {@code next}, from the deployer's votes, through the timelock. */
    private void pass(TaskRules next, String description) {
        if (!gov.delegates(deployer).equals(deployer)) gov.delegate(deployer, deployer);
        BigInteger id = gov.proposeRules(deployer, next, description);
        mine(FAST.votingDelay() + 1);
        gov.castVote(deployer, id, Support.FOR);
        mine(FAST.votingPeriod());
        gov.queue(deployer, id);
        chain.advanceTime(FAST.timelockDelay());
        gov.execute(deployer, id);
        assertEquals(next, gov.rules());
    }

    @Test
    void aTaskKeepsTheRulesItWasPostedUnderAndALaterTaskGetsTheNewOnes() {
        ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
        ChainSelftest.setUp(v, a);
        SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);
        byte[] secret = ChainSelftest.secret();
        PostParams spec = ChainSelftest.spec(syn, secret);
        long before = v.post(a.submitter(), spec);
        BigInteger price = new BigInteger("800000000000000000"); // 0.8 VRT a work unit: the solver is paid 800 VRT
        v.bid(a.solver(), before, price);

        pass(TaskRules.defaults().withFeeBps(1_000), "Fee 10%");
        assertEquals(250, v.task(before).rules().feeBps(), "the running task keeps the fee it was posted under");

        // the earlier task runs to the end under its own rules: the treasury gets 2.5% of the pay, less the jackpot's 40%
        chain.advanceTime(Math.max(0, v.task(before).deadline() - chain.timestamp()) + 1);
        v.closeAuction(a.deployer(), before);
        v.commit(a.solver(), before, syn.traceRoot(), syn.modelRoot(), Sha256.hash("manifest".getBytes()), ChainSelftest.syntheticEnds(spec));
        v.revealSeed(a.submitter(), before, secret);
        ChainSelftest.attestAll(v, before);
        chain.advanceTime(spec.verifyWindow() + 601);
        BigInteger treasury = v.balanceOf(v.treasury);
        v.settle(a.deployer(), before);
        assertEquals(Verity.ether(12), v.balanceOf(v.treasury).subtract(treasury), "800 VRT x 2.5% x 60%");

        // a task posted after the change pays the new fee
        treasury = v.balanceOf(v.treasury);
        long after = ChainSelftest.honestTask(v, a, new SyntheticDispute(32, 8, 4, 300, 4, 6));
        assertEquals(1_000, v.task(after).rules().feeBps());
        assertEquals(Verity.ether(48), v.balanceOf(v.treasury).subtract(treasury), "800 VRT x 10% x 60%");
        ChainSelftest.checkConservation(v, a);
    }

    /**
     * The challenge bond and the round timeout are rules too: a dispute of a task posted before a passed change keeps its
     * task's (the bond it pulls, the deadlines of its rounds), a task posted after gets the new ones, and every bond leaves
     * the game when its dispute ends.
     */
    @Test
    void aDisputeTakesTheBondAndRoundTimeoutOfItsTasksRules() {
        ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
        ChainSelftest.setUp(v, a);
        SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);
        long before = ChainSelftest.committedTask(v, a, syn);
        TaskRules next = TaskRules.defaults().withChallengeBond(Verity.ether(80)).withRoundTimeout(7_200);
        pass(next, "Bond 80 VRT, two hours a round");
        long after = ChainSelftest.committedTask(v, a, new SyntheticDispute(32, 8, 4, 300, 4, 6));
        assertEquals(Verity.ether(50), v.task(before).rules().challengeBond());
        assertEquals(Verity.ether(80), v.task(after).rules().challengeBond());

        BigInteger wallet = v.balanceOf(a.challenger());
        long d1 = v.openDispute(a.challenger(), before, 1);
        assertEquals(Verity.ether(50), wallet.subtract(v.balanceOf(a.challenger())), "the earlier task's bond");
        assertEquals(chain.timestamp() + 86_400, v.disputeState(d1).deadline(), "the earlier task's round timeout");
        long d2 = v.openDispute(a.challenger(), after, 1);
        assertEquals(Verity.ether(130), wallet.subtract(v.balanceOf(a.challenger())), "the later task's bond");
        assertEquals(chain.timestamp() + 7_200, v.disputeState(d2).deadline(), "the later task's round timeout");
        assertEquals(Verity.ether(130), v.totalBonds());
        assertEquals(Verity.ether(80), v.dispute(d2).bond());

        // the solver stays silent: the later dispute times out after two hours, the earlier one only after a day
        chain.advanceTime(7_201);
        v.timeoutDispute(a.deployer(), d2);
        assertTrue(v.dispute(d2).challengerWon());
        assertThrows(Chain.RevertException.class, () -> v.timeoutDispute(a.deployer(), d1), "a day has not passed for the earlier dispute");
        chain.advanceTime(86_400);
        v.timeoutDispute(a.deployer(), d1);
        assertEquals(BigInteger.ZERO, v.totalBonds(), "both bonds went back to the winning challenger");
        ChainSelftest.checkConservation(v, a);
    }

    /**
     * A referee upgrade: a passed proposal adopts a new referee set for tasks posted after it executes, while a dispute of
     * a task posted before is still ruled by the old referee. A rules proposal made before the upgrade cannot undo it (it
     * fails at execution), and no rules proposal can move the set.
     */
    @Test
    void aRefereeUpgradeRulesTheDisputesOfLaterTasksOnly() {
        ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
        ChainSelftest.setUp(v, a);
        SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);
        long before = ChainSelftest.committedTask(v, a, syn);
        gov.delegate(deployer, deployer);
        mine(1);
        refused("rule out of range: refereeSet = 1, ProtocolParams allows [0, 0]", () -> gov.proposeRules(deployer, gov.rules().withRefereeSet(1), "x"));
        BigInteger stale = gov.proposeRules(deployer, gov.rules().withFeeBps(300), "Fee 3%");
        // the new set's referee: a test fixture that finds every link right (the synthetic dispute's link is wrong)
        String lenient = chain.deploy(deployer, Artifacts.creationCode("AlwaysDefenderReferee")).contractAddress();
        refused("is not a contract on this chain", () -> gov.proposeReferees(deployer, a.challenger(), gov.refereeSets().get(0).get(1), "x"));
        BigInteger upgrade = gov.proposeReferees(deployer, lenient, gov.refereeSets().get(0).get(1), "Adopt a new referee");
        assertEquals(java.util.Optional.of(List.of(lenient.toLowerCase(java.util.Locale.ROOT), gov.refereeSets().get(0).get(1))),
                gov.proposal(upgrade).adoptsReferees(v.params));
        // a rival upgrade made at the same time: whichever executes second finds the set it meant to replace gone
        String strict = chain.deploy(deployer, Artifacts.creationCode("AlwaysChallengerReferee")).contractAddress();
        BigInteger rival = gov.proposeReferees(deployer, strict, gov.refereeSets().get(0).get(1), "Adopt another referee");
        mine(FAST.votingDelay() + 1);
        for (BigInteger id : List.of(stale, upgrade, rival)) gov.castVote(deployer, id, Support.FOR);
        mine(FAST.votingPeriod());
        for (BigInteger id : List.of(stale, upgrade, rival)) gov.queue(deployer, id);
        chain.advanceTime(FAST.timelockDelay());
        gov.execute(deployer, upgrade);
        assertEquals(1, gov.rules().refereeSet());
        assertEquals(2, gov.refereeSets().size());
        reverts("RuleOutOfRange(\"refereeSet\", 0, 1, 1)", () -> gov.execute(deployer, stale));
        reverts("StaleRefereeUpgrade(1, 0)", () -> gov.execute(deployer, rival));
        assertEquals(1, gov.rules().refereeSet(), "the later upgrade stands");

        long after = ChainSelftest.committedTask(v, a, new SyntheticDispute(32, 8, 4, 300, 4, 6));
        assertEquals(0, v.task(before).rules().refereeSet());
        assertEquals(1, v.task(after).rules().refereeSet());
        long oldRules = ChainSelftest.playDispute(v, a, before, syn, 1, 3, syn.graphOps / 2, syn.outputElems - 1, syn.chainLength / 2);
        assertTrue(v.dispute(oldRules).challengerWon(), "the earlier task's dispute: BasicOpReferee recomputes the wrong link");
        SyntheticDispute syn2 = new SyntheticDispute(32, 8, 4, 300, 4, 6);
        long newRules = ChainSelftest.playDispute(v, a, after, syn2, 1, 3, syn2.graphOps / 2, syn2.outputElems - 1, syn2.chainLength / 2);
        assertFalse(v.dispute(newRules).challengerWon(), "the later task's dispute: ruled by the adopted referee");
        ChainSelftest.checkConservation(v, a);
    }

    @Test
    void aQuorumOfZeroIsRefusedByTheGovernorAtDeploymentAndByProposal() {
        // GovernanceSettings refuses it in Java; the contract must too (a single vote for would pass anything). The embedded
        // EVM returns no revert data for a failed creation, so only the revert itself is checked here.
        assertThrows(Chain.RevertException.class, () -> chain.deploy(deployer, Artifacts.creationCode("VerityGovernor", Abi.addr(v.token), Abi.u48(1),
                Abi.u32(10), Abi.u256(0), Abi.u256(0), Abi.u256(3600))));
        chain.deploy(deployer, Artifacts.creationCode("VerityGovernor", Abi.addr(v.token), Abi.u48(1), Abi.u32(10), Abi.u256(0), Abi.u256(1),
                Abi.u256(3600))); // the same with a quorum of 1% deploys
        gov.delegate(deployer, deployer);
        mine(1);
        byte[] zero = Abi.call("updateQuorumNumerator(uint256)", Abi.u256(0));
        BigInteger id = gov.proposeUnchecked(deployer, List.of(v.governor), List.of(BigInteger.ZERO), List.of(zero), "Quorum 0%");
        mine(2);
        gov.castVote(deployer, id, Support.FOR);
        mine(FAST.votingPeriod());
        gov.queue(deployer, id);
        chain.advanceTime(FAST.timelockDelay());
        reverts("QuorumOutOfRange(0, 1, 100)", () -> gov.execute(deployer, id));
        assertEquals(4, gov.quorumPercent());
    }

    @Test
    void unknownRuleNamesAndValuesOutsideTheirTypeAreRefused() {
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> TaskRules.defaults().with("fee", BigInteger.ONE));
        assertEquals("unknown rule 'fee'; the rules are seatStake, feeBps, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, "
                + "refereeSet, challengeBond, roundTimeout", name.getMessage());
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> TaskRules.defaults().with("forcedErrorPpm", BigInteger.ONE.shiftLeft(40)));
        assertEquals("forcedErrorPpm must be in its range (see verity gov params), got 1099511627776", wide.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GovernanceSettings(1, 0, BigInteger.ZERO, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> new GovernanceSettings(1, 10, BigInteger.ZERO, 0, 0));
    }
}
